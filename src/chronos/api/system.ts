// The small resources: /ping (chaos's PingServlet), /metrics (Dropwizard's MetricsServlet, reduced to
// what the REST layer can see) and /v1/scheduler/leader (LeaderResource).
import { metricsHistogram } from './job-metrics.js';
import { ok } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';

/** Answered while the leader is still loading its jobs; everything else is a 503 then. */
export const AVAILABLE_BEFORE_READY: ReadonlySet<string> = new Set([
  '/ping',
  '/metrics',
  '/v1/scheduler/leader',
]);

function ping(): ApiResponse {
  return { status: 200, text: { contentType: 'text/plain', content: 'pong\n' } };
}

/** MetricsServlet's JSON: the `jobs.run.time.<job>` run-time histograms JobMetrics registers. */
function metrics(req: ApiRequest): ApiResponse {
  const { service } = req;
  const histograms: Record<string, Record<string, number>> = {};
  for (const job of service.jobs()) {
    histograms[`jobs.run.time.${job.name}`] = metricsHistogram(service.jobStats(job.name)?.durationsMs ?? []);
  }
  return ok({
    version: '3.0.0',
    gauges: { 'chronos.jobs.count': { value: service.jobs().length } },
    counters: {},
    histograms,
    meters: {},
    timers: {},
  });
}

/** Only the leader gets here (a standby proxies), so the leader is this instance if none is known. */
function leader(self: string): (req: ApiRequest) => ApiResponse {
  return (req) => ok({ leader: req.service.leaderHostPort() ?? self });
}

export function systemRoutes(self: string): Route[] {
  return [
    { pattern: /^\/ping$/, methods: { GET: ping } },
    { pattern: /^\/metrics$/, methods: { GET: metrics } },
    { pattern: /^\/v1\/scheduler\/leader$/, methods: { GET: leader(self) } },
  ];
}
