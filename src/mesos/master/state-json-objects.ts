// v0 JSON of the objects in /state, /slaves and /tasks (agents, frameworks, tasks, statuses, offers,
// executors), as the hand-written writers in src/common/http.cpp and readonly_handler.cpp shape
// them. These differ from the protobuf JSON of the v1 API: flat string IDs, "resmap" resources,
// labels as a bare array, `slave_id`.
import { toAttributeMap, toResmap } from '../protocol/index.js';
import type {
  CommandInfo,
  ExecutorInfo,
  Label,
  Labels,
  Resource,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../protocol/index.js';
import type { MasterAgent, MasterFramework, MasterOffer, MasterTask } from './model.js';
import {
  agentDeactivated,
  capabilityNames,
  containerWithDefaults,
  frameworkOffered,
  frameworkUsed,
  healthCheckWithDefaults,
  reservationsByRole,
  toEndpointFormat,
  unreserved,
} from './render-common.js';
import type { AgentUsage } from './render-common.js';

type TaskInfoLimits = NonNullable<TaskInfo['limits']>;

/** The v0 resource encoding: cpus/gpus/mem/disk always present, ranges and sets as text. */
export type Resmap = Record<string, number | string>;

export interface V0TaskStatus {
  state: TaskState;
  timestamp: number;
  labels?: Label[];
  container_status?: Record<string, unknown>;
  healthy?: boolean;
}

export interface V0Task {
  id: string;
  name: string;
  framework_id: string;
  executor_id: string;
  slave_id: string;
  state: TaskState;
  resources: Resmap;
  limits?: Record<string, number | 'Infinity'>;
  role: string;
  statuses: V0TaskStatus[];
  user?: string;
  labels?: Label[];
  discovery?: Record<string, unknown>;
  container?: Record<string, unknown>;
  health_check?: Record<string, unknown>;
}

export interface V0Offer {
  id: string;
  framework_id: string;
  allocation_info: { role?: string };
  slave_id: string;
  resources: Resmap;
}

export interface V0Command {
  shell?: boolean;
  value?: string;
  argv: string[];
  environment?: Record<string, unknown>;
  uris: Array<{ value: string; executable: boolean }>;
}

export interface V0Executor {
  executor_id: string;
  name: string;
  framework_id: string;
  command: V0Command;
  resources: Resmap;
  role?: string;
  labels?: Label[];
  type?: string;
  slave_id: string;
}

/** json(NetworkInfo): only non-empty parts, labels flattened like everywhere else in v0. */
function v0NetworkInfo(info: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const nonEmpty = (v: unknown): boolean => Array.isArray(v) && v.length > 0;
  if (nonEmpty(info['groups'])) out['groups'] = info['groups'];
  const labels = info['labels'] as Labels | undefined;
  if (labels) out['labels'] = labels.labels;
  if (nonEmpty(info['ip_addresses'])) out['ip_addresses'] = info['ip_addresses'];
  if (info['name'] !== undefined) out['name'] = info['name'];
  if (nonEmpty(info['port_mappings'])) out['port_mappings'] = info['port_mappings'];
  return out;
}

/** json(TaskStatus): state, timestamp and a few extras; message, reason, source and data are not shown. */
export function renderV0Status(status: TaskStatus): V0TaskStatus {
  const out: V0TaskStatus = { state: status.state, timestamp: status.timestamp ?? 0 };
  if (status.labels) out.labels = status.labels.labels;
  const cs = status.container_status;
  if (cs) {
    // json(ContainerStatus) leaves out executor_pid.
    const container: Record<string, unknown> = {};
    if (cs.container_id) container['container_id'] = cs.container_id;
    if (cs.network_infos && cs.network_infos.length > 0) {
      container['network_infos'] = cs.network_infos.map(v0NetworkInfo);
    }
    const cgroup = (cs as Record<string, unknown>)['cgroup_info'];
    if (cgroup !== undefined) container['cgroup_info'] = cgroup;
    out.container_status = container;
  }
  if (status.healthy !== undefined) out.healthy = status.healthy;
  return out;
}

/**
 * Mesos writes an infinite limit as a bare Infinity token, which JSON cannot carry; the "Infinity"
 * string is what Mesos itself accepts for it on input.
 */
function v0Limits(limits: TaskInfoLimits | undefined): Record<string, number | 'Infinity'> | undefined {
  if (!limits || Object.keys(limits).length === 0) return undefined;
  const out: Record<string, number | 'Infinity'> = {};
  for (const [name, v] of Object.entries(limits)) out[name] = v === 'Infinity' ? 'Infinity' : v.value;
  return out;
}

export function renderV0Task(task: MasterTask): V0Task {
  const info = task.info;
  const limits = v0Limits(info.limits);
  return {
    id: info.task_id.value,
    name: info.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId,
    slave_id: task.agentId,
    state: task.state,
    resources: toResmap(task.resources),
    ...(limits ? { limits } : {}),
    role: task.role,
    statuses: task.statuses.map(renderV0Status),
    ...(task.user !== undefined ? { user: task.user } : {}),
    ...(info.labels ? { labels: info.labels.labels } : {}),
    ...(info.discovery ? { discovery: info.discovery } : {}),
    ...(info.container ? { container: { ...containerWithDefaults(info.container) } } : {}),
    ...(info.health_check ? { health_check: { ...healthCheckWithDefaults(info.health_check) } } : {}),
  };
}

export function renderV0Offer(o: MasterOffer): V0Offer {
  return {
    id: o.offer.id.value,
    framework_id: o.offer.framework_id.value,
    allocation_info: o.offer.allocation_info ?? { role: o.role },
    slave_id: o.offer.agent_id.value,
    resources: toResmap(o.offer.resources),
  };
}

/** json(CommandInfo): `shell` only when set, `argv` and `uris` always, uris reduced to value/executable. */
export function renderV0Command(c: CommandInfo | undefined): V0Command {
  const out: V0Command = { argv: [], uris: [] };
  if (c?.shell !== undefined) out.shell = c.shell;
  if (c?.value !== undefined) out.value = c.value;
  out.argv = [...(c?.arguments ?? [])];
  if (c?.environment) {
    out.environment = { variables: c.environment.variables.map((v) => ({ ...v, type: v.type ?? 'VALUE' })) };
  }
  out.uris = (c?.uris ?? []).map((u) => ({ value: u.value, executable: u.executable ?? false }));
  return out;
}

export function renderV0Executor(e: ExecutorInfo, agentId: string): V0Executor {
  const resources = e.resources ?? [];
  return {
    executor_id: e.executor_id.value,
    name: e.name ?? '',
    framework_id: e.framework_id?.value ?? '',
    command: renderV0Command(e.command),
    resources: toResmap(resources),
    // Executors may not mix roles (MESOS-6636): the first resource's allocation role is the role.
    ...(resources.length > 0 ? { role: resources[0]!.allocation_info?.role ?? '' } : {}),
    ...(e.labels ? { labels: e.labels.labels } : {}),
    ...(e.type ? { type: e.type } : {}),
    slave_id: agentId,
  };
}

export interface V0Slave {
  id: string;
  hostname: string;
  port: number;
  attributes: Record<string, number | string>;
  pid: string;
  registered_time: number;
  reregistered_time?: number;
  resources: Resmap;
  used_resources: Resmap;
  offered_resources: Resmap;
  reserved_resources: Record<string, Resmap>;
  unreserved_resources: Resmap;
  active: boolean;
  deactivated: boolean;
  version: string;
  capabilities: string[];
}

export interface V0SlaveFull extends V0Slave {
  reserved_resources_full: Record<string, Resource[]>;
  unreserved_resources_full: Resource[];
  used_resources_full: Resource[];
  offered_resources_full: Resource[];
}

export interface V0FrameworkSummary {
  id: string;
  name: string;
  used_resources: Resmap;
  offered_resources: Resmap;
  capabilities: string[];
  hostname: string;
  webui_url: string;
  active: boolean;
  connected: boolean;
  recovered: boolean;
}

export interface V0Framework extends V0FrameworkSummary {
  user: string;
  failover_timeout: number;
  checkpoint: boolean;
  registered_time: number;
  unregistered_time: number;
  principal?: string;
  resources: Resmap;
  reregistered_time?: number;
  role?: string;
  roles?: string[];
  tasks: V0Task[];
  unreachable_tasks: V0Task[];
  completed_tasks: V0Task[];
  offers: V0Offer[];
  executors: V0Executor[];
  labels?: Array<{ key: string; value?: string }>;
  offer_constraints: Record<string, never>;
}

// ---- agents ----

export function renderSlave(agent: MasterAgent, usage: AgentUsage): V0Slave {
  const reserved: Record<string, Resmap> = {};
  for (const [role, list] of reservationsByRole(agent.total)) reserved[role] = toResmap(list);
  return {
    id: agent.id,
    hostname: agent.hostname,
    port: agent.port,
    attributes: toAttributeMap(agent.info.attributes ?? []),
    pid: agent.pid,
    registered_time: agent.registeredTime,
    ...(agent.reregisteredTime !== undefined ? { reregistered_time: agent.reregisteredTime } : {}),
    resources: toResmap(agent.total),
    used_resources: toResmap(usage.used.get(agent.id) ?? []),
    offered_resources: toResmap(usage.offered.get(agent.id) ?? []),
    reserved_resources: reserved,
    unreserved_resources: toResmap(unreserved(agent.total)),
    active: agent.active,
    deactivated: agentDeactivated(agent),
    version: agent.version,
    capabilities: [...agent.capabilities],
  };
}

/** /slaves adds the full Resource arrays (ENDPOINT format) operators need for /unreserve etc. */
export function renderSlaveFull(agent: MasterAgent, usage: AgentUsage): V0SlaveFull {
  const reservedFull: Record<string, Resource[]> = {};
  for (const [role, list] of reservationsByRole(agent.total)) reservedFull[role] = list.map(toEndpointFormat);
  return {
    ...renderSlave(agent, usage),
    reserved_resources_full: reservedFull,
    unreserved_resources_full: unreserved(agent.total).map(toEndpointFormat),
    used_resources_full: (usage.used.get(agent.id) ?? []).map(toEndpointFormat),
    offered_resources_full: (usage.offered.get(agent.id) ?? []).map(toEndpointFormat),
  };
}

// ---- frameworks ----

export function renderFrameworkSummary(fw: MasterFramework): V0FrameworkSummary {
  return {
    id: fw.id,
    name: fw.info.name,
    used_resources: toResmap(frameworkUsed(fw)),
    offered_resources: toResmap(frameworkOffered(fw)),
    capabilities: capabilityNames(fw.info.capabilities),
    hostname: fw.info.hostname ?? '',
    webui_url: fw.info.webui_url ?? '',
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered,
  };
}

export function renderFramework(fw: MasterFramework): V0Framework {
  const summary = renderFrameworkSummary(fw);
  const reregistered = fw.reregisteredTime !== undefined && fw.reregisteredTime !== fw.registeredTime;
  return {
    ...summary,
    user: fw.info.user,
    failover_timeout: fw.info.failover_timeout ?? 0,
    checkpoint: fw.info.checkpoint ?? false,
    registered_time: fw.registeredTime,
    unregistered_time: fw.unregisteredTime ?? 0,
    ...(fw.info.principal !== undefined ? { principal: fw.info.principal } : {}),
    resources: toResmap([...frameworkUsed(fw), ...frameworkOffered(fw)]),
    ...(reregistered ? { reregistered_time: fw.reregisteredTime } : {}),
    // MULTI_ROLE frameworks show `roles`, others the single `role`, mirroring their FrameworkInfo.
    ...(fw.capabilities.has('MULTI_ROLE')
      ? { roles: fw.info.roles ?? fw.roles }
      : { role: fw.info.role ?? fw.roles[0] ?? '*' }),
    tasks: [...fw.tasks.values()].map(renderV0Task),
    unreachable_tasks: [...fw.unreachableTasks.values()].map(renderV0Task),
    completed_tasks: fw.completedTasks.map(renderV0Task),
    offers: [...fw.offers.values()].map(renderV0Offer),
    executors: [...fw.executors].flatMap(([agentId, byId]) =>
      [...byId.values()].map((e) => renderV0Executor(e, agentId)),
    ),
    ...(fw.info.labels ? { labels: fw.info.labels.labels } : {}),
    offer_constraints: {},
  };
}
