// The v0 JSON endpoints of the master (/state, /state-summary, /frameworks, /slaves, /tasks, /roles,
// /version), shaped as src/master/readonly_handler.cpp writes them so the web UI, DC/OS tooling and
// scripts that scrape /state work unchanged. Pure functions of a MasterView.
import { MESOS_VERSION } from './model.js';
import type { MasterFramework, MasterTask, MasterView } from './model.js';
import { computeAgentUsage, masterPid, roleBreakdowns, capabilityNames } from './render-common.js';
import {
  renderFramework,
  renderFrameworkSummary,
  renderSlave,
  renderSlaveFull,
  renderV0Task,
} from './state-json-objects.js';
import type { V0Framework, V0FrameworkSummary, V0Slave, V0SlaveFull, V0Task } from './state-json-objects.js';

export {
  renderFramework,
  renderFrameworkSummary,
  renderSlave,
  renderSlaveFull,
  renderV0Command,
  renderV0Executor,
  renderV0Offer,
  renderV0Status,
  renderV0Task,
} from './state-json-objects.js';
export type {
  Resmap,
  V0Command,
  V0Executor,
  V0Framework,
  V0FrameworkSummary,
  V0Offer,
  V0Slave,
  V0SlaveFull,
  V0Task,
  V0TaskStatus,
} from './state-json-objects.js';

/** Fixed build stamp: this is not a Mesos build, and a stable value keeps outputs reproducible. */
export const BUILD_DATE = '2020-11-24 00:00:00';
export const BUILD_TIME = 1606176000;
export const BUILD_USER = 'mesos-sandbox';

/** The states /state-summary counts (readonly_handler.cpp TaskStateSummary; no GONE/DROPPED/UNKNOWN). */
const SUMMARY_STATES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_KILLED',
  'TASK_FAILED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_UNREACHABLE',
] as const;
export type SummaryState = (typeof SUMMARY_STATES)[number];
export type TaskStateCounts = Record<SummaryState, number>;

export interface V0Version {
  version: string;
  build_date: string;
  build_time: number;
  build_user: string;
}

export interface V0LeaderInfo {
  id: string;
  pid: string;
  port: number;
  hostname: string;
}

export interface V0State extends V0Version {
  start_time: number;
  elected_time?: number;
  id: string;
  pid: string;
  hostname: string;
  capabilities: string[];
  activated_slaves: number;
  deactivated_slaves: number;
  unreachable_slaves: number;
  leader?: string;
  leader_info?: V0LeaderInfo;
  cluster?: string;
  log_dir?: string;
  external_log_file?: string;
  flags: Record<string, string>;
  slaves: V0Slave[];
  recovered_slaves: never[];
  frameworks: V0Framework[];
  completed_frameworks: V0Framework[];
  orphan_tasks: never[];
  unregistered_frameworks: never[];
}

export function renderVersion(): V0Version {
  return { version: MESOS_VERSION, build_date: BUILD_DATE, build_time: BUILD_TIME, build_user: BUILD_USER };
}

// ---- endpoints ----

function leaderInfo(view: MasterView): Pick<V0State, 'leader' | 'leader_info'> {
  const leader = view.leader;
  if (!leader) return {};
  const pid = masterPid(leader);
  return {
    leader: pid,
    leader_info: { id: leader.id, pid, port: leader.port, hostname: leader.hostname ?? '' },
  };
}

