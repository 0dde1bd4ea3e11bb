// What a Chronos REST handler sees of a request and what it answers, and the request parsing the
// resources share (path parameters, the size-limited body, JAX-RS integer query parameters).
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ChronosService } from '../service.js';
import type { RestResponse } from '../../util/http.js';
import { ChronosHttpError } from './errors.js';

export interface ApiRequest {
  readonly service: ChronosService;
  /** GET for HEAD requests. */
  readonly method: string;
  /** Path without query, double slashes and trailing slash removed, still percent-encoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Captures of the route's pattern, percent-decoded. */
  readonly params: readonly string[];
  /** The body as UTF-8 text; a ChronosHttpError 413 past the server's limit. */
  text(): Promise<string>;
}

export type ApiResponse = Omit<RestResponse, 'headers'>;

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  /** Matched against ApiRequest.path; captures become `params`. */
  pattern: RegExp;
  methods: Readonly<Partial<Record<string, Handler>>>;
  /** Resources that read a JSON entity: a POST with another Content-Type gets 415. */
  consumesJson?: boolean;
}

export function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}

export function noContent(): ApiResponse {
  return { status: 204 };
}

export function plainText(content: string): ApiResponse {
  return { status: 200, text: { contentType: 'text/plain', content } };
}

/** A path segment as Jersey hands it to a resource; malformed %-escapes stay as they are. */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * A JAX-RS `Integer` query parameter: absent or empty is `fallback`; text Integer.valueOf refuses is a
 * 404, which is what JAX-RS answers when a query parameter does not convert.
 */
export function integerParam(query: URLSearchParams, name: string, fallback: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  const value = /^[+-]?\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)
    throw new ChronosHttpError(404, 'Not Found');
  return value;
}

/**
 * Reads the body up to `limit` bytes. Past it, rejects with a 413 at once but keeps reading (and
 * dropping) the rest, so the client, still uploading, gets the answer rather than a reset connection.
 */
export function readBodyText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): ChronosHttpError =>
      new ChronosHttpError(413, `Request body exceeds the limit of ${limit} bytes`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
