// The Mesos v1 messages in their JSON form (include/mesos/v1/*.proto as Mesos's own JSON converter
// writes them: snake_case field names, enum names as strings, bytes as base64, 64-bit ints as numbers).
// This file is the one definition master, agent, Marathon, Chronos, CLI and tests share.
// Optional fields are optional; a client may also send `null` for any of them (see json.ts).

export interface Id {
  value: string;
}
export type FrameworkID = Id;
export type AgentID = Id;
export type OfferID = Id;
export type TaskID = Id;
export type ExecutorID = Id;
export type OperationID = Id;
export interface ContainerID {
  value: string;
  parent?: ContainerID;
}

// ---- values, resources, attributes ----

export type ValueType = 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
export interface Scalar {
  value: number;
}
export interface Range {
  begin: number;
  end: number;
}
export interface Ranges {
  range: Range[];
}
export interface ValueSet {
  item: string[];
}
export interface Text {
  value: string;
}

export interface ReservationInfo {
  type?: 'STATIC' | 'DYNAMIC';
  role?: string;
  principal?: string;
  labels?: Labels;
}

export interface Resource {
  name: string;
  type: ValueType;
  scalar?: Scalar;
  ranges?: Ranges;
  set?: ValueSet;
  /** Pre-refinement format; absent means "*". */
  role?: string;
  allocation_info?: { role?: string };
  reservation?: ReservationInfo;
  reservations?: ReservationInfo[];
  disk?: Record<string, unknown>;
  revocable?: Record<string, never>;
  shared?: Record<string, never>;
}

export interface Attribute {
  name: string;
  type: ValueType;
  scalar?: Scalar;
  ranges?: Ranges;
  set?: ValueSet;
  text?: Text;
}

export interface Label {
  key: string;
  value?: string;
}
export interface Labels {
  labels: Label[];
}

export interface DurationInfo {
  nanoseconds: number;
}
export interface TimeInfo {
  nanoseconds: number;
}

// ---- addresses and infos ----

export interface Address {
  hostname?: string;
  ip?: string;
  port: number;
}
export interface URL {
  scheme: string;
  address: Address;
  path?: string;
  query?: Array<{ key: string; value?: string }>;
  fragment?: string;
}

export interface MasterInfo {
  id: string;
  /** IPv4 packed as a uint32 in network byte order, read as little-endian (127.0.0.1 = 16777343). */
  ip: number;
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
  capabilities?: Array<{ type: string }>;
}

export interface AgentInfo {
  hostname: string;
  port?: number;
  resources?: Resource[];
  attributes?: Attribute[];
  id?: AgentID;
  capabilities?: Array<{ type: string }>;
}

export type FrameworkCapabilityType =
  | 'REVOCABLE_RESOURCES'
  | 'TASK_KILLING_STATE'
  | 'GPU_RESOURCES'
  | 'SHARED_RESOURCES'
  | 'PARTITION_AWARE'
  | 'MULTI_ROLE'
  | 'RESERVATION_REFINEMENT'
  | 'REGION_AWARE';

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: Array<{ type: FrameworkCapabilityType | string }>;
  labels?: Labels;
  offer_filters?: Record<string, { min_allocatable_resources?: MinAllocatableResources }>;
}

export interface MinAllocatableResources {
  quantities: Array<{ quantities: Record<string, Scalar> }>;
}

// ---- tasks ----

export interface EnvironmentVariable {
  name: string;
  type?: 'VALUE' | 'SECRET';
  value?: string;
}

export interface CommandURI {
  value: string;
  executable?: boolean;
  extract?: boolean;
  cache?: boolean;
  output_file?: string;
}

export interface CommandInfo {
  uris?: CommandURI[];
  environment?: { variables: EnvironmentVariable[] };
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}

export interface Volume {
  mode: 'RW' | 'RO';
  container_path: string;
  host_path?: string;
  source?: Record<string, unknown>;
}

