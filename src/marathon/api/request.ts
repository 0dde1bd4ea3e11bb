// What a Marathon REST handler sees of a request, and the parsing every resource shares: the JSON
// body (with Jackson's two error answers), JAX-RS style query booleans, `embed` values, content
// negotiation for the text/plain variants, and the label selector of GET /v2/apps.
import type { IncomingHttpHeaders } from 'node:http';
import type { RestResponse } from '../../util/http.js';
import { JsonTypeError } from '../model/errors.js';
import type { MarathonService } from '../service.js';
import { MarathonHttpError, badRequest, unprocessable } from './errors.js';

export interface ApiRequest {
  readonly service: MarathonService;
  /** GET for HEAD requests. */
  readonly method: string;
  /** Path without query, double slashes and trailing slash removed, still percent-encoded. */
  readonly path: string;
  /** The path as requested (what Marathon reports as `uri` in api_post_event). */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The client's IP address. */
  readonly remoteAddress: string;
  /** Captures of the route's pattern, percent-decoded. */
  readonly params: readonly string[];
  /** Reads and parses the JSON body (400 when it is empty or not JSON). */
  json(): Promise<unknown>;
}

export interface ApiResponse extends RestResponse {
  /** Runs once the response has been sent. */
  afterSend?: () => void;
}

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  /** Matched against ApiRequest.path; captures become `params`. */
  pattern: RegExp;
  methods: Readonly<Partial<Record<string, Handler>>>;
  /** Resources declared @Consumes(application/json): other request content types get 415. */
  consumesJson?: boolean;
}

export function ok(body: unknown, headers?: Record<string, string>): ApiResponse {
  return headers ? { status: 200, body, headers } : { status: 200, body };
}

/** Parses a request body as Jackson does for Marathon: empty and malformed bodies are 400s. */
export function parseJsonBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    throw new MarathonHttpError(400, {
      message: 'Please specify data in JSON format',
      details: `No content to map due to end-of-input\n at [Source: (String)"${text}"; line: 1, column: 0]`,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MarathonHttpError(400, { message: 'Invalid JSON', details: (err as Error).message });
  }
}

/** A JAX-RS boolean query parameter: absent -> the default; else true iff "true" in any case. */
export function queryFlag(query: URLSearchParams, name: string, defaultValue: boolean): boolean {
  const value = query.get(name);
  if (value === null) return defaultValue;
  return value.toLowerCase() === 'true';
}

/** A parsed body that must be a JSON object; anything else is Play's error.expected.jsobject. */
export function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JsonTypeError([{ path: '/', errors: ['error.expected.jsobject'] }]);
  }
  return value as Record<string, unknown>;
}

// ---- embed ----

export type AppEmbed = 'tasks' | 'counts' | 'deployments' | 'readiness' | 'lastTaskFailure' | 'taskStats';
export type GroupEmbed = 'groups' | 'apps' | 'pods';

const APP_EMBED_PREFIXES = ['group.apps.', 'apps.', 'app.'];

/** InfoEmbedResolver.resolveApp: prefixes `group.apps.`, `apps.`, `app.` or none; unknown values ignored. */
export function resolveAppEmbeds(values: Iterable<string>): Set<AppEmbed> {
  const embeds = new Set<AppEmbed>();
  for (const value of values) {
    const prefix = APP_EMBED_PREFIXES.find((p) => value.startsWith(p)) ?? '';
    switch (value.slice(prefix.length)) {
      case 'tasks':
        embeds.add('tasks').add('deployments');
        break;
      case 'failures':
        embeds.add('tasks').add('lastTaskFailure').add('deployments');
        break;
      case 'deployments':
        embeds.add('deployments');
        break;
      case 'readiness':
        embeds.add('readiness');
        break;
      case 'lastTaskFailure':
        embeds.add('lastTaskFailure');
        break;
      case 'counts':
        embeds.add('counts');
        break;
      case 'taskStats':
        embeds.add('taskStats');
        break;
    }
  }
  return embeds;
}

/** The embeds of GET /v2/groups: `group.apps.*` go to the apps, the rest selects parts of groups. */
export function resolveGroupEmbeds(values: readonly string[]): {
  apps: Set<AppEmbed>;
  group: Set<GroupEmbed>;
} {
  // With no embed at all, Marathon embeds apps, pods and groups for backward compatibility.
  const given = values.length > 0 ? values : ['group.apps', 'group.pods', 'group.groups'];
  const group = new Set<GroupEmbed>();
  for (const value of given) {
    if (value === 'group.groups') group.add('groups');
    else if (value === 'group.apps') group.add('apps');
    else if (value === 'group.pods') group.add('pods');
  }
  return { apps: resolveAppEmbeds(given.filter((v) => v.startsWith('group.apps.'))), group };
}

