// Marathon's HTTP server: the leader answers /v2/*, /ping and /metrics itself (router, error mapping,
// the leader headers); a standby proxies every request to the leader (LeaderProxyFilter) and
// redirects /v2/events there. Handlers return an ApiResponse; only the event stream writes directly.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { isJsonOrAbsent, queryOf, readBody, sendRestResponse } from '../../util/http.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { sleep } from '../../util/wait.js';
import type { MarathonService } from '../service.js';
import { appRoutes } from './apps.js';
import { deploymentRoutes } from './deployments.js';
import { MarathonHttpError, errorResponse } from './errors.js';
import { remoteAddressOf, serveEventStream, type EventStreamOptions } from './events-stream.js';
import { groupRoutes } from './groups.js';
import { miscRoutes, newServerStats, type ServerStats } from './misc.js';
import { queueRoutes } from './queue.js';
import { decodePathPart, parseJsonBody } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';
import { taskRoutes } from './tasks.js';

export interface MarathonServerOptions extends EventStreamOptions {
  /** host:port this instance is reached at: its X-Marathon-Leader URL and its proxy loop marker. */
  self: string;
  log?: Logger;
  /**
   * While no other leader is known (an election in progress), a standby re-checks this often before
   * answering 502; LeaderProxyFilter waits 10 × 250 ms.
   */
  leaderWait?: { attempts: number; intervalMs: number };
  /** Socket timeout of proxied requests; --leader_proxy_read_timeout, default 10 000 ms. */
  proxyTimeoutMs?: number;
}

/** Answered while the leader is still loading its state; everything else is a 503 then. */
const AVAILABLE_BEFORE_READY = new Set([
  '/ping',
  '/metrics',
  '/metrics/prometheus',
  '/v2/info',
  '/v2/leader',
]);

const EVENTS_PATH = '/v2/events';

/** Creates (does not start) the server. SSE connections stay open: close them with closeAllConnections(). */
export function createMarathonServer(service: MarathonService, opts: MarathonServerOptions): Server {
  const stats = newServerStats(service.now());
  const routes: Route[] = [
    ...appRoutes,
    ...groupRoutes,
    ...deploymentRoutes,
    ...taskRoutes,
    ...queueRoutes,
    ...miscRoutes(stats),
  ];
  const server: ServerContext = { service, opts, routes, stats, log: opts.log ?? silentLogger };
  return createServer((req, res) => {
    stats.activeRequests++;
    res.once('close', () => stats.activeRequests--);
    handle(server, req, res).catch((err: unknown) => {
      server.log.error('Marathon request failed', { method: req.method, url: req.url, error: String(err) });
      if (!res.headersSent) sendResponse(res, errorResponseOf(err));
      else res.destroy();
    });
  });
}

function errorResponseOf(err: unknown): ApiResponse {
  const { status, body, headers } = errorResponse(err);
  return { status, body, headers };
}

interface ServerContext {
  service: MarathonService;
  opts: MarathonServerOptions;
  routes: readonly Route[];
  stats: ServerStats;
  log: Logger;
}

async function handle(server: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { service, opts, routes, stats } = server;
  const { path, query } = queryOf(req, { trimTrailingSlash: true });

  const leader = await leaderToUse(service, opts);
  if (leader === null) {
    sendResponse(res, { status: 502, body: { message: 'Could not determine the current leader' } });
    return;
  }
  if (leader !== 'self') {
    if (path === EVENTS_PATH) {
      sendResponse(res, { status: 302, headers: { Location: onLeader(leader, req) } });
    } else {
      proxyToLeader(req, res, leader, opts);
    }
    return;
  }

  res.setHeader('X-Marathon-Leader', `http://${opts.self}`);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-XSS-Protection', '1; mode=block');
  res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Expires', '0');

  if (!service.isReady() && !AVAILABLE_BEFORE_READY.has(path)) {
    sendResponse(res, {
      status: 503,
      body: { message: 'Marathon is not ready yet: it is still loading its state' },
    });
    return;
  }
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  if (path === EVENTS_PATH) {
    if (method === 'GET') serveEventStream(service, req, res, query, stats, opts);
    else sendResponse(res, methodNotAllowed(['GET']));
    return;
  }

  const rawPath = (req.url ?? '/').split('?')[0]!;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const handler = route.methods[method];
    if (!handler) {
      sendResponse(res, methodNotAllowed(Object.keys(route.methods)));
      return;
    }
    if (route.consumesJson && method !== 'GET' && !isJsonOrAbsent(req.headers['content-type'])) {
      sendResponse(res, { status: 415, body: { message: 'Unsupported Media Type' } });
      return;
    }
    let body: Promise<unknown> | undefined;
    const apiRequest: ApiRequest = {
      service,
      method,
      path,
      rawPath,
      query,
      headers: req.headers,
      remoteAddress: remoteAddressOf(req),
      params: match.slice(1).map((p) => decodePathPart(p ?? '')),
      json: () => (body ??= readRequestBody(req).then(parseJsonBody)),
    };
    let response: ApiResponse;
    try {
      response = await handler(apiRequest);
    } catch (err) {
      response = errorResponseOf(err);
      if (response.status >= 500) {
        server.log.error('Marathon request failed', { method, path, error: String(err) });
      }
    }
    sendResponse(res, response);
    return;
  }
  sendResponse(res, { status: 404, body: { message: `URI not found: ${rawPath}` } });
}

