// Tasks in their own cgroups and pid+mount namespaces:
//
//   agent ─spawn─> waiter (container-runtime.ts: records the exit status, outlives the agent)
//                    └─fork─> unshare --pid --fork --mount-proc --kill-child -- /bin/sh -c JOIN...
//                               └─fork─> (pid 1 in the new namespace) sh: writes "0" into each
//                                        cgroup.procs, then runs the shell task's script or execs the
//                                        command, which is thus in its cgroups before it runs a
//                                        single instruction of its own.
//
// Facts about unshare 2.38 (Debian 12) and the kernel this is built on, each checked on this host:
// - unshare exits with the task's exit code, and re-raises a signal that killed it, so the waiter
//   records the task's own status. Except SIGKILL: 2.38 cannot re-raise it and instead prints
//   "sigprocmask unblock failed" and exits 1, so unshare's stderr goes to a file we read.
// - unshare's parent blocks SIGINT and SIGTERM, and --kill-child SIGKILLs pid 1 when it dies.
// - pid 1 of a namespace never receives a signal it has no handler for, even from outside (only
//   SIGKILL/SIGSTOP are forced). `sleep` as pid 1 would ignore SIGTERM, unlike the same process
//   outside a namespace. signal() therefore ends such a pid 1 with SIGKILL and reports the signal
//   asked for: the outcome a process without a handler would have had anyway.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerCgroup, memoryLimitBytes, type ContainerStatistics, type UsableLayout } from './cgroups.js';
import { tryKill } from '../../../util/proc.js';
import { childrenOf, openOutputs, openRuntimeDir, readProcStatus, taskArgv } from './launch-support.js';
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
  type ProcessIdentity,
  type RuntimePaths,
} from './container-runtime.js';
import { recoverPosixContainer } from './posix-launcher.js';
import { rootfsCommand } from './image-rootfs.js';
import type { ContainerLauncher, ExitInfo, LaunchSpec, RunningContainer } from './launcher.js';

export const UNSHARE_ARGS = ['--pid', '--fork', '--mount-proc', '--kill-child', '--'];

export interface LinuxLauncherOptions {
  layout: UsableLayout;
  /** Parent cgroup of the containers (Mesos --cgroups_root). */
  parent: string;
  /** Path of util-linux unshare. */
  unshare: string;
  /** Path of bash, the one shell that can exec with an argv[0] of its choosing; null if absent. */
  bash: string | null;
  enableCfs: boolean;
}

// Signals whose default action ends a process: what pid 1 must not silently survive.
const FATAL_BY_DEFAULT = new Set<string>([
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGUSR1',
  'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGXCPU', 'SIGXFSZ',
  'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPOLL', 'SIGPWR', 'SIGSYS',
]); // prettier-ignore

