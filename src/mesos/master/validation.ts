// Pure validation of scheduler calls, framework infos and tasks, with the texts real Mesos uses
// (src/master/validation.cpp, src/common/roles.cpp). Each returns an error message or null.
import { containsResources, isEmptyResources } from '../protocol/resources.js';
import { validateId } from '../protocol/ids.js';
import type {
  FrameworkInfo,
  Resource,
  SchedulerCall,
  SchedulerCallType,
  TaskInfo,
} from '../protocol/types.js';

const SUB_MESSAGE: Partial<Record<SchedulerCallType, keyof SchedulerCall>> = {
  SUBSCRIBE: 'subscribe',
  ACCEPT: 'accept',
  DECLINE: 'decline',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  RECONCILE: 'reconcile',
  MESSAGE: 'message',
  REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

export const CALL_TYPES: ReadonlySet<string> = new Set<SchedulerCallType>([
  'UNKNOWN',
  'SUBSCRIBE',
  'TEARDOWN',
  'ACCEPT',
  'DECLINE',
  'REVIVE',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'RECONCILE',
  'MESSAGE',
  'REQUEST',
  'SUPPRESS',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE_OPERATIONS',
  'UPDATE_FRAMEWORK',
]);

/** validation::scheduler::call::validate: structural checks before any state is consulted. */
export function validateSchedulerCall(call: SchedulerCall): string | null {
  if (!call.type) return "Expecting 'type' to be present";
  if (call.type === 'SUBSCRIBE') {
    const sub = call.subscribe;
    if (!sub) return "Expecting 'subscribe' to be present";
    if (!sub.framework_info) return "Expecting 'subscribe.framework_info' to be present";
    const id = sub.framework_info.id?.value;
    if (call.framework_id && id !== call.framework_id.value) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    return null;
  }
  if (call.type === 'UNKNOWN') return null;
  if (!call.framework_id?.value) return "Expecting 'framework_id' to be present";
  const sub = SUB_MESSAGE[call.type];
  if (sub && !call[sub]) return `Expecting '${sub}' to be present`;
  switch (call.type) {
    case 'KILL':
      if (!call.kill?.task_id?.value) return "Expecting 'kill.task_id' to be present";
      break;
    case 'SHUTDOWN':
      if (!call.shutdown?.executor_id?.value) return "Expecting 'shutdown.executor_id' to be present";
      if (!call.shutdown?.agent_id?.value) return "Expecting 'shutdown.agent_id' to be present";
      break;
    case 'ACKNOWLEDGE': {
      const ack = call.acknowledge!;
      if (!ack.agent_id?.value || !ack.task_id?.value || !ack.uuid) {
        return 'Missing required fields: ' + missing(ack, ['agent_id', 'task_id', 'uuid']);
      }
      if (Buffer.from(ack.uuid, 'base64').length !== 16) return `Not a valid UUID: '${ack.uuid}'`;
      break;
    }
    case 'MESSAGE':
      if (!call.message?.agent_id?.value || !call.message.executor_id?.value) {
        return 'Missing required fields: ' + missing(call.message ?? {}, ['agent_id', 'executor_id', 'data']);
      }
      break;
    case 'UPDATE_FRAMEWORK':
      if (call.update_framework?.framework_info?.id?.value !== call.framework_id.value) {
        return "'framework_id' differs from 'update_framework.framework_info.id'";
      }
      break;
    default:
      break;
  }
  return null;
}

function missing(obj: object, fields: string[]): string {
  const rec = obj as Record<string, unknown>;
  return fields.filter((f) => rec[f] === undefined || rec[f] === '').join(', ');
}

/** src/common/roles.cpp: validate one role name. */
export function validateRole(role: string): string | null {
  if (role === '*') return null;
  if (role === '') return 'Empty role name is invalid';
  if (role.startsWith('/')) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith('/')) return `Role '${role}' cannot end with a slash`;
  if (role.includes('//')) return `Role '${role}' cannot contain two adjacent slashes`;
  for (const part of role.split('/')) {
    if (part === '.' || part === '..' || part === '*')
      return `Role '${role}' cannot include '${part}' as a component`;
    if (part.startsWith('-')) return `Role '${role}' cannot start with '-'`;
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0008\u007f]/.test(part))
      return `Role '${role}' cannot include whitespace or backspace characters`;
  }
  return null;
}

export function hasCapability(info: FrameworkInfo, type: string): boolean {
  return (info.capabilities ?? []).some((c) => c.type === type);
}

/** The roles a framework subscribes with: `roles` under MULTI_ROLE, else the single `role` ('*'). */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, 'MULTI_ROLE')) return [...(info.roles ?? [])];
  return [info.role ?? '*'];
}

/** validation::framework::validate. */
export function validateFrameworkInfo(info: FrameworkInfo): string | null {
  const absent = ['user', 'name'].filter(
    (f) => typeof (info as unknown as Record<string, unknown>)[f] !== 'string',
  );
  if (absent.length > 0) return `Missing required fields: ${absent.join(', ')}`;
  const multiRole = hasCapability(info, 'MULTI_ROLE');
  if (multiRole && info.role !== undefined)
    return "'FrameworkInfo.role' must not be set when MULTI_ROLE is present";
  if (!multiRole && info.roles !== undefined && info.roles.length > 0) {
    return "'FrameworkInfo.roles' must not be set when MULTI_ROLE is absent";
  }
  const roles = frameworkRoles(info);
  if (new Set(roles).size !== roles.length) return "'FrameworkInfo.roles' contains duplicate items";
  for (const role of roles) {
    const err = validateRole(role);
    if (err) return err;
  }
  if (info.id) {
    const err = validateId(info.id.value);
    if (err) return `Invalid framework id: ${err}`;
  }
  if (
    info.failover_timeout !== undefined &&
    (typeof info.failover_timeout !== 'number' || info.failover_timeout < 0)
  ) {
    return `Invalid failover_timeout: ${String(info.failover_timeout)}`;
  }
  return null;
}

