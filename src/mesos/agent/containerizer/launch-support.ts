// What both launchers share: the task's output files and reading processes from /proc.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { LaunchSpec } from './launcher.js';

export interface Outputs {
  out: FileHandle;
  err: FileHandle;
  close(): Promise<void>;
}

/** Opens stdout/stderr for appending; the caller closes them once the child holds its copies. */
export async function openOutputs(spec: LaunchSpec): Promise<Outputs> {
  const [out, err] = await Promise.allSettled([open(spec.stdoutPath, 'a'), open(spec.stderrPath, 'a')]);
  const close = async (): Promise<void> => {
    await Promise.all([out, err].map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  };
  if (out.status === 'rejected' || err.status === 'rejected') {
    await close();
    throw (out.status === 'rejected' ? out.reason : (err as PromiseRejectedResult).reason) as Error;
  }
  return { out: out.value, err: err.value, close };
}

/** The task's argv: `/bin/sh -c value`, or Mesos's plain command where arguments[0] is argv[0]. */
export function taskArgv(spec: LaunchSpec): { file: string; argv: string[] } {
  if (spec.value === undefined || spec.value === '') throw new Error('a command needs a value');
  if (spec.shell) return { file: '/bin/sh', argv: ['/bin/sh', '-c', spec.value] };
  const argv = spec.arguments && spec.arguments.length > 0 ? spec.arguments : [spec.value];
  return { file: spec.value, argv };
}

export interface ProcStatus {
  ppid: number;
  /** Signal masks as bit sets, bit n-1 for signal n. */
  sigIgn: bigint;
  sigCgt: bigint;
  rssBytes?: number;
}

/** Parses /proc/<pid>/status text. */
export function parseProcStatus(text: string): ProcStatus {
  const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1].trim() ?? '';
  const mask = (name: string): bigint => (field(name) ? BigInt('0x' + field(name)) : 0n);
  const rss = /^(\d+)\s*kB$/.exec(field('VmRSS'));
  const status: ProcStatus = {
    ppid: Number(field('PPid') || 0),
    sigIgn: mask('SigIgn'),
    sigCgt: mask('SigCgt'),
  };
  if (rss) status.rssBytes = Number(rss[1]) * 1024;
  return status;
}

export async function readProcStatus(pid: number): Promise<ProcStatus | null> {
  try {
    return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}
