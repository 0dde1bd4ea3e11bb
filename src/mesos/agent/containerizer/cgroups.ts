// Every difference between cgroup v1 and v2 lives in this module, so the rest of the containerizer
// never asks which one it is on. The files a container's limits become are a pure function
// (cgroupLimitFiles) with exact unit tests: v2 enforcement cannot run on a v1-only test machine, but
// what it writes can be checked. The I/O below only puts those values where the layout says.
import { closeSync, constants as fsConstants, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type CgroupVersion = 'v1' | 'v2';

export interface CgroupLimits {
  cpus: number;
  memMb: number;
  /** Also cap CPU time with a CFS quota (Mesos --cgroups_enable_cfs); shares are always set. */
  cfs: boolean;
}

/** One interface file to write. `controller` names the v1 hierarchy; v2 has one, so it is null. */
export interface CgroupFile {
  controller: 'cpu' | 'memory' | null;
  file: string;
  value: string;
}

export type CgroupLayout =
  | { version: 'v1'; mounts: Record<string, string> }
  | { version: 'v2'; root: string; controllers: string[] }
  | { version: 'none'; why: string };

/** Field names as in Mesos's ResourceStatistics, so the agent can return them unchanged. */
export interface ContainerStatistics {
  mem_rss_bytes?: number;
  mem_limit_bytes: number;
  cpus_limit: number;
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
  processes?: number;
}

const CPU_SHARES_PER_CPU = 1024;
const MIN_CPU_SHARES = 2;
const MAX_CPU_SHARES = 262144;
const CFS_PERIOD_US = 100_000;
const MIN_CFS_QUOTA_US = 1000;
// Mesos never sets a memory limit below 32 MB: less cannot even start a shell reliably.
const MIN_MEMORY_BYTES = 32 * 1024 * 1024;
// USER_HZ is fixed at 100 in the Linux ABI for cpuacct.stat and /proc/<pid>/stat.
export const USER_HZ = 100;

// Mesos scalars are fixed-point with three decimals, but 0.29 * 100000 is 28999.999999999996 in
// binary floating point; the epsilon keeps such products on the integer they denote.
const floorScalar = (x: number): number => Math.floor(x + 1e-6);

export function cpuShares(cpus: number): number {
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, floorScalar(cpus * CPU_SHARES_PER_CPU)));
}

/** v1 shares to v2 weight, the conversion runc and systemd use (integer division). */
export function sharesToWeight(shares: number): number {
  const weight = 1 + Math.floor(((shares - 2) * 9999) / 262142);
  return Math.min(10000, Math.max(1, weight));
}

export function cfsQuotaUs(cpus: number): number {
  return Math.max(MIN_CFS_QUOTA_US, floorScalar(cpus * CFS_PERIOD_US));
}

export function memoryLimitBytes(memMb: number): number {
  return Math.max(MIN_MEMORY_BYTES, floorScalar(memMb * 1024 * 1024));
}

export function cgroupLimitFiles(version: CgroupVersion, limits: CgroupLimits): CgroupFile[] {
  const shares = cpuShares(limits.cpus);
  const bytes = String(memoryLimitBytes(limits.memMb));
  if (version === 'v1') {
    const files: CgroupFile[] = [{ controller: 'cpu', file: 'cpu.shares', value: String(shares) }];
    if (limits.cfs) {
      files.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CFS_PERIOD_US) });
      files.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(cfsQuotaUs(limits.cpus)) });
    }
    files.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: bytes });
    return files;
  }
  const quota = limits.cfs ? String(cfsQuotaUs(limits.cpus)) : 'max';
  return [
    { controller: null, file: 'cpu.weight', value: String(sharesToWeight(shares)) },
    { controller: null, file: 'cpu.max', value: `${quota} ${CFS_PERIOD_US}` },
    { controller: null, file: 'memory.max', value: bytes },
    // No swap: a task over its limit is OOM-killed, as with v1's memsw, instead of crawling.
    { controller: null, file: 'memory.swap.max', value: '0' },
  ];
}

// ---- layout detection ----

export interface CgroupMount {
  fstype: 'cgroup' | 'cgroup2';
  mountPoint: string;
  /** Super options: for v1 the attached controllers are among them. */
  options: string[];
}

const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio',
  'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]); // prettier-ignore

// mountinfo escapes space, tab, newline and backslash in paths as three octal digits.
const unescapeMount = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** The cgroup mounts in /proc/self/mountinfo text (proc(5): fields, then " - fstype source opts"). */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const before = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if ((fstype !== 'cgroup' && fstype !== 'cgroup2') || before.length < 5) continue;
    mounts.push({ fstype, mountPoint: unescapeMount(before[4]), options: superOpts.split(',') });
  }
  return mounts;
}

