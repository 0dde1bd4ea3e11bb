// The agent's v0 JSON: /state (src/slave/http.cpp Http::state with its FrameworkWriter and
// ExecutorWriter), /flags and /version. Shapes and key names follow Mesos 1.11 exactly, because the
// web UI's sandbox browser, the mesos CLI and DC/OS tools read these objects field by field.
import { addResources, formatResources, toAttributeMap, toResmap } from '../protocol/resources.js';
import { isTerminalState, type Labels, type Resource, type TaskStatus } from '../protocol/types.js';
import { MESOS_VERSION } from '../master/model.js';
import {
  containerWithDefaults,
  healthCheckWithDefaults,
  networkInfoWithDefaults,
  reservationsByRole,
  toEndpointFormat,
  unreserved,
} from '../master/render-common.js';
import type { AgentExecutor, AgentFramework, AgentTask, AgentView } from './model.js';

type Json = Record<string, unknown>;

/**
 * Build metadata for /version and /state. There is no C++ build here; these fixed values stand in
 * for the Mesos 1.11.0 release build so tools that parse build_time as a number keep working.
 */
export const BUILD_INFO = {
  build_date: '2020-11-24 00:00:00',
  build_time: 1606176000,
  build_user: 'mesos-sandbox',
} as const;

export function renderAgentVersion(): {
  version: string;
  build_date: string;
  build_time: number;
  build_user: string;
} {
  return { version: MESOS_VERSION, ...BUILD_INFO };
}

/** The agent's flags as /flags and /state show them: every value a string. */
export function agentFlags(view: AgentView): Record<string, string> {
  const flags: Record<string, string> = { ...view.flags };
  // These are what tools look for first; they exist even when the node was started without them.
  flags['isolation'] = view.isolation;
  flags['work_dir'] ??= view.workDir;
  flags['port'] ??= String(view.port);
  flags['resources'] ??= formatResources(view.totalResources);
  if (view.attributesText !== '') flags['attributes'] ??= view.attributesText;
  // The web UI offers the agent log (/slave/log) only when it sees external_log_file or log_dir.
  if (flags['log_file'] !== undefined) flags['external_log_file'] ??= flags['log_file'];
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(flags).sort()) sorted[key] = flags[key]!;
  return sorted;
}

export function renderAgentFlags(view: AgentView): { flags: Record<string, string> } {
  return { flags: agentFlags(view) };
}

/** Tasks in `executor.tasks` that are not terminal: Mesos's launchedTasks. */
export function activeTasks(executor: AgentExecutor): AgentTask[] {
  return [...executor.tasks.values()].filter((t) => !isTerminalState(t.state));
}

/**
 * Executor::allocatedResources(): the executor's own resources (ExecutorInfo.resources; none for a
 * command executor) plus those of its non-terminal tasks. Terminal tasks released theirs already.
 */
export function executorAllocated(executor: AgentExecutor): Resource[] {
  let sum: Resource[] = addResources([], executor.info.resources ?? []);
  for (const task of activeTasks(executor)) sum = addResources(sum, task.resources);
  return sum;
}

/** What all active frameworks' executors and tasks hold (Slave::_resources_used, /state *_allocated). */
export function agentAllocated(view: AgentView): Resource[] {
  let sum: Resource[] = [];
  for (const fw of view.frameworks.values()) {
    for (const executor of fw.executors.values()) sum = addResources(sum, executorAllocated(executor));
  }
  return sum;
}

function labelsJson(labels: Labels | undefined): Json[] | undefined {
  // Mesos writes Labels as the bare array of {key, value}, not as {labels: [...]}.
  return labels ? labels.labels.map((l) => ({ ...l })) : undefined;
}

function statusJson(status: TaskStatus): Json {
  const out: Json = { state: status.state, timestamp: status.timestamp ?? 0 };
  const labels = labelsJson(status.labels);
  if (labels) out['labels'] = labels;
  if (status.container_status) {
    const cs = status.container_status;
    out['container_status'] = {
      ...cs,
      ...(cs.network_infos ? { network_infos: cs.network_infos.map(networkInfoWithDefaults) } : {}),
    };
  }
  if (status.healthy !== undefined) out['healthy'] = status.healthy;
  return out;
}

function limitsJson(limits: NonNullable<AgentTask['info']['limits']>): Json {
  const out: Json = {};
  // Mesos writes an infinite limit as a bare Infinity token; JSON cannot, and Mesos's own parser
  // accepts the string "Infinity", so that is what we emit.
  for (const [name, v] of Object.entries(limits)) out[name] = v === 'Infinity' ? 'Infinity' : v.value;
  return out;
}

