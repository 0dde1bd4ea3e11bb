// The numbers Chronos shows about runs: the per-job run-time histogram (JobMetrics, a Dropwizard
// Histogram of successful run times in ms, written by HistogramSerializer) and the rows of
// /job/stat/{name}'s taskStatHistory (JobStatWrapperSerializer). Pure.
import type { TaskRunRecord } from '../service.js';

/** Dropwizard's ExponentiallyDecayingReservoir keeps this many samples. */
const RESERVOIR_SIZE = 1028;

/** How many runs /job/stat/{name} lists, newest first (--job_history_limit, default 5). */
export const JOB_HISTORY_LIMIT = 5;

/** HistogramSerializer's fields, in its order. Values in ms; `count` is the reservoir's size. */
export interface RunTimeHistogram {
  '75thPercentile': number;
  '95thPercentile': number;
  '98thPercentile': number;
  '99thPercentile': number;
  median: number;
  mean: number;
  count: number;
}

/** The reservoir's snapshot: the newest RESERVOIR_SIZE run times (whole ms), sorted. */
function snapshotValues(durationsMs: readonly number[]): number[] {
  return durationsMs
    .slice(-RESERVOIR_SIZE)
    .map((ms) => Math.trunc(ms))
    .sort((a, b) => a - b);
}

/**
 * WeightedSnapshot.getValue with equal weights (we do not know when each sample was recorded, which
 * the reservoir's decay weights depend on): the cumulative weight before each sorted value is
 * summed as Dropwizard sums it, and the quantile picks the last value whose cumulative weight does
 * not exceed it. No interpolation, so the answer is always one of the samples.
 */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const weight = 1 / sorted.length;
  let cumulative = 0;
  let index = 0;
  for (let i = 1; i < sorted.length; i++) {
    cumulative += weight;
    if (cumulative > q) break;
    index = i;
  }
  return sorted[index]!;
}

/**
 * The run-time histogram as /job/stat/{name} and /stats/{percentile} see it. HistogramSerializer
 * writes the snapshot's value at 0.5 as `mean` too, so Chronos's "mean" is the median.
 */
export function runTimeHistogram(durationsMs: readonly number[]): RunTimeHistogram {
  const sorted = snapshotValues(durationsMs);
  const median = quantile(sorted, 0.5);
  return {
    '75thPercentile': quantile(sorted, 0.75),
    '95thPercentile': quantile(sorted, 0.95),
    '98thPercentile': quantile(sorted, 0.98),
    '99thPercentile': quantile(sorted, 0.99),
    median,
    mean: median,
    count: sorted.length,
  };
}

/** The histogram in Dropwizard's MetricsServlet JSON (/metrics), with equal weights as above. */
export function metricsHistogram(durationsMs: readonly number[]): Record<string, number> {
  const sorted = snapshotValues(durationsMs);
  const n = sorted.length;
  const mean = n === 0 ? 0 : sorted.reduce((sum, v) => sum + v, 0) / n;
  const variance = n <= 1 ? 0 : sorted.reduce((sum, v) => sum + (v - mean) ** 2, 0) / n;
  return {
    count: n,
    max: n === 0 ? 0 : sorted[n - 1]!,
    mean,
    min: n === 0 ? 0 : sorted[0]!,
    p50: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    p95: quantile(sorted, 0.95),
    p98: quantile(sorted, 0.98),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    stddev: Math.sqrt(variance),
  };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Joda's "MM/dd/yy HH:mm:ss" (in UTC: the server's zone in Chronos). */
export function formatStatTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}/${pad2(d.getUTCFullYear() % 100)} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`
  );
}

/**
 * A run time as JobStatWrapperSerializer prints it (Joda Duration.toPeriod, which fills only the
 * time fields, through a formatter that leaves out zero hours and minutes): "1h2m3s", "1h0s", "0s".
 */
export function formatRunDuration(ms: number): string {
  const hours = Math.trunc(ms / 3_600_000);
  const minutes = Math.trunc((ms % 3_600_000) / 60_000);
  const seconds = Math.trunc((ms % 60_000) / 1000);
  return `${hours !== 0 ? `${hours}h` : ''}${minutes !== 0 ? `${minutes}m` : ''}${seconds}s`;
}

/** ChronosTaskStatus: TASK_RUNNING is Running, TASK_FINISHED Success, any other end Fail. */
function taskStatus(status: string): string {
  switch (status) {
    case 'running':
      return 'Running';
    case 'finished':
      return 'Success';
    case 'failed':
    case 'killed':
    case 'lost':
    case 'error':
    case 'dropped':
    case 'gone':
      return 'Fail';
    default:
      return 'Idle';
  }
}

/**
 * taskStatHistory: the JOB_HISTORY_LIMIT most recent runs, newest start first, runs not yet started
 * last; `duration` only for runs with both ends.
 */
export function renderTaskStatHistory(history: readonly TaskRunRecord[]): Record<string, unknown>[] {
  const newestFirst = [...history].sort((a, b) => {
    if (a.startTime === null) return b.startTime === null ? 0 : 1;
    if (b.startTime === null) return -1;
    return b.startTime - a.startTime;
  });
  return newestFirst.slice(0, JOB_HISTORY_LIMIT).map((run) => ({
    taskId: run.taskId,
    jobName: run.jobName,
    slaveId: run.slaveId,
    startTime: run.startTime === null ? 'N/A' : formatStatTime(run.startTime),
    endTime: run.endTime === null ? 'N/A' : formatStatTime(run.endTime),
    ...(run.startTime !== null &&
      run.endTime !== null && { duration: formatRunDuration(run.endTime - run.startTime) }),
    status: taskStatus(run.status),
  }));
}