/**
 * Chooses the hierarchy to use. v1 wins when it has both cpu and memory (hybrid hosts mount a
 * controller-less v2 beside it); otherwise a v2 mount whose cgroup.controllers (as read by
 * `v2Controllers`) has both. Anything else cannot enforce limits.
 */
export function chooseCgroupLayout(
  mounts: CgroupMount[],
  v2Controllers: (mountPoint: string) => string[] | null,
): CgroupLayout {
  const v1: Record<string, string> = {};
  for (const m of mounts) {
    if (m.fstype !== 'cgroup') continue;
    for (const opt of m.options) if (V1_CONTROLLERS.has(opt)) v1[opt] ??= m.mountPoint;
  }
  if (v1.cpu && v1.memory) return { version: 'v1', mounts: v1 };
  const found: string[] = [];
  for (const m of mounts) {
    if (m.fstype !== 'cgroup2') continue;
    const controllers = v2Controllers(m.mountPoint);
    if (controllers?.includes('cpu') && controllers.includes('memory')) {
      return { version: 'v2', root: m.mountPoint, controllers };
    }
    found.push(`cgroup2 at ${m.mountPoint} has controllers [${controllers?.join(' ') ?? 'unreadable'}]`);
  }
  const v1Names = Object.keys(v1);
  if (v1Names.length > 0) found.unshift(`cgroup v1 has [${v1Names.join(' ')}] but not both cpu and memory`);
  if (found.length === 0) found.push('no cgroup filesystem is mounted');
  return { version: 'none', why: found.join('; ') };
}

export function detectCgroups(): CgroupLayout {
  if (process.platform !== 'linux')
    return { version: 'none', why: `cgroups need Linux, not ${process.platform}` };
  const uid = process.getuid?.();
  if (uid !== 0) return { version: 'none', why: `creating cgroups needs root (running as uid ${uid})` };
  let mountinfo: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch (e) {
    return { version: 'none', why: `cannot read /proc/self/mountinfo: ${(e as Error).message}` };
  }
  return chooseCgroupLayout(parseCgroupMounts(mountinfo), (mp) => {
    try {
      return readFileSync(join(mp, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return null;
    }
  });
}

// ---- one container's cgroup ----

export type UsableLayout = Exclude<CgroupLayout, { version: 'none' }>;

const NAME = /^[A-Za-z0-9_.@:-]+$/;
function checkPath(parent: string, containerId: string): void {
  for (const part of [...parent.split('/'), containerId]) {
    if (!NAME.test(part) || part === '.' || part === '..') {
      throw new Error(`invalid cgroup path component '${part}' in '${parent}/${containerId}'`);
    }
  }
}

// v1: the hierarchies a container joins; cpuacct gives its CPU times (co-mounted with cpu on
// many hosts, in which case the directory is shared).
function hierarchyRoots(layout: UsableLayout): { cpu: string; cpuacct: string; memory: string } {
  if (layout.version === 'v2') return { cpu: layout.root, cpuacct: layout.root, memory: layout.root };
  const { cpu, memory } = layout.mounts;
  return { cpu, memory, cpuacct: layout.mounts.cpuacct ?? cpu };
}

const V2_ENABLE = '+cpu +memory';
// Interface files are opened without O_CREAT: cgroupfs answers EACCES to that for a file it does
// not have, where the ENOENT we get this way says "this kernel has no such knob".
const WRITE = { flag: fsConstants.O_WRONLY };
// Parents whose v2 subtree_control is known to be set; a parent re-created from scratch is redone.
const preparedV2Parents = new Set<string>();

/** The cgroups whose subtree_control must enable cpu and memory for containers under `parent`. */
export function v2SubtreeControlDirs(root: string, parent: string): string[] {
  const parts = parent.split('/');
  return [root, ...parts.map((_, i) => join(root, ...parts.slice(0, i + 1)))];
}

/**
 * Creates the parent cgroup(s) synchronously: the launcher calls it once at startup, so that a host
 * where cgroups cannot be written is found before the first task, not by it.
 */
export function prepareCgroupParent(layout: UsableLayout, parent: string): void {
  checkPath(parent, 'x');
  const roots = new Set(Object.values(hierarchyRoots(layout)));
  for (const root of roots) mkdirSync(join(root, parent), { recursive: true });
  if (layout.version === 'v2') {
    for (const dir of v2SubtreeControlDirs(layout.root, parent)) {
      const fd = openSync(join(dir, 'cgroup.subtree_control'), WRITE.flag);
      try {
        writeSync(fd, V2_ENABLE);
      } finally {
        closeSync(fd);
      }
    }
    preparedV2Parents.add(join(layout.root, parent));
  }
}

/** Removes the (empty) parent cgroup(s); for tests and `sandbox down`. */
export async function removeCgroupParent(layout: UsableLayout, parent: string): Promise<void> {
  checkPath(parent, 'x');
  const roots = new Set(Object.values(hierarchyRoots(layout)));
  await Promise.all([...roots].map((root) => rmdirQuiet(join(root, parent))));
  preparedV2Parents.delete(join(hierarchyRoots(layout).cpu, parent));
}

async function rmdirQuiet(dir: string): Promise<void> {
  // Right after the last process leaves, the kernel may still hold the cgroup briefly (EBUSY).
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw e;
      await sleep(Math.min(20, 1 + attempt));
    }
  }
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat, memory.events, memory.oom_control). */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

