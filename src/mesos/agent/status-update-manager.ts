// Reliable, in-order delivery of task status updates (src/slave/task_status_update_manager.cpp):
// per task, one update in flight at a time, retried with exponential backoff until the framework's
// acknowledgement comes back through the master; then the next one goes.
import type { TaskStatus } from '../protocol/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';

export interface StatusUpdateManagerOptions {
  clock: Clock;
  /** Sends one update towards the master; false when there is no link right now. */
  forward: (frameworkId: string, status: TaskStatus) => boolean;
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface Stream {
  frameworkId: string;
  pending: TaskStatus[];
  timer: TimerHandle | null;
  backoffMs: number;
}

const key = (frameworkId: string, taskId: string): string => `${frameworkId}\u0000${taskId}`;

export class StatusUpdateManager {
  private readonly streams = new Map<string, Stream>();
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly options: StatusUpdateManagerOptions) {
    this.retryMinMs = options.retryMinMs ?? 10_000;
    this.retryMaxMs = options.retryMaxMs ?? 600_000;
  }

  /** Queues an update (which must carry a uuid); sends it now if nothing is in flight for the task. */
  update(frameworkId: string, status: TaskStatus): void {
    const k = key(frameworkId, status.task_id.value);
    let stream = this.streams.get(k);
    if (!stream) {
      stream = { frameworkId, pending: [], timer: null, backoffMs: this.retryMinMs };
      this.streams.set(k, stream);
    }
    stream.pending.push(status);
    if (stream.pending.length === 1) this.send(stream);
  }

  /** The framework acknowledged `uuid` of the task; returns true when it matched the head update. */
  acknowledge(frameworkId: string, taskId: string, uuid: string): boolean {
    const stream = this.streams.get(key(frameworkId, taskId));
    const head = stream?.pending[0];
    if (!stream || !head || head.uuid !== uuid) return false;
    stream.pending.shift();
    stream.timer?.cancel();
    stream.timer = null;
    stream.backoffMs = this.retryMinMs;
    if (stream.pending.length > 0) this.send(stream);
    return true;
  }

  /** Re-sends every head-of-line update now (e.g. after re-registering with a new master). */
  resendAll(): void {
    for (const stream of this.streams.values()) {
      if (stream.pending.length === 0) continue;
      stream.timer?.cancel();
      stream.backoffMs = this.retryMinMs;
      this.send(stream);
    }
  }

  /** Whether every update of the task has been acknowledged. */
  drained(frameworkId: string, taskId: string): boolean {
    return (this.streams.get(key(frameworkId, taskId))?.pending.length ?? 0) === 0;
  }

  /** Forgets a task (its framework was removed, or its terminal update was acknowledged). */
  remove(frameworkId: string, taskId: string): void {
    const k = key(frameworkId, taskId);
    this.streams.get(k)?.timer?.cancel();
    this.streams.delete(k);
  }

  stop(): void {
    for (const s of this.streams.values()) s.timer?.cancel();
  }

  private send(stream: Stream): void {
    const head = stream.pending[0];
    if (!head) return;
    this.options.forward(stream.frameworkId, head);
    stream.timer = this.options.clock.setTimeout(() => {
      stream.timer = null;
      stream.backoffMs = Math.min(stream.backoffMs * 2, this.retryMaxMs);
      this.send(stream);
    }, stream.backoffMs);
  }
}
