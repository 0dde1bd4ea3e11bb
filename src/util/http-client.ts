// A small HTTP client for JSON calls and long-lived RecordIO streams, following Mesos's 307
// redirects (protocol-relative `Location: //host:port/path`) to the leader.
import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';

const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

export interface PostResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxRedirects?: number;
}

/** Where a redirect leads; Mesos's Location is protocol-relative (`//host:port/path`). */
export function resolveLocation(base: string, location: string): string {
  if (location.startsWith('//')) return `${new URL(base).protocol}${location}`;
  return new URL(location, base).toString();
}

/** POSTs JSON and returns the response once it starts (body unread): for streams. */
export function postForStream(url: string, body: unknown, opts: PostOptions = {}): Promise<IncomingMessage> {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Content-Length': String(payload.length),
          ...opts.headers,
        },
      },
      (res) => {
        const location = res.headers.location;
        if (res.statusCode === 307 && location && (opts.maxRedirects ?? 3) > 0) {
          res.resume();
          postForStream(resolveLocation(url, location), body, {
            ...opts,
            maxRedirects: (opts.maxRedirects ?? 3) - 1,
          }).then(resolve, reject);
          return;
        }
        resolve(res);
      },
    );
    req.on('error', reject);
    if (opts.timeoutMs) {
      req.setTimeout(opts.timeoutMs, () =>
        req.destroy(new Error(`POST ${url} timed out after ${opts.timeoutMs} ms`)),
      );
    }
    req.end(payload);
  });
}

export async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** POSTs JSON with a pooled keep-alive connection and reads the whole answer. */
export function postJson(url: string, body: unknown, opts: PostOptions = {}): Promise<PostResult> {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: keepAlive,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(payload.length),
          ...opts.headers,
        },
      },
      (res) => {
        const location = res.headers.location;
        if (res.statusCode === 307 && location && (opts.maxRedirects ?? 3) > 0) {
          res.resume();
          postJson(resolveLocation(url, location), body, {
            ...opts,
            maxRedirects: (opts.maxRedirects ?? 3) - 1,
          }).then(resolve, reject);
          return;
        }
        readAll(res).then(
          (text) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
          reject,
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`POST ${url} timed out`)));
    req.end(payload);
  });
}

export interface GetResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * GETs without following redirects. node:http rather than fetch: Node 20's fetch can leave a
 * request to a port that accepts and at once closes the connection (Docker's port proxy before the
 * node listens) pending for ever, and its AbortSignal timer does not keep the process alive, so a
 * CLI waiting on it just ends. Here the socket's timeout always settles the request.
 */
export function httpGet(url: string, timeoutMs = 30_000): Promise<GetResult> {
  return sendRequest('GET', url, { timeoutMs });
}

/**
 * One request with a pooled keep-alive connection, redirects not followed, the whole answer read;
 * the socket's timeout always settles it (see httpGet).
 */
export function sendRequest(
  method: string,
  url: string,
  opts: { payload?: Buffer; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<GetResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent: keepAlive, headers: opts.headers ?? {} }, (res) => {
      readAll(res).then(
        (body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
        reject,
      );
    });
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)),
    );
    req.once('error', reject);
    req.end(opts.payload);
  });
}

/** GETs JSON, following redirects to the leader; a non-2xx answer is an error with its body. */
export async function getJson<T = unknown>(url: string, timeoutMs = 30_000, maxRedirects = 3): Promise<T> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const res = await httpGet(target, timeoutMs);
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location && hop < maxRedirects) {
      target = resolveLocation(target, location);
      continue;
    }
    if (res.status < 200 || res.status >= 300)
      throw new Error(`GET ${url} answered ${res.status}: ${res.body}`);
    return JSON.parse(res.body) as T;
  }
}