// ---- content negotiation ----

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [{ type: '*', subtype: '*', q: 1 }];
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mediaType = '', ...params] = part.split(';').map((s) => s.trim());
    const [type = '', subtype = '*'] = mediaType.toLowerCase().split('/');
    if (type === '') continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=').map((s) => s.trim());
      if (key === 'q' && value !== undefined) q = Number.isFinite(Number(value)) ? Number(value) : 0;
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * Picks the offered media type the client prefers (JAX-RS variant selection): each offer gets the
 * quality of the most specific Accept range that matches it, times the server's own weight `qs`;
 * ties go to the earlier offer. Null when nothing offered is acceptable.
 */
export function negotiate(
  accept: string | undefined,
  offers: ReadonlyArray<{ type: string; qs?: number }>,
): string | null {
  const ranges = parseAccept(accept);
  let best: string | null = null;
  let bestScore = 0;
  for (const offer of offers) {
    const [type, subtype] = offer.type.split('/');
    let specificity = -1;
    let q = 0;
    for (const range of ranges) {
      // An offer such as text/* stands for any subtype the client names.
      const matches =
        (range.type === '*' || type === '*' || range.type === type) &&
        (range.subtype === '*' || subtype === '*' || range.subtype === subtype);
      if (!matches) continue;
      const rangeSpecificity = (range.type === '*' ? 0 : 1) + (range.subtype === '*' ? 0 : 1);
      if (rangeSpecificity > specificity) {
        specificity = rangeSpecificity;
        q = range.q;
      }
    }
    const score = q * (offer.qs ?? 1);
    if (score > bestScore) {
      best = offer.type;
      bestScore = score;
    }
  }
  return best;
}

/** Whether the client asked for the text/plain task list (Marathon's TEXT_PLAIN_LOW: qs 0.1). */
export function wantsPlainText(req: ApiRequest): boolean {
  const accept = req.headers.accept;
  return negotiate(accept, [{ type: 'application/json' }, { type: 'text/plain', qs: 0.1 }]) === 'text/plain';
}

// ---- ids and versions ----

/** Decodes a captured path part; a malformed escape stays as it is. */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** A version from the URL or a body in Marathon's canonical form (ISO, millis, Z), or null. */
export function normalizeVersion(raw: string): string | null {
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

// ---- label selectors (GET /v2/apps?label=) ----

export type LabelSelector = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * Parses Marathon's label selector grammar: `selector {, selector}` where a selector is `key`,
 * `key==value`, `key!=value`, `key in (a, b)` or `key notin (a, b)`; terms are [-A-Za-z0-9_.] and
 * any other character escaped with a backslash. A syntax error is a 422 (IllegalArgumentException).
 */
export function parseLabelSelector(input: string): LabelSelector {
  let pos = 0;
  const fail = (reason: string): never => {
    throw unprocessable(`Can not parse label selector ${input}. Reason: ${reason}`);
  };
  const skipSpace = (): void => {
    while (pos < input.length && /\s/.test(input[pos]!)) pos++;
  };
  const term = (): string | null => {
    skipSpace();
    const match = /^(?:\\.|[-A-Za-z0-9_.])+/.exec(input.slice(pos));
    if (!match) return null;
    pos += match[0].length;
    return match[0].replace(/\\(.)/g, '$1');
  };
  const literal = (re: RegExp): string | null => {
    skipSpace();
    const match = re.exec(input.slice(pos));
    if (!match) return null;
    pos += match[0].length;
    return match[0];
  };
  const set = (): string[] => {
    if (literal(/^\(/) === null) fail(`'(' expected at position ${pos}`);
    const values: string[] = [];
    const first = term();
    if (first !== null) {
      values.push(first);
      while (literal(/^,/) !== null) values.push(term() ?? fail(`term expected at position ${pos}`));
    }
    if (literal(/^\)/) === null) fail(`')' expected at position ${pos}`);
    return values;
  };
  const selector = (): LabelSelector => {
    const key = term() ?? fail(`label expected at position ${pos}`);
    const start = pos;
    const setOp = literal(/^(?:notin|in)(?![-A-Za-z0-9_.\\])/);
    if (setOp !== null) {
      const values = set();
      return setOp === 'in'
        ? (labels) => key in labels && values.includes(labels[key]!)
        : (labels) => key in labels && !values.includes(labels[key]!);
    }
    pos = start;
    const eqOp = literal(/^(?:==|!=)/);
    if (eqOp !== null) {
      const value = term() ?? fail(`value expected at position ${pos}`);
      return eqOp === '=='
        ? (labels) => key in labels && labels[key] === value
        : (labels) => key in labels && labels[key] !== value;
    }
    return (labels) => key in labels;
  };

  const selectors: LabelSelector[] = [];
  skipSpace();
  if (pos < input.length) {
    selectors.push(selector());
    while (literal(/^,/) !== null) selectors.push(selector());
  }
  skipSpace();
  if (pos < input.length) fail(`end of input expected at position ${pos}`);
  return (labels) => selectors.every((s) => s(labels));
}

/** A 400 for `scale` and `wipe` together (AppTasksResource, TasksResource). */
export function rejectScaleWithWipe(scale: boolean, wipe: boolean): void {
  if (scale && wipe) throw badRequest('You cannot use scale and wipe at the same time.');
}
