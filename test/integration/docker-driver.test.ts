// The docker driver against the real dockerd: the node image (built with debootstrap the first time
// when no registry is reachable), a 3-node cluster (ZooKeeper, master, agent) whose agent registers,
// task memory limits enforced inside the agent's container, node control, exec, logs and a delete
// that leaves nothing behind.
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerDriver } from '../../src/cluster/drivers/docker/docker-driver.js';
import { LABEL_CLUSTER, networkName } from '../../src/cluster/drivers/docker/container-spec.js';
import {
  ClusterNameTakenError,
  NodeNotFoundError,
  type ClusterRecord,
} from '../../src/cluster/drivers/driver.js';
import { planNodes } from '../../src/cluster/plan.js';
import { defaultClusterSpec } from '../../src/cluster/spec.js';
import { waitFor } from '../../src/util/wait.js';
import { fourLetterWord } from '../../src/zookeeper/server.js';

const docker = new Dockerode();
const unreachable = await docker.ping().then(
  () => null,
  (err: Error) => err.message,
);
if (unreachable) {
  console.warn(`Skipping the docker driver integration tests: Docker is not reachable (${unreachable})`);
}

const log = (msg: string): void => console.log(`[docker-driver test] ${msg}`);
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface SlavesResponse {
  slaves: Array<{ id: string; hostname: string; active: boolean }>;
}

/**
 * GET with node:http, not fetch: until a node listens, Docker's userland proxy accepts connections
 * to its published port and closes them at once, and Node 20's fetch (undici 6) then sometimes never
 * settles, holding nothing that keeps the event loop alive.
 */
function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function activeAgents(masterAddress: string): Promise<SlavesResponse['slaves']> {
  const res = await httpGet(`http://${masterAddress}/master/slaves`);
  if (res.status !== 200) return [];
  return (JSON.parse(res.body) as SlavesResponse).slaves.filter((s) => s.active);
}

// Run in the agent's container: a task limited to 64 MB that allocates without end must be killed
// by the kernel's OOM killer (exit 0 when it was, 1 otherwise).
const OOM_CHECK = `
import { createLauncher } from '/opt/mesos-sandbox/dist/src/mesos/agent/containerizer/launcher.js';
import { mkdirSync } from 'node:fs';
const launcher = createLauncher({ isolation: 'linux', cgroupsRoot: 'oom-check' });
mkdirSync('/tmp/oom', { recursive: true });
const task = await launcher.launch({
  containerId: 'oom-task', shell: true,
  value: 'exec node -e "const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1));"',
  env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, cwd: '/tmp/oom',
  stdoutPath: '/tmp/oom/stdout', stderrPath: '/tmp/oom/stderr', runtimeDir: '/tmp/oom/run', cpus: 0.5, memMb: 64,
});
const exit = await task.exited;
console.log(JSON.stringify({ isolation: launcher.isolation, exit }));
process.exit(exit.oomKilled ? 0 : 1);
`;

