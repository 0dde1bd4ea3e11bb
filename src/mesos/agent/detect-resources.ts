// The agent's resources: what --resources names, and for the rest what Mesos would detect
// (src/slave/containerizer/containerizer.cpp): all CPUs, memory less 1 GB, disk less 5 GB, ports
// 31000-32000.
import { existsSync, statfsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { normalizeResources, parseResources, rangesResource, scalarResource } from '../protocol/resources.js';
import type { Resource } from '../protocol/types.js';

const GB = 1024; // in MB

export function detectedMemMb(totalBytes: number = totalmem()): number {
  const mb = Math.floor(totalBytes / (1024 * 1024));
  return mb >= 2 * GB ? mb - GB : Math.floor(mb / 2);
}

export function detectedDiskMb(path: string): number {
  try {
    const s = statfsSync(path);
    const mb = Math.floor((s.blocks * s.bsize) / (1024 * 1024));
    return mb >= 10 * GB ? mb - 5 * GB : Math.floor(mb / 2);
  } catch {
    return 10 * GB;
  }
}

/** Whether this machine has NVIDIA GPUs Mesos's gpu/nvidia isolator could hand out. */
export function gpusPresent(): boolean {
  return existsSync('/dev/nvidiactl') && existsSync('/dev/nvidia0');
}

/**
 * --resources, with what is not named detected. `gpus` are never detected (Mesos needs
 * --isolation=gpu/nvidia for that), and named ones are dropped when the machine has no GPU, so a
 * sandbox never offers GPUs it cannot back; `warn` says so.
 */
export function agentResources(
  flag: string | undefined,
  workDir: string,
  opts: { hasGpus?: boolean; warn?: (msg: string) => void } = {},
): Resource[] {
  let given = flag ? parseResources(flag) : [];
  if (given.some((r) => r.name === 'gpus') && !(opts.hasGpus ?? gpusPresent())) {
    opts.warn?.('No GPU on this machine: the gpus in --resources are not offered');
    given = given.filter((r) => r.name !== 'gpus');
  }
  const names = new Set(given.map((r) => r.name));
  const detected: Resource[] = [];
  if (!names.has('cpus')) detected.push(scalarResource('cpus', availableParallelism()));
  if (!names.has('mem')) detected.push(scalarResource('mem', detectedMemMb()));
  if (!names.has('disk')) detected.push(scalarResource('disk', detectedDiskMb(workDir)));
  if (!names.has('ports')) detected.push(rangesResource('ports', [{ begin: 31000, end: 32000 }]));
  return normalizeResources([...given, ...detected]);
}