async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  try {
    return await readBody(req);
  } catch (err) {
    throw new MarathonHttpError(413, { message: (err as Error).message });
  }
}

function methodNotAllowed(allowed: readonly string[]): ApiResponse {
  const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
  return { status: 405, body: { message: 'Method Not Allowed' }, headers: { Allow: allow.join(', ') } };
}

function sendResponse(res: ServerResponse, response: ApiResponse): void {
  if (response.afterSend) res.once('finish', response.afterSend);
  sendRestResponse(res, response);
}

// ---- standby: the leader proxy ----

/**
 * 'self' when this instance leads, else the leader's URL. While the leader is unknown (or said to be
 * us though we do not lead), leadership is still changing hands: wait a little, then give up (null).
 */
async function leaderToUse(
  service: MarathonService,
  opts: MarathonServerOptions,
): Promise<'self' | string | null> {
  const { attempts, intervalMs } = opts.leaderWait ?? { attempts: 10, intervalMs: 250 };
  for (let attempt = 0; ; attempt++) {
    if (service.isLeader()) return 'self';
    const url = service.leaderUrl();
    if (url !== null && hostPortOf(url) !== opts.self) return url;
    if (attempt >= attempts) return null;
    await sleep(intervalMs);
  }
}

function hostPortOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/**
 * The request's path and query on the leader, exactly as sent: resolving `//v2/apps//x` as a URL
 * reference would read `v2` as a host name.
 */
function onLeader(leaderUrl: string, req: IncomingMessage): string {
  return `${new URL(leaderUrl).origin}${req.url ?? '/'}`;
}

/** Request headers a proxy must not forward as they are (LeaderProxyFilter drops these too). */
const HOP_BY_HOP = new Set(['connection', 'host', 'keep-alive', 'transfer-encoding', 'upgrade']);

function proxyToLeader(
  req: IncomingMessage,
  res: ServerResponse,
  leaderUrl: string,
  opts: MarathonServerOptions,
): void {
  const via = `1.1 ${opts.self}`;
  const seen = (req.headersDistinct['x-marathon-via'] ?? []).flatMap((v) =>
    v.split(',').map((s) => s.trim()),
  );
  if (seen.includes(via)) {
    sendResponse(res, { status: 502, body: { message: 'Detected proxying loop.' } });
    return;
  }
  const headers: OutgoingHttpHeaders = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'x-marathon-via' || lower === 'x-forwarded-for') continue;
    const previous = headers[name];
    headers[name] =
      previous === undefined ? req.rawHeaders[i + 1]! : [previous, req.rawHeaders[i + 1]!].flat().map(String);
  }
  headers['X-Marathon-Via'] = [...(req.headersDistinct['x-marathon-via'] ?? []), via];
  headers['X-Forwarded-For'] = [req.headers['x-forwarded-for'], remoteAddressOf(req)]
    .filter(Boolean)
    .join(',');

  const target = onLeader(leaderUrl, req);
  const upstream = httpRequest(target, { method: req.method, headers });
  upstream.setTimeout(opts.proxyTimeoutMs ?? 10_000, () =>
    upstream.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
  );
  upstream.on('response', (answer) => {
    const out: OutgoingHttpHeaders = {};
    for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
      const name = answer.rawHeaders[i]!;
      if (HOP_BY_HOP.has(name.toLowerCase())) continue;
      const previous = out[name];
      out[name] =
        previous === undefined
          ? answer.rawHeaders[i + 1]!
          : [previous, answer.rawHeaders[i + 1]!].flat().map(String);
    }
    out['X-Marathon-Via'] = via;
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res);
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message =
      err.code === 'ECONNREFUSED'
        ? 'Connection to leader refused.'
        : err.code === 'ETIMEDOUT'
          ? 'Connection to leader timed out.'
          : 'Failed to successfully establish a connection to the leader.';
    sendResponse(res, { status: 502, body: { message } });
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
