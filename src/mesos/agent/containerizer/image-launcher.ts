// The Mesos containerizer with a container image (ContainerInfo type MESOS with mesos.image of type
// DOCKER): the image's root filesystem comes from the local Docker daemon (image-provisioner.ts),
// and the task runs chrooted in its own copy of it, in the linux launcher's namespaces and cgroups
// (image-rootfs.ts), with the image's environment, entrypoint and working directory merged as
// Mesos's docker/runtime isolator does. Docker does not run the task.
import type { ContainerInfo } from '../../protocol/types.js';
import type { Logger } from '../../../util/log.js';
import { imageTask, type ImageTask } from './image-rootfs.js';
import type { ImageProvisioner } from './image-provisioner.js';
import { LinuxLauncher } from './linux-launcher.js';
import type { ContainerLauncher } from './launcher.js';

export type ContainerImage = NonNullable<NonNullable<ContainerInfo['mesos']>['image']>;

/** The image a task's container info asks the Mesos containerizer for, if any. */
export function containerImageOf(container: ContainerInfo | undefined): ContainerImage | undefined {
  return container?.type === 'MESOS' ? container.mesos?.image : undefined;
}

export class ImageLauncher {
  constructor(
    private readonly base: ContainerLauncher,
    private readonly provisioner: ImageProvisioner,
    private readonly log: Logger,
  ) {}

  /**
   * A launcher for one task in `image`. Every way it can fail rejects launch(), which the task
   * runner reports as TASK_FAILED / REASON_CONTAINER_LAUNCH_FAILED with the reason.
   */
  forImage(image: ContainerImage): ContainerLauncher {
    const base = this.base;
    return {
      isolation: base.isolation,
      enforcing: base.enforcing,
      launch: async (spec) => {
        if (!(base instanceof LinuxLauncher))
          throw new Error('Container images need the linux launcher (root, cgroups and util-linux unshare)');
        if (image.type !== 'DOCKER' || !image.docker?.name)
          throw new Error(`Unsupported container image type '${image.type}'`);
        const provisioned = await this.provisioner.provision(image.docker.name, {
          forcePull: image.cached === false,
        });
        let task: ImageTask;
        try {
          task = imageTask(provisioned.config, spec, spec.env);
        } catch (e) {
          throw new Error(`Failed to determine the launch command: ${(e as Error).message}`);
        }
        // Mesos, too, only warns: tasks run as the agent's user.
        if (provisioned.config.user)
          this.log.warn('The image names a user, which is not supported: the task runs as the agent user', {
            container: spec.containerId,
            user: provisioned.config.user,
          });
        const rootfs = await this.provisioner.prepareContainerRootfs(spec.containerId, provisioned);
        try {
          return await base.launch({
            ...spec,
            ...task.command,
            env: task.env,
            rootfs: { rootfs, workingDir: task.workingDir },
          });
        } catch (e) {
          await this.provisioner.destroyContainerRootfs(spec.containerId).catch(() => undefined);
          throw e;
        }
      },
    };
  }
}