const UNSHARE_CANNOT_RERAISE = /^unshare: (sigprocmask unblock|signal handler reset) failed/;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The joining shell: task output onto fds 3/4 (its fd 2 stays unshare's pipe), join every cgroup,
 * then run `then` in the same shell. A shell task's script is `then` itself, which saves the exec
 * of a second /bin/sh (about 1 ms here); on the first line, so error messages keep their line numbers.
 */
export function joinScript(procsFiles: string[], then: string): string {
  const joins = procsFiles.map((f) => `echo 0 > ${quote(f)}`).join(' && ');
  return `exec 1>&3 2>&4 3>&- 4>&- && ${joins} || exit; ${then}`;
}

export class LinuxLauncher implements ContainerLauncher {
  readonly isolation = 'cgroups/cpu,cgroups/mem,namespaces/pid';
  readonly enforcing = true;

  constructor(private readonly opts: LinuxLauncherOptions) {}

  async launch(spec: LaunchSpec): Promise<RunningContainer> {
    const { then, args } = this.command(spec);
    const limits = { cpus: spec.cpus, memMb: spec.memMb, cfs: this.opts.enableCfs };
    const runtime = await openRuntimeDir(spec);
    const [cgroup, outputs] = await Promise.allSettled([
      ContainerCgroup.create(this.opts.layout, this.opts.parent, spec.containerId, limits),
      openOutputs(spec),
    ]);
    if (cgroup.status === 'rejected' || outputs.status === 'rejected') {
      if (cgroup.status === 'fulfilled') await cgroup.value.destroy();
      if (outputs.status === 'fulfilled') await outputs.value.close();
      await runtime.close();
      throw (
        cgroup.status === 'rejected' ? cgroup.reason : (outputs as PromiseRejectedResult).reason
      ) as Error;
    }
    const script = joinScript(cgroup.value.procsFiles(), then);
    const argv = ['unshare', ...UNSHARE_ARGS, '/bin/sh', '-c', script, ...args];
    let child: ChildProcess;
    try {
      // unshare's own complaints go to a file, which outlives the agent (a pipe would not).
      child = spawn(WAITER_FILE, waiterArgs(runtime.paths.status, this.opts.unshare, argv), {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', 'ignore', runtime.diagnostics.fd, outputs.value.out.fd, outputs.value.err.fd],
      });
    } catch (e) {
      await Promise.all([outputs.value.close(), cgroup.value.destroy(), runtime.close()]);
      throw e;
    }
    // No await until the child's listeners are attached: a quick task's events would be missed.
    if (child.pid === undefined) {
      // A failed spawn (no cwd, no binary) is reported by an 'error' event on the next tick.
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      await Promise.all([outputs.value.close(), cgroup.value.destroy(), runtime.close()]);
      throw new Error(`cannot start container ${spec.containerId} in ${spec.cwd}: ${error.message}`);
    }
    child.on('error', () => undefined);
    const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const waiter = { pid: child.pid, startTime: processIdentity(child.pid)?.startTime ?? 0 };
    const container = new LinuxContainer(waiter, ended, cgroup.value, runtime.paths, spec.stderrPath);
    // The child has its own copies of the descriptors once spawn() returns.
    await Promise.all([outputs.value.close(), runtime.close()]);
    await writeContainerRecord(runtime.dir, containerRecord('linux', spec, waiter));
    return container;
  }

  /** Finds a container an earlier agent process launched; its end is polled from here on. */
  async recover(runtimeDir: string): Promise<RunningContainer | null> {
    const record = await readContainerRecord(runtimeDir);
    if (!record) return null;
    if (record.launcher === 'posix') return recoverPosixContainer(runtimeDir, record);
    const limits = { cpus: record.cpus, memMb: record.memMb, cfs: this.opts.enableCfs };
    const cgroup = ContainerCgroup.attach(this.opts.layout, this.opts.parent, record.containerId, limits);
    // A waiter killed on its own leaves the task running: the container ends when its cgroup empties.
    const ended = whenEnded(record.waiter).then(async () => {
      while ((await cgroup.pids()).length > 0) await sleep(250);
    });
    return new LinuxContainer(record.waiter, ended, cgroup, runtimePaths(runtimeDir), record.stderrPath);
  }

  /** What the joining shell runs, and its $0 and positional parameters. */
  private command(spec: LaunchSpec): { then: string; args: string[] } {
    if (spec.rootfs) {
      const { rootfs, workingDir } = spec.rootfs;
      return rootfsCommand({ rootfs, sandbox: spec.cwd, workingDir, unshare: this.opts.unshare }, spec);
    }
    const { file, argv } = taskArgv(spec);
    // As `/bin/sh -c value`: $0 is /bin/sh and there are no positional parameters.
    if (spec.shell) return { then: spec.value as string, args: ['/bin/sh'] };
    const exec = 'exec "$@"';
    if (argv[0] === file || !this.opts.bash) return { then: exec, args: ['sh', file, ...argv.slice(1)] };
    const viaBash = [this.opts.bash, '-c', 'exec -a "$0" "$@"', argv[0], file, ...argv.slice(1)];
    return { then: exec, args: ['sh', ...viaBash] };
  }
}

class LinuxContainer implements RunningContainer {
  readonly exited: Promise<ExitInfo>;
  readonly pid: number;
  private ended = false;
  /** A signal signal() turned into SIGKILL because pid 1 would have dropped it. */
  private emulated: NodeJS.Signals | null = null;
  private initPid: number | undefined;
  private cleanupError: unknown = null;

  constructor(
    private readonly waiter: ProcessIdentity,
    waiterEnded: Promise<void>,
    private readonly cgroup: ContainerCgroup,
    private readonly runtime: RuntimePaths,
    private readonly stderrPath: string,
  ) {
    this.pid = waiter.pid;
    this.exited = waiterEnded.then(() => this.finish());
  }

  private async finish(): Promise<ExitInfo> {
    this.ended = true;
    const status = await readWaitStatus(this.runtime.status);
    // No status: the waiter itself was killed, so how the task ended is unknown.
    let { code, signal } = status ?? { code: null, signal: 'SIGKILL' as NodeJS.Signals };
    const diagnostics = await readFile(this.runtime.diagnostics, 'utf8').catch(() => '');
    const lines = diagnostics.split('\n').filter((l) => l.trim() !== '');
    if (code === 1 && lines.some((l) => UNSHARE_CANNOT_RERAISE.test(l))) {
      code = null;
      signal = 'SIGKILL';
    }
    // Anything else unshare said (a failed mount, a missing /bin/sh) belongs with the task's errors.
    const other = lines.filter((l) => !UNSHARE_CANNOT_RERAISE.test(l));
    if (other.length > 0) await appendFile(this.stderrPath, other.join('\n') + '\n').catch(() => undefined);
    const oomKilled = await this.cgroup.oomKilled().catch(() => false);
    if (this.emulated && !oomKilled) {
      // Without the namespace, pid 1 would have died of this signal the moment it was sent.
      code = null;
      signal = this.emulated;
    }
    try {
      await this.cgroup.destroy();
    } catch (e) {
      this.cleanupError = e;
    }
    return { code, signal, oomKilled, ...(status ? {} : { lost: true }) };
  }

  signal(sig: NodeJS.Signals): void {
    void this.deliver(sig).catch(() => undefined);
  }

  private async deliver(sig: NodeJS.Signals): Promise<void> {
    let pids = await this.cgroup.pids();
    // Right after launch the joining shell may not have entered the cgroup yet.
    for (let i = 0; pids.length === 0 && !this.ended && i < 500; i++) {
      await sleep(2);
      pids = await this.cgroup.pids();
    }
    const init = await this.findInit(pids);
    const emulate =
      init !== undefined &&
      sig !== 'SIGKILL' &&
      FATAL_BY_DEFAULT.has(sig) &&
      (await this.initDrops(init, sig));
    // Decided before anything is sent, so the report does not depend on whether pid 1 (say, a
    // shell) sees its child die and exits by itself before the SIGKILL lands.
    if (emulate) this.emulated ??= sig;
    // pid 1 first: a shell that gets the signal only after its child died of it would already have
    // exited with 128+n, where outside a namespace both get it at once.
    if (init !== undefined) tryKill(init, emulate ? 'SIGKILL' : sig);
    for (const pid of pids) if (pid !== init) tryKill(pid, sig);
  }

  /**
   * The namespace's pid 1 as seen from here: the one process of the cgroup whose parent (unshare)
   * is outside it. Every other process of the namespace has a parent inside, pid 1 at the latest.
   */
  private async findInit(pids: number[]): Promise<number | undefined> {
    if (this.initPid !== undefined && pids.includes(this.initPid)) return this.initPid;
    const inside = new Set(pids);
    for (const pid of pids) {
      const ppid = (await readProcStatus(pid))?.ppid;
      if (ppid !== undefined && !inside.has(ppid)) return (this.initPid = pid);
    }
    return undefined;
  }

  /**
   * Whether the kernel would drop `sig` for pid 1: it has no handler and does not ignore it. A
   * blocked signal does not help: pid 1 discards it when unblocking if still without a handler, and
   * shells block everything for a moment around every wait for a child.
   */
  private async initDrops(init: number, sig: NodeJS.Signals): Promise<boolean> {
    const status = await readProcStatus(init);
    if (!status) return false;
    const bit = 1n << BigInt(constants.signals[sig] - 1);
    return ((status.sigCgt | status.sigIgn) & bit) === 0n;
  }

  async destroy(): Promise<void> {
    if (!this.ended && isAlive(this.waiter)) {
      // unshare's death makes --kill-child SIGKILL pid 1, and with it the whole namespace; the
      // cgroup pass catches a shell killed before it could exec. The waiter stays to record it.
      for (const pid of await childrenOf(this.waiter.pid)) tryKill(pid, 'SIGKILL');
      for (const pid of await this.cgroup.pids()) tryKill(pid, 'SIGKILL');
    }
    await this.exited;
    if (this.cleanupError) throw this.cleanupError;
  }

  async statistics(): Promise<ContainerStatistics> {
    const { cpus, memMb } = this.cgroup.limits;
    if (this.ended) return { mem_limit_bytes: memoryLimitBytes(memMb), cpus_limit: cpus, processes: 0 };
    return this.cgroup.statistics();
  }
}