describe.skipIf(unreachable !== null)('docker driver (real dockerd)', () => {
  const name = `it-docker-${randomUUID().slice(0, 8)}`;
  const driver = new DockerDriver({ docker, onStep: log });
  const spec = {
    ...defaultClusterSpec(),
    name,
    driver: 'docker' as const,
    agents: [{ count: 1, resources: 'cpus:2;mem:1024;disk:4096', attributes: 'rack:r1' }],
    marathon: { enabled: false, flags: {} },
    chronos: { enabled: false, flags: {} },
  };
  const record: ClusterRecord = {
    name,
    driver: 'docker',
    runId: randomUUID(),
    createdAt: new Date().toISOString(),
    spec,
  };
  let exportDir: string | undefined;

  beforeAll(async () => {
    await driver.preflight();
    const started = Date.now();
    const image = await driver.ensureImage();
    log(`image ${image} ready in ${seconds(started)}`);
  }, 20 * 60_000);

  afterAll(async () => {
    await driver.delete(name);
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  }, 60_000);

  it('creates the cluster, and the agent registers with the master', async () => {
    const started = Date.now();
    const provisioning = await driver.create(record);
    const plans = planNodes(spec, provisioning.addressing);
    expect(plans.map((p) => p.id)).toEqual(['zookeeper-1', 'master-1', 'agent-1']);
    expect(plans[1]!.flags).toContain('--zk=zk://zookeeper-1:2181/mesos');
    for (const plan of plans) {
      await provisioning.startNode(plan);
      if (plan.role !== 'zookeeper') continue;
      // As `sandbox up` does: ZooKeeper serves before anyone connects. A client that connects while
      // it is still loading can be left hanging by ZooKeeper 3.8 (the agent then exits after 10 s).
      const zk = (await driver.nodes(name)).find((n) => n.id === plan.id)!;
      const [host, port] = zk.address.split(':') as [string, string];
      await waitFor(async () => /^Mode: /m.test(await fourLetterWord(host, Number(port), 'srvr', 1000)), {
        timeoutMs: 60_000,
        intervalMs: 100,
        description: `${plan.id} to serve`,
      });
    }

    const nodes = await driver.nodes(name);
    expect(nodes.map((n) => [n.id, n.role, n.state])).toEqual([
      ['zookeeper-1', 'zookeeper', 'running'],
      ['master-1', 'master', 'running'],
      ['agent-1', 'agent', 'running'],
    ]);
    for (const n of nodes) {
      expect(n.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(n.internalAddress).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+$/);
    }
    const master = nodes[1]!;
    const agents = await waitFor(
      async () => ((await activeAgents(master.address)).length === 1 ? true : null),
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        description: `agent-1 active in http://${master.address}/master/slaves`,
      },
    );
    expect(agents).toBe(true);
    log(`create to agent registered: ${seconds(started)}`);
    const agent = (await activeAgents(master.address))[0]!;
    expect(agent.hostname).toBe(nodes[2]!.internalAddress.split(':')[0]);
    log(`memory of the cluster: ${((await driver.memoryBytes(name)) / 2 ** 20).toFixed(0)} MiB`);
  }, 180_000);

  it('finds the cluster again from its labels', async () => {
    expect(await driver.list()).toContain(name);
    expect(await driver.get(name)).toEqual(record);
    expect(await driver.get(`${name}-none`)).toBeNull();
    await expect(driver.create(record)).rejects.toBeInstanceOf(ClusterNameTakenError);
    await expect(driver.stopNode(name, 'agent-9')).rejects.toBeInstanceOf(NodeNotFoundError);
  });

  it('enforces a task memory limit inside the agent container (OOM kill)', async () => {
    const code = await driver.exec(name, 'agent-1', ['node', '--input-type=module', '-e', OOM_CHECK]);
    expect(code).toBe(0);
  }, 60_000);

  it('runs commands in a node and returns their exit code', async () => {
    expect(await driver.exec(name, 'master-1', ['echo', 'hi'])).toBe(0);
    expect(await driver.exec(name, 'master-1', ['sh', '-c', 'exit 3'])).toBe(3);
  });

  it('writes and exports node logs', async () => {
    const out = new Collect();
    await driver.writeLog(name, 'master-1', out);
    expect(out.text).toContain('Master listening');
    exportDir = await mkdtemp(join(tmpdir(), 'sandbox-docker-logs-'));
    await driver.exportLogs(name, exportDir);
    expect((await readdir(exportDir)).sort()).toEqual(['agent-1', 'master-1', 'zookeeper-1']);
    expect((await readdir(join(exportDir, 'zookeeper-1'))).sort()).toEqual(['inspect.json', 'node.log']);
    // ZooKeeper's own log goes to the container's output, so it is in the node's log.
    expect(await readFile(join(exportDir, 'zookeeper-1', 'node.log'), 'utf8')).toContain('binding to port');
    expect(await readFile(join(exportDir, 'agent-1', 'node.log'), 'utf8')).toContain('Registered');
  });

  it('follows a log until aborted', async () => {
    const out = new Collect();
    const abort = new AbortController();
    const following = driver.writeLog(name, 'zookeeper-1', out, { follow: true, signal: abort.signal });
    await waitFor(() => out.text.includes('ZooKeeper started'), { timeoutMs: 10_000 });
    abort.abort();
    await following;
  });

  it('stops, starts and kills nodes', async () => {
    const state = async (id: string): Promise<string | undefined> =>
      (await driver.nodes(name)).find((n) => n.id === id)?.state;
    const before = (await driver.nodes(name)).find((n) => n.id === 'master-1')!;
    let t = Date.now();
    await driver.stopNode(name, 'agent-1');
    log(`stop agent: ${seconds(t)}`);
    expect(await state('agent-1')).toBe('stopped');
    await driver.stopNode(name, 'agent-1'); // already stopped: no error
    t = Date.now();
    await driver.startNode(name, 'agent-1');
    expect(await state('agent-1')).toBe('running');
    await waitFor(async () => (await activeAgents(before.address)).length === 1, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    log(`agent restarted and active again: ${seconds(t)}`);
    await driver.killNode(name, 'master-1');
    expect(await state('master-1')).toBe('stopped');
    await driver.killNode(name, 'master-1'); // already dead: no error
    await driver.startNode(name, 'master-1');
    const after = (await driver.nodes(name)).find((n) => n.id === 'master-1')!;
    expect(after.address).toBe(before.address); // the published port survives a restart
    await waitFor(async () => (await httpGet(`http://${after.address}/health`)).status === 200, {
      timeoutMs: 30_000,
    });
  }, 120_000);

  it('deletes every container and the network, idempotently', async () => {
    await driver.delete(name);
    await driver.delete(name);
    const filters = { label: [`${LABEL_CLUSTER}=${name}`] };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listNetworks()).map((n) => n.Name)).not.toContain(networkName(name));
    expect(await driver.list()).not.toContain(name);
    expect(await driver.get(name)).toBeNull();
    expect(await driver.nodes(name)).toEqual([]);
  }, 60_000);
});
