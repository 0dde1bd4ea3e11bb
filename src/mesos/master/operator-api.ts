// The synchronous read-only calls of the v1 operator API (POST /api/v1, master.proto), plus the
// parse/validation step Master::Http::api applies to every call before routing it. Calls with side
// effects or streams (SUBSCRIBE, TEARDOWN, weights, reservations, maintenance, quota, agent
// control...) are validated here and then handed back (null) for the master to carry out.
import { isPlainObject, stripNulls } from '../protocol/index.js';
import type { Resource } from '../protocol/index.js';
import type { MasterView } from './model.js';
import { renderMasterMetrics } from './metrics.js';
import { roleBreakdowns } from './render-common.js';
import { renderVersion } from './state-json.js';
import { v1GetAgents, v1GetExecutors, v1GetFrameworks, v1GetState, v1GetTasks } from './v1-objects.js';

export {
  v1AgentEntry,
  v1FrameworkEntry,
  v1GetAgents,
  v1GetExecutors,
  v1GetFrameworks,
  v1GetState,
  v1GetTasks,
  v1Task,
} from './v1-objects.js';
export type {
  V1AgentEntry,
  V1ExecutorEntry,
  V1FrameworkEntry,
  V1GetAgents,
  V1GetExecutors,
  V1GetFrameworks,
  V1GetState,
  V1GetTasks,
  V1Task,
} from './v1-objects.js';

export interface OperatorResponse {
  status: number;
  body: string;
  contentType?: string;
}

/** mesos.v1.master.Call.Type names. */
export const OPERATOR_CALL_TYPES = [
  'UNKNOWN',
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_AGENTS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_ROLES',
  'GET_WEIGHTS',
  'UPDATE_WEIGHTS',
  'GET_MASTER',
  'SUBSCRIBE',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
  'GET_QUOTA',
  'UPDATE_QUOTA',
  'SET_QUOTA',
  'REMOVE_QUOTA',
  'TEARDOWN',
  'MARK_AGENT_GONE',
] as const;
export type OperatorCallType = (typeof OPERATOR_CALL_TYPES)[number];

/** The required fields of a message, and the specs of message-typed fields to descend into. */
interface MessageSpec {
  required?: readonly string[];
  fields?: Readonly<Record<string, MessageSpec>>;
}

const ID: MessageSpec = { required: ['value'] };
const DURATION: MessageSpec = { required: ['nanoseconds'] };
const RESOURCE: MessageSpec = { required: ['name', 'type'] };
const AGENT_RESOURCES = (list: string): MessageSpec => ({
  required: ['agent_id'],
  fields: { agent_id: ID, [list]: RESOURCE, source: RESOURCE },
});

/** Call's sub-message fields with their required contents (master.proto), in declaration order. */
const CALL_FIELDS: Readonly<Record<string, MessageSpec>> = {
  get_metrics: { fields: { timeout: DURATION } },
  set_logging_level: { required: ['level', 'duration'], fields: { duration: DURATION } },
  list_files: { required: ['path'] },
  read_file: { required: ['path', 'offset'] },
  update_weights: { fields: { weight_infos: { required: ['weight'] } } },
  reserve_resources: AGENT_RESOURCES('resources'),
  unreserve_resources: AGENT_RESOURCES('resources'),
  create_volumes: AGENT_RESOURCES('volumes'),
  destroy_volumes: AGENT_RESOURCES('volumes'),
  grow_volume: {
    required: ['volume', 'addition'],
    fields: { agent_id: ID, volume: RESOURCE, addition: RESOURCE },
  },
  shrink_volume: {
    required: ['volume', 'subtract'],
    fields: { agent_id: ID, volume: RESOURCE, subtract: { required: ['value'] } },
  },
  update_maintenance_schedule: { required: ['schedule'] },
  start_maintenance: {},
  stop_maintenance: {},
  drain_agent: { required: ['agent_id'], fields: { agent_id: ID, max_grace_period: {} } },
  deactivate_agent: { required: ['agent_id'], fields: { agent_id: ID } },
  reactivate_agent: { required: ['agent_id'], fields: { agent_id: ID } },
  update_quota: { fields: { quota_configs: { required: ['role'] } } },
  set_quota: { required: ['quota_request'] },
  remove_quota: { required: ['role'] },
  teardown: { required: ['framework_id'], fields: { framework_id: ID } },
  mark_agent_gone: { required: ['agent_id'], fields: { agent_id: ID } },
};

