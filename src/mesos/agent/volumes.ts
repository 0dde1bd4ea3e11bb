// The agent's checkpointed resources (dynamic reservations and persistent volumes) and the volumes
// they name on disk, as Mesos's agent keeps them (src/slave/slave.cpp checkpointResourceState and
// syncCheckpointedResources, src/slave/paths.cpp):
// - the master sends all of them after every operation (CHECKPOINT_RESOURCES); they are written to
//   <work_dir>/meta/resources/resources_and_operations.state (JSON here, tmp + rename) and read
//   back at start, so reservations and volumes survive an agent restart;
// - the agent's total is its --resources with them applied;
// - a volume is the directory <work_dir>/volumes/roles/<role>/<persistence_id> ('/' in a role
//   becomes ' '), created when it first appears and deleted when it is destroyed;
// - a task whose resources hold a volume sees it at <sandbox>/<container_path>. Mesos bind-mounts
//   it in the container's mount namespace; here it is a symlink, which needs no root, nothing to
//   undo when the container ends and no change to the launchers, and which command tasks follow
//   like a directory. (A container with its own root filesystem or a Docker container cannot
//   follow a host path: those need a bind mount, see volumeMounts.)
import { lstat, mkdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { validateId } from '../protocol/ids.js';
import {
  applyCheckpointedResources,
  diskInfoOf,
  needsCheckpointing,
  persistenceIdOf,
  reservationRole,
  upgradeResource,
} from '../protocol/resources.js';
import type { ContainerInfo, Resource } from '../protocol/types.js';
import type { Logger } from '../../util/log.js';

export function resourcesStatePath(workDir: string): string {
  return join(workDir, 'meta', 'resources', 'resources_and_operations.state');
}

/** paths::getPersistentVolumePath for a volume without a disk source. */
export function persistentVolumePath(workDir: string, role: string, persistenceId: string): string {
  return join(workDir, 'volumes', 'roles', role.replaceAll('/', ' '), persistenceId);
}

/** The directory of a persistent volume resource, or an error when its role or id cannot be a path. */
export function volumePathOf(workDir: string, volume: Resource): { path: string } | { error: string } {
  const id = persistenceIdOf(volume);
  if (id === undefined) return { error: 'not a persistent volume' };
  const idError = validateId(id);
  if (idError) return { error: `invalid persistence id '${id}': ${idError}` };
  const role = reservationRole(volume);
  // The master validates roles; this only keeps a bad one from naming a directory outside volumes/.
  if (role === '*' || role === '.' || role === '..' || role.includes('\u0000')) {
    return { error: `invalid role '${role}' for a persistent volume` };
  }
  if (diskInfoOf(volume)?.source) return { error: 'volumes on disk sources are not supported' };
  return { path: persistentVolumePath(workDir, role, id) };
}

function volumePaths(workDir: string, resources: readonly Resource[]): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    const p = persistenceIdOf(r) === undefined ? undefined : volumePathOf(workDir, r);
    if (p && 'path' in p) out.add(p.path);
  }
  return out;
}

/** The volume directories a change of checkpointed resources creates and deletes. */
export function volumeChanges(
  workDir: string,
  before: readonly Resource[],
  after: readonly Resource[],
): { create: string[]; remove: string[] } {
  const old = volumePaths(workDir, before);
  const next = volumePaths(workDir, after);
  return {
    create: [...next].filter((p) => !old.has(p)).sort(),
    remove: [...old].filter((p) => !next.has(p)).sort(),
  };
}

export interface VolumeMount {
  /** The volume's directory on this host. */
  hostPath: string;
  /** Where the task sees it, relative to its sandbox. */
  containerPath: string;
  mode: 'RW' | 'RO';
}

/**
 * The persistent volumes among a task's resources and where it wants them. A container path must
 * be relative and stay inside the sandbox (Mesos allows absolute ones only for containers with an
 * image); the others come back as errors.
 */
export function volumeMounts(
  workDir: string,
  resources: readonly Resource[],
): { mounts: VolumeMount[]; errors: string[] } {
  const mounts: VolumeMount[] = [];
  const errors: string[] = [];
  for (const r of resources) {
    if (persistenceIdOf(r) === undefined) continue;
    const id = persistenceIdOf(r)!;
    const where = volumePathOf(workDir, r);
    if ('error' in where) {
      errors.push(`Volume '${id}': ${where.error}`);
      continue;
    }
    const containerPath = diskInfoOf(r)?.volume?.container_path;
    if (typeof containerPath !== 'string' || containerPath === '') {
      errors.push(`Volume '${id}' has no container_path`);
      continue;
    }
    const relative = normalize(containerPath);
    if (
      isAbsolute(containerPath) ||
      relative === '.' ||
      relative === '..' ||
      relative.startsWith(`..${sep}`)
    ) {
      errors.push(`Volume '${id}': container_path '${containerPath}' must be a path inside the sandbox`);
      continue;
    }
    mounts.push({ hostPath: where.path, containerPath: relative, mode: diskInfoOf(r)?.volume?.mode ?? 'RW' });
  }
  return { mounts, errors };
}

