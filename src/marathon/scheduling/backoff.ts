// Marathon's launch backoff for crash-looping apps (core.launchqueue.impl.RateLimiter, 1.10): each
// failed instance multiplies the delay before the next launch, up to maxLaunchDelaySeconds. Pure: the
// launch queue keeps one state per app (and config version) and asks these functions.
import type { TaskState, TaskStatusReason } from '../../mesos/protocol/types.js';
import type { AppDefinition } from '../model/types.js';

export interface BackoffState {
  /** The current delay; 0 when the app has none. */
  delayMs: number;
  /** No launch before this (epoch ms); 0 = no delay. The delay started at `until - delayMs`. */
  until: number;
}

export function initialBackoff(): BackoffState {
  return { delayMs: 0, until: 0 };
}

/**
 * After an instance failed: the first delay is backoffSeconds, each further one backoffFactor times
 * the last, never more than maxLaunchDelaySeconds; it counts from `now`. (Marathon keeps the delay in
 * nanoseconds and truncates the product; so do we.)
 */
export function backoffAfterFailure(app: AppDefinition, state: BackoffState, now: number): BackoffState {
  const maxMs = app.maxLaunchDelaySeconds * 1000;
  const delayMs =
    state.delayMs === 0
      ? Math.min(app.backoffSeconds * 1000, maxMs)
      : Math.min(Math.floor(state.delayMs * 1e6 * app.backoffFactor) / 1e6, maxMs);
  return { delayMs, until: now + delayMs };
}

/**
 * When an instance of the app reaches staging, starting or running, Marathon restarts the current
 * delay from `now` (RateLimiter.advanceDelay): the delay stays as long as instances keep changing,
 * and further launches wait for it again.
 */
export function advanceBackoff(state: BackoffState, now: number): BackoffState {
  return state.delayMs === 0 ? state : { delayMs: state.delayMs, until: now + state.delayMs };
}

/**
 * Whether the delay has run out for good: Marathon drops a delay (checked every 10 s) once
 * maxLaunchDelaySeconds have passed since it was set or last advanced. Reset the state then.
 */
export function backoffExpired(app: AppDefinition, state: BackoffState, now: number): boolean {
  if (state.delayMs === 0) return false;
  const since = state.until - state.delayMs;
  return now > since + app.maxLaunchDelaySeconds * 1000;
}

export function launchAllowedAt(state: BackoffState): number {
  return state.until;
}

/**
 * `delay` of a /v2/queue entry (LaunchStats): whole seconds left, truncated; `overdue` once the
 * deadline is at least a whole second past, or when there is no delay at all.
 */
export function queueDelayView(
  state: BackoffState,
  now: number,
): { timeLeftSeconds: number; overdue: boolean } {
  if (state.until === 0) return { timeLeftSeconds: 0, overdue: true };
  const secondsLeft = Math.trunc((state.until - now) / 1000);
  return { timeLeftSeconds: Math.max(0, secondsLeft), overdue: secondsLeft < 0 };
}

// TASK_LOST with these reasons may come back (Unreachable, Unknown): not a failure. Any other reason,
// or none, makes it Gone, which is one.
const UNKNOWN_TO_MASTER = 'Reconciliation: Task is unknown to the';
const LOST_BUT_MAYBE_BACK: ReadonlySet<TaskStatusReason> = new Set<TaskStatusReason>([
  'REASON_RECONCILIATION',
  'REASON_AGENT_DISCONNECTED',
  'REASON_AGENT_REMOVED',
  'REASON_TASK_UNKNOWN',
]);

/**
 * Whether a status update counts as a failure for backoff (NotifyRateLimiterStep.limitWorthy: the
 * conditions Failed, Finished, Error, Dropped and Gone). TASK_KILLED never counts; TASK_LOST counts
 * unless its reason or message says the task may still be alive. (A kill or gone-by-operator caused
 * by agent draining resets the delay instead: see drainingResetsBackoff.)
 */
export function countsAsFailure(state: TaskState, reason?: TaskStatusReason, message?: string): boolean {
  switch (state) {
    case 'TASK_FAILED':
    case 'TASK_FINISHED':
    case 'TASK_ERROR':
    case 'TASK_DROPPED':
    case 'TASK_GONE':
      return true;
    case 'TASK_GONE_BY_OPERATOR':
      return reason !== 'REASON_AGENT_DRAINING';
    case 'TASK_LOST':
      if (message?.startsWith(UNKNOWN_TO_MASTER)) return false;
      return reason === undefined || !LOST_BUT_MAYBE_BACK.has(reason);
    default:
      return false;
  }
}

/**
 * A task killed (or gone by operator) because its agent is being drained resets the app's delay
 * instead (NotifyRateLimiterStep.agentDraining).
 */
export function drainingResetsBackoff(state: TaskState, reason?: TaskStatusReason): boolean {
  return (state === 'TASK_KILLED' || state === 'TASK_GONE_BY_OPERATOR') && reason === 'REASON_AGENT_DRAINING';
}
