// v1 operator-API messages (include/mesos/v1/master/master.proto Response.Get*) built from the
// model, in Mesos's protobuf-JSON form: IDs as {value}, times as TimeInfo, empty repeated fields
// omitted, explicit proto defaults written. The master reuses these for its SUBSCRIBE events.
import type {
  AgentID,
  AgentInfo,
  ContainerInfo,
  ExecutorID,
  ExecutorInfo,
  FrameworkID,
  FrameworkInfo,
  HealthCheck,
  KillPolicy,
  Labels,
  Offer,
  Resource,
  TaskID,
  TaskState,
  TaskStatus,
} from '../protocol/index.js';
import type { MasterAgent, MasterFramework, MasterTask, MasterView } from './model.js';
import {
  agentDeactivated,
  computeAgentUsage,
  containerWithDefaults,
  executorWithDefaults,
  frameworkInfoWithDefaults,
  frameworkOffered,
  frameworkUsed,
  healthCheckWithDefaults,
  networkInfoWithDefaults,
  singleAgentUsage,
  timeInfo,
  toEndpointFormat,
  toPostRefinement,
} from './render-common.js';
import type { AgentUsage } from './render-common.js';

type TimeInfo = { nanoseconds: number };

export interface V1Task {
  name: string;
  task_id: TaskID;
  framework_id: FrameworkID;
  executor_id?: ExecutorID;
  agent_id: AgentID;
  state: TaskState;
  resources?: Resource[];
  statuses?: TaskStatus[];
  status_update_state?: TaskState;
  status_update_uuid?: string;
  labels?: Labels;
  discovery?: Record<string, unknown>;
  container?: ContainerInfo;
  health_check?: HealthCheck;
  kill_policy?: KillPolicy;
  user?: string;
  limits?: Record<string, { value: number | 'Infinity' }>;
}

export interface V1AgentEntry {
  agent_info: AgentInfo;
  active: boolean;
  deactivated: boolean;
  version: string;
  pid: string;
  registered_time: TimeInfo;
  reregistered_time?: TimeInfo;
  total_resources?: Resource[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
  capabilities?: Array<{ type: string }>;
}

export interface V1FrameworkEntry {
  framework_info: FrameworkInfo;
  active: boolean;
  connected: boolean;
  recovered: boolean;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  unregistered_time?: TimeInfo;
  offers?: Offer[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
  offer_constraints: Record<string, never>;
}

export interface V1ExecutorEntry {
  executor_info: ExecutorInfo;
  agent_id: AgentID;
}

// The Get* writers in readonly_handler.cpp always write their top-level arrays, even empty.
export interface V1GetAgents {
  agents: V1AgentEntry[];
  recovered_agents: AgentInfo[];
}
export interface V1GetFrameworks {
  frameworks: V1FrameworkEntry[];
  completed_frameworks: V1FrameworkEntry[];
}
export interface V1GetExecutors {
  executors: V1ExecutorEntry[];
}
export interface V1GetTasks {
  tasks: V1Task[];
  unreachable_tasks: V1Task[];
  completed_tasks: V1Task[];
}
export interface V1GetState {
  get_tasks: V1GetTasks;
  get_executors: V1GetExecutors;
  get_frameworks: V1GetFrameworks;
  get_agents: V1GetAgents;
}

/** Repeated fields are left out when empty. */
function nonEmpty<T>(list: readonly T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? [...list] : undefined;
}

function stripUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] === undefined) delete obj[key];
  return obj;
}

/** Master-side statuses have `data` cleared (MESOS-1746) so large payloads don't pile up. */
function v1Status(s: TaskStatus): TaskStatus {
  const out: TaskStatus = { ...s };
  delete out.data;
  if (s.container_status?.network_infos) {
    out.container_status = {
      ...s.container_status,
      network_infos: s.container_status.network_infos.map(networkInfoWithDefaults),
    };
  }
  return out;
}

/**
 * A v1 Task (mesos.proto `Task`, as protobuf::createTask builds it): resources in the internal
 * post-refinement form with their allocation role; `executor_id` only for custom executors.
 */
export function v1Task(task: MasterTask): V1Task {
  const info = task.info;
  const resources = task.resources.map((r) => ({
    ...toPostRefinement(r),
    allocation_info: r.allocation_info ?? { role: task.role },
  }));
  let limits: V1Task['limits'];
  if (info.limits && Object.keys(info.limits).length > 0) {
    limits = {};
    for (const [name, v] of Object.entries(info.limits)) {
      limits[name] = v === 'Infinity' ? { value: 'Infinity' } : { value: v.value };
    }
  }
  return stripUndefined<V1Task>({
    name: info.name,
    task_id: { value: info.task_id.value },
    framework_id: { value: task.frameworkId },
    executor_id: task.executorId !== '' ? { value: task.executorId } : undefined,
    agent_id: { value: task.agentId },
    state: task.state,
    resources: nonEmpty(resources),
    statuses: nonEmpty(task.statuses.map(v1Status)),
    // Both or neither (mesos.proto): the update currently awaiting acknowledgement.
    status_update_state: task.statusUpdateUuid !== undefined ? task.statusUpdateState : undefined,
    status_update_uuid: task.statusUpdateState !== undefined ? task.statusUpdateUuid : undefined,
    labels: info.labels,
    discovery: info.discovery,
    container: info.container ? containerWithDefaults(info.container) : undefined,
    health_check: info.health_check ? healthCheckWithDefaults(info.health_check) : undefined,
    kill_policy: info.kill_policy,
    user: task.user,
    limits,
  });
}

