// The master's /metrics/snapshot (src/master/metrics.cpp, Master::_* gauges in master.cpp): gauges
// derived from the model, counters from view.counters (0 until first incremented, as a fresh
// libprocess Counter reads), system/* from the host and allocator/mesos/* from the allocator.
import os from 'node:os';
import { TASK_STATES, isTerminalState } from '../protocol/index.js';
import type { Resource, TaskState } from '../protocol/index.js';
import type { MasterFramework, MasterTask, MasterView } from './model.js';
import { computeAgentUsage } from './render-common.js';

/** Counters Mesos registers at start-up, so they appear (as 0) before anything happens. */
const COUNTERS = [
  'dropped_messages',
  'http_cache_hits',
  'messages_register_framework',
  'messages_reregister_framework',
  'messages_unregister_framework',
  'messages_deactivate_framework',
  'messages_kill_task',
  'messages_status_update_acknowledgement',
  'messages_operation_status_update_acknowledgement',
  'messages_resource_request',
  'messages_launch_tasks',
  'messages_decline_offers',
  'messages_revive_offers',
  'messages_suppress_offers',
  'messages_reconcile_operations',
  'messages_reconcile_tasks',
  'messages_framework_to_executor',
  'messages_executor_to_framework',
  'messages_register_slave',
  'messages_reregister_slave',
  'messages_unregister_slave',
  'messages_status_update',
  'messages_operation_status_update',
  'messages_exited_executor',
  'messages_update_slave',
  'messages_authenticate',
  'valid_framework_to_executor_messages',
  'invalid_framework_to_executor_messages',
  'valid_executor_to_framework_messages',
  'invalid_executor_to_framework_messages',
  'valid_status_updates',
  'invalid_status_updates',
  'valid_status_update_acknowledgements',
  'invalid_status_update_acknowledgements',
  'valid_operation_status_updates',
  'invalid_operation_status_updates',
  'valid_operation_status_update_acknowledgements',
  'invalid_operation_status_update_acknowledgements',
  'recovery_slave_removals',
  'slave_registrations',
  'slave_reregistrations',
  'slave_removals',
  'slave_removals/reason_unhealthy',
  'slave_removals/reason_unregistered',
  'slave_removals/reason_registered',
  'slave_shutdowns_scheduled',
  'slave_shutdowns_completed',
  'slave_shutdowns_canceled',
  'slave_unreachable_scheduled',
  'slave_unreachable_completed',
  'slave_unreachable_canceled',
  // Gauges of libprocess queues and the operator stream; the master reports them when it tracks them.
  'event_queue_messages',
  'event_queue_dispatches',
  'event_queue_http_requests',
  'operator_event_stream_subscribers',
] as const;

/** Gauges Mesos computes from live tasks (on registered agents). */
const LIVE_TASK_GAUGES: readonly TaskState[] = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
];

/** Counters of terminal transitions: `master/tasks_finished` etc. */
const TERMINAL_COUNTERS: readonly TaskState[] = [
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
];

const RESOURCE_NAMES = ['cpus', 'gpus', 'mem', 'disk'] as const;

function metricState(state: TaskState): string {
  return state.slice('TASK_'.length).toLowerCase();
}

function scalar(list: readonly Resource[], name: string, revocable: boolean): number {
  let sum = 0;
  for (const r of list) {
    if (r.name === name && r.type === 'SCALAR' && Boolean(r.revocable) === revocable) {
      sum += r.scalar?.value ?? 0;
    }
  }
  return sum;
}

function resourceMetrics(view: MasterView, out: Record<string, number>): void {
  const usage = computeAgentUsage(view);
  const agents = [...view.agents.values()];
  for (const name of RESOURCE_NAMES) {
    for (const revocable of [false, true]) {
      const total = agents.reduce((n, a) => n + scalar(a.total, name, revocable), 0);
      const used = agents.reduce((n, a) => n + scalar(usage.used.get(a.id) ?? [], name, revocable), 0);
      const key = `master/${name}${revocable ? '_revocable' : ''}`;
      out[`${key}_total`] = total;
      out[`${key}_used`] = used;
      // Percent gauges are fractions (used / total), 0 when there is nothing.
      out[`${key}_percent`] = total === 0 ? 0 : used / total;
    }
  }
}

/**
 * The terminal-state counters. Without a counter from the master, the tasks still retained
 * (live and completed, bounded by --max_completed_tasks_per_framework) are the best count there is.
 */
