// What both launchers share: the task's output files, the container's runtime directory and reading
// processes from /proc.
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { runtimePaths, type RuntimePaths } from './container-runtime.js';
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

export interface RuntimeDir {
  dir: string;
  paths: RuntimePaths;
  /** Where the launcher's own diagnostics go (the waiter's stderr). */
  diagnostics: FileHandle;
  close(): Promise<void>;
}

/** Creates the container's runtime directory (a leftover status of an earlier run is replaced). */
export async function openRuntimeDir(spec: LaunchSpec): Promise<RuntimeDir> {
  const dir = spec.runtimeDir;
  await mkdir(dir, { recursive: true });
  const paths = runtimePaths(dir);
  const diagnostics = await open(paths.diagnostics, 'w');
  return { dir, paths, diagnostics, close: () => diagnostics.close() };
}

/** A process's children, via /proc/<pid>/task/<pid>/children (CONFIG_PROC_CHILDREN). */
export async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text
    .split(' ')
    .filter((c) => c.trim() !== '')
    .map(Number);
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
