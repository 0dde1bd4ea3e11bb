// Mesos's posix launcher: each task leads its own session and process group, which is what
// signal() and destroy() address. Nothing is enforced; usage is read from /proc where possible.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { statFields, tryKill } from '../../../util/proc.js';
import { memoryLimitBytes, USER_HZ, type ContainerStatistics } from './cgroups.js';
import { openOutputs, readProcStatus, taskArgv } from './launch-support.js';
import type { ContainerLauncher, ExitInfo, LaunchSpec, RunningContainer } from './launcher.js';

export class PosixLauncher implements ContainerLauncher {
  readonly isolation = 'posix/cpu,posix/mem';
  readonly enforcing = false;

  async launch(spec: LaunchSpec): Promise<RunningContainer> {
    const { file, argv } = taskArgv(spec);
    const outputs = await openOutputs(spec);
    let child: ChildProcess;
    try {
      child = spawn(file, argv.slice(1), {
        argv0: argv[0],
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
    const container = new PosixContainer(child, child.pid, spec);
    // The child has its own copies of the descriptors once spawn() returns.
    await outputs.close();
    return container;
  }
}

class PosixContainer implements RunningContainer {
  readonly exited: Promise<ExitInfo>;
  private ended = false;

  constructor(
    child: ChildProcess,
    readonly pid: number,
    private readonly spec: LaunchSpec,
  ) {
    child.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        this.ended = true;
        // As with a pid namespace, the container ends with its task: no stray children left behind.
        tryKill(-pid, 'SIGKILL');
        resolve({ code, signal, oomKilled: false });
      });
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.ended) tryKill(-this.pid, sig);
  }

  async destroy(): Promise<void> {
    if (!this.ended) tryKill(-this.pid, 'SIGKILL');
    await this.exited;
  }

  async statistics(): Promise<ContainerStatistics> {
    const stats: ContainerStatistics = {
      mem_limit_bytes: memoryLimitBytes(this.spec.memMb),
      cpus_limit: this.spec.cpus,
    };
    if (this.ended) return { ...stats, processes: 0 };
    const pids = await processTree(this.pid);
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
    try {
      const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
      for (const c of children.split(' ')) if (c.trim()) queue.push(Number(c));
    } catch {
      // Gone, or a kernel without the children file: count what we have.
    }
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
