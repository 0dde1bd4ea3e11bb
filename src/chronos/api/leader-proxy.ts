// A standby Chronos answers nothing itself: RedirectFilter forwards every request to the leader
// (method, headers and body, to http://<leader host:port><uri>?<query>) and relays the answer.
// Unlike Chronos, error answers keep their bodies, and a header guards against two standbys that
// each believe the other leads.
import {
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { Logger } from '../../util/log.js';
import { apiResult } from './errors.js';

/** The host:port of every instance a request went through, comma-separated. */
export const VIA_HEADER = 'X-Chronos-Via';

/** Headers that describe one connection, not the request: a proxy does not forward them. */
const HOP_BY_HOP = new Set(['connection', 'host', 'keep-alive', 'transfer-encoding', 'upgrade']);

export interface LeaderProxyOptions {
  /** This instance's host:port. */
  self: string;
  /** Socket timeout towards the leader. */
  timeoutMs: number;
  log: Logger;
}

function sendJsonError(res: ServerResponse, status: number, message: string): void {
  const payload = Buffer.from(JSON.stringify(apiResult(status, message)), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) });
  res.end(payload);
}

/** The raw headers without the hop-by-hop ones (and `skip`), repeated names kept. */
function forwardable(rawHeaders: readonly string[], skip: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === skip) continue;
    const previous = headers[name];
    const value = rawHeaders[i + 1]!;
    headers[name] = previous === undefined ? value : [previous, value].flat().map(String);
  }
  return headers;
}

export function proxyToLeader(
  req: IncomingMessage,
  res: ServerResponse,
  leader: string,
  opts: LeaderProxyOptions,
): void {
  const via = (req.headersDistinct[VIA_HEADER.toLowerCase()] ?? [])
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (via.includes(opts.self)) {
    req.resume();
    sendJsonError(
      res,
      503,
      `Detected a proxying loop through ${[...via, opts.self].join(' -> ')}: ` +
        'no instance there leads (the leadership is changing hands?)',
    );
    return;
  }
  const headers = forwardable(req.rawHeaders, VIA_HEADER.toLowerCase());
  headers[VIA_HEADER] = [...via, opts.self].join(', ');

  const target = `http://${leader}${req.url ?? '/'}`;
  opts.log.debug('Proxying request to the leader', { method: req.method, target });
  const upstream = httpRequest(target, { method: req.method, headers });
  upstream.setTimeout(opts.timeoutMs, () =>
    upstream.destroy(new Error(`no answer from the leader ${leader} within ${opts.timeoutMs} ms`)),
  );
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, forwardable(answer.rawHeaders, ''));
    answer.pipe(res);
    answer.once('error', () => res.destroy());
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A refused connection to a name with several addresses is an AggregateError without a message.
    const reason = err.message || err.code || String(err);
    opts.log.warn('Proxying to the leader failed', { target, error: reason });
    sendJsonError(
      res,
      500,
      `Error proxying request to leader (maybe the leadership just changed?)\n\nError:\n${reason}`,
    );
  });
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
