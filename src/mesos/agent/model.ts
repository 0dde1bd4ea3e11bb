// The agent's in-memory state: frameworks, executors (containers) and tasks. Agent (agent.ts) owns
// and mutates it; the HTTP renderers (state-json.ts, files.ts, http-server.ts) read it through
// AgentView. Times are epoch seconds.
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  Resource,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../protocol/types.js';
import type { ContainerStatistics, RunningContainer } from './containerizer/launcher.js';

export interface AgentTask {
  info: TaskInfo;
  frameworkId: string;
  executorId: string;
  state: TaskState;
  statuses: TaskStatus[];
  resources: Resource[];
  /** The allocation role the task's resources were offered to. */
  role: string;
  /** The task's container (its executor's, for a command task). */
  containerId: string;
  /** The task's sandbox. */
  directory: string;
  container?: RunningContainer;
  /** Where its updates are checkpointed (frameworks with checkpoint: true). */
  checkpointDir?: string;
}

export interface AgentExecutor {
  id: string;
  frameworkId: string;
  info: ExecutorInfo;
  /** 'command' for a command task's synthesized executor, 'default' for a task group's. */
  kind: 'command' | 'default';
  containerId: string;
  /** The sandbox directory on this host. */
  directory: string;
  tasks: Map<string, AgentTask>;
  completedTasks: AgentTask[];
  /** The allocation role of its resources. */
  role: string;
}

export interface AgentFramework {
  id: string;
  info: FrameworkInfo;
  executors: Map<string, AgentExecutor>;
  completedExecutors: AgentExecutor[];
}

export interface AgentView {
  readonly id: string | null;
  readonly info: AgentInfo;
  readonly pid: string;
  readonly hostname: string;
  readonly port: number;
  readonly startTime: number;
  readonly flags: Readonly<Record<string, string>>;
  readonly masterHostname: string | null;
  readonly registered: boolean;
  readonly totalResources: readonly Resource[];
  readonly attributesText: string;
  readonly capabilities: readonly string[];
  /** 'cgroups/cpu,cgroups/mem,namespaces/pid' or 'posix/cpu,posix/mem': what isolates tasks here. */
  readonly isolation: string;
  readonly workDir: string;
  readonly frameworks: ReadonlyMap<string, AgentFramework>;
  readonly completedFrameworks: readonly AgentFramework[];
  readonly counters: Readonly<Record<string, number>>;
  now(): number;
  /** Statistics of a running container, for /containers and /monitor/statistics. */
  containerStatistics(containerId: string): Promise<ContainerStatistics | null>;
}

export const AGENT_CAPABILITIES = [
  'MULTI_ROLE',
  'HIERARCHICAL_ROLE',
  'RESERVATION_REFINEMENT',
  'RESOURCE_PROVIDER',
  'RESIZE_VOLUME',
  'AGENT_OPERATION_FEEDBACK',
  'AGENT_DRAINING',
  'TASK_RESOURCE_LIMITS',
];

/** The real sandbox path layout (src/slave/paths.cpp). */
export function sandboxPath(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
): string {
  return `${workDir}/slaves/${agentId}/frameworks/${frameworkId}/executors/${executorId}/runs/${containerId}`;
}

/** The virtual path the web UI and /files use for an executor's latest run. */
export function virtualSandboxPath(frameworkId: string, executorId: string): string {
  return `/frameworks/${frameworkId}/executors/${executorId}/runs/latest`;
}
