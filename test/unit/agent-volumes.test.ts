// The agent's side of reservations and persistent volumes: where volumes live, what a change of
// checkpointed resources creates and deletes, the state file that survives a restart, and the
// volume a task finds in its sandbox.
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentVolumes,
  persistentVolumePath,
  resourcesStatePath,
  volumeChanges,
  volumeMounts,
} from '../../src/mesos/agent/volumes.js';
import {
  containsResources,
  parseResources,
  resourcesEqual,
  scalarOf,
} from '../../src/mesos/protocol/resources.js';
import type { Resource } from '../../src/mesos/protocol/types.js';
import { createLogger, type Logger } from '../../src/util/log.js';

const FLAGS = parseResources('cpus:2;mem:1024;disk:1000');

const reservedDisk = (size: number, role = 'eng'): Resource => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: size },
  reservations: [{ type: 'DYNAMIC', role, principal: 'p' }],
});
const volume = (id: string, size: number, role = 'eng', containerPath = 'data'): Resource => ({
  ...reservedDisk(size, role),
  disk: { persistence: { id }, volume: { container_path: containerPath, mode: 'RW' } },
});

/** A logger whose lines the test can read, writing into `dir`. */
function memoryLog(dir: string): { log: Logger; lines: () => string[] } {
  const file = join(dir, 'agent.log');
  return {
    log: createLogger({ file, level: 'debug' }),
    lines: () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []),
  };
}

describe('volume paths and changes', () => {
  it('puts a volume under volumes/roles/<role>/<id>, with "/" in a role as a space', () => {
    expect(persistentVolumePath('/w', 'eng', 'v1')).toBe('/w/volumes/roles/eng/v1');
    expect(persistentVolumePath('/w', 'eng/web/a', 'v1')).toBe('/w/volumes/roles/eng web a/v1');
    expect(resourcesStatePath('/w')).toBe('/w/meta/resources/resources_and_operations.state');
  });

  it('creates the volumes that appear and deletes those that go', () => {
    const before = [reservedDisk(10), volume('v1', 5), volume('v2', 5)];
    const after = [volume('v2', 5), volume('v3', 5, 'eng/web')];
    expect(volumeChanges('/w', before, after)).toEqual({
      create: ['/w/volumes/roles/eng web/v3'],
      remove: ['/w/volumes/roles/eng/v1'],
    });
    expect(volumeChanges('/w', after, after)).toEqual({ create: [], remove: [] });
  });

  it("finds a task's volumes and refuses container paths outside the sandbox", () => {
    const resources = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } } as Resource,
      volume('v1', 5, 'eng', 'data/db'),
      volume('v2', 5, 'eng', '/abs'),
      volume('v3', 5, 'eng', '../up'),
      volume('..', 5),
    ];
    const { mounts, errors } = volumeMounts('/w', resources);
    expect(mounts).toEqual([{ hostPath: '/w/volumes/roles/eng/v1', containerPath: 'data/db', mode: 'RW' }]);
    expect(errors).toEqual([
      "Volume 'v2': container_path '/abs' must be a path inside the sandbox",
      "Volume 'v3': container_path '../up' must be a path inside the sandbox",
      "Volume '..': invalid persistence id '..': '..' is disallowed",
    ]);
  });
});

