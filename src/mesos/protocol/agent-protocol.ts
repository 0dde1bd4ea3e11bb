// Our master <-> agent protocol (real Mesos uses internal libprocess messages here; any protocol is
// allowed, see README "Master-agent protocol"). It mirrors the v1 scheduler API's shape:
//
// 1. The agent opens `POST /master/internal/agent/subscribe` with an AgentSubscribe body. The
//    response is a RecordIO stream of AgentEvent (JSON), starting with REGISTERED. The stream is the
//    link: when it breaks, each side knows the other is gone.
// 2. The agent sends AgentCall messages with `POST /master/internal/agent/call` and the header
//    `Sandbox-Agent-Id`; the master answers 202.
import type {
  AgentID,
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  MasterInfo,
  Resource,
  TaskGroupInfo,
  TaskInfo,
  TaskState,
  TaskStatus,
} from './types.js';

export const AGENT_SUBSCRIBE_PATH = '/master/internal/agent/subscribe';
export const AGENT_CALL_PATH = '/master/internal/agent/call';
export const AGENT_ID_HEADER = 'sandbox-agent-id';

/** What an agent reports of a task it still knows about when re-registering. */
export interface AgentTaskReport {
  framework_id: string;
  executor_id: string;
  task: TaskInfo;
  state: TaskState;
  statuses: TaskStatus[];
  resources: Resource[];
}

export interface AgentSubscribe {
  /** REGISTER for a new agent, REREGISTER when it already has an id (e.g. after a master failover). */
  type: 'REGISTER' | 'REREGISTER';
  agent_info: AgentInfo;
  agent_id?: AgentID;
  version: string;
  capabilities: string[];
  frameworks: FrameworkInfo[];
  tasks: AgentTaskReport[];
  /**
   * The dynamic reservations and persistent volumes the agent checkpointed (post-refinement form).
   * A master that does not know the agent takes them as they are; one that does sends its own view
   * back in a CHECKPOINT_RESOURCES.
   */
  checkpointed_resources?: Resource[];
}

export type AgentEvent =
  | {
      type: 'REGISTERED';
      agent_id: AgentID;
      master_info: MasterInfo;
      /**
       * On re-registration with a master that knew the agent: tasks it believes run there that the
       * agent did not report. The agent answers TASK_LOST (TASK_DROPPED if partition-aware) for
       * those it does not know (Mesos's ReconcileTasksMessage in SlaveReregisteredMessage).
       */
      reconcile?: Array<{ framework_id: string; partition_aware: boolean; task_ids: string[] }>;
    }
  | {
      type: 'RUN_TASK';
      framework_info: FrameworkInfo;
      task: TaskInfo;
    }
  | {
      type: 'RUN_TASK_GROUP';
      framework_info: FrameworkInfo;
      executor: ExecutorInfo;
      task_group: TaskGroupInfo;
    }
  | { type: 'KILL_TASK'; framework_id: string; task_id: string; kill_policy?: KillPolicy }
  | { type: 'ACKNOWLEDGE'; framework_id: string; task_id: string; uuid: string }
  | { type: 'SHUTDOWN_EXECUTOR'; framework_id: string; executor_id: string }
  | { type: 'SHUTDOWN_FRAMEWORK'; framework_id: string }
  | { type: 'FRAMEWORK_MESSAGE'; framework_id: string; executor_id: string; data: string }
  /**
   * All of the agent's dynamic reservations and persistent volumes after an operation (Mesos's
   * CheckpointResourcesMessage): the agent persists them, creates new volumes' directories and
   * deletes destroyed ones.
   */
  | { type: 'CHECKPOINT_RESOURCES'; resources: Resource[] }
  /** Sent on the link every few seconds so a silent network is noticed. */
  | { type: 'PING' };

export type AgentCall =
  | { type: 'STATUS_UPDATE'; framework_id: string; status: TaskStatus }
  | { type: 'EXECUTOR_MESSAGE'; framework_id: string; executor_id: string; data: string }
  | { type: 'EXITED_EXECUTOR'; framework_id: string; executor_id: string; status: number }
  | { type: 'UNREGISTER' };
