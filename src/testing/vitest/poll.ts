// Polling a check until the cluster reaches (or, for `.not`, leaves) the expected state. Real timers
// on purpose, as in util/wait.ts: these waits are about real processes and sockets.
import { sleep } from '../../util/wait.js';
import type { Verdict } from './checks.js';

export interface PollOptions {
  /** Give up after this long. Default 30 000 ms (a cluster takes seconds to schedule and heal). */
  timeoutMs?: number;
  /** Pause between observations. Default 200 ms. */
  intervalMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_INTERVAL_MS = 200;

/** The last observation of a poll. `pass` is null when the last attempt could not observe at all. */
export interface PollOutcome {
  pass: boolean | null;
  observed: string;
  attempts: number;
  elapsedMs: number;
}

/** How long one HTTP request may take: what is left of the poll, between 1 and 5 s. */
export function requestTimeout(remainingMs: number): number {
  return Math.max(1000, Math.min(5000, remainingMs));
}

/**
 * Observes and judges until the verdict is `want` or time runs out, and returns the last outcome.
 * A failed observation (a refused connection, a 503 while a master is elected) counts as "not yet"
 * either way, so `.not` does not pass just because the cluster did not answer.
 */
export async function pollCheck<O>(
  observe: (requestTimeoutMs: number) => Promise<O>,
  judge: (observed: O) => Verdict,
  want: boolean,
  opts: PollOptions = {},
): Promise<PollOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    let pass: boolean | null;
    let observed: string;
    try {
      const verdict = judge(await observe(requestTimeout(deadline - Date.now())));
      ({ pass, observed } = verdict);
    } catch (err) {
      pass = null;
      observed = `  (could not observe the cluster: ${err instanceof Error ? err.message : String(err)})`;
    }
    const now = Date.now();
    if (pass === want || now >= deadline) return { pass, observed, attempts, elapsedMs: now - started };
    await sleep(Math.min(intervalMs, deadline - now));
  }
}
