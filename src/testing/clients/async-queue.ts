// A push-to-pull bridge: events arrive as callbacks (the scheduler stream) and a test reads them with
// `for await` or `next()`. Items pushed before anyone reads are kept; closing ends every reader.

export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> =
    [];
  private closed = false;
  private failure: unknown = undefined;

  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ value: item, done: false });
    else this.items.push(item);
  }

  /** Ends the queue: readers get what is left, then `done` (or `error`, when given). */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = error;
    for (const w of this.waiters.splice(0)) {
      if (error === undefined) w.resolve({ value: undefined, done: true });
      else w.reject(error);
    }
  }

  get size(): number {
    return this.items.length;
  }

  /** The next item; `done` once the queue is closed and drained. */
  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) {
      return this.failure === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(this.failure);
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * The next item, or null after `timeoutMs`. Unlike racing next() against a timer, a reader that
   * gives up leaves no waiter behind to swallow the next item.
   */
  nextWithin(timeoutMs: number): Promise<IteratorResult<T> | null> {
    if (this.items.length > 0 || this.closed) return this.next();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (r: IteratorResult<T>): void => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e: unknown): void => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}

/**
 * The first item that matches, within `timeoutMs`; items read before it are dropped. Rejects with
 * `description` and the number of items seen when time runs out or the queue ends.
 */
export async function nextMatching<T>(
  queue: AsyncQueue<T>,
  match: (item: T) => boolean,
  timeoutMs: number,
  description: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  for (;;) {
    const r = await queue.nextWithin(Math.max(0, deadline - Date.now()));
    if (r === null)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (${seen} seen)`);
    if (r.done) throw new Error(`the stream ended while waiting for ${description} (${seen} seen)`);
    seen++;
    if (match(r.value)) return r.value;
  }
}
