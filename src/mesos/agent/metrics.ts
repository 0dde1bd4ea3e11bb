// The agent's /metrics/snapshot (src/slave/metrics.cpp, the slave.cpp gauges, libprocess's
// system/* gauges): a flat {key: number} object. Gauges are derived from the state model on every
// request; counters (things that happened) come from AgentView.counters.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { scalarOf } from '../protocol/resources.js';
import type { TaskState } from '../protocol/types.js';
import type { AgentExecutor, AgentView } from './model.js';
import { activeTasks, agentAllocated } from './state-json.js';

const RESOURCES = ['cpus', 'gpus', 'mem', 'disk'] as const;

/** Counter-backed metrics Mesos always publishes (0 until the first event), by their key. */
const COUNTERS = [
  'slave/tasks_finished',
  'slave/tasks_failed',
  'slave/tasks_killed',
  'slave/tasks_lost',
  'slave/tasks_gone',
  'slave/executors_preempted',
  'slave/valid_status_updates',
  'slave/invalid_status_updates',
  'slave/valid_framework_messages',
  'slave/invalid_framework_messages',
  'slave/container_launch_errors',
  'slave/recovery_errors',
  'containerizer/mesos/container_destroy_errors',
  'containerizer/fetcher/task_fetches_succeeded',
  'containerizer/fetcher/task_fetches_failed',
  'gc/path_removals_succeeded',
  'gc/path_removals_failed',
  'gc/path_removals_pending',
] as const;

/**
 * A counter from the view: counters are keyed by the metric name without `slave/` (the agent counts
 * 'tasks_finished', 'valid_status_updates', ...), or by the full name when it lives elsewhere.
 */
function counter(view: AgentView, key: string): number {
  const short = key.startsWith('slave/') ? key.slice('slave/'.length) : key;
  return view.counters[short] ?? view.counters[key] ?? 0;
}

type ExecutorPhase = 'registering' | 'running' | 'terminating';

/**
 * The model has no executor state machine, so it is read off the tasks: a built-in executor is
 * registering until its first task leaves STAGING, running while it has live tasks, and
 * terminating once none is left (it is moved to completed executors right after).
 */
function executorPhase(executor: AgentExecutor): ExecutorPhase {
  const live = activeTasks(executor);
  if (live.length === 0) return 'terminating';
  return live.every((t) => t.state === 'TASK_STAGING') ? 'registering' : 'running';
}

export function renderAgentMetrics(view: AgentView): Record<string, number> {
  const out: Record<string, number> = {};
  out['slave/registered'] = view.registered ? 1 : 0;
  out['slave/uptime_secs'] = Math.max(0, view.now() - view.startTime);

  const used = agentAllocated(view);
  for (const name of RESOURCES) {
    const total = scalarOf(view.totalResources, name);
    const inUse = scalarOf(used, name);
    out[`slave/${name}_total`] = total;
    out[`slave/${name}_used`] = inUse;
    out[`slave/${name}_percent`] = total === 0 ? 0 : inUse / total;
    // This agent never oversubscribes, but tools expect the revocable gauges to exist.
    out[`slave/${name}_revocable_total`] = 0;
    out[`slave/${name}_revocable_used`] = 0;
    out[`slave/${name}_revocable_percent`] = 0;
  }

  const byState = new Map<TaskState, number>();
  const phases: Record<ExecutorPhase, number> = { registering: 0, running: 0, terminating: 0 };
  let completedExecutors = 0;
  for (const fw of view.frameworks.values()) {
    completedExecutors += fw.completedExecutors.length;
    for (const executor of fw.executors.values()) {
      phases[executorPhase(executor)]++;
      for (const task of activeTasks(executor)) byState.set(task.state, (byState.get(task.state) ?? 0) + 1);
    }
  }
  for (const fw of view.completedFrameworks) completedExecutors += fw.completedExecutors.length;

  // Gauges over the tasks the agent holds now (Slave::_tasks_*).
  out['slave/tasks_staging'] = byState.get('TASK_STAGING') ?? 0;
  out['slave/tasks_starting'] = byState.get('TASK_STARTING') ?? 0;
  out['slave/tasks_running'] = byState.get('TASK_RUNNING') ?? 0;
  out['slave/tasks_killing'] = byState.get('TASK_KILLING') ?? 0;
  for (const key of COUNTERS) out[key] = counter(view, key);

  out['slave/executors_registering'] = phases.registering;
  out['slave/executors_running'] = phases.running;
  out['slave/executors_terminating'] = phases.terminating;
  // A counter in Mesos; when the agent does not count it, the completed executors it still
  // remembers are the best lower bound.
  out['slave/executors_terminated'] = view.counters['executors_terminated'] ?? completedExecutors;
  out['slave/frameworks_active'] = view.frameworks.size;

  // Counters the agent keeps under a full metric name (e.g. 'containerizer/...') pass through.
  for (const [key, value] of Object.entries(view.counters)) {
    if (key.includes('/') && !(key in out)) out[key] = value;
  }

  const [load1, load5, load15] = loadavg();
  out['system/cpus_total'] = cpus().length;
  out['system/load_1min'] = load1 ?? 0;
  out['system/load_5min'] = load5 ?? 0;
  out['system/load_15min'] = load15 ?? 0;
  out['system/mem_total_bytes'] = totalmem();
  out['system/mem_free_bytes'] = freemem();
  // libprocess keeps metrics in a std::map, so a snapshot lists keys in sorted order.
  const sorted: Record<string, number> = {};
  for (const key of Object.keys(out).sort()) sorted[key] = out[key]!;
  return sorted;
}
