// Marathon's PathId (app and group ids like /prod/db) and the instance and task ids derived from them.

/** The segment rule of PathId.scala, verbatim: it is also the text of the validation message. */
const ID_SEGMENT_PATTERN =
  '^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$';
// Java's matches() must match the whole segment, whichever alternative applies.
const ID_SEGMENT = new RegExp(`^(?:${ID_SEGMENT_PATTERN})$`);
const RESERVED_LAST_SEGMENTS = ['restart', 'tasks', 'versions', '.', '..'];

/** The RAML PathId facet applied while reading JSON (a mismatch is "error.pattern"). */
export const RAML_PATH_ID_PATTERN =
  /^(\/?((\.\.)|(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))?($|\/))+$/;

/** The non-empty segments of an id, in order ('/a//b/' -> ['a', 'b']). */
export function pathSegments(id: string): string[] {
  return id.split('/').filter((s) => s.length > 0);
}

function formatAbsolute(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}

/**
 * Resolves `raw` against `base` (itself resolved against the root) into an absolute id: '.' segments
 * are dropped and '..' goes up, stopping at the root. Does not validate segments.
 */
export function canonicalPathId(raw: string, base = '/'): string {
  const start = raw.startsWith('/') ? [] : resolve([], pathSegments(base));
  return formatAbsolute(resolve(start, pathSegments(raw)));
}

function resolve(start: readonly string[], segments: readonly string[]): string[] {
  const out = [...start];
  for (const segment of segments) {
    if (segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out;
}

/** Marathon's messages for an id whose segments break the naming rule or that ends in a reserved word. */
export function pathIdErrors(id: string): string[] {
  const segments = pathSegments(id);
  const errors: string[] = [];
  if (!segments.every((s) => ID_SEGMENT.test(s))) {
    errors.push(`must fully match regular expression '${ID_SEGMENT_PATTERN}'`);
  }
  const last = segments.at(-1);
  if (last !== undefined && RESERVED_LAST_SEGMENTS.includes(last)) {
    errors.push(
      `must not end with any of the following reserved keywords: ${RESERVED_LAST_SEGMENTS.join(', ')}`,
    );
  }
  return errors;
}

/** The parent of an absolute id; the root is its own parent. */
export function parentOf(id: string): string {
  return formatAbsolute(pathSegments(id).slice(0, -1));
}

/** True when `id` lies strictly below `ancestor`. */
export function isAncestorOf(ancestor: string, id: string): boolean {
  const a = pathSegments(ancestor);
  const b = pathSegments(id);
  return b.length > a.length && a.every((s, i) => b[i] === s);
}

/** '/prod/web' -> 'prod_web' (segments cannot contain '_', so this is reversible). */
export function safeId(appId: string): string {
  return pathSegments(appId).join('_');
}

/** 'prod_web' -> '/prod/web'. */
export function fromSafeId(safe: string): string {
  return formatAbsolute(safe.split('_').filter((s) => s.length > 0));
}

export function newInstanceId(appId: string, uuid: string): string {
  return `${safeId(appId)}.instance-${uuid}`;
}

/** The 1.9+ task id: one instance runs incarnation 1, 2, ... as it is relaunched. */
export function taskIdOf(instanceId: string, incarnation: number): string {
  return `${instanceId}._app.${incarnation}`;
}

export interface ParsedTaskId {
  appId: string;
  instanceId: string;
  /** 0 for the older formats, which carry none. */
  incarnation: number;
}

// java.util.UUID.fromString's leniency: five dash-separated hex groups of up to 8-4-4-4-12 digits.
const UUID = '[0-9a-fA-F]{1,8}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,12}';
// The four regexes of Task.Id.parse, tried in the same order.
const WITH_INCARNATION = new RegExp(`^(.+)\\.(instance-|marathon-)(${UUID})[._]([^.]+)\\.(\\d+)$`);
const WITH_INSTANCE = new RegExp(`^(.+)\\.(instance-|marathon-)(${UUID})[._]([^.]+)$`);
const LEGACY_RESIDENT = new RegExp(`^(.+)([._])(${UUID})\\.(\\d+)$`);
const LEGACY = new RegExp(`^(.+)([._])(${UUID})$`);

/**
 * Parses a Marathon task id in any format Marathon ever generated: 1.9+
 * `<safeId>.instance-<uuid>._app.<n>`, 1.4-1.8 `<safeId>.instance-<uuid>._app`, and the old
 * `<safeId>.<uuid>` (or `_` as the separator, or a resident `.<attempt>` suffix). Null when none fits.
 */
export function parseTaskId(taskId: string): ParsedTaskId | null {
  let m = WITH_INCARNATION.exec(taskId);
  if (m) return { appId: fromSafeId(m[1]!), instanceId: `${m[1]}.${m[2]}${m[3]}`, incarnation: Number(m[5]) };
  m = WITH_INSTANCE.exec(taskId);
  if (m) return { appId: fromSafeId(m[1]!), instanceId: `${m[1]}.${m[2]}${m[3]}`, incarnation: 0 };
  m = LEGACY_RESIDENT.exec(taskId) ?? LEGACY.exec(taskId);
  // Before instances existed a task was its own instance.
  if (m) return { appId: fromSafeId(m[1]!), instanceId: `${m[1]}${m[2]}${m[3]}`, incarnation: 0 };
  return null;
}