export function renderState(view: MasterView): V0State {
  const usage = computeAgentUsage(view);
  const agents = [...view.agents.values()];
  const active = agents.filter((a) => a.active).length;
  const out: V0State = {
    ...renderVersion(),
    start_time: view.startTime,
    ...(view.electedTime !== undefined ? { elected_time: view.electedTime } : {}),
    id: view.info.id,
    pid: masterPid(view.info),
    hostname: view.info.hostname ?? '',
    capabilities: capabilityNames(view.info.capabilities),
    activated_slaves: active,
    deactivated_slaves: agents.length - active,
    // Unreachable agents are removed from the model rather than tracked.
    unreachable_slaves: 0,
    ...leaderInfo(view),
    ...(view.cluster !== undefined ? { cluster: view.cluster } : {}),
    ...(view.flags['log_dir'] !== undefined ? { log_dir: view.flags['log_dir'] } : {}),
    ...(view.flags['external_log_file'] !== undefined
      ? { external_log_file: view.flags['external_log_file'] }
      : {}),
    flags: { ...view.flags },
    slaves: agents.map((a) => renderSlave(a, usage)),
    recovered_slaves: [],
    frameworks: [...view.frameworks.values()].map(renderFramework),
    completed_frameworks: view.completedFrameworks.map(renderFramework),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
  return out;
}

function allTasks(fw: MasterFramework): MasterTask[] {
  return [...fw.tasks.values(), ...fw.unreachableTasks.values(), ...fw.completedTasks];
}

function emptyCounts(): TaskStateCounts {
  return Object.fromEntries(SUMMARY_STATES.map((s) => [s, 0])) as TaskStateCounts;
}

function countState(counts: TaskStateCounts, task: MasterTask): void {
  if ((SUMMARY_STATES as readonly string[]).includes(task.state)) counts[task.state as SummaryState]++;
}

export interface V0StateSummary {
  hostname: string;
  cluster?: string;
  slaves: Array<V0Slave & TaskStateCounts & { framework_ids: string[] }>;
  frameworks: Array<V0FrameworkSummary & TaskStateCounts & { slave_ids: string[] }>;
}

/** /state-summary: counts over each registered framework's live, unreachable and completed tasks. */
export function renderStateSummary(view: MasterView): V0StateSummary {
  const usage = computeAgentUsage(view);
  const agentCounts = new Map<string, TaskStateCounts>();
  const agentFrameworks = new Map<string, Set<string>>();
  const frameworkCounts = new Map<string, TaskStateCounts>();
  const frameworkAgents = new Map<string, Set<string>>();
  for (const fw of view.frameworks.values()) {
    const fc = emptyCounts();
    const agentsOfFw = new Set<string>();
    for (const task of allTasks(fw)) {
      countState(fc, task);
      agentsOfFw.add(task.agentId);
      if (!agentCounts.has(task.agentId)) agentCounts.set(task.agentId, emptyCounts());
      countState(agentCounts.get(task.agentId)!, task);
      agentFrameworks.set(task.agentId, (agentFrameworks.get(task.agentId) ?? new Set()).add(fw.id));
    }
    frameworkCounts.set(fw.id, fc);
    frameworkAgents.set(fw.id, agentsOfFw);
  }
  return {
    hostname: view.info.hostname ?? '',
    ...(view.cluster !== undefined ? { cluster: view.cluster } : {}),
    slaves: [...view.agents.values()].map((agent) => ({
      ...renderSlave(agent, usage),
      ...(agentCounts.get(agent.id) ?? emptyCounts()),
      framework_ids: [...(agentFrameworks.get(agent.id) ?? [])],
    })),
    frameworks: [...view.frameworks.values()].map((fw) => ({
      ...renderFrameworkSummary(fw),
      ...(frameworkCounts.get(fw.id) ?? emptyCounts()),
      slave_ids: [...(frameworkAgents.get(fw.id) ?? [])],
    })),
  };
}

/** IDAcceptor: with no query value every id matches. */
function accepts(query: URLSearchParams, key: string, id: string): boolean {
  const want = query.get(key);
  return want === null || want === id;
}

export function renderFrameworks(
  view: MasterView,
  query: URLSearchParams,
): { frameworks: V0Framework[]; completed_frameworks: V0Framework[]; unregistered_frameworks: never[] } {
  const pick = (list: Iterable<MasterFramework>): V0Framework[] =>
    [...list].filter((fw) => accepts(query, 'framework_id', fw.id)).map(renderFramework);
  return {
    frameworks: pick(view.frameworks.values()),
    completed_frameworks: pick(view.completedFrameworks),
    unregistered_frameworks: [],
  };
}

export function renderSlaves(
  view: MasterView,
  query: URLSearchParams,
): { slaves: V0SlaveFull[]; recovered_slaves: never[] } {
  const usage = computeAgentUsage(view);
  return {
    slaves: [...view.agents.values()]
      .filter((a) => accepts(query, 'slave_id', a.id))
      .map((a) => renderSlaveFull(a, usage)),
    recovered_slaves: [],
  };
}

/** numify<int> then a size_t cast: junk means "use the default", negatives wrap to "huge". */
function sizeParam(text: string | null, fallback: number): number {
  if (text === null || !/^\s*[+-]?\d+\s*$/.test(text)) return fallback;
  const n = Number(text);
  return n < 0 ? Number.POSITIVE_INFINITY : n;
}

/** The timestamp the /tasks sort uses: the first status's (tasks without statuses sort last in desc). */
function firstTimestamp(task: MasterTask): number | undefined {
  return task.statuses.length === 0 ? undefined : (task.statuses[0]!.timestamp ?? 0);
}

export function renderTasks(view: MasterView, query: URLSearchParams): { tasks: V0Task[] } {
  const limit = sizeParam(query.get('limit'), 100);
  const offset = sizeParam(query.get('offset'), 0);
  const ascending = query.get('order') === 'asc';
  const frameworks = [...view.frameworks.values(), ...view.completedFrameworks].filter((fw) =>
    accepts(query, 'framework_id', fw.id),
  );
  const tasks = frameworks.flatMap(allTasks).filter((t) => accepts(query, 'task_id', t.info.task_id.value));
  tasks.sort((a, b) => {
    const ta = firstTimestamp(a);
    const tb = firstTimestamp(b);
    if (ta === undefined || tb === undefined) {
      if (ta === tb) return 0;
      // TaskComparator: status-less tasks come first ascending and last descending.
      return (ta === undefined ? -1 : 1) * (ascending ? 1 : -1);
    }
    return ascending ? ta - tb : tb - ta;
  });
  return { tasks: tasks.slice(offset, offset + limit).map(renderV0Task) };
}

export interface V0Role {
  name: string;
  weight: number;
  quota: {
    role: string;
    guarantee: Record<string, number>;
    limit: Record<string, number>;
    consumed: Record<string, number>;
  };
  resources: Record<string, number>;
  allocated: Record<string, number>;
  offered: Record<string, number>;
  reserved: Record<string, number>;
  frameworks: string[];
}

export function renderRoles(view: MasterView): { roles: V0Role[] } {
  return {
    roles: roleBreakdowns(view).map((r) => {
      const resources: Record<string, number> = { ...r.allocated };
      for (const [name, q] of Object.entries(r.offered)) resources[name] = (resources[name] ?? 0) + q;
      return {
        name: r.name,
        weight: r.weight,
        // Quota is not modelled: no guarantees or limits, so consumption is all that is known.
        quota: { role: r.name, guarantee: {}, limit: {}, consumed: r.consumed },
        resources: Object.fromEntries(Object.entries(resources).sort(([a], [b]) => (a < b ? -1 : 1))),
        allocated: r.allocated,
        offered: r.offered,
        reserved: r.reserved,
        frameworks: r.frameworks,
      };
    }),
  };
}