/** A task in the v0 form (common/http.cpp json(Task)); `executor_id` is "" for command tasks. */
export function renderAgentTask(view: AgentView, executor: AgentExecutor, task: AgentTask): Json {
  const info = task.info;
  const out: Json = {
    id: info.task_id.value,
    name: info.name,
    framework_id: task.frameworkId,
    executor_id: executor.kind === 'command' ? '' : executor.id,
    slave_id: view.id ?? info.agent_id?.value ?? '',
    state: task.state,
    resources: toResmap(task.resources),
  };
  if (info.limits && Object.keys(info.limits).length > 0) out['limits'] = limitsJson(info.limits);
  out['role'] = task.role;
  out['statuses'] = task.statuses.map(statusJson);
  if (info.command?.user !== undefined) out['user'] = info.command.user;
  const labels = labelsJson(info.labels);
  if (labels) out['labels'] = labels;
  if (info.discovery) out['discovery'] = info.discovery;
  if (info.container) out['container'] = containerWithDefaults(info.container);
  if (info.health_check) out['health_check'] = healthCheckWithDefaults(info.health_check);
  return out;
}

/** ExecutorWriter: terminal tasks still awaiting acknowledgement are listed with completed ones. */
export function renderAgentExecutor(view: AgentView, executor: AgentExecutor): Json {
  const info = executor.info;
  const out: Json = {
    id: executor.id,
    name: info.name ?? '',
    source: info.source ?? '',
    container: executor.containerId,
    directory: executor.directory,
    resources: toResmap(executorAllocated(executor)),
  };
  // Mesos writes `role` only when ExecutorInfo has resources (a command executor has none).
  if ((info.resources ?? []).length > 0) out['role'] = executor.role;
  const labels = labelsJson(info.labels);
  if (labels) out['labels'] = labels;
  if (info.type !== undefined) out['type'] = info.type;
  const all = [...executor.tasks.values()];
  out['tasks'] = all.filter((t) => !isTerminalState(t.state)).map((t) => renderAgentTask(view, executor, t));
  out['queued_tasks'] = [];
  out['completed_tasks'] = [
    ...executor.completedTasks.map((t) => renderAgentTask(view, executor, t)),
    ...all.filter((t) => isTerminalState(t.state)).map((t) => renderAgentTask(view, executor, t)),
  ];
  return out;
}

/** FrameworkWriter. `capabilities` is not in Mesos's agent output; it is added for our tools. */
export function renderAgentFramework(view: AgentView, fw: AgentFramework): Json {
  const info = fw.info;
  const capabilities = (info.capabilities ?? []).map((c) => c.type);
  const out: Json = {
    id: fw.id,
    name: info.name,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    hostname: info.hostname ?? '',
  };
  if (info.principal !== undefined) out['principal'] = info.principal;
  // Multi-role frameworks have `roles` only, others `role` only (as the protobuf is mirrored).
  if (capabilities.includes('MULTI_ROLE')) out['roles'] = info.roles ?? [];
  else out['role'] = info.role ?? '*';
  out['capabilities'] = capabilities;
  out['executors'] = [...fw.executors.values()].map((e) => renderAgentExecutor(view, e));
  out['completed_executors'] = fw.completedExecutors.map((e) => renderAgentExecutor(view, e));
  return out;
}

function byRole(list: readonly Resource[], render: (rs: Resource[]) => unknown): Json {
  const out: Json = {};
  for (const [role, rs] of reservationsByRole(list)) out[role] = render(rs);
  return out;
}

/** /state and /slave(1)/state. */
export function renderAgentState(view: AgentView): Json {
  const total = view.totalResources;
  const allocated = agentAllocated(view);
  const flags = agentFlags(view);
  const out: Json = {
    version: MESOS_VERSION,
    ...BUILD_INFO,
    start_time: view.startTime,
    id: view.id ?? '',
    pid: view.pid,
    hostname: view.hostname,
    // Not in Mesos's agent /state (it is in /master/state's slaves); kept for our own tools.
    port: view.port,
    capabilities: [...view.capabilities],
    resources: toResmap(total),
    reserved_resources: byRole(total, toResmap),
    unreserved_resources: toResmap(unreserved(total)),
    reserved_resources_full: byRole(total, (rs) => rs.map(toEndpointFormat)),
    unreserved_resources_full: unreserved(total).map(toEndpointFormat),
    reserved_resources_allocated: byRole(allocated, toResmap),
    unreserved_resources_allocated: toResmap(unreserved(allocated)),
    resource_providers: [],
    attributes: toAttributeMap(view.info.attributes ?? []),
  };
  if (view.masterHostname !== null) out['master_hostname'] = view.masterHostname;
  if (flags['log_dir'] !== undefined) out['log_dir'] = flags['log_dir'];
  if (flags['external_log_file'] !== undefined) out['external_log_file'] = flags['external_log_file'];
  out['flags'] = flags;
  out['frameworks'] = [...view.frameworks.values()].map((fw) => renderAgentFramework(view, fw));
  out['completed_frameworks'] = view.completedFrameworks.map((fw) => renderAgentFramework(view, fw));
  return out;
}