export interface ContainerInfo {
  type: 'DOCKER' | 'MESOS';
  volumes?: Volume[];
  hostname?: string;
  docker?: {
    image: string;
    network?: 'HOST' | 'BRIDGE' | 'NONE' | 'USER';
    port_mappings?: Array<{ host_port: number; container_port: number; protocol?: string }>;
    privileged?: boolean;
    parameters?: Array<{ key: string; value: string }>;
    force_pull_image?: boolean;
  };
  mesos?: { image?: { type: 'APPC' | 'DOCKER'; docker?: { name: string }; cached?: boolean } };
  network_infos?: Array<Record<string, unknown>>;
}

export interface HealthCheck {
  type?: 'COMMAND' | 'HTTP' | 'TCP';
  command?: CommandInfo;
  http?: { scheme?: string; port: number; path?: string; statuses?: number[] };
  tcp?: { port: number };
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
  consecutive_failures?: number;
  grace_period_seconds?: number;
}

export interface KillPolicy {
  grace_period?: DurationInfo;
}

export interface ExecutorInfo {
  type?: 'DEFAULT' | 'CUSTOM';
  executor_id: ExecutorID;
  framework_id?: FrameworkID;
  command?: CommandInfo;
  container?: ContainerInfo;
  resources?: Resource[];
  name?: string;
  source?: string;
  data?: string;
  shutdown_grace_period?: DurationInfo;
  labels?: Labels;
}

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources?: Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  container?: ContainerInfo;
  health_check?: HealthCheck;
  check?: Record<string, unknown>;
  kill_policy?: KillPolicy;
  data?: string;
  labels?: Labels;
  discovery?: Record<string, unknown>;
  max_completion_time?: DurationInfo;
  limits?: Record<string, { value: number } | 'Infinity'>;
}

export interface TaskGroupInfo {
  tasks: TaskInfo[];
}

export const TASK_STATES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** Terminal states release the task's resources (mesos::internal::protobuf::isTerminalState). */
export function isTerminalState(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

export type TaskStatusSource = 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';

export type TaskStatusReason =
  | 'REASON_COMMAND_EXECUTOR_FAILED'
  | 'REASON_EXECUTOR_TERMINATED'
  | 'REASON_EXECUTOR_UNREGISTERED'
  | 'REASON_FRAMEWORK_REMOVED'
  | 'REASON_GC_ERROR'
  | 'REASON_INVALID_FRAMEWORKID'
  | 'REASON_INVALID_OFFERS'
  | 'REASON_MASTER_DISCONNECTED'
  | 'REASON_CONTAINER_LIMITATION_MEMORY'
  | 'REASON_RECONCILIATION'
  | 'REASON_AGENT_DISCONNECTED'
  | 'REASON_AGENT_REMOVED'
  | 'REASON_AGENT_RESTARTED'
  | 'REASON_AGENT_UNKNOWN'
  | 'REASON_TASK_INVALID'
  | 'REASON_TASK_UNAUTHORIZED'
  | 'REASON_TASK_UNKNOWN'
  | 'REASON_CONTAINER_PREEMPTED'
  | 'REASON_RESOURCES_UNKNOWN'
  | 'REASON_CONTAINER_LIMITATION'
  | 'REASON_CONTAINER_LIMITATION_DISK'
  | 'REASON_CONTAINER_LAUNCH_FAILED'
  | 'REASON_CONTAINER_UPDATE_FAILED'
  | 'REASON_EXECUTOR_REGISTRATION_TIMEOUT'
  | 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT'
  | 'REASON_TASK_GROUP_INVALID'
  | 'REASON_TASK_GROUP_UNAUTHORIZED'
  | 'REASON_IO_SWITCHBOARD_EXITED'
  | 'REASON_TASK_CHECK_STATUS_UPDATED'
  | 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'
  | 'REASON_TASK_KILLED_DURING_LAUNCH'
  | 'REASON_AGENT_REMOVED_BY_OPERATOR'
  | 'REASON_AGENT_REREGISTERED'
  | 'REASON_MAX_COMPLETION_TIME_REACHED'
  | 'REASON_AGENT_DRAINING';

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: TaskStatusSource;
  reason?: TaskStatusReason;
  data?: string;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  /** Epoch seconds, as a double. */
  timestamp?: number;
  /** base64 of a 16-byte UUID; present iff the update must be acknowledged. */
  uuid?: string;
  healthy?: boolean;
  labels?: Labels;
  container_status?: {
    container_id?: ContainerID;
    executor_pid?: number;
    network_infos?: Array<Record<string, unknown>>;
  };
  unreachable_time?: TimeInfo;
  limitation?: { resources?: Resource[] };
}