/** GetAgents.Agent (protobuf::master::event::createAgentResponse). */
export function v1AgentEntry(agent: MasterAgent, view: MasterView, usage?: AgentUsage): V1AgentEntry {
  const u = usage ?? singleAgentUsage(view, agent.id);
  // AgentInfo has no capabilities field: they belong to the entry, not to agent_info. Other keys
  // the agent sent (e.g. domain) pass through.
  const info: AgentInfo = { ...agent.info };
  delete info.capabilities;
  const agentInfo = stripUndefined<AgentInfo>({
    ...info,
    hostname: info.hostname || agent.hostname,
    port: info.port ?? agent.port,
    resources: nonEmpty((info.resources ?? []).map(toPostRefinement)),
    attributes: nonEmpty(info.attributes),
    id: { value: agent.id },
  });
  return stripUndefined<V1AgentEntry>({
    agent_info: agentInfo,
    active: agent.active,
    deactivated: agentDeactivated(agent),
    version: agent.version,
    pid: agent.pid,
    registered_time: timeInfo(agent.registeredTime),
    reregistered_time: agent.reregisteredTime !== undefined ? timeInfo(agent.reregisteredTime) : undefined,
    total_resources: nonEmpty(agent.total.map(toEndpointFormat)),
    allocated_resources: nonEmpty((u.used.get(agent.id) ?? []).map(toEndpointFormat)),
    offered_resources: nonEmpty((u.offered.get(agent.id) ?? []).map(toEndpointFormat)),
    capabilities: nonEmpty(agent.capabilities.map((type) => ({ type }))),
  });
}

/** GetFrameworks.Framework (model(const Framework&) in src/master/http.cpp). */
export function v1FrameworkEntry(fw: MasterFramework): V1FrameworkEntry {
  // Zero times are "unset" there; the model uses undefined for the same thing.
  const time = (t: number | undefined): TimeInfo | undefined => (t ? timeInfo(t) : undefined);
  return stripUndefined<V1FrameworkEntry>({
    framework_info: frameworkInfoWithDefaults(fw.info, fw.id),
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered,
    registered_time: time(fw.registeredTime),
    reregistered_time: time(fw.reregisteredTime),
    unregistered_time: time(fw.unregisteredTime),
    offers: nonEmpty([...fw.offers.values()].map((o) => o.offer)),
    allocated_resources: nonEmpty(frameworkUsed(fw).map(toEndpointFormat)),
    offered_resources: nonEmpty(frameworkOffered(fw).map(toEndpointFormat)),
    offer_constraints: {},
  });
}

function knownFrameworks(view: MasterView): MasterFramework[] {
  return [...view.frameworks.values(), ...view.completedFrameworks];
}

export function v1GetAgents(view: MasterView): V1GetAgents {
  const usage = computeAgentUsage(view);
  // The model keeps no agents recovered from a registry, so there are never recovered_agents.
  return { agents: [...view.agents.values()].map((a) => v1AgentEntry(a, view, usage)), recovered_agents: [] };
}

export function v1GetFrameworks(view: MasterView): V1GetFrameworks {
  return {
    frameworks: [...view.frameworks.values()].map(v1FrameworkEntry),
    completed_frameworks: view.completedFrameworks.map(v1FrameworkEntry),
  };
}

export function v1GetExecutors(view: MasterView): V1GetExecutors {
  const executors: V1ExecutorEntry[] = [];
  for (const fw of knownFrameworks(view)) {
    for (const [agentId, byId] of fw.executors) {
      for (const e of byId.values()) {
        const info = executorWithDefaults(e);
        if (!info.framework_id) info.framework_id = { value: fw.id };
        executors.push({ executor_info: info, agent_id: { value: agentId } });
      }
    }
  }
  return { executors };
}

export function v1GetTasks(view: MasterView): V1GetTasks {
  const fws = knownFrameworks(view);
  return {
    tasks: fws.flatMap((fw) => [...fw.tasks.values()].map(v1Task)),
    unreachable_tasks: fws.flatMap((fw) => [...fw.unreachableTasks.values()].map(v1Task)),
    completed_tasks: fws.flatMap((fw) => fw.completedTasks.map(v1Task)),
  };
}

/** GetState, also the `get_state` of the operator SUBSCRIBED event. */
export function v1GetState(view: MasterView): V1GetState {
  return {
    get_tasks: v1GetTasks(view),
    get_executors: v1GetExecutors(view),
    get_frameworks: v1GetFrameworks(view),
    get_agents: v1GetAgents(view),
  };
}