describe('AgentVolumes', () => {
  const dirs: string[] = [];
  const workDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'volumes-'));
    dirs.push(dir);
    return dir;
  };

  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('starts with its --resources when nothing was checkpointed', async () => {
    const volumes = new AgentVolumes({
      workDir: workDir(),
      resources: FLAGS,
      log: createLogger({ level: 'error' }),
    });
    await volumes.recover();
    expect(volumes.checkpointed).toEqual([]);
    expect(resourcesEqual(volumes.total, FLAGS)).toBe(true);
  });

  it('creates a volume, keeps its data and its reservation across a restart', async () => {
    const dir = workDir();
    const { log } = memoryLog(dir);
    const first = new AgentVolumes({ workDir: dir, resources: FLAGS, log });
    await first.update([reservedDisk(100), volume('v1', 50)]);
    const path = persistentVolumePath(dir, 'eng', 'v1');
    expect(existsSync(path)).toBe(true);
    writeFileSync(join(path, 'data.txt'), 'kept');
    expect(containsResources(first.total, [reservedDisk(100), volume('v1', 50)])).toBe(true);
    expect(scalarOf(first.total, 'disk')).toBe(1000);

    const second = new AgentVolumes({ workDir: dir, resources: FLAGS, log });
    await second.recover();
    expect(resourcesEqual(second.checkpointed, first.checkpointed)).toBe(true);
    expect(resourcesEqual(second.total, first.total)).toBe(true);
    expect(readFileSync(join(path, 'data.txt'), 'utf8')).toBe('kept');
  });

  it('deletes a destroyed volume and its data', async () => {
    const dir = workDir();
    const volumes = new AgentVolumes({ workDir: dir, resources: FLAGS, log: memoryLog(dir).log });
    await volumes.update([volume('v1', 50), volume('v2', 50)]);
    writeFileSync(join(persistentVolumePath(dir, 'eng', 'v1'), 'data.txt'), 'gone');
    await volumes.update([reservedDisk(50), volume('v2', 50)]);
    expect(existsSync(persistentVolumePath(dir, 'eng', 'v1'))).toBe(false);
    expect(existsSync(persistentVolumePath(dir, 'eng', 'v2'))).toBe(true);
    const state = JSON.parse(readFileSync(resourcesStatePath(dir), 'utf8')) as { resources: Resource[] };
    expect(resourcesEqual(state.resources, [reservedDisk(50), volume('v2', 50)])).toBe(true);
  });

  it('refuses checkpointed resources its --resources cannot hold, on update and at start', async () => {
    const dir = workDir();
    const { log, lines } = memoryLog(dir);
    const volumes = new AgentVolumes({ workDir: dir, resources: FLAGS, log });
    await volumes.update([reservedDisk(5000)]);
    expect(volumes.checkpointed).toEqual([]);
    expect(lines().some((l) => l.includes('Refusing checkpointed resources'))).toBe(true);

    await volumes.update([reservedDisk(500)]);
    const smaller = new AgentVolumes({ workDir: dir, resources: parseResources('disk:100'), log });
    await expect(smaller.recover()).rejects.toThrow(/^Cannot recover checkpointed resources: Incompatible/);
  });

  it("links a task's volume into its sandbox, after the update that created it", async () => {
    const dir = workDir();
    const volumes = new AgentVolumes({ workDir: dir, resources: FLAGS, log: memoryLog(dir).log });
    const sandbox = join(dir, 'sandbox');
    // Not awaited: attach waits for the update queued before it, as a RUN_TASK after a CREATE does.
    void volumes.update([volume('v1', 50)]);
    await volumes.attach([volume('v1', 50, 'eng', 'state/db')], sandbox);
    const link = join(sandbox, 'state/db');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(persistentVolumePath(dir, 'eng', 'v1'));
    writeFileSync(join(link, 'x'), 'through the link');
    expect(readFileSync(join(persistentVolumePath(dir, 'eng', 'v1'), 'x'), 'utf8')).toBe('through the link');
  });

  it('leaves Docker containers and containers with an image to bind mounts', async () => {
    const dir = workDir();
    const volumes = new AgentVolumes({ workDir: dir, resources: FLAGS, log: memoryLog(dir).log });
    await volumes.update([volume('v1', 50)]);
    const sandbox = join(dir, 'sandbox');
    await volumes.attach([volume('v1', 50)], sandbox, { type: 'DOCKER', docker: { image: 'debian' } });
    await volumes.attach([volume('v1', 50)], sandbox, {
      type: 'MESOS',
      mesos: { image: { type: 'DOCKER', docker: { name: 'debian' } } },
    });
    expect(existsSync(join(sandbox, 'data'))).toBe(false);
    await volumes.attach([volume('v1', 50)], sandbox, { type: 'MESOS' });
    expect(lstatSync(join(sandbox, 'data')).isSymbolicLink()).toBe(true);
  });

  it('leaves a sandbox path that already exists alone', async () => {
    const dir = workDir();
    const { log, lines } = memoryLog(dir);
    const volumes = new AgentVolumes({ workDir: dir, resources: FLAGS, log });
    const sandbox = join(dir, 'sandbox');
    await volumes.update([volume('v1', 50)]);
    await volumes.attach([volume('v1', 50, 'eng', 'data')], sandbox);
    writeFileSync(join(sandbox, 'file'), 'mine');
    await volumes.attach([volume('v1', 50, 'eng', 'file')], sandbox);
    expect(readFileSync(join(sandbox, 'file'), 'utf8')).toBe('mine');
    expect(lines().some((l) => l.includes('its container_path exists in the sandbox'))).toBe(true);
  });
});
