// Mesos's posix launcher: each task leads its own session and process group, which is what
// signal() and destroy() address. Nothing is enforced; usage is read from /proc where possible.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { statFields, tryKill } from '../../../util/proc.js';
import { memoryLimitBytes, USER_HZ, type ContainerStatistics } from './cgroups.js';
import {
  isAlive,
  processIdentity,
  readContainerRecord,
  readWaitStatus,
  runtimePaths,
  waiterArgs,
  whenEnded,
  writeContainerRecord,
  containerRecord,
  WAITER_FILE,
  type ContainerRecord,
  type ProcessIdentity,
  type RuntimePaths,
} from './container-runtime.js';
import { childrenOf, openOutputs, openRuntimeDir, readProcStatus, taskArgv } from './launch-support.js';
import type { ContainerLauncher, ExitInfo, LaunchSpec, RunningContainer } from './launcher.js';

export class PosixLauncher implements ContainerLauncher {
  readonly isolation = 'posix/cpu,posix/mem';
  readonly enforcing = false;

  async launch(spec: LaunchSpec): Promise<RunningContainer> {
    if (spec.rootfs) throw new Error('Container images need the linux launcher');
    const { file, argv } = taskArgv(spec);
    const runtime = await openRuntimeDir(spec);
    await runtime.close();
    const outputs = await openOutputs(spec);
    let child: ChildProcess;
    try {
      child = spawn(WAITER_FILE, waiterArgs(runtime.paths.status, file, argv), {
        cwd: spec.cwd,
        env: spec.env,
        // setsid(): the task's group is addressable as a whole and apart from the agent's.
        detached: true,
        stdio: ['ignore', outputs.out.fd, outputs.err.fd],
      });
    } catch (e) {
      await outputs.close();
      throw e;
    }
    // No await until the child's listeners are attached: a quick task's 'exit' would be missed.
    if (child.pid === undefined) {
      // A failed spawn (no cwd, no binary) is reported by an 'error' event on the next tick.
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      await outputs.close();
      throw new Error(`cannot start container ${spec.containerId} in ${spec.cwd}: ${error.message}`);
    }
    child.on('error', () => undefined);
    const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const waiter = { pid: child.pid, startTime: processIdentity(child.pid)?.startTime ?? 0 };
    const container = new PosixContainer(waiter, ended, runtime.paths, spec);
    // The child has its own copies of the descriptors once spawn() returns.
    await outputs.close();
    await writeContainerRecord(runtime.dir, containerRecord('posix', spec, waiter));
    return container;
  }

  async recover(runtimeDir: string): Promise<RunningContainer | null> {
    const record = await readContainerRecord(runtimeDir);
    // A container of the linux launcher is found by its process group here, without its cgroup.
    return record ? recoverPosixContainer(runtimeDir, record) : null;
  }
}

/** A container an earlier agent process launched, watched by polling its waiter. */
export function recoverPosixContainer(runtimeDir: string, record: ContainerRecord): RunningContainer {
  return new PosixContainer(record.waiter, whenEnded(record.waiter), runtimePaths(runtimeDir), record);
}

class PosixContainer implements RunningContainer {
  readonly exited: Promise<ExitInfo>;
  readonly pid: number;
  private ended = false;
  private destroyed = false;

  constructor(
    private readonly waiter: ProcessIdentity,
    waiterEnded: Promise<void>,
    private readonly runtime: RuntimePaths,
    private readonly limits: { cpus: number; memMb: number },
  ) {
    this.pid = waiter.pid;
    this.exited = waiterEnded.then(async () => {
      this.ended = true;
      // As with a pid namespace, the container ends with its task: no stray children left behind.
      tryKill(-this.pid, 'SIGKILL');
      const status = await readWaitStatus(this.runtime.status);
      // destroy() kills the waiter with the rest of the group: then the task died of that SIGKILL.
      if (!status)
        return { code: null, signal: 'SIGKILL', oomKilled: false, ...(this.destroyed ? {} : { lost: true }) };
      return { ...status, oomKilled: false };
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.ended && isAlive(this.waiter)) tryKill(-this.pid, sig);
  }

  async destroy(): Promise<void> {
    if (!this.ended && isAlive(this.waiter)) {
      this.destroyed = true;
      tryKill(-this.pid, 'SIGKILL');
    }
    await this.exited;
  }

  async statistics(): Promise<ContainerStatistics> {
    const stats: ContainerStatistics = {
      mem_limit_bytes: memoryLimitBytes(this.limits.memMb),
      cpus_limit: this.limits.cpus,
    };
    if (this.ended) return { ...stats, processes: 0 };
    // The task's processes: the waiter's descendants, not the waiter itself.
    const pids = (await processTree(this.pid)).filter((pid) => pid !== this.pid);
    let user = 0;
    let system = 0;
    let rss = 0;
    await Promise.all(
      pids.map(async (pid) => {
        const [stat, status] = await Promise.all([readStat(pid), readProcStatus(pid)]);
        user += stat?.utime ?? 0;
        system += stat?.stime ?? 0;
        rss += status?.rssBytes ?? 0;
      }),
    );
    return {
      ...stats,
      mem_rss_bytes: rss,
      cpus_user_time_secs: user / USER_HZ,
      cpus_system_time_secs: system / USER_HZ,
      processes: pids.length,
    };
  }
}

/** The process and its descendants, via /proc/<pid>/task/<pid>/children (CONFIG_PROC_CHILDREN). */
async function processTree(root: number): Promise<number[]> {
  const seen: number[] = [];
  const queue = [root];
  while (queue.length > 0 && seen.length < 10_000) {
    const pid = queue.shift() as number;
    seen.push(pid);
    // A process that is gone has no children file: count what we have.
    queue.push(...(await childrenOf(pid)));
  }
  return seen;
}

/**
 * User and system clock ticks from /proc/<pid>/stat, including those of reaped children (cutime,
 * cstime), as a cgroup would count them. The name in parentheses may hold spaces.
 */
export function parseProcStat(text: string): { utime: number; stime: number } | null {
  const fields = statFields(text);
  if (!fields) return null;
  const [utime, stime, cutime, cstime] = [14, 15, 16, 17].map((n) => Number(fields[n]));
  if (![utime, stime, cutime, cstime].every(Number.isFinite)) return null;
  return { utime: utime + cutime, stime: stime + cstime };
}

async function readStat(pid: number): Promise<{ utime: number; stime: number } | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}
