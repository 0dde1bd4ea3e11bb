// The one HTTP helper the typed clients share: JSON in, JSON out, any method, following the 307s a
// non-leading Mesos master or Marathon answers with, and a typed HttpError for every non-2xx answer.
// node:http rather than fetch: see util/http-client.ts (fetch can hang on a half-started node).
import { resolveLocation, sendRequest } from '../util/http-client.js';

export { resolveLocation };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A non-2xx answer: the status and the body as the server sent it (parsed when it is JSON). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly method: HttpMethod,
    readonly url: string,
    readonly status: number,
    /** The raw body text. */
    readonly text: string,
    /** The body parsed as JSON, or the text when it is not JSON. */
    readonly body: unknown,
  ) {
    super(`${method} ${url} answered ${status}${text ? `: ${text.slice(0, 500)}` : ''}`);
  }
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RequestOptions {
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-encoded unless it is a string. */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const MAX_REDIRECTS = 3;

/** Joins a base URL (which may have a path prefix), an absolute path and a query string. */
export function buildUrl(base: string, path: string, query?: RequestOptions['query']): string {
  const url = new URL(`${base.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** Parses JSON, or returns the text as it is. */
export function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function send(method: HttpMethod, url: string, opts: RequestOptions): Promise<HttpResponse> {
  const payload =
    opts.body === undefined
      ? undefined
      : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body), 'utf8');
  const res = await sendRequest(method, url, {
    ...(payload ? { payload } : {}),
    headers: {
      Accept: 'application/json',
      ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
      ...opts.headers,
    },
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  return { status: res.status, headers: res.headers, text: res.body };
}

/** One call; redirects are followed; a non-2xx answer throws HttpError. */
export async function request(
  method: HttpMethod,
  base: string,
  path: string,
  opts: RequestOptions = {},
): Promise<HttpResponse> {
  let url = buildUrl(base, path, opts.query);
  for (let hop = 0; ; hop++) {
    const res = await send(method, url, opts);
    const location = res.headers.location;
    if ((res.status === 307 || res.status === 308) && typeof location === 'string' && hop < MAX_REDIRECTS) {
      url = resolveLocation(url, location);
      continue;
    }
    if (res.status < 200 || res.status >= 300)
      throw new HttpError(method, url, res.status, res.text, parseBody(res.text));
    return res;
  }
}

/** One call whose answer is JSON of type T (undefined for an empty body). */
export async function requestJson<T>(
  method: HttpMethod,
  base: string,
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const res = await request(method, base, path, opts);
  return parseBody(res.text) as T;
}

/** A base URL bound to the helpers, for one client. */
export class JsonApi {
  /** A fixed URL, or a function read at each call (the leader may change). */
  constructor(private readonly base: string | (() => string)) {}

  get baseUrl(): string {
    return typeof this.base === 'string' ? this.base : this.base();
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return requestJson<T>('GET', this.baseUrl, path, query ? { query } : {});
  }

  post<T>(path: string, body?: unknown, query?: RequestOptions['query']): Promise<T> {
    return requestJson<T>('POST', this.baseUrl, path, { body, ...(query ? { query } : {}) });
  }

  put<T>(path: string, body?: unknown, query?: RequestOptions['query']): Promise<T> {
    return requestJson<T>('PUT', this.baseUrl, path, { body, ...(query ? { query } : {}) });
  }

  patch<T>(path: string, body?: unknown, query?: RequestOptions['query']): Promise<T> {
    return requestJson<T>('PATCH', this.baseUrl, path, { body, ...(query ? { query } : {}) });
  }

  delete<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return requestJson<T>('DELETE', this.baseUrl, path, query ? { query } : {});
  }
}