interface StateFile {
  resources: Resource[];
  /** Mesos also keeps pending operations here; this agent applies them at once, so none. */
  operations: unknown[];
}

export interface AgentVolumesOptions {
  workDir: string;
  /** The agent's --resources (with what was detected): unreserved and statically reserved. */
  resources: readonly Resource[];
  log: Logger;
}

/** The agent's checkpointed resources and persistent volumes (see the file comment). */
export class AgentVolumes {
  private checkpointedValue: Resource[] = [];
  private totalValue: Resource[];
  /** Updates run one after another; a task attaching volumes waits for those before it. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: AgentVolumesOptions) {
    this.totalValue = [...options.resources];
  }

  /** Dynamic reservations and persistent volumes, post-refinement (what re-registration sends). */
  get checkpointed(): readonly Resource[] {
    return this.checkpointedValue;
  }

  /** --resources with the checkpointed resources applied: what the agent has. */
  get total(): readonly Resource[] {
    return this.totalValue;
  }

  /**
   * Reads what an earlier run checkpointed and makes sure its volumes exist. Throws when the
   * --resources no longer hold them (Mesos refuses to start then too: the reservations would lie).
   */
  async recover(): Promise<void> {
    let text: string;
    try {
      text = await readFile(resourcesStatePath(this.options.workDir), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const state = JSON.parse(text) as Partial<StateFile>;
    const resources = state.resources ?? [];
    const applied = applyCheckpointedResources(this.options.resources, resources);
    if ('error' in applied) throw new Error(`Cannot recover checkpointed resources: ${applied.error}`);
    // A crash between deleting a destroyed volume and writing the file leaves it listed: recreate.
    for (const path of volumePaths(this.options.workDir, resources)) await mkdir(path, { recursive: true });
    this.checkpointedValue = resources;
    this.totalValue = applied.resources;
    this.options.log.info('Recovered checkpointed resources', { resources: resources.length });
  }

  /**
   * CHECKPOINT_RESOURCES: new volumes' directories are created, destroyed ones deleted, then the
   * list is written. Never rejects: failures are logged. Resources the --resources cannot hold are refused (logged), as a master that
   * disagrees with the agent's configuration would be wrong to be followed.
   */
  update(resources: readonly Resource[]): Promise<void> {
    const run = async (): Promise<void> => {
      const next = resources.filter(needsCheckpointing).map((r) => {
        const c = upgradeResource(r);
        delete c.allocation_info;
        return c;
      });
      const applied = applyCheckpointedResources(this.options.resources, next);
      if ('error' in applied) {
        this.options.log.error('Refusing checkpointed resources', { error: applied.error });
        return;
      }
      const changes = volumeChanges(this.options.workDir, this.checkpointedValue, next);
      for (const path of changes.create) await mkdir(path, { recursive: true });
      for (const path of changes.remove) {
        this.options.log.info('Deleting persistent volume', { path });
        await rm(path, { recursive: true, force: true });
      }
      await this.write({ resources: next, operations: [] });
      this.checkpointedValue = next;
      this.totalValue = applied.resources;
    };
    // One failed update (logged) must not stop the ones after it; callers need not catch.
    this.queue = this.queue
      .then(run)
      .catch((err: unknown) =>
        this.options.log.error('Checkpointing resources failed', { error: (err as Error).message }),
      );
    return this.queue;
  }

  /**
   * Makes the task's persistent volumes visible in its sandbox as symlinks. Problems are logged,
   * not thrown: the task runs and finds its path missing, as the agent cannot fail it from here.
   * A Docker container or one with an image has its own root filesystem, where a link to a host
   * path leads nowhere: those get the volumes as bind mounts (volumeMounts) from their launcher.
   */
  async attach(resources: readonly Resource[], sandbox: string, container?: ContainerInfo): Promise<void> {
    if (container?.type === 'DOCKER' || container?.mesos?.image) return;
    const { mounts, errors } = volumeMounts(this.options.workDir, resources);
    for (const error of errors) this.options.log.warn('Not attaching a volume', { sandbox, error });
    if (mounts.length === 0) return;
    await this.queue;
    for (const m of mounts) {
      // Normally created by CHECKPOINT_RESOURCES already; a volume is never attached missing.
      await mkdir(m.hostPath, { recursive: true });
      const target = join(sandbox, m.containerPath);
      await mkdir(dirname(target), { recursive: true });
      const existing = await lstat(target).catch(() => null);
      if (existing?.isSymbolicLink()) await unlink(target);
      else if (existing) {
        this.options.log.warn('Not attaching a volume: its container_path exists in the sandbox', { target });
        continue;
      }
      await symlink(m.hostPath, target);
    }
  }

  private async write(state: StateFile): Promise<void> {
    const path = resourcesStatePath(this.options.workDir);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, path);
  }
}
