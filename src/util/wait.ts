// Condition polling for tests and process start-up. Real timers on purpose: these waits are about
// real processes and sockets, which the injected per-node clock does not control.

export interface WaitForOptions {
  /** Give up after this long. Default 10 000 ms. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
  /** What is being waited for, for the timeout message. Defaults to the function's source. */
  description?: string;
  /** Stops the wait at once, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `fn` until it returns a truthy value and resolves with that value. A throw counts as "not
 * yet" (so "until this HTTP endpoint answers" needs no try/catch); the last error is reported if
 * time runs out.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const what = opts.description ?? describeFn(fn);
  const cause = lastError === undefined ? '' : `; last error: ${errorMessage(lastError)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}

function describeFn(fn: () => unknown): string {
  const src = fn.toString().replace(/\s+/g, ' ').trim();
  return src.length > 120 ? `${src.slice(0, 117)}...` : src;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
