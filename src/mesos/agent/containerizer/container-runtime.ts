// A container's runtime directory, and how a task's exit status outlives the agent. The agent is not
// the parent of a task it recovered after a restart, and only a parent learns how a process ended.
// So every container is started
// through a small waiter that forks the container's first process, waits for it, and writes its
// exact wait status to `<runtime dir>/status` (Mesos's containerizer does the same with its
// `mesos-containerizer launch` helper and the `status` file in its runtime directory).
//
// The waiter is perl (perl-base is Essential in Debian, so it is always there): a shell's `$?` folds
// "killed by signal n" and "exited 128+n" together, perl's `$?` is the raw wait status. Measured
// here: about 4 ms more per launch (the containers benchmark went from 155 to 92-98 launches/s) and
// about 3 MiB PSS for a lone waiter.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants } from 'node:os';
import { readProcess } from '../../../util/proc.js';
import type { ExitInfo } from './launcher.js';

/** The waiter's program. Its first argument is the status file, then the file to run and its argv. */
const WAITER = [
  'my $status = shift @ARGV; my $file = shift @ARGV;',
  'my $pid = fork;',
  'if (!defined $pid) { print STDERR "Failed to fork: $!\\n"; exit 127 }',
  'if ($pid == 0) { exec { $file } @ARGV; print STDERR "Failed to execute \'$file\': $!\\n"; exit 127 }',
  // Signals meant for the container's process group must not end the waiter.
  '$SIG{$_} = "IGNORE" for qw(HUP INT QUIT TERM USR1 USR2 PIPE ALRM);',
  'waitpid($pid, 0);',
  'my $s = $?;',
  'if (open(my $h, ">", "$status.tmp")) { print $h "$s\\n"; close $h; rename("$status.tmp", $status) }',
  'exit 0;',
].join(' ');

export const WAITER_FILE = 'perl';

/** The waiter's argv (after the program name) that runs `file` with `argv` (argv[0] included). */
export function waiterArgs(statusPath: string, file: string, argv: readonly string[]): string[] {
  return ['-e', WAITER, statusPath, file, ...argv];
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/** A wait(2) status as Node reports a child's end: an exit code, or the signal that killed it. */
export function decodeWaitStatus(status: number): Pick<ExitInfo, 'code' | 'signal'> {
  const signal = status & 0x7f;
  if (signal === 0) return { code: (status >> 8) & 0xff, signal: null };
  return { code: null, signal: SIGNAL_NAMES.get(signal) ?? 'SIGKILL' };
}

/** The exit status the waiter wrote, or null when there is none (the waiter itself was killed). */
export async function readWaitStatus(statusPath: string): Promise<Pick<ExitInfo, 'code' | 'signal'> | null> {
  const text = await readFile(statusPath, 'utf8').catch(() => null);
  if (text === null || !/^\d+\s*$/.test(text)) return null;
  return decodeWaitStatus(Number(text.trim()));
}

/** A process named by its pid and start time (so a reused pid is not mistaken for it). */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

export function processIdentity(pid: number): ProcessIdentity | null {
  const entry = readProcess(pid);
  return entry ? { pid, startTime: entry.startTime } : null;
}

/** Whether the process still exists and has not exited (a zombie has ended). */
export function isAlive(id: ProcessIdentity): boolean {
  const entry = readProcess(id.pid);
  return entry !== null && entry.startTime === id.startTime && entry.state !== 'Z';
}

/**
 * Resolves once a process this agent is not the parent of has ended: polled, since only a parent
 * can wait for a process. The timer does not keep the agent alive.
 */
export function whenEnded(id: ProcessIdentity, intervalMs = 250): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!isAlive(id)) resolve();
      else setTimeout(check, intervalMs).unref();
    };
    check();
  });
}

/** What a launcher writes into a container's runtime directory so a restarted agent can find it. */
export interface ContainerRecord {
  launcher: 'linux' | 'posix';
  containerId: string;
  /** The waiter: the process the agent forked. */
  waiter: ProcessIdentity;
  cpus: number;
  memMb: number;
  stdoutPath: string;
  stderrPath: string;
}

export interface RuntimePaths {
  /** container.json: the ContainerRecord. */
  record: string;
  /** The waiter's wait status of the container's first process. */
  status: string;
  /** What the launcher's helpers (unshare) said. */
  diagnostics: string;
}

export const runtimePaths = (dir: string): RuntimePaths => ({
  record: join(dir, 'container.json'),
  status: join(dir, 'status'),
  diagnostics: join(dir, 'launcher.stderr'),
});

export function containerRecord(
  launcher: ContainerRecord['launcher'],
  spec: Pick<ContainerRecord, 'containerId' | 'cpus' | 'memMb' | 'stdoutPath' | 'stderrPath'>,
  waiter: ProcessIdentity,
): ContainerRecord {
  const { containerId, cpus, memMb, stdoutPath, stderrPath } = spec;
  return { launcher, containerId, waiter, cpus, memMb, stdoutPath, stderrPath };
}

export async function writeContainerRecord(dir: string, record: ContainerRecord): Promise<void> {
  const path = runtimePaths(dir).record;
  await mkdir(dir, { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(record));
  await rename(`${path}.tmp`, path);
}

export async function readContainerRecord(dir: string): Promise<ContainerRecord | null> {
  const text = await readFile(runtimePaths(dir).record, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as ContainerRecord;
    return typeof r.waiter?.pid === 'number' && (r.launcher === 'linux' || r.launcher === 'posix') ? r : null;
  } catch {
    return null;
  }
}
