// The Marathon data model after normalization: what validation produces, what storage keeps, what
// the planner and the scheduler work on. Field names are Marathon's JSON names (1.10), so rendering
// an AppDefinition is mostly a copy; deprecated request forms (ports, uris, docker.network,
// docker.portMappings) never get this far.
import type { TaskState } from '../../mesos/protocol/types.js';

/** ISO-8601 UTC with millis and a Z, e.g. 2015-09-25T15:13:48.343Z (strict clients parse only this). */
export type Timestamp = string;

export type PortProtocol = 'tcp' | 'udp' | 'udp,tcp';

export interface PortDefinition {
  /** 0 in a request means "assign a service port"; stored definitions hold the assigned port. */
  port: number;
  protocol: PortProtocol;
  name?: string;
  labels?: Record<string, string>;
}

export interface PortMapping {
  containerPort: number;
  /** Absent: no host port (container networking); 0: a dynamic host port from the offer. */
  hostPort?: number;
  servicePort: number;
  protocol: PortProtocol;
  name?: string;
  labels?: Record<string, string>;
}

export interface DockerSpec {
  image: string;
  forcePullImage: boolean;
  privileged: boolean;
  parameters: Array<{ key: string; value: string }>;
}

export interface VolumeSpec {
  containerPath: string;
  hostPath?: string;
  mode: 'RO' | 'RW';
  persistent?: { size: number; type?: string };
}

export interface ContainerSpec {
  type: 'DOCKER' | 'MESOS';
  docker?: DockerSpec;
  volumes: VolumeSpec[];
  /** Only with container or bridge networking. */
  portMappings?: PortMapping[];
}

export type NetworkMode = 'host' | 'container/bridge' | 'container';

export interface NetworkSpec {
  mode: NetworkMode;
  name?: string;
  labels?: Record<string, string>;
}

export type ConstraintOperator = 'UNIQUE' | 'CLUSTER' | 'GROUP_BY' | 'LIKE' | 'UNLIKE' | 'MAX_PER' | 'IS';
export const CONSTRAINT_OPERATORS: readonly ConstraintOperator[] = [
  'UNIQUE',
  'CLUSTER',
  'GROUP_BY',
  'LIKE',
  'UNLIKE',
  'MAX_PER',
  'IS',
];

/** `[field, operator]` or `[field, operator, value]`; field is hostname/@hostname/@region/@zone or an attribute. */
export type Constraint = [string, ConstraintOperator] | [string, ConstraintOperator, string];

export type HealthCheckProtocol =
  'HTTP' | 'HTTPS' | 'TCP' | 'COMMAND' | 'MESOS_HTTP' | 'MESOS_HTTPS' | 'MESOS_TCP';

export interface HealthCheckSpec {
  protocol: HealthCheckProtocol;
  /** HTTP/HTTPS/MESOS_HTTP(S) only; default '/'. */
  path?: string;
  /** Index into the task's ports; default 0 when `port` is absent (not for COMMAND). */
  portIndex?: number;
  port?: number;
  command?: { value: string };
  gracePeriodSeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  maxConsecutiveFailures: number;
  /** Mesos-level checks only. */
  delaySeconds: number;
  ignoreHttp1xx: boolean;
}

export interface ReadinessCheckSpec {
  name: string;
  protocol: 'HTTP' | 'HTTPS';
  path: string;
  portName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  httpStatusCodesForReady: number[];
  preserveLastResponse: boolean;
}

export interface FetchSpec {
  uri: string;
  extract: boolean;
  executable: boolean;
  cache: boolean;
  destPath?: string;
}

export interface UpgradeStrategy {
  minimumHealthCapacity: number;
  maximumOverCapacity: number;
}

export type UnreachableStrategy = { inactiveAfterSeconds: number; expungeAfterSeconds: number } | 'disabled';

export interface VersionInfo {
  lastScalingAt: Timestamp;
  lastConfigChangeAt: Timestamp;
}

export type KillSelection = 'YOUNGEST_FIRST' | 'OLDEST_FIRST';

export type EnvValue = string | { secret: string };