/**
 * Task validation against what the offers still hold (validation::task::validate). `available` is
 * what is left of the offers after earlier operations of the same ACCEPT.
 */
export function validateTask(
  task: TaskInfo,
  agentId: string,
  available: readonly Resource[],
  isDuplicate: (taskId: string) => boolean,
): string | null {
  if (!task.task_id?.value) return "Task is missing required field 'task_id'";
  const idError = validateId(task.task_id.value);
  if (idError) return `Task ID '${task.task_id.value}' is invalid: ${idError}`;
  if (typeof task.name !== 'string') return "Task is missing required field 'name'";
  if (isDuplicate(task.task_id.value)) return `Task has duplicate ID: ${task.task_id.value}`;
  if (task.agent_id?.value !== agentId) {
    return `Task uses invalid agent: ${task.agent_id?.value ?? ''}`;
  }
  if (!!task.command === !!task.executor) {
    return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
  }
  if (task.executor?.executor_id) {
    const err = validateId(task.executor.executor_id.value);
    if (err) return `Executor ID '${task.executor.executor_id.value}' is invalid: ${err}`;
  }
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (grace !== undefined && grace < 0) return "Task's 'kill_policy.grace_period' must be non-negative";
  const resources = [...(task.resources ?? []), ...(task.executor?.resources ?? [])];
  if (isEmptyResources(resources)) return 'Task uses no resources';
  for (const r of resources) {
    const err = validateResource(r);
    if (err) return `Invalid resources: ${err}`;
  }
  // containsResources ignores allocation_info, so offered and requested resources compare as they are.
  if (!containsResources(available, resources)) {
    return `Task uses more resources ${describe(resources)} than available ${describe(available)}`;
  }
  return null;
}

/**
 * Resources::validate for one resource: its value, its DiskInfo's shape and its reservation format
 * (pre-refinement `role` + `reservation`, or the post-refinement stack, correctly refined).
 */
export function validateResource(r: Resource): string | null {
  if (typeof r.name !== 'string' || r.name === '') return "Resource is missing required field 'name'";
  if (r.type === 'SCALAR') {
    if (
      !r.scalar ||
      typeof r.scalar.value !== 'number' ||
      !Number.isFinite(r.scalar.value) ||
      r.scalar.value < 0
    ) {
      return `Invalid scalar resource ${r.name}`;
    }
  } else if (r.type === 'RANGES') {
    if (!r.ranges || !Array.isArray(r.ranges.range)) return `Invalid ranges resource ${r.name}`;
  } else if (r.type === 'SET') {
    if (!r.set || !Array.isArray(r.set.item)) return `Invalid set resource ${r.name}`;
  } else {
    return `Invalid resource type for ${r.name}`;
  }
  if (r.disk !== undefined && r.name !== 'disk') return `DiskInfo should not be set for ${r.name} resource`;
  return validateReservationFormat(r);
}

function validateReservationFormat(r: Resource): string | null {
  const stack = r.reservations ?? [];
  if (stack.length === 0) {
    const roleError = validateRole(r.role ?? '*');
    if (roleError) return roleError;
    if (r.reservation) {
      if (r.reservation.type !== undefined) {
        return "'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field";
      }
      if (r.reservation.role !== undefined) {
        return "'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field";
      }
      if ((r.role ?? '*') === '*') return 'Invalid reservation: role "*" cannot be dynamically reserved';
    }
    return null;
  }
  for (const entry of stack) {
    if (entry.type === undefined) {
      return "Invalid reservation: 'Resource.ReservationInfo.type' field must be set.";
    }
    if (entry.role === undefined) {
      return "Invalid reservation: 'Resource.ReservationInfo.role' field must be set.";
    }
    const roleError = validateRole(entry.role);
    if (roleError) return roleError;
    if (entry.role === '*') return 'Invalid reservation: role "*" cannot be reserved';
  }
  let ancestor = stack[0]!.role!;
  for (const entry of stack.slice(1)) {
    if (entry.type === 'STATIC') return 'Invalid refined reservation: A refined reservation cannot be STATIC';
    const descendant = entry.role!;
    if (!(descendant.length > ancestor.length && descendant.startsWith(`${ancestor}/`))) {
      return `Invalid refined reservation: role '${descendant}' is not a refinement of '${ancestor}'`;
    }
    ancestor = descendant;
  }
  if (stack.length === 1 && r.role !== undefined && r.role !== stack[0]!.role) {
    return (
      `Invalid resource format: 'Resource.role' field with '${r.role}' does not match the role` +
      ` '${stack[0]!.role}' in 'Resource.reservations'`
    );
  }
  return null;
}

function describe(list: readonly Resource[]): string {
  return list
    .map((r) =>
      r.type === 'SCALAR'
        ? `${r.name}:${r.scalar?.value ?? 0}`
        : r.type === 'RANGES'
          ? `${r.name}:[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(',')}]`
          : `${r.name}:{${(r.set?.item ?? []).join(',')}}`,
    )
    .join('; ');
}
