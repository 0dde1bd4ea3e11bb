// Processes as Linux's /proc shows them: who is whose child, when a process started (so a pid file
// whose pid was reused by an unrelated process is not mistaken for our node), where it runs, how
// much memory it holds.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** proc(5) state letter: R, S, D, Z (zombie: dead, not yet reaped), ... */
  state: string;
  /** Clock ticks after boot: with the pid, names one process for the life of the machine. */
  startTime: number;
}

/** Parses /proc/<pid>/stat: fields after the parenthesised command name, which may hold spaces. */
export function parseStatLine(pid: number, text: string): ProcessEntry | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // rest[0] is field 3 (state) of proc(5), so field n is rest[n - 3].
  const rest = text.slice(close + 2).split(' ');
  const ppid = Number(rest[4 - 3]);
  const startTime = Number(rest[22 - 3]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTime)) return null;
  return { pid, ppid, state: rest[0] ?? '?', startTime };
}

export function readProcess(pid: number): ProcessEntry | null {
  try {
    return parseStatLine(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function listProcesses(): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcess(Number(name));
    if (entry) out.push(entry);
  }
  return out;
}

/** The given processes and all their descendants, in `procs` (a snapshot from listProcesses). */
export function withDescendants(roots: Iterable<number>, procs: ProcessEntry[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const seen = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return seen;
}

/** The process's working directory, or null when it is gone or not ours to read. */
export function cwdOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/**
 * Proportional set size in bytes (Pss of smaps_rollup: each shared page divided among the processes
 * that map it, so summing over processes does not count the node binary once per node), or 0 when
 * the process is gone.
 */
export function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s*(\d+)\s*kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sends a signal; false when the process does not exist (any more). */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}
