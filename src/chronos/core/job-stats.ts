// Per-job run statistics for /job/stat/{name} and /stats/{percentile}: the durations of finished runs
// (Chronos feeds a Dropwizard histogram, whose reservoir keeps 1,028 samples) and a short history of
// runs (Chronos keeps that in Cassandra; we keep the latest in memory). Lost on restart, as in Chronos.
import type { JobStats, TaskRunRecord } from '../service.js';

const MAX_DURATIONS = 1028;
const MAX_HISTORY = 100;

export class JobStatsBook {
  private readonly byJob = new Map<string, JobStats>();

  private of(jobName: string): JobStats {
    let stats = this.byJob.get(jobName);
    if (!stats) {
      stats = { durationsMs: [], history: [] };
      this.byJob.set(jobName, stats);
    }
    return stats;
  }

  get(jobName: string): JobStats {
    const stats = this.byJob.get(jobName);
    return stats
      ? { durationsMs: [...stats.durationsMs], history: [...stats.history] }
      : { durationsMs: [], history: [] };
  }

  /** Records or updates a run, by task id. */
  recordRun(record: TaskRunRecord): void {
    const stats = this.of(record.jobName);
    const i = stats.history.findIndex((r) => r.taskId === record.taskId);
    if (i >= 0) stats.history[i] = record;
    else stats.history.push(record);
    if (stats.history.length > MAX_HISTORY) stats.history.shift();
  }

  recordDuration(jobName: string, ms: number): void {
    const stats = this.of(jobName);
    stats.durationsMs.push(ms);
    if (stats.durationsMs.length > MAX_DURATIONS) stats.durationsMs.shift();
  }

  forget(jobName: string): void {
    this.byJob.delete(jobName);
  }
}
