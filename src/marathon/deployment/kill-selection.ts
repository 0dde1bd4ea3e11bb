// Which instances a ScaleApplication step decommissions, and how many it launches
// (Marathon's ScalingProposition), pure.
import type { TaskState } from '../../mesos/protocol/types.js';
import type { AppDefinition, KillSelection, Timestamp } from '../model/types.js';

export interface KillCandidate {
  instanceId: string;
  state: TaskState;
  stagedAt: Timestamp;
  startedAt: Timestamp | null;
  /** Unreachable but not yet inactive (inactive ones are replaced already and are not candidates). */
  unreachable?: boolean;
}

/** Lower goes first: unreachable instances help least, running ones most. */
function killWeight(c: KillCandidate): number {
  if (c.unreachable || c.state === 'TASK_UNREACHABLE') return 1;
  switch (c.state) {
    case 'TASK_STAGING':
      return 2;
    case 'TASK_STARTING':
      return 3;
    case 'TASK_RUNNING':
      return 4;
    default:
      return 5;
  }
}

/** The age that killSelection compares: staging/starting by when staged, the others by when started. */
function ageKey(c: KillCandidate, weight: number): number {
  const at = weight === 2 || weight === 3 ? c.stagedAt : (c.startedAt ?? c.stagedAt);
  return Date.parse(at);
}

/**
 * The first `count` instances to kill: the sentenced ones (that are candidates) first, then the rest
 * by condition (unreachable, staging, starting, running, others) and, among equals, by `killSelection`
 * (YOUNGEST_FIRST: the most recently started first).
 */
export function selectInstancesToKill(
  candidates: KillCandidate[],
  count: number,
  killSelection: KillSelection,
  sentenced: readonly string[] = [],
): string[] {
  const sentencedSet = new Set(sentenced);
  const first = candidates.filter((c) => sentencedSet.has(c.instanceId));
  const rest = candidates
    .filter((c) => !sentencedSet.has(c.instanceId))
    .map((c) => {
      const weight = killWeight(c);
      return { c, weight, age: ageKey(c, weight) };
    })
    .sort((a, b) => {
      if (a.weight !== b.weight) return a.weight - b.weight;
      const byAge = killSelection === 'YOUNGEST_FIRST' ? b.age - a.age : a.age - b.age;
      if (byAge !== 0 && !Number.isNaN(byAge)) return byAge;
      return a.c.instanceId < b.c.instanceId ? -1 : a.c.instanceId > b.c.instanceId ? 1 : 0;
    })
    .map(({ c }) => c);
  return [...first, ...rest].slice(0, Math.max(0, count)).map((c) => c.instanceId);
}

/**
 * One ScaleApplication: from `active` (the app's instances with goal Running, not unreachable-inactive)
 * to `scaleTo`. Kills max(active - scaleTo, sentenced among active) instances, then launches enough new
 * ones to reach scaleTo again. (Marathon also kills to satisfy constraints first; not done here.)
 */
export function scaleDecision(
  app: AppDefinition,
  active: KillCandidate[],
  scaleTo: number,
  sentenced: readonly string[] = [],
): { kill: string[]; launch: number } {
  const activeIds = new Set(active.map((c) => c.instanceId));
  const sentencedActive = new Set(sentenced.filter((id) => activeIds.has(id))).size;
  const killCount = Math.max(active.length - scaleTo, sentencedActive, 0);
  const kill = selectInstancesToKill(active, killCount, app.killSelection, sentenced);
  return { kill, launch: Math.max(0, scaleTo - active.length + kill.length) };
}
