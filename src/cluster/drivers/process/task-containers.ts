// DOCKER tasks of a process-driver cluster run on the host's Docker daemon, outside the cluster's
// process tree and cgroups: killing the agents leaves them running (as in Mesos, where they outlive
// the agent), holding their host ports. The agents label them with the cluster (--docker_task_labels),
// so `down` finds and removes them.
import Dockerode from 'dockerode';

/** The label every DOCKER task container of a process-driver cluster carries: the cluster's directory. */
export const LABEL_PROCESS_CLUSTER = 'sandbox.process-cluster';

/** The agents' flag that puts the label on their DOCKER tasks. */
export function taskLabelFlag(clusterDir: string): string {
  return `--docker_task_labels=${JSON.stringify({ [LABEL_PROCESS_CLUSTER]: clusterDir })}`;
}

/**
 * Removes the cluster's task containers. A daemon that does not answer has none of them (the agents
 * could not have started any there): that is not an error.
 */
export async function removeTaskContainers(clusterDir: string): Promise<void> {
  const docker = new Dockerode();
  let containers: Dockerode.ContainerInfo[];
  try {
    containers = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_PROCESS_CLUSTER}=${clusterDir}`] },
    });
  } catch {
    return;
  }
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch((err: { statusCode?: number }) => {
          // Gone meanwhile, or already being removed.
          if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
        }),
    ),
  );
}
