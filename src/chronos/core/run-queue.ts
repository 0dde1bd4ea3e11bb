// Chronos's two in-memory task queues (TaskManager): runs of high-priority jobs go first, then the
// others, each in arrival order. Not persisted, as in Chronos: a scheduled run is only queued after
// its schedule has moved past it in ZooKeeper, so a restart loses a queued run rather than repeating
// one.
import { formatTaskId, type ChronosTaskId } from '../task-id.js';

export interface QueuedRun {
  readonly id: ChronosTaskId;
  readonly taskId: string;
  readonly highPriority: boolean;
}

/** What an offer round decides about one queued run. */
export type RunDecision = 'take' | 'drop' | 'keep';

export class RunQueue {
  private high: QueuedRun[] = [];
  private normal: QueuedRun[] = [];
  private readonly queuedIds = new Set<string>();

  get size(): number {
    return this.high.length + this.normal.length;
  }

  /** Queues a run; false if a run with that task id is queued already. */
  enqueue(id: ChronosTaskId, highPriority: boolean): boolean {
    const taskId = formatTaskId(id);
    if (this.queuedIds.has(taskId)) return false;
    this.queuedIds.add(taskId);
    (highPriority ? this.high : this.normal).push({ id, taskId, highPriority });
    return true;
  }

  countOf(jobName: string): number {
    let n = 0;
    for (const run of [...this.high, ...this.normal]) if (run.id.jobName === jobName) n++;
    return n;
  }

  /** Drops every queued run of the job; how many there were. */
  removeJob(jobName: string): number {
    const before = this.size;
    this.retain((run) => run.id.jobName !== jobName);
    return before - this.size;
  }

  /** Shows each run to `decide`, high priority first; taken and dropped runs leave the queue. */
  drain(decide: (run: QueuedRun) => RunDecision): void {
    this.retain((run) => decide(run) === 'keep');
  }

  /** Keeps the runs `keep` accepts, visiting the high-priority queue first, each in order. */
  private retain(keep: (run: QueuedRun) => boolean): void {
    const kept = (queue: QueuedRun[]): QueuedRun[] =>
      queue.filter((run) => {
        if (keep(run)) return true;
        this.queuedIds.delete(run.taskId);
        return false;
      });
    this.high = kept(this.high);
    this.normal = kept(this.normal);
  }
}