/** Types whose sub-message must be present (validation::master::call::validate). */
const NEEDS_FIELD: Partial<Record<OperatorCallType, string>> = {
  GET_METRICS: 'get_metrics',
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
  UPDATE_WEIGHTS: 'update_weights',
  RESERVE_RESOURCES: 'reserve_resources',
  UNRESERVE_RESOURCES: 'unreserve_resources',
  CREATE_VOLUMES: 'create_volumes',
  DESTROY_VOLUMES: 'destroy_volumes',
  GROW_VOLUME: 'grow_volume',
  SHRINK_VOLUME: 'shrink_volume',
  UPDATE_MAINTENANCE_SCHEDULE: 'update_maintenance_schedule',
  START_MAINTENANCE: 'start_maintenance',
  STOP_MAINTENANCE: 'stop_maintenance',
  DRAIN_AGENT: 'drain_agent',
  DEACTIVATE_AGENT: 'deactivate_agent',
  REACTIVATE_AGENT: 'reactivate_agent',
  UPDATE_QUOTA: 'update_quota',
  SET_QUOTA: 'set_quota',
  REMOVE_QUOTA: 'remove_quota',
  TEARDOWN: 'teardown',
  MARK_AGENT_GONE: 'mark_agent_gone',
};

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

function badRequest(message: string): OperatorResponse {
  return { status: 400, body: message, contentType: TEXT };
}

function ok(type: string, field: string, payload: object): OperatorResponse {
  return { status: 200, body: JSON.stringify({ type, [field]: payload }), contentType: JSON_TYPE };
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** The message fields checked here that are `repeated` (master.proto, mesos.proto). */
const REPEATED: ReadonlySet<string> = new Set([
  'resources',
  'source',
  'volumes',
  'weight_infos',
  'quota_configs',
]);

/**
 * stout's protobuf::parse: a message field takes a JSON object; a repeated one an array of them
 * (or a single object, added as one element).
 */
function shapeError(value: Record<string, unknown>, spec: MessageSpec): string | null {
  for (const [name, sub] of Object.entries(spec.fields ?? {})) {
    const v = value[name];
    if (v === undefined) continue;
    const repeated = REPEATED.has(name);
    if (!repeated && Array.isArray(v)) return `Not expecting a JSON array for field '${name}'`;
    for (const item of repeated && Array.isArray(v) ? v : [v]) {
      if (!isPlainObject(item)) return `Not expecting a JSON ${jsonKind(item)} for field '${name}'`;
      const nested = shapeError(item, sub);
      if (nested) return nested;
    }
  }
  return null;
}

/** Message::InitializationErrorString: dotted paths of missing required fields, `[i]` for repeated. */
function missingFields(
  value: Record<string, unknown>,
  spec: MessageSpec,
  prefix: string,
  out: string[],
): void {
  for (const name of spec.required ?? []) if (value[name] === undefined) out.push(prefix + name);
  for (const [name, sub] of Object.entries(spec.fields ?? {})) {
    const v = value[name];
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (isPlainObject(item)) missingFields(item, sub, `${prefix}${name}[${i}].`, out);
      });
    } else if (isPlainObject(v)) {
      missingFields(v, sub, `${prefix}${name}.`, out);
    }
  }
}

/**
 * Parses and validates a decoded JSON `master::Call` as Master::Http::api does, then answers the
 * read-only calls. Returns null for a valid call this module does not carry out (the caller routes
 * it or answers 501); every failure before that point is answered here with Mesos's texts.
 */