export class ContainerCgroup {
  private destroying: Promise<void> | undefined;

  private constructor(
    readonly layout: UsableLayout,
    private readonly dirs: { cpu: string; cpuacct: string; memory: string },
    readonly limits: CgroupLimits,
  ) {}

  /** The cgroup of a container an earlier agent process created (recovery); nothing is written. */
  static attach(
    layout: UsableLayout,
    parent: string,
    containerId: string,
    limits: CgroupLimits,
  ): ContainerCgroup {
    checkPath(parent, containerId);
    const roots = hierarchyRoots(layout);
    return new ContainerCgroup(
      layout,
      {
        cpu: join(roots.cpu, parent, containerId),
        cpuacct: join(roots.cpuacct, parent, containerId),
        memory: join(roots.memory, parent, containerId),
      },
      limits,
    );
  }

  static async create(
    layout: CgroupLayout,
    parent: string,
    containerId: string,
    limits: CgroupLimits,
  ): Promise<ContainerCgroup> {
    if (layout.version === 'none') throw new Error(`cgroups are not usable: ${layout.why}`);
    checkPath(parent, containerId);
    const roots = hierarchyRoots(layout);
    const dirs = {
      cpu: join(roots.cpu, parent, containerId),
      cpuacct: join(roots.cpuacct, parent, containerId),
      memory: join(roots.memory, parent, containerId),
    };
    const cgroup = new ContainerCgroup(layout, dirs, limits);
    try {
      const made = await Promise.all(cgroup.uniqueDirs().map((d) => mkdir(d, { recursive: true })));
      if (layout.version === 'v2') {
        const parentDir = join(layout.root, parent);
        // mkdir returns the first directory it created: the parent's own if it had to make it.
        if (made[0] !== undefined && made[0] !== dirs.cpu) preparedV2Parents.delete(parentDir);
        if (!preparedV2Parents.has(parentDir)) {
          for (const dir of v2SubtreeControlDirs(layout.root, parent)) {
            await writeFile(join(dir, 'cgroup.subtree_control'), V2_ENABLE, WRITE);
          }
          preparedV2Parents.add(parentDir);
        }
      }
      await cgroup.writeLimits();
    } catch (e) {
      await cgroup.destroy().catch(() => undefined);
      throw e;
    }
    return cgroup;
  }

  private uniqueDirs(): string[] {
    return [...new Set([this.dirs.cpu, this.dirs.cpuacct, this.dirs.memory])];
  }

