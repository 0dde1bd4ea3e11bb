// The Mesos containerizer's launcher: starts a task as real processes and owns them until they end.
// LinuxLauncher puts each task in its own cgroups (limits enforced) and pid+mount namespaces, as
// Mesos's linux launcher with cgroups/cpu,cgroups/mem,namespaces/pid; PosixLauncher is Mesos's
// posix launcher: a process group, usage reporting, no enforcement. createLauncher picks one the
// way Mesos's --launcher default does (linux when root on Linux), but falls back instead of failing.
import { spawnSync } from 'node:child_process';
import {
  detectCgroups,
  prepareCgroupParent,
  type ContainerStatistics,
  type UsableLayout,
} from './cgroups.js';
import { findExecutable } from '../../../util/executables.js';
import { LinuxLauncher, UNSHARE_ARGS } from './linux-launcher.js';
import { PosixLauncher } from './posix-launcher.js';
import type { ContainerRootfs } from './image-rootfs.js';

export type { ContainerStatistics } from './cgroups.js';
export { LinuxLauncher } from './linux-launcher.js';
export { PosixLauncher } from './posix-launcher.js';

export interface LaunchSpec {
  /** Names the container's cgroup: letters, digits and `_.@:-` (a Mesos ContainerID is a UUID). */
  containerId: string;
  /** true: `/bin/sh -c value`. false: exec `value` with argv `arguments` (arguments[0] is argv[0]). */
  shell: boolean;
  value?: string;
  arguments?: string[];
  /** The task's whole environment: nothing of the agent's is inherited. */
  env: Record<string, string>;
  cwd: string;
  /** Appended to, so a restarted task keeps its earlier output (Mesos sandbox stdout/stderr). */
  stdoutPath: string;
  stderrPath: string;
  cpus: number;
  memMb: number;
  /**
   * The container's runtime directory (Mesos's --runtime_dir/containers/<id>): its record, the exit
   * status its waiter writes, the launcher's diagnostics. What lets a restarted agent recover it.
   */
  runtimeDir: string;
  /**
   * Run chrooted in this root filesystem (ContainerInfo MESOS with mesos.image, see image-rootfs.ts);
   * the linux launcher only.
   */
  rootfs?: { rootfs: ContainerRootfs; workingDir: string };
}

export interface ExitInfo {
  /** The task's own exit code (not a wrapper's); null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The kernel's OOM killer killed a process of the container (its memory limit was hit). */
  oomKilled: boolean;
  /** How the task ended is unknown: it ended while no agent watched and left no exit status. */
  lost?: boolean;
}

export interface RunningContainer {
  /** The process the launcher forked; it ends exactly when the container's task ends. */
  readonly pid: number;
  /** Resolves once the task ended and the container's processes and cgroups are gone. */
  readonly exited: Promise<ExitInfo>;
  /**
   * Sends `sig` to every process of the container. In a pid namespace the task is pid 1, which the
   * kernel shields from signals it has no handler for; the linux launcher then ends it as the
   * signal would have (SIGKILL underneath) and `exited` reports `sig`.
   */
  signal(sig: NodeJS.Signals): void;
  /**
   * SIGKILLs everything and cleans up; resolves after `exited`. Idempotent. Rejects only when the
   * cgroup cannot be removed because its processes do not die (about 10 s of trying).
   */
  destroy(): Promise<void>;
  statistics(): Promise<ContainerStatistics>;
}

export interface ContainerLauncher {
  /** Mesos's --isolation value for what this launcher does, e.g. for /flags and /state. */
  readonly isolation: string;
  /** Whether cpu and memory limits are enforced (not only reported). */
  readonly enforcing: boolean;
  /**
   * Resolves once the task's process exists. Rejects when the container cannot be set up (cgroups,
   * output files, cwd) or, with the posix launcher, when the command cannot be executed; with the
   * linux launcher an unexecutable command is a task that exits 126/127, as under a shell.
   */
  launch(spec: LaunchSpec): Promise<RunningContainer>;
  /**
   * Finds a container an earlier agent process launched, from its runtime directory: it keeps
   * running and is watched from here on; `exited` resolves at once if it ended meanwhile. Null when
   * there is no such container (no record).
   */
  recover?(runtimeDir: string): Promise<RunningContainer | null>;
}

export interface LauncherOptions {
  /** 'auto' (default): linux when usable, else posix with a warning. 'linux' throws when unusable. */
  isolation?: 'auto' | 'linux' | 'posix';
  /** Parent cgroup of all containers, as Mesos's --cgroups_root. */
  cgroupsRoot?: string;
  /** CFS bandwidth quota besides shares, as Mesos's --cgroups_enable_cfs (default false). */
  enableCfs?: boolean;
  warn?: (msg: string) => void;
}

export function createLauncher(opts: LauncherOptions = {}): ContainerLauncher {
  const isolation = opts.isolation ?? 'auto';
  if (isolation === 'posix') return new PosixLauncher();
  const parent = opts.cgroupsRoot ?? 'mesos-sandbox';
  const probe = probeLinux(parent);
  if (probe.ok) {
    const { layout, unshare, bash } = probe;
    return new LinuxLauncher({ layout, unshare, bash, parent, enableCfs: opts.enableCfs ?? false });
  }
  if (isolation === 'linux') throw new Error(`the linux launcher is not usable: ${probe.why}`);
  opts.warn?.(
    `tasks run with the posix launcher, without cpu/memory enforcement or pid namespaces: ${probe.why}`,
  );
  return new PosixLauncher();
}

type Probe =
  { ok: true; layout: UsableLayout; unshare: string; bash: string | null } | { ok: false; why: string };

// Runs once per agent, so synchronous calls and one trial launch are fine here: everything that
// can make the linux launcher fail is found now rather than by the first task.
function probeLinux(parent: string): Probe {
  const layout = detectCgroups();
  if (layout.version === 'none') return { ok: false, why: layout.why };
  const unshare = findExecutable('unshare');
  if (!unshare) return { ok: false, why: 'util-linux `unshare` is not installed' };
  try {
    prepareCgroupParent(layout, parent);
  } catch (e) {
    return { ok: false, why: `cannot create cgroup '${parent}': ${(e as Error).message}` };
  }
  const trial = spawnSync(unshare, [...UNSHARE_ARGS, '/bin/sh', '-c', 'exit 0'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (trial.status !== 0) {
    const why = trial.error?.message ?? (trial.stderr.trim() || `exit status ${trial.status}`);
    return { ok: false, why: `cannot create pid and mount namespaces (${unshare}): ${why}` };
  }
  return { ok: true, layout, unshare, bash: findExecutable('bash') };
}
