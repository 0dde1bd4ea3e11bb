// The event payloads about one instance, with Marathon's field names (reference §1.4).
import type { TaskState, TaskStatus } from '../../mesos/protocol/types.js';
import type { Instance } from '../model/types.js';

/** Marathon's instance condition for a Mesos task state. */
export function conditionOf(state: TaskState): string {
  switch (state) {
    case 'TASK_STAGING':
      return 'Staging';
    case 'TASK_STARTING':
      return 'Starting';
    case 'TASK_RUNNING':
      return 'Running';
    case 'TASK_KILLING':
      return 'Killing';
    case 'TASK_FINISHED':
      return 'Finished';
    case 'TASK_FAILED':
      return 'Failed';
    case 'TASK_KILLED':
      return 'Killed';
    case 'TASK_ERROR':
      return 'Error';
    case 'TASK_LOST':
    case 'TASK_UNREACHABLE':
      return 'Unreachable';
    case 'TASK_DROPPED':
      return 'Dropped';
    case 'TASK_GONE':
    case 'TASK_GONE_BY_OPERATOR':
      return 'Gone';
    case 'TASK_UNKNOWN':
      return 'Unknown';
  }
}

export function instanceCondition(instance: Instance, condition?: string): Record<string, unknown> {
  return {
    instanceId: instance.instanceId,
    condition: condition ?? conditionOf(instance.state),
    runSpecId: instance.appId,
    agentId: instance.agentId,
    host: instance.host,
    runSpecVersion: instance.appVersion,
  };
}

export function statusUpdateEvent(instance: Instance, status: TaskStatus): Record<string, unknown> {
  return {
    slaveId: instance.agentId,
    taskId: instance.taskId,
    taskStatus: status.state,
    message: status.message ?? '',
    appId: instance.appId,
    host: instance.host,
    ipAddresses: instance.ipAddresses,
    ports: instance.hostPorts,
    version: instance.appVersion,
  };
}
