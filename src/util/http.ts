// Small HTTP helpers shared by the master, the agent and (later) Marathon and Chronos. Plain
// node:http: the nodes speak a handful of JSON endpoints and long-lived streams, nothing a framework
// would add value to.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeRecord } from '../mesos/protocol/recordio.js';

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new HttpError(413, `Request body exceeds ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    ...(text.length > 0 ? { 'Content-Type': 'text/plain; charset=utf-8' } : {}),
    'Content-Length': String(body.length),
    ...headers,
  });
  res.end(body);
}

/** What a REST handler answers (Marathon's and Chronos's APIs): JSON, a text body, or nothing. */
export interface RestResponse {
  status: number;
  /** A JSON body; absent (and no `text`) means an empty body. */
  body?: unknown;
  /** A non-JSON body. */
  text?: { contentType: string; content: string };
  headers?: Record<string, string>;
}

export function sendRestResponse(res: ServerResponse, response: RestResponse): void {
  let payload: Buffer | undefined;
  const headers: Record<string, string> = { ...response.headers };
  if (response.body !== undefined) {
    payload = Buffer.from(JSON.stringify(response.body), 'utf8');
    headers['Content-Type'] = 'application/json';
  } else if (response.text) {
    payload = Buffer.from(response.text.content, 'utf8');
    headers['Content-Type'] = response.text.contentType;
  }
  headers['Content-Length'] = String(payload?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(payload);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, query?: URLSearchParams): void {
  let text = JSON.stringify(value);
  // Mesos's v0 endpoints accept ?jsonp=<callback>.
  const jsonp = query?.get('jsonp');
  if (jsonp && /^[A-Za-z_$][\w$.]*$/.test(jsonp)) text = `${jsonp}(${text});`;
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    'Content-Type': jsonp ? 'text/javascript' : 'application/json',
    'Content-Length': String(body.length),
  });
  res.end(body);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) sendText(res, err.status, err.message, err.headers);
  else sendText(res, 500, err instanceof Error ? err.message : String(err));
}

/** A RecordIO event stream on an HTTP response: one record per chunk (see recordio.ts). */
export class RecordIOStream {
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string>,
    onClose: () => void,
  ) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', ...headers });
    // Without this, the first record may sit in Node's buffer until the next write.
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const closed = (): void => {
      if (this.closed) return;
      this.closed = true;
      onClose();
    };
    res.on('close', closed);
    res.on('error', closed);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: object): void {
    if (this.closed || this.res.writableEnded) return;
    this.res.write(encodeRecord(event));
  }

  close(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}

/**
 * The request's path and query. Double slashes are collapsed (python3-marathon sends `/v2/apps//x`)
 * before anything else, since `//v2/apps` would parse as a host name; `trimTrailingSlash` also drops a
 * trailing slash, as JAX-RS servers (Marathon, Chronos) ignore it.
 */
export function queryOf(
  req: IncomingMessage,
  opts: { trimTrailingSlash?: boolean } = {},
): { path: string; query: URLSearchParams } {
  const [rawPath = '/', ...rest] = (req.url ?? '/').split('?');
  const collapsed = rawPath.replace(/\/{2,}/g, '/');
  const path = opts.trimTrailingSlash && collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
  return { path, query: new URLSearchParams(rest.join('?')) };
}

/** Jersey's @Consumes(application/json): a request without a Content-Type passes too. */
export function isJsonOrAbsent(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType === '*/*' || mediaType === 'application/*';
}
