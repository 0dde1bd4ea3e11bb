// Chronos's HTTP server: the leader answers /v1/scheduler/*, /ping and /metrics itself (routing,
// error mapping, readiness); a standby proxies every request to the leader (RedirectFilter). Every
// answer carries CorsFilter's `Access-Control-Allow-Origin: *`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isJsonOrAbsent, queryOf, sendRestResponse } from '../../util/http.js';
import { silentLogger, type Logger } from '../../util/log.js';
import type { ChronosService } from '../service.js';
import { apiResult, errorResponse } from './errors.js';
import { graphAndStatsRoutes } from './graph-and-stats.js';
import { jobRoutes } from './jobs.js';
import { proxyToLeader } from './leader-proxy.js';
import { decodePathPart, readBodyText } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';
import { AVAILABLE_BEFORE_READY, systemRoutes } from './system.js';

export interface ChronosServerOptions {
  /** host:port this instance is reached at (--hostname:--http_port): a leader at it is us. */
  self: string;
  log?: Logger;
  /** Socket timeout of requests proxied to the leader. Default 10 000 ms. */
  proxyTimeoutMs?: number;
  /**
   * Largest request body accepted (413 beyond). Default 1 MiB, ZooKeeper's default znode limit, which
   * no stored job can exceed anyway.
   */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

interface ServerContext {
  service: ChronosService;
  opts: ChronosServerOptions;
  routes: readonly Route[];
  log: Logger;
}

/** Creates (does not start) the server. */
export function createChronosServer(service: ChronosService, opts: ChronosServerOptions): Server {
  const context: ServerContext = {
    service,
    opts,
    routes: [...jobRoutes, ...graphAndStatsRoutes, ...systemRoutes(opts.self)],
    log: opts.log ?? silentLogger,
  };
  return createServer((req, res) => {
    handle(context, req, res).catch((err: unknown) => {
      context.log.error('Chronos request failed', { method: req.method, url: req.url, error: String(err) });
      if (!res.headersSent) sendRestResponse(res, errorResponse(err));
      else res.destroy();
    });
  });
}

async function handle(context: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { service, opts, routes, log } = context;
  res.setHeader('Access-Control-Allow-Origin', '*');

  // RedirectFilter: serve when leading, or when the leader named is this instance.
  const leader = service.leaderHostPort();
  if (!service.isLeader() && leader !== opts.self) {
    if (leader === null) {
      req.resume();
      sendRestResponse(res, {
        status: 503,
        body: apiResult(
          503,
          'There is no Chronos leader right now (an election is under way): try again shortly',
        ),
      });
      return;
    }
    proxyToLeader(req, res, leader, { self: opts.self, timeoutMs: opts.proxyTimeoutMs ?? 10_000, log });
    return;
  }

  const { path, query } = queryOf(req, { trimTrailingSlash: true });
  if (!service.isReady() && !AVAILABLE_BEFORE_READY.has(path)) {
    req.resume();
    sendRestResponse(res, {
      status: 503,
      body: apiResult(503, 'Chronos is not ready yet: it is still loading its jobs'),
    });
    return;
  }

  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const route = routes.find((r) => r.pattern.test(path));
  const response = route ? await answer(context, route, method, path, query, req) : notFound();
  if (response.status >= 500) log.error('Chronos request failed', { method, path, status: response.status });
  // Whatever a handler left unread is drained, so a keep-alive connection stays usable.
  req.resume();
  sendRestResponse(res, response);
}

async function answer(
  context: ServerContext,
  route: Route,
  method: string,
  path: string,
  query: URLSearchParams,
  req: IncomingMessage,
): Promise<ApiResponse> {
  const handler = route.methods[method];
  if (!handler) {
    return { status: 405, body: apiResult(405, `Method ${method} is not allowed on ${path}`) };
  }
  if (route.consumesJson && method === 'POST' && !isJsonOrAbsent(req.headers['content-type'])) {
    return {
      status: 415,
      body: apiResult(
        415,
        `Content-Type '${req.headers['content-type']}' is not supported: send application/json`,
      ),
    };
  }
  let body: Promise<string> | undefined;
  const limit = context.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const apiRequest: ApiRequest = {
    service: context.service,
    method,
    path,
    query,
    headers: req.headers,
    params: (route.pattern.exec(path) ?? []).slice(1).map((p) => decodePathPart(p ?? '')),
    text: () => (body ??= readBodyText(req, limit)),
  };
  try {
    return await handler(apiRequest);
  } catch (err) {
    return errorResponse(err);
  }
}

function notFound(): ApiResponse {
  return { status: 404, body: apiResult(404, 'Not Found') };
}