// ---- offers and operations ----

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  url?: URL;
  resources: Resource[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
  allocation_info?: { role: string };
  /** The agent's fault domain, when it has one. */
  domain?: { fault_domain?: { region: { name: string }; zone: { name: string } } };
}

export interface Filters {
  refuse_seconds?: number;
}

export type OperationType =
  | 'UNKNOWN'
  | 'LAUNCH'
  | 'LAUNCH_GROUP'
  | 'RESERVE'
  | 'UNRESERVE'
  | 'CREATE'
  | 'DESTROY'
  | 'GROW_VOLUME'
  | 'SHRINK_VOLUME'
  | 'CREATE_DISK'
  | 'DESTROY_DISK';

export interface OfferOperation {
  type: OperationType;
  id?: OperationID;
  launch?: { task_infos: TaskInfo[] };
  launch_group?: { executor: ExecutorInfo; task_group: TaskGroupInfo };
  reserve?: { source?: Resource[]; resources: Resource[] };
  unreserve?: { resources: Resource[] };
  create?: { volumes: Resource[] };
  destroy?: { volumes: Resource[] };
}

// ---- v1 scheduler API ----

export type SchedulerCallType =
  | 'UNKNOWN'
  | 'SUBSCRIBE'
  | 'TEARDOWN'
  | 'ACCEPT'
  | 'DECLINE'
  | 'REVIVE'
  | 'KILL'
  | 'SHUTDOWN'
  | 'ACKNOWLEDGE'
  | 'RECONCILE'
  | 'MESSAGE'
  | 'REQUEST'
  | 'SUPPRESS'
  | 'ACCEPT_INVERSE_OFFERS'
  | 'DECLINE_INVERSE_OFFERS'
  | 'ACKNOWLEDGE_OPERATION_STATUS'
  | 'RECONCILE_OPERATIONS'
  | 'UPDATE_FRAMEWORK';

export interface SchedulerCall {
  framework_id?: FrameworkID;
  type: SchedulerCallType;
  subscribe?: { framework_info: FrameworkInfo; suppressed_roles?: string[] };
  accept?: { offer_ids: OfferID[]; operations?: OfferOperation[]; filters?: Filters };
  decline?: { offer_ids: OfferID[]; filters?: Filters };
  revive?: { roles?: string[] };
  suppress?: { roles?: string[] };
  kill?: { task_id: TaskID; agent_id?: AgentID; kill_policy?: KillPolicy };
  shutdown?: { executor_id: ExecutorID; agent_id: AgentID };
  acknowledge?: { agent_id: AgentID; task_id: TaskID; uuid: string };
  reconcile?: { tasks?: Array<{ task_id: TaskID; agent_id?: AgentID }> };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: string };
  request?: { requests?: Array<{ agent_id?: AgentID; resources?: Resource[] }> };
  update_framework?: { framework_info: FrameworkInfo; suppressed_roles?: string[] };
}

export type SchedulerEvent =
  | {
      type: 'SUBSCRIBED';
      subscribed: { framework_id: FrameworkID; heartbeat_interval_seconds: number; master_info: MasterInfo };
    }
  | { type: 'OFFERS'; offers: { offers: Offer[] } }
  | { type: 'RESCIND'; rescind: { offer_id: OfferID } }
  | { type: 'UPDATE'; update: { status: TaskStatus } }
  | { type: 'MESSAGE'; message: { agent_id: AgentID; executor_id: ExecutorID; data: string } }
  | { type: 'FAILURE'; failure: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number } }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'HEARTBEAT' };

export type SchedulerEventType = SchedulerEvent['type'];
