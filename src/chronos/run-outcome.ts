// What a finished run does to its job (Chronos 3.x JobScheduler.handleSuccessfulTask /
// handleFailedTask): counters, timestamps, disabling, and whether a failure is retried. Pure: the
// runtime persists the job and acts on the decision.
import { lastState, type Job } from './job.js';
import { parseSchedule } from './schedule.js';
import { formatDateTime, UTC } from './zone-time.js';

export interface FailurePolicy {
  /** --disable_after_failures: disable a job after this many errors in a row; 0 = never. */
  disableAfterFailures: number;
}

/** A success (TASK_FINISHED, or PUT /job/success): counted, and a used-up schedule disables the job. */
export function jobAfterSuccess(job: Job, now: number): Job {
  return {
    ...job,
    successCount: job.successCount + 1,
    errorsSinceLastSuccess: 0,
    lastSuccess: formatDateTime(now, UTC),
    disabled: job.disabled || scheduleUsedUp(job, now),
  };
}

function scheduleUsedUp(job: Job, now: number): boolean {
  if (job.kind !== 'iso8601') return false;
  try {
    return parseSchedule(job.schedule, job.scheduleTimeZone, now).repetitions === 0;
  } catch {
    return false;
  }
}

export type FailureOutcome =
  /** Run the job again as `attempt` after --failure_retry. */
  | { kind: 'retry'; attempt: number }
  /** The failure is recorded; children still run when the job has softError. */
  | { kind: 'failed'; job: Job; triggerChildren: boolean };

/**
 * A failed run (TASK_FAILED, TASK_LOST, TASK_ERROR...) that was try number `attempt` (0 first). It is
 * retried while attempts remain, but only if the job's last recorded outcome was not an error: as in
 * Chronos, a job whose previous run failed for good gets no retries (a tie of the two timestamps
 * counts as an error).
 */
export function failureOutcome(
  job: Job,
  attempt: number,
  now: number,
  policy: FailurePolicy,
): FailureOutcome {
  const lastWasFine = job.lastError === '' || lastState(job) === 'success';
  if (attempt < job.retries && lastWasFine) return { kind: 'retry', attempt: attempt + 1 };
  const errorsSinceLastSuccess = job.errorsSinceLastSuccess + 1;
  const disable = policy.disableAfterFailures > 0 && errorsSinceLastSuccess >= policy.disableAfterFailures;
  return {
    kind: 'failed',
    job: {
      ...job,
      errorCount: job.errorCount + 1,
      errorsSinceLastSuccess,
      lastError: formatDateTime(now, UTC),
      disabled: job.disabled || disable,
    },
    triggerChildren: job.softError,
  };
}