  private async writeLimits(): Promise<void> {
    const files = cgroupLimitFiles(this.layout.version, this.limits);
    const dirOf = (f: CgroupFile): string => (f.controller === 'memory' ? this.dirs.memory : this.dirs.cpu);
    const write = async (f: CgroupFile): Promise<void> => {
      try {
        await writeFile(join(dirOf(f), f.file), f.value, WRITE);
      } catch (e) {
        // Swap files exist only where the kernel accounts swap; without it there is no swap to cap.
        if (f.file !== 'memory.swap.max' || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    };
    const memory = async (): Promise<void> => {
      for (const f of files.filter((x) => x.file.startsWith('memory.'))) await write(f);
      if (this.layout.version === 'v1') {
        // memsw (memory+swap) must not drop below memory.limit_in_bytes, hence after it.
        const bytes = String(memoryLimitBytes(this.limits.memMb));
        await writeFile(join(this.dirs.memory, 'memory.memsw.limit_in_bytes'), bytes, WRITE).catch(
          (e: unknown) => {
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          },
        );
      }
    };
    const cpu = async (): Promise<void> => {
      for (const f of files.filter((x) => x.file.startsWith('cpu.'))) await write(f);
    };
    await Promise.all([memory(), cpu()]);
  }

  /** The cgroup.procs files a process writes "0" into to join, before it execs the task. */
  procsFiles(): string[] {
    return this.uniqueDirs().map((d) => join(d, 'cgroup.procs'));
  }

  /** Every process in the container: the union over hierarchies, as joining is not atomic. */
  async pids(): Promise<number[]> {
    const texts = await Promise.all(this.procsFiles().map((f) => readOr(f, '')));
    const pids = new Set<number>();
    for (const text of texts) for (const line of text.split('\n')) if (line) pids.add(Number(line));
    return [...pids];
  }

  async oomKilled(): Promise<boolean> {
    if (this.layout.version === 'v2') {
      return (
        (parseKeyValues(await readOr(join(this.dirs.memory, 'memory.events'), '')).get('oom_kill') ?? 0) > 0
      );
    }
    const control = parseKeyValues(await readOr(join(this.dirs.memory, 'memory.oom_control'), ''));
    const kills = control.get('oom_kill');
    if (kills !== undefined) return kills > 0;
    // Kernels before 4.13 have no oom_kill counter; a hit limit while under OOM is the best sign.
    const failcnt = Number((await readOr(join(this.dirs.memory, 'memory.failcnt'), '0')).trim());
    return control.get('under_oom') === 1 || failcnt > 0;
  }

  async statistics(): Promise<ContainerStatistics> {
    const stats: ContainerStatistics = {
      mem_limit_bytes: memoryLimitBytes(this.limits.memMb),
      cpus_limit: this.limits.cpus,
    };
    const v2 = this.layout.version === 'v2';
    const [memText, cpuText, pids] = await Promise.all([
      readOr(join(this.dirs.memory, 'memory.stat'), ''),
      readOr(join(this.dirs.cpuacct, v2 ? 'cpu.stat' : 'cpuacct.stat'), ''),
      this.pids(),
    ]);
    const mem = parseKeyValues(memText);
    const rss = v2 ? mem.get('anon') : (mem.get('total_rss') ?? mem.get('rss'));
    if (rss !== undefined) stats.mem_rss_bytes = rss;
    const cpu = parseKeyValues(cpuText);
    // v2 counts microseconds, v1's cpuacct.stat clock ticks.
    const user = v2 ? cpu.get('user_usec') : cpu.get('user');
    const system = v2 ? cpu.get('system_usec') : cpu.get('system');
    const perSec = v2 ? 1e6 : USER_HZ;
    if (user !== undefined) stats.cpus_user_time_secs = user / perSec;
    if (system !== undefined) stats.cpus_system_time_secs = system / perSec;
    stats.processes = pids.length;
    return stats;
  }

  /** SIGKILLs whatever is left, waits until the cgroup is empty, removes it. Idempotent. */
  destroy(): Promise<void> {
    this.destroying ??= this.doDestroy();
    return this.destroying;
  }

  private async doDestroy(): Promise<void> {
    if (this.layout.version === 'v2') {
      // cgroup.kill (Linux 5.14+) kills atomically, even processes forking while we read the list.
      await writeFile(join(this.dirs.memory, 'cgroup.kill'), '1', WRITE).catch(() => undefined);
    }
    // Usually the task has ended and rmdir simply succeeds; EBUSY means processes are left.
    for (let attempt = 0; await this.removeDirs(); attempt++) {
      const pids = await this.pids();
      if (attempt > 1000)
        throw new Error(`cannot remove cgroup ${this.dirs.memory}: processes ${pids.join(' ')}`);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone between reading the list and killing.
        }
      }
      await sleep(Math.min(10, 1 + attempt));
    }
  }

  /** Removes the directories; true while some are still busy. */
  private async removeDirs(): Promise<boolean> {
    const busy = await Promise.all(
      this.uniqueDirs().map((dir) =>
        rmdir(dir).then(
          () => false,
          (e: NodeJS.ErrnoException) => {
            if (e.code === 'ENOENT') return false;
            if (e.code === 'EBUSY') return true;
            throw e;
          },
        ),
      ),
    );
    return busy.includes(true);
  }
}

/**
 * Kills every process in the cgroups under `parent` (all hierarchies) and removes them, deepest
 * first: what `sandbox down` does with the task containers of a cluster's agents, including those
 * of an agent that was killed and left its tasks behind.
 */
export async function destroyCgroupSubtree(layout: UsableLayout, parent: string): Promise<void> {
  checkPath(parent, 'x');
  const roots = new Set(Object.values(hierarchyRoots(layout)));
  const destroy = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => destroy(join(dir, e.name))));
    for (let attempt = 0; attempt < 100; attempt++) {
      const pids = (await readOr(join(dir, 'cgroup.procs'), '')).split('\n').filter(Boolean);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await sleep(10);
    }
    await rmdirQuiet(dir);
  };
  await Promise.all([...roots].map((root) => destroy(join(root, parent))));
}