function terminalCount(view: MasterView, state: TaskState): number {
  const counted = view.counters[`tasks_${metricState(state)}`];
  if (counted !== undefined) return counted;
  let n = 0;
  for (const fw of [...view.frameworks.values(), ...view.completedFrameworks]) {
    for (const t of [...fw.tasks.values(), ...fw.completedTasks]) if (t.state === state) n++;
  }
  return n;
}

/** process::http::encode: the framework name is percent-encoded so '/' and ' ' keep keys parseable. */
export function encodeMetricName(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    const escape = byte < 0x20 || byte > 0x7f || '$&+,/:;=?@ "<>#%{}|\\^~[]`'.includes(c);
    out += escape ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

/** master/frameworks/<name>/<id>/...: what the model can tell (subscription, live task states, suppression). */
function frameworkMetrics(fw: MasterFramework, out: Record<string, number>): void {
  const prefix = `master/frameworks/${encodeMetricName(fw.info.name)}/${fw.id}/`;
  out[`${prefix}subscribed`] = fw.connected ? 1 : 0;
  const live: MasterTask[] = [...fw.tasks.values(), ...fw.unreachableTasks.values()];
  for (const state of TASK_STATES) {
    if (isTerminalState(state)) continue;
    out[`${prefix}tasks/active/${state.toLowerCase()}`] = live.filter((t) => t.state === state).length;
  }
  for (const role of fw.roles) {
    out[`${prefix}roles/${role}/suppressed`] = fw.suppressedRoles.has(role) ? 1 : 0;
  }
}

function systemMetrics(out: Record<string, number>): void {
  const [load1, load5, load15] = os.loadavg();
  out['system/cpus_total'] = os.cpus().length;
  out['system/load_1min'] = load1 ?? 0;
  out['system/load_5min'] = load5 ?? 0;
  out['system/load_15min'] = load15 ?? 0;
  out['system/mem_total_bytes'] = os.totalmem();
  out['system/mem_free_bytes'] = os.freemem();
}

export function renderMasterMetrics(view: MasterView): Record<string, number> {
  const out: Record<string, number> = {};
  const frameworks = [...view.frameworks.values()];
  const agents = [...view.agents.values()];

  out['master/elected'] = view.isLeader() ? 1 : 0;
  out['master/uptime_secs'] = Math.max(0, view.now() - view.startTime);

  out['master/slaves_active'] = agents.filter((a) => a.active).length;
  out['master/slaves_inactive'] = agents.filter((a) => !a.active).length;
  out['master/slaves_connected'] = agents.filter((a) => a.connected).length;
  out['master/slaves_disconnected'] = agents.filter((a) => !a.connected).length;
  // Unreachable agents leave the model, so none are ever counted as such.
  out['master/slaves_unreachable'] = 0;

  out['master/frameworks_active'] = frameworks.filter((f) => f.active).length;
  out['master/frameworks_inactive'] = frameworks.filter((f) => !f.active).length;
  out['master/frameworks_connected'] = frameworks.filter((f) => f.connected).length;
  out['master/frameworks_disconnected'] = frameworks.filter((f) => !f.connected).length;
  out['master/outstanding_offers'] = view.offers.size;

  const liveTasks = frameworks
    .flatMap((f) => [...f.tasks.values()])
    .filter((t) => view.agents.has(t.agentId));
  for (const state of LIVE_TASK_GAUGES) {
    out[`master/tasks_${metricState(state)}`] = liveTasks.filter((t) => t.state === state).length;
  }
  out['master/tasks_unreachable'] = frameworks
    .flatMap((f) => [...f.unreachableTasks.values()])
    .filter((t) => t.state === 'TASK_UNREACHABLE').length;
  for (const state of TERMINAL_COUNTERS) {
    out[`master/tasks_${metricState(state)}`] = terminalCount(view, state);
  }

  for (const name of COUNTERS) out[`master/${name}`] = view.counters[name] ?? 0;
  // Counters the master keeps beyond Mesos's standard set still belong under master/.
  for (const [name, value] of Object.entries(view.counters)) {
    if (!(`master/${name}` in out)) out[`master/${name}`] = value;
  }

  resourceMetrics(view, out);
  if (view.flags['publish_per_framework_metrics'] !== 'false') {
    for (const fw of frameworks) frameworkMetrics(fw, out);
  }
  systemMetrics(out);
  for (const [name, value] of Object.entries(view.allocatorMetrics())) out[name] = value;

  // libprocess keeps metrics in a std::map, so the snapshot's keys come out sorted.
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]!]),
  );
}
