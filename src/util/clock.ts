// One injected clock per node. Logic never calls Date.now() or setTimeout directly, so a test can
// later warp a node's time (a daily Chronos job, a 1 h backoff, a failover timeout in seconds).

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  },
};

/** A clock that moves only when told: for unit tests of timer-driven logic. */
export class ManualClock implements Clock {
  private current: number;
  private timers: Array<{ at: number; every: number | null; fn: () => void; id: number }> = [];
  private nextId = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  /** Moves time forward, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.current = next.at;
      if (next.every === null) this.timers.shift();
      else next.at += next.every;
      next.fn();
    }
    this.current = target;
  }

  private add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const timer = { at: this.current + Math.max(0, ms), every, fn, id: this.nextId++ };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }
}
