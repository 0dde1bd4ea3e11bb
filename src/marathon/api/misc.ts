// /v2/info, /v2/leader, /ping and /metrics (SystemResource, InfoResource, LeaderResource).
import { notFound } from './errors.js';
import { negotiate, ok } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';
import { renderInfo } from './render.js';

/** What the HTTP layer itself counts, for /metrics. */
export interface ServerStats {
  /** Service clock (ms) when the server was created. */
  startedAt: number;
  activeRequests: number;
  eventStreams: number;
  eventStreamBytes: number;
}

export function newServerStats(now: number): ServerStats {
  return { startedAt: now, activeRequests: 0, eventStreams: 0, eventStreamBytes: 0 };
}

/** SystemResource.ping: "pong" in the representation the client prefers; 204 if it accepts none. */
function ping(req: ApiRequest): ApiResponse {
  const chosen = negotiate(req.headers.accept, [
    { type: 'text/plain' },
    { type: 'text/html' },
    { type: 'application/json' },
    { type: 'text/*' },
  ]);
  if (chosen === null) return { status: 204 };
  if (chosen === 'application/json') return ok('pong');
  return {
    status: 200,
    text: { contentType: chosen === 'text/html' ? 'text/html' : 'text/plain', content: 'pong' },
  };
}

function leader(req: ApiRequest): ApiResponse {
  const current = req.service.info().leader;
  if (current === null) throw notFound('There is no leader');
  return ok({ leader: current });
}

function abdicate(req: ApiRequest): ApiResponse {
  if (!req.service.isLeader()) throw notFound('There is no leader');
  // LeaderResource abdicates after answering; the service exits the process once it has.
  return { status: 200, body: { message: 'Leadership abdicated' }, afterSend: () => req.service.abdicate() };
}

interface MetricsSnapshot {
  version: string;
  counters: Record<string, { count: number }>;
  gauges: Record<string, { value: number }>;
  histograms: Record<string, never>;
  meters: Record<string, never>;
  timers: Record<string, never>;
}

/** The 1.7+ (Dropwizard JSON) metrics Marathon reports that the REST layer can see. */
export function metricsSnapshot(req: ApiRequest, stats: ServerStats): MetricsSnapshot {
  const { service } = req;
  const root = service.root();
  const instances = service.instances();
  const overdue = service
    .queue()
    .filter((entry) => entry.delay.overdue)
    .reduce((sum, entry) => sum + entry.count, 0);
  const gauge = (value: number): { value: number } => ({ value });
  return {
    version: '4.0.0',
    counters: {
      'marathon.http.responses.event-stream.size.counter.bytes': { count: stats.eventStreamBytes },
    },
    gauges: {
      'marathon.apps.active.gauge': gauge(Object.keys(root.apps).length),
      'marathon.groups.active.gauge': gauge(Object.keys(root.groups).length),
      'marathon.pods.active.gauge': gauge(0),
      'marathon.deployments.active.gauge': gauge(service.deployments().length),
      'marathon.instances.running.gauge': gauge(instances.filter((i) => i.state === 'TASK_RUNNING').length),
      'marathon.instances.staged.gauge': gauge(instances.filter((i) => i.state === 'TASK_STAGING').length),
      'marathon.instances.launch-overdue.gauge': gauge(overdue),
      'marathon.http.requests.active.gauge': gauge(stats.activeRequests),
      'marathon.http.event-streams.active.gauge': gauge(stats.eventStreams),
      'marathon.uptime.gauge.seconds': gauge(Math.max(0, (service.now() - stats.startedAt) / 1000)),
    },
    histograms: {},
    meters: {},
    timers: {},
  };
}

/** PrometheusReporter: names with every character outside [a-zA-Z0-9_] replaced by `_`. */
export function prometheusText(snapshot: MetricsSnapshot): string {
  const sanitize = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');
  let out = '';
  for (const [name, { value }] of Object.entries(snapshot.gauges)) {
    out += `# TYPE ${sanitize(name)} gauge\n${sanitize(name)} ${value}\n\n`;
  }
  for (const [name, { count }] of Object.entries(snapshot.counters)) {
    out += `# TYPE ${sanitize(name)} counter\n${sanitize(name)} ${count}\n\n`;
  }
  return out;
}

export function miscRoutes(stats: ServerStats): Route[] {
  return [
    { pattern: /^\/v2\/info$/, methods: { GET: (req) => ok(renderInfo(req.service.info())) } },
    { pattern: /^\/v2\/leader$/, methods: { GET: leader, DELETE: abdicate } },
    { pattern: /^\/ping$/, methods: { GET: ping } },
    { pattern: /^\/metrics$/, methods: { GET: (req) => ok(metricsSnapshot(req, stats)) } },
    {
      pattern: /^\/metrics\/prometheus$/,
      methods: {
        GET: (req) => ({
          status: 200,
          text: { contentType: 'text/plain', content: prometheusText(metricsSnapshot(req, stats)) },
        }),
      },
    },
  ];
}
