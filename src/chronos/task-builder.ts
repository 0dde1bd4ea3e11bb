// A Chronos run as a Mesos task (Chronos 3.x MesosTaskBuilder and ConstraintChecker): whether a job
// fits what is left of an offer, and the TaskInfo with Chronos's environment. Pure.
import { takeScalar, toAttributeMap } from '../mesos/protocol/resources.js';
import type { CommandInfo, ContainerInfo, Offer, Resource, TaskInfo } from '../mesos/protocol/types.js';
import type { Job, JobConstraint } from './job.js';
import { formatTaskId, type ChronosTaskId } from './task-id.js';
import { formatDateTime, UTC } from './zone-time.js';

/** The offer's attributes plus `hostname`, as Chronos's ConstraintChecker sees them. */
function offerAttributes(offer: Offer): Map<string, string> {
  const attributes = new Map<string, string>([['hostname', offer.hostname]]);
  for (const [name, value] of Object.entries(toAttributeMap(offer.attributes ?? [])))
    attributes.set(name, String(value));
  return attributes;
}

/** EQUALS: the attribute is exactly the value; LIKE: it fully matches the regex; UNLIKE: it does not. */
export function constraintsAllow(constraints: readonly JobConstraint[], offer: Offer): boolean {
  if (constraints.length === 0) return true;
  const attributes = offerAttributes(offer);
  return constraints.every((c) => {
    const value = attributes.get(c.attribute);
    switch (c.operator) {
      case 'EQUALS':
        return value === c.value;
      case 'LIKE':
        return value !== undefined && new RegExp(`^(?:${c.value})$`).test(value);
      case 'UNLIKE':
        return value === undefined || !new RegExp(`^(?:${c.value})$`).test(value);
    }
  });
}

/**
 * The resources one run of the job takes from `pool` (what is left of `offer`), or undefined when it
 * does not fit or the constraints forbid the agent.
 */
export function takeJobResources(job: Job, pool: readonly Resource[], offer: Offer): Resource[] | undefined {
  if (!constraintsAllow(job.constraints, offer)) return undefined;
  const taken: Resource[] = [];
  for (const [name, amount] of [
    ['cpus', job.cpus],
    ['mem', job.mem],
    ['disk', job.disk],
  ] as const) {
    const pieces = takeScalar(
      pool.filter((r) => r.name === name),
      amount,
      offer,
    );
    if (!pieces) return undefined;
    taken.push(...pieces);
  }
  return taken;
}

function containerInfo(job: Job): ContainerInfo | undefined {
  const c = job.container;
  if (!c) return undefined;
  const volumes = c.volumes.map((v) => ({
    container_path: v.containerPath,
    mode: v.mode ?? 'RW',
    ...(v.hostPath !== null && { host_path: v.hostPath }),
  }));
  if (c.type === 'MESOS')
    return { type: 'MESOS', volumes, mesos: { image: { type: 'DOCKER', docker: { name: c.image } } } };
  return {
    type: 'DOCKER',
    volumes,
    docker: {
      image: c.image,
      network: c.network,
      force_pull_image: c.forcePullImage,
      parameters: c.parameters.map(({ key, value }) => ({ key, value })),
    },
    ...(c.networkInfos.length > 0 && {
      network_infos: c.networkInfos.map((n) => ({
        name: n.name,
        ...(n.protocol !== null && { protocol: n.protocol }),
        labels: { labels: n.labels.map(({ key, value }) => ({ key, value })) },
        port_mappings: n.portMappings.map((p) => ({
          host_port: p.hostPort,
          container_port: p.containerPort,
          ...(p.protocol !== null && { protocol: p.protocol }),
        })),
      })),
    }),
  };
}

function commandInfo(job: Job, id: ChronosTaskId, offer: Offer, taskId: string): CommandInfo {
  const fetch =
    job.fetch.length > 0
      ? job.fetch.map((f) => ({
          value: f.uri,
          executable: f.executable,
          extract: f.extract,
          cache: f.cache,
          ...(f.outputFile !== '' && { output_file: f.outputFile }),
        }))
      : job.uris.map((uri) => ({ value: uri, extract: true }));
  const variables = [
    { name: 'mesos_task_id', value: taskId },
    { name: 'CHRONOS_JOB_OWNER', value: job.owner },
    { name: 'CHRONOS_JOB_NAME', value: job.name },
    { name: 'HOST', value: offer.hostname },
    { name: 'CHRONOS_RESOURCE_MEM', value: String(job.mem) },
    { name: 'CHRONOS_RESOURCE_CPU', value: String(job.cpus) },
    { name: 'CHRONOS_RESOURCE_DISK', value: String(job.disk) },
    { name: 'CHRONOS_JOB_RUN_TIME', value: formatDateTime(id.due, UTC) },
    { name: 'CHRONOS_JOB_RUN_ATTEMPT', value: String(id.attempt) },
    ...job.environmentVariables.map(({ name, value }) => ({ name, value })),
  ];
  const extraArgs = id.args === '' ? [] : id.args.split(' ').filter((a) => a !== '');
  return {
    ...(fetch.length > 0 && { uris: fetch }),
    environment: { variables },
    // A shell command ignores `arguments`; otherwise the command is the executable and the job's
    // arguments (then a manual run's) its argv, as Chronos passes them.
    ...(job.shell
      ? { shell: true, value: job.command }
      : { shell: false, value: job.command, arguments: [...job.arguments, ...extraArgs] }),
    ...(job.runAsUser !== '' && { user: job.runAsUser }),
  };
}

/** The TaskInfo of one run: named `ChronosTask:<job>`, on the offer's agent, with the resources taken. */
export function buildChronosTask(job: Job, id: ChronosTaskId, offer: Offer, resources: Resource[]): TaskInfo {
  const taskId = formatTaskId(id);
  const container = containerInfo(job);
  return {
    name: `ChronosTask:${job.name}`,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources,
    command: commandInfo(job, id, offer, taskId),
    ...(container && { container }),
    ...(job.maxCompletionTime > 0 && {
      max_completion_time: { nanoseconds: job.maxCompletionTime * 1e9 },
    }),
  };
}
