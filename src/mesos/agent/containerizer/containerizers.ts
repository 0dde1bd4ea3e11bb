// The agent's containerizers and which one runs a task (Mesos's --containerizers=mesos,docker):
// the Mesos containerizer (the linux or posix launcher), the same with a container image (the
// provisioner's rootfs), or the Docker containerizer for `container.type: DOCKER`. Also what a
// restarted agent does with each kind: find a task's container again, destroy the orphans.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import type { Logger } from '../../../util/log.js';
import { containerRuntimeDir, containersRuntimeDir } from '../checkpoint/meta-paths.js';
import {
  connectDocker,
  DEFAULT_DOCKER_SOCKET,
  DockerLauncher,
  type DockerLaunchSpec,
} from './docker-launcher.js';
import { LABEL_AGENT_ID, type DockerPlacement } from './docker-spec.js';
import { ImageLauncher, type ContainerImage } from './image-launcher.js';
import { ImageProvisioner } from './image-provisioner.js';
import type { ContainerLauncher, RunningContainer } from './launcher.js';

export interface ContainerizersOptions {
  /** The Mesos containerizer's launcher. */
  launcher: ContainerLauncher;
  workDir: string;
  log: Logger;
  /** The Docker daemon DOCKER tasks run on and images come from (--docker_socket). */
  dockerSocket?: string;
  dockerPlacement?: DockerPlacement;
}

/** How one task is contained: what its TaskInfo's ContainerInfo asks for. */
export type TaskContainment =
  { kind: 'mesos' } | { kind: 'image'; image: ContainerImage } | { kind: 'docker'; spec: DockerLaunchSpec };

export class Containerizers {
  private docker: Promise<DockerLauncher> | null = null;
  private readonly provisioner: ImageProvisioner;
  private readonly images: ImageLauncher;

  constructor(private readonly options: ContainerizersOptions) {
    this.provisioner = new ImageProvisioner({
      workDir: options.workDir,
      ...(options.dockerSocket ? { dockerSocket: options.dockerSocket } : {}),
      log: options.log,
    });
    this.images = new ImageLauncher(options.launcher, this.provisioner, options.log);
  }

  launcherFor(containment: TaskContainment): ContainerLauncher {
    switch (containment.kind) {
      case 'mesos':
        return this.options.launcher;
      case 'image':
        return this.images.forImage(containment.image);
      case 'docker':
        return {
          isolation: 'docker',
          enforcing: true,
          launch: async () => (await this.dockerLauncher()).launch(containment.spec),
        };
    }
  }

  /** A task's container, launched by an earlier agent process; null when it is gone. */
  async recover(containerId: string, containment: TaskContainment): Promise<RunningContainer | null> {
    if (containment.kind === 'docker') return (await this.dockerLauncher()).recover(containment.spec);
    // An image task's mounts live in its own mount namespace: its launcher recovers it as any other.
    return (
      (await this.options.launcher.recover?.(containerRuntimeDir(this.options.workDir, containerId))) ?? null
    );
  }

  /** What is left of a container once it ended: its runtime record, an image task's rootfs. */
  async release(containerId: string, containment: TaskContainment): Promise<void> {
    await Promise.all([
      rm(containerRuntimeDir(this.options.workDir, containerId), { recursive: true, force: true }),
      containment.kind === 'image'
        ? this.provisioner.destroyContainerRootfs(containerId).catch(() => undefined)
        : undefined,
    ]);
  }

  /**
   * Destroys every container of `agentId` that no recovered task claims (Mesos's orphans): those
   * with a runtime record, DOCKER containers labelled with the agent id, image rootfs copies.
   */
  async destroyOrphans(agentId: string | null, kept: ReadonlySet<string>): Promise<void> {
    const { workDir, log } = this.options;
    const ids = await readdir(containersRuntimeDir(workDir)).catch(() => [] as string[]);
    await Promise.all(
      ids
        .filter((id) => !kept.has(id))
        .map(async (id) => {
          const orphan = await this.options.launcher
            .recover?.(containerRuntimeDir(workDir, id))
            .catch(() => null);
          if (orphan) {
            log.info('Destroying an orphan container', { container: id });
            await orphan.destroy().catch(() => undefined);
          }
          await rm(containerRuntimeDir(workDir, id), { recursive: true, force: true });
        }),
    );
    await this.provisioner
      .recover(kept)
      .catch((err: unknown) =>
        log.warn('Could not clean up image root filesystems', { error: (err as Error).message }),
      );
    if (agentId) await this.destroyOrphanDockerContainers(agentId, kept);
  }

  private async destroyOrphanDockerContainers(agentId: string, kept: ReadonlySet<string>): Promise<void> {
    // Only if a daemon is there: an agent that never ran a DOCKER task must not need one.
    if (!existsSync(this.options.dockerSocket ?? DEFAULT_DOCKER_SOCKET)) return;
    try {
      const docker = await this.dockerLauncher();
      const orphans = (await docker.managedContainers({ [LABEL_AGENT_ID]: agentId })).filter(
        (c) => !kept.has(c.containerId),
      );
      await Promise.all(orphans.map((c) => docker.removeContainer(c.id)));
    } catch (err) {
      this.options.log.warn('Could not look for orphan Docker containers', { error: (err as Error).message });
    }
  }

  /** The Docker daemon's launcher, connected at first use; a daemon that is not there fails that task. */
  private async dockerLauncher(): Promise<DockerLauncher> {
    const { dockerSocket, dockerPlacement, log } = this.options;
    this.docker ??= connectDocker(dockerSocket).then(
      (docker) =>
        new DockerLauncher({ docker, log, ...(dockerPlacement ? { placement: dockerPlacement } : {}) }),
    );
    // The next task tries again.
    return this.docker.catch((err: unknown) => {
      this.docker = null;
      throw err;
    });
  }
}
