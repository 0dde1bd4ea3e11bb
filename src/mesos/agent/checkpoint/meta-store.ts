// Writes and reads the agent's checkpoint (layout in meta-paths.ts). Writes are synchronous, as in
// Mesos: an update is on disk before it is sent, so a restart never forgets one the framework saw.
// A crash can cut the last line of task.updates short; reading skips such a line (Mesos's
// --strict=false), since the update it held was never sent.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, TaskInfo, TaskStatus } from '../../protocol/types.js';
import {
  agentInfoPath,
  agentMetaDir,
  bootIdPath,
  executorMetaDir,
  frameworkMetaDir,
  latestAgentLink,
  taskMetaDir,
} from './meta-paths.js';

/** What executor.info holds: Mesos's ExecutorInfo plus how this agent ran it. */
export interface ExecutorRecord {
  info: ExecutorInfo;
  kind: 'command' | 'default';
  role: string;
  containerId: string;
  directory: string;
}

/** What task.info holds: the TaskInfo plus its container and sandbox here. */
export interface TaskRecord {
  info: TaskInfo;
  role: string;
  containerId: string;
  directory: string;
}

export type UpdateLine = { update: TaskStatus } | { ack: string };

export interface RecoveredTask {
  record: TaskRecord;
  /** Every update the agent generated, in order. */
  statuses: TaskStatus[];
  /** How many of them (a prefix) the framework acknowledged. */
  acknowledged: number;
}

export interface RecoveredExecutor {
  record: ExecutorRecord;
  tasks: RecoveredTask[];
}

export interface RecoveredFramework {
  info: FrameworkInfo;
  executors: RecoveredExecutor[];
}

export interface RecoveredAgent {
  agentId: string;
  info: AgentInfo;
  bootId: string | null;
  frameworks: RecoveredFramework[];
}

/** The statuses of task.updates lines and how many were acknowledged, acks matching in order. */
export function replayUpdates(lines: readonly string[]): { statuses: TaskStatus[]; acknowledged: number } {
  const statuses: TaskStatus[] = [];
  let acknowledged = 0;
  for (const line of lines) {
    let entry: UpdateLine;
    try {
      entry = JSON.parse(line) as UpdateLine;
    } catch {
      continue;
    }
    if ('update' in entry) statuses.push(entry.update);
    else if (statuses[acknowledged]?.uuid === entry.ack) acknowledged++;
  }
  return { statuses, acknowledged };
}

function writeAtomically(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

const readJson = <T>(path: string): T | null => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
};

const subdirs = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
};

/** The machine's boot, so a checkpoint from before a reboot is not mistaken for live containers. */
export function currentBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

export class MetaStore {
  constructor(readonly workDir: string) {}

  checkpointAgent(info: AgentInfo & { id: { value: string } }, bootId: string | null): void {
    const id = info.id.value;
    writeAtomically(agentInfoPath(this.workDir, id), JSON.stringify(info));
    if (bootId) writeAtomically(bootIdPath(this.workDir), bootId);
    const link = latestAgentLink(this.workDir);
    rmSync(link, { force: true });
    symlinkSync(id, link);
  }

  checkpointFramework(agentId: string, info: FrameworkInfo): void {
    const path = join(frameworkMetaDir(this.workDir, agentId, info.id!.value), 'framework.info');
    writeAtomically(path, JSON.stringify(info));
  }

  checkpointExecutor(agentId: string, frameworkId: string, record: ExecutorRecord): void {
    const dir = executorMetaDir(this.workDir, agentId, frameworkId, record.info.executor_id.value);
    writeAtomically(join(dir, 'executor.info'), JSON.stringify(record));
  }

  /** Returns the task's directory, where its updates go. */
  checkpointTask(agentId: string, frameworkId: string, executor: ExecutorRecord, record: TaskRecord): string {
    const dir = this.taskDir(agentId, frameworkId, executor.info, executor.containerId, record.info);
    writeAtomically(join(dir, 'task.info'), JSON.stringify(record));
    return dir;
  }

  taskDir(
    agentId: string,
    frameworkId: string,
    executor: ExecutorInfo,
    executorContainerId: string,
    task: TaskInfo,
  ): string {
    const executorId = executor.executor_id.value;
    return taskMetaDir(
      this.workDir,
      agentId,
      frameworkId,
      executorId,
      executorContainerId,
      task.task_id.value,
    );
  }

  appendUpdate(taskDir: string, line: UpdateLine): void {
    appendFileSync(join(taskDir, 'task.updates'), JSON.stringify(line) + '\n');
  }

  removeFramework(agentId: string, frameworkId: string): void {
    rmSync(frameworkMetaDir(this.workDir, agentId, frameworkId), { recursive: true, force: true });
  }

  /** The latest agent's checkpoint, or null when there is none. */
  read(): RecoveredAgent | null {
    let agentId: string;
    try {
      agentId = readlinkSync(latestAgentLink(this.workDir));
    } catch {
      return null;
    }
    const info = readJson<AgentInfo>(agentInfoPath(this.workDir, agentId));
    if (!info) return null;
    const bootPath = bootIdPath(this.workDir);
    const bootId = existsSync(bootPath) ? readFileSync(bootPath, 'utf8').trim() : null;
    const frameworks: RecoveredFramework[] = [];
    const frameworksDir = join(agentMetaDir(this.workDir, agentId), 'frameworks');
    for (const frameworkId of subdirs(frameworksDir)) {
      const fwInfo = readJson<FrameworkInfo>(join(frameworksDir, frameworkId, 'framework.info'));
      if (!fwInfo) continue;
      const executors: RecoveredExecutor[] = [];
      const executorsDir = join(frameworksDir, frameworkId, 'executors');
      for (const executorId of subdirs(executorsDir)) {
        const record = readJson<ExecutorRecord>(join(executorsDir, executorId, 'executor.info'));
        if (!record) continue;
        const tasksDir = join(executorsDir, executorId, 'runs', record.containerId, 'tasks');
        const tasks: RecoveredTask[] = [];
        for (const taskId of subdirs(tasksDir)) {
          const taskRecord = readJson<TaskRecord>(join(tasksDir, taskId, 'task.info'));
          if (!taskRecord) continue;
          let text = '';
          try {
            text = readFileSync(join(tasksDir, taskId, 'task.updates'), 'utf8');
          } catch {
            // Checkpointed, but no update yet.
          }
          tasks.push({ record: taskRecord, ...replayUpdates(text.split('\n').filter(Boolean)) });
        }
        executors.push({ record, tasks });
      }
      frameworks.push({ info: fwInfo, executors });
    }
    return { agentId, info, bootId, frameworks };
  }

  /**
   * Forgets the agent and its frameworks: it registers as a new agent (after a reboot, as Mesos
   * does). Checkpointed resources (meta/resources) are the host's and stay.
   */
  clear(): void {
    rmSync(join(this.workDir, 'meta', 'slaves'), { recursive: true, force: true });
    rmSync(bootIdPath(this.workDir), { force: true });
  }
}