/** A normalized, validated app: every default filled in, deprecated forms converted. */
export interface AppDefinition {
  /** Absolute PathId, e.g. '/prod/web'. */
  id: string;
  cmd?: string;
  args?: string[];
  user?: string;
  env: Record<string, EnvValue>;
  instances: number;
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  executor: string;
  constraints: Constraint[];
  fetch: FetchSpec[];
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
  container?: ContainerSpec;
  healthChecks: HealthCheckSpec[];
  readinessChecks: ReadinessCheckSpec[];
  /** Absolute app or group ids. */
  dependencies: string[];
  upgradeStrategy: UpgradeStrategy;
  labels: Record<string, string>;
  acceptedResourceRoles?: string[];
  version: Timestamp;
  versionInfo: VersionInfo;
  killSelection: KillSelection;
  unreachableStrategy: UnreachableStrategy;
  requirePorts: boolean;
  networks: NetworkSpec[];
  /** Host networking only (absent otherwise); service ports assigned (never 0 once stored). */
  portDefinitions?: PortDefinition[];
  secrets: Record<string, { source: string }>;
  role: string;
  taskKillGracePeriodSeconds?: number;
}

/** A group's own fields; its apps and subgroups are found by id prefix in RootGroup. */
export interface GroupMeta {
  id: string;
  dependencies: string[];
  version: Timestamp;
}

/**
 * The whole tree, flat: every app and every group by absolute id. The root group '/' is always in
 * `groups`; every app's and group's parent group is too.
 */
export interface RootGroup {
  apps: Record<string, AppDefinition>;
  groups: Record<string, GroupMeta>;
  version: Timestamp;
}

// ---- deployments ----

export type DeploymentActionName =
  'StartApplication' | 'ScaleApplication' | 'RestartApplication' | 'StopApplication';

export interface DeploymentAction {
  action: DeploymentActionName;
  app: string;
  /** ScaleApplication: target instance count. */
  scaleTo?: number;
  /** ScaleApplication: instances to kill first (kill-and-scale). */
  sentencedInstanceIds?: string[];
}

export interface DeploymentStep {
  actions: DeploymentAction[];
}

export interface DeploymentPlan {
  /** UUID. */
  id: string;
  /** The target root's version. */
  version: Timestamp;
  original: RootGroup;
  target: RootGroup;
  steps: DeploymentStep[];
}

// ---- instances (one task each; Marathon's instance/task split kept for ids) ----

export type InstanceGoal = 'Running' | 'Stopped' | 'Decommissioned';

export interface HealthResult {
  /** Index into the app's healthChecks. */
  index: number;
  alive: boolean;
  consecutiveFailures: number;
  firstSuccess: Timestamp | null;
  lastSuccess: Timestamp | null;
  lastFailure: Timestamp | null;
  lastFailureCause: string | null;
}

export interface Instance {
  /** `<safeId>.instance-<uuid>` */
  instanceId: string;
  /** `<instanceId>._app.<incarnation>` */
  taskId: string;
  incarnation: number;
  appId: string;
  /** The app version the task was launched with. */
  appVersion: Timestamp;
  /** versionInfo.lastConfigChangeAt of that version: equal means "current config". */
  configVersion: Timestamp;
  agentId: string;
  host: string;
  /** Host ports allocated from the offer, aligned with the app's ports. */
  hostPorts: number[];
  /** The last Mesos state; TASK_STAGING right after the launch. */
  state: TaskState;
  stagedAt: Timestamp;
  startedAt: Timestamp | null;
  goal: InstanceGoal;
  /** The agent's region/zone, when the offer had a domain. */
  region?: string;
  zone?: string;
  /** Agent attributes as text, for constraints. */
  attributes: Record<string, string>;
  /** Marathon-level and Mesos-level health results, one per health check. */
  healthResults: HealthResult[];
  /** TaskStatus.healthy from Mesos for MESOS_* and COMMAND checks. */
  mesosHealthy?: boolean;
  ipAddresses: Array<{ ipAddress: string; protocol: 'IPv4' | 'IPv6' }>;
  /** When TASK_UNREACHABLE was first seen (ms since epoch). */
  unreachableSince?: number;
}

export interface TaskFailure {
  appId: string;
  host: string;
  message: string;
  state: TaskState;
  taskId: string;
  instanceId: string;
  slaveId: string;
  timestamp: Timestamp;
  version: Timestamp;
}
