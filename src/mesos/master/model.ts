// The master's in-memory state: frameworks, agents, offers and tasks. Master (master.ts) owns and
// mutates it; the read-only renderers (state-json.ts, operator-api.ts, metrics.ts) only read it
// through MasterView. Times are epoch seconds (doubles), as /state shows them.
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  MasterInfo,
  Offer,
  Resource,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../protocol/types.js';

export interface MasterTask {
  info: TaskInfo;
  frameworkId: string;
  agentId: string;
  /** The executor running it: '' for a command task (v0 /state convention), else the executor's id. */
  executorId: string;
  role: string;
  resources: Resource[];
  /** The latest state the agent reported (or STAGING before any). */
  state: TaskState;
  statuses: TaskStatus[];
  /** The update currently waiting for the framework's acknowledgement. */
  statusUpdateState?: TaskState;
  statusUpdateUuid?: string;
  user?: string;
}

export interface MasterOffer {
  offer: Offer;
  role: string;
  /** The resources as the allocator gave them (with allocation_info), for recovery. */
  resources: Resource[];
}

/** A framework's event stream (the SUBSCRIBE response). */
export interface FrameworkStream {
  readonly streamId: string;
  send(event: object): void;
  close(): void;
}

export interface MasterFramework {
  id: string;
  info: FrameworkInfo;
  roles: string[];
  suppressedRoles: Set<string>;
  /** Offers may be made (connected and not deactivated). */
  active: boolean;
  connected: boolean;
  /** Known only from re-registering agents after a master failover, not yet re-subscribed. */
  recovered: boolean;
  registeredTime: number;
  reregisteredTime?: number;
  unregisteredTime?: number;
  tasks: Map<string, MasterTask>;
  completedTasks: MasterTask[];
  unreachableTasks: Map<string, MasterTask>;
  offers: Map<string, MasterOffer>;
  /** Executors by agent id then executor id. */
  executors: Map<string, Map<string, ExecutorInfo>>;
  stream?: FrameworkStream;
  capabilities: Set<string>;
}

export interface MasterAgent {
  id: string;
  info: AgentInfo;
  /** `slave(1)@ip:port` */
  pid: string;
  ip: string;
  port: number;
  hostname: string;
  version: string;
  capabilities: string[];
  total: Resource[];
  registeredTime: number;
  reregisteredTime?: number;
  /** Deactivated by an operator or while disconnected: no offers. */
  active: boolean;
  connected: boolean;
  /** Offer ids on this agent. */
  offers: Set<string>;
  /** Task ids (frameworkId/taskId keys) running on this agent. */
  tasks: Set<string>;
}

export interface MasterCounters {
  /** master/messages_* and friends, by metric suffix, e.g. 'messages_launch_tasks'. */
  [name: string]: number;
}

/** What the read-only renderers need. */
export interface MasterView {
  readonly info: MasterInfo;
  readonly startTime: number;
  readonly electedTime: number | undefined;
  readonly leader: MasterInfo | undefined;
  readonly flags: Readonly<Record<string, string>>;
  readonly cluster: string | undefined;
  readonly frameworks: ReadonlyMap<string, MasterFramework>;
  readonly completedFrameworks: readonly MasterFramework[];
  readonly agents: ReadonlyMap<string, MasterAgent>;
  readonly offers: ReadonlyMap<string, MasterOffer>;
  readonly counters: Readonly<MasterCounters>;
  /** Seconds since the epoch, from the node's clock. */
  now(): number;
  isLeader(): boolean;
  /** Role weights and the frameworks subscribed to each role. */
  roles(): Array<{ name: string; weight: number; frameworks: string[] }>;
  allocatorMetrics(): Record<string, number>;
}

export const MESOS_VERSION = '1.11.0';