export function handleOperatorCall(view: MasterView, call: unknown): OperatorResponse | null {
  const parsed = stripNulls(call);
  const convert = (message: string): OperatorResponse =>
    badRequest(`Failed to convert JSON into Call protobuf: ${message}`);
  if (!isPlainObject(parsed)) return convert('Expecting a JSON object');

  const rawType = parsed['type'];
  if (rawType !== undefined && typeof rawType !== 'string') {
    return convert(`Not expecting a JSON ${jsonKind(rawType)} for field 'type'`);
  }
  const shape = shapeError(parsed, { fields: CALL_FIELDS });
  if (shape) return convert(shape);
  const missing: string[] = [];
  missingFields(parsed, { fields: CALL_FIELDS }, '', missing);
  if (missing.length > 0) return convert(`Missing required fields: ${missing.join(', ')}`);

  // An enum name Mesos does not know is dropped on parse (proto2), leaving `type` unset.
  const type = (OPERATOR_CALL_TYPES as readonly string[]).includes(rawType ?? '')
    ? (rawType as OperatorCallType)
    : undefined;
  const invalid = (message: string): OperatorResponse =>
    badRequest(`Failed to validate master::Call: ${message}`);
  if (type === undefined) return invalid("Expecting 'type' to be present");
  const needed = NEEDS_FIELD[type];
  if (needed !== undefined && parsed[needed] === undefined) {
    return invalid(`Expecting '${needed}' to be present`);
  }
  if (
    (type === 'GROW_VOLUME' || type === 'SHRINK_VOLUME') &&
    (parsed[needed!] as Record<string, unknown>)['agent_id'] === undefined
  ) {
    return invalid(
      "Expecting 'agent_id' to be present; only agent default resources are supported right now",
    );
  }

  switch (type) {
    case 'UNKNOWN':
      return { status: 501, body: '', contentType: TEXT };
    case 'GET_HEALTH':
      return ok(type, 'get_health', { healthy: true });
    case 'GET_FLAGS':
      return ok(type, 'get_flags', {
        flags: Object.keys(view.flags)
          .sort()
          .map((name) => ({ name, value: view.flags[name] })),
      });
    case 'GET_VERSION':
      return ok(type, 'get_version', { version_info: renderVersion() });
    case 'GET_METRICS': {
      // The optional timeout only matters for metrics that are slow to compute; none are here.
      const metrics = renderMasterMetrics(view);
      return ok(type, 'get_metrics', {
        metrics: Object.keys(metrics)
          .sort()
          .map((name) => ({ name, value: metrics[name] })),
      });
    }
    case 'GET_STATE':
      return ok(type, 'get_state', v1GetState(view));
    case 'GET_AGENTS':
      return ok(type, 'get_agents', v1GetAgents(view));
    case 'GET_FRAMEWORKS':
      return ok(type, 'get_frameworks', v1GetFrameworks(view));
    case 'GET_EXECUTORS':
      return ok(type, 'get_executors', v1GetExecutors(view));
    case 'GET_TASKS':
      return ok(type, 'get_tasks', v1GetTasks(view));
    case 'GET_ROLES':
      return ok(type, 'get_roles', getRoles(view));
    case 'GET_MASTER':
      return ok(type, 'get_master', {
        master_info: { ...view.info, port: view.info.port ?? 5050 },
        start_time: view.startTime,
        ...(view.electedTime !== undefined ? { elected_time: view.electedTime } : {}),
      });
    default:
      return null;
  }
}

interface V1Role {
  name: string;
  weight: number;
  frameworks?: Array<{ value: string }>;
  resources?: Resource[];
}

/** GetRoles: protobuf JSON, so empty repeated fields (even `roles`) are omitted. */
function getRoles(view: MasterView): { roles?: V1Role[] } {
  const roles = roleBreakdowns(view).map((r) => {
    const role: V1Role = { name: r.name, weight: r.weight };
    if (r.frameworks.length > 0) role.frameworks = r.frameworks.map((value) => ({ value }));
    // Allocated plus offered, restricted to the four quantities the endpoint reports.
    const sum = new Map<string, number>();
    for (const q of [r.allocated, r.offered]) {
      for (const [n, v] of Object.entries(q)) sum.set(n, (sum.get(n) ?? 0) + v);
    }
    const resources: Resource[] = [...sum.keys()]
      .filter((n) => n === 'cpus' || n === 'mem' || n === 'disk' || n === 'gpus')
      .sort()
      .map((name) => ({ name, type: 'SCALAR', scalar: { value: Math.round(sum.get(name)! * 1000) / 1000 } }));
    if (resources.length > 0) role.resources = resources;
    return role;
  });
  return roles.length > 0 ? { roles } : {};
}
