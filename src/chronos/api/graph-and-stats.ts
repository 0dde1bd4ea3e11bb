// Read-only views of the jobs as a whole: GraphManagementResource (/graph/dot, /graph/csv),
// StatsResource (/stats/{percentile}) and JobManagementResource's /job/stat/{name}.
import { unknownJob } from './errors.js';
import { renderTaskStatHistory, runTimeHistogram, type RunTimeHistogram } from './job-metrics.js';
import { ok, plainText } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';

const PREFIX = '/v1/scheduler';

/** GET /job/stat/{name}: the run-time histogram (ms) and the latest runs. */
function jobStat(req: ApiRequest): ApiResponse {
  const name = req.params[0]!;
  if (req.service.job(name) === undefined) throw unknownJob(name);
  const stats = req.service.jobStats(name) ?? { durationsMs: [], history: [] };
  return ok({
    histogram: runTimeHistogram(stats.durationsMs),
    taskStatHistory: renderTaskStatHistory(stats.history),
  });
}

/**
 * GET /stats/{percentile}: every job's value of that histogram field, in seconds, largest first.
 * Any field of the histogram works (count too, divided by 1000 like the rest); another name gives
 * an empty list. Jobs that never ran count with 0. Ties come out in reverse job order, as Scala's
 * sortBy(...).reverse leaves them.
 */
function percentileStats(req: ApiRequest): ApiResponse {
  const field = req.params[0]!;
  const rows: { jobNameLabel: string; time: number }[] = [];
  for (const job of req.service.jobs()) {
    const histogram = runTimeHistogram(req.service.jobStats(job.name)?.durationsMs ?? []);
    if (!Object.prototype.hasOwnProperty.call(histogram, field)) continue;
    rows.push({ jobNameLabel: job.name, time: histogram[field as keyof RunTimeHistogram] / 1000 });
  }
  rows.sort((a, b) => a.time - b.time).reverse();
  return ok(rows);
}

export const graphAndStatsRoutes: readonly Route[] = [
  { pattern: new RegExp(`^${PREFIX}/job/stat/([^/]+)$`), methods: { GET: jobStat } },
  { pattern: new RegExp(`^${PREFIX}/stats/([^/]+)$`), methods: { GET: percentileStats } },
  {
    pattern: new RegExp(`^${PREFIX}/graph/dot$`),
    methods: { GET: (req) => plainText(req.service.graphDot()) },
  },
  {
    pattern: new RegExp(`^${PREFIX}/graph/csv$`),
    methods: { GET: (req) => plainText(req.service.graphCsv()) },
  },
];
