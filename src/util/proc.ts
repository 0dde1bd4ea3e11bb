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

/**
 * The fields of a /proc/<pid>/stat line as proc(5) numbers them (field n at index n), read after the
 * parenthesised command name, which may hold spaces and parentheses. Null for a malformed line.
 */
export function statFields(text: string): string[] | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  return ['', '', '', ...text.slice(close + 2).split(' ')];
}

export function parseStatLine(pid: number, text: string): ProcessEntry | null {
  const fields = statFields(text);
  if (!fields) return null;
  const ppid = Number(fields[4]);
  const startTime = Number(fields[22]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTime)) return null;
  return { pid, ppid, state: fields[3] ?? '?', startTime };
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

/** Sends a signal to a process that may have ended meanwhile (then there is nothing to do). */
export function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it ended meanwhile, which is what we wanted anyway.
  }
}
