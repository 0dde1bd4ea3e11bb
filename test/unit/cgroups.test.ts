import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ContainerCgroup,
  cgroupLimitFiles,
  chooseCgroupLayout,
  parseCgroupMounts,
  parseKeyValues,
  sharesToWeight,
  v2SubtreeControlDirs,
  type CgroupLayout,
} from '../../src/mesos/agent/containerizer/cgroups.js';

const MiB = 1024 * 1024;

describe('cgroupLimitFiles v1', () => {
  it('writes shares and the memory limit without CFS', () => {
    expect(cgroupLimitFiles('v1', { cpus: 1, memMb: 128, cfs: false })).toEqual([
      { controller: 'cpu', file: 'cpu.shares', value: '1024' },
      { controller: 'memory', file: 'memory.limit_in_bytes', value: String(128 * MiB) },
    ]);
  });

  it('adds the CFS period and quota with CFS', () => {
    expect(cgroupLimitFiles('v1', { cpus: 0.5, memMb: 64, cfs: true })).toEqual([
      { controller: 'cpu', file: 'cpu.shares', value: '512' },
      { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
      { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '50000' },
      { controller: 'memory', file: 'memory.limit_in_bytes', value: String(64 * MiB) },
    ]);
  });

  it('floors tiny cpus at 2 shares and a 1 ms quota', () => {
    const files = cgroupLimitFiles('v1', { cpus: 0.001, memMb: 64, cfs: true });
    expect(files.find((f) => f.file === 'cpu.shares')?.value).toBe('2');
    expect(files.find((f) => f.file === 'cpu.cfs_quota_us')?.value).toBe('1000');
    expect(cgroupLimitFiles('v1', { cpus: 0, memMb: 64, cfs: false })[0].value).toBe('2');
  });

  it('keeps three-decimal cpus exact despite binary floating point', () => {
    // 0.29 * 100000 is 28999.999999999996 in a double.
    const files = cgroupLimitFiles('v1', { cpus: 0.29, memMb: 64, cfs: true });
    expect(files.find((f) => f.file === 'cpu.cfs_quota_us')?.value).toBe('29000');
    expect(files.find((f) => f.file === 'cpu.shares')?.value).toBe('296');
    const many = cgroupLimitFiles('v1', { cpus: 2.3, memMb: 64, cfs: true });
    expect(many.find((f) => f.file === 'cpu.cfs_quota_us')?.value).toBe('230000');
  });

  it('caps shares at the kernel maximum', () => {
    expect(cgroupLimitFiles('v1', { cpus: 300, memMb: 64, cfs: false })[0].value).toBe('262144');
  });

  it('converts fractional MB to whole bytes and never goes below 32 MB', () => {
    const limit = (memMb: number): string | undefined =>
      cgroupLimitFiles('v1', { cpus: 1, memMb, cfs: false }).find((f) => f.file === 'memory.limit_in_bytes')
        ?.value;
    expect(limit(32.5)).toBe(String(32.5 * MiB));
    expect(limit(0.1)).toBe(String(32 * MiB));
    expect(limit(10)).toBe(String(32 * MiB));
    expect(limit(4096)).toBe(String(4096 * MiB));
  });
});

describe('cgroupLimitFiles v2', () => {
  it('writes weight, an unlimited cpu.max, memory.max and no swap without CFS', () => {
    expect(cgroupLimitFiles('v2', { cpus: 1, memMb: 128, cfs: false })).toEqual([
      { controller: null, file: 'cpu.weight', value: '39' },
      { controller: null, file: 'cpu.max', value: 'max 100000' },
      { controller: null, file: 'memory.max', value: String(128 * MiB) },
      { controller: null, file: 'memory.swap.max', value: '0' },
    ]);
  });

  it('writes the quota into cpu.max with CFS', () => {
    expect(cgroupLimitFiles('v2', { cpus: 2, memMb: 256, cfs: true })).toEqual([
      { controller: null, file: 'cpu.weight', value: '79' },
      { controller: null, file: 'cpu.max', value: '200000 100000' },
      { controller: null, file: 'memory.max', value: String(256 * MiB) },
      { controller: null, file: 'memory.swap.max', value: '0' },
    ]);
  });

  it('gives tiny cpus weight 1 and the minimum quota', () => {
    const files = cgroupLimitFiles('v2', { cpus: 0.001, memMb: 64, cfs: true });
    expect(files.slice(0, 2)).toEqual([
      { controller: null, file: 'cpu.weight', value: '1' },
      { controller: null, file: 'cpu.max', value: '1000 100000' },
    ]);
  });

  it('converts shares to weight as runc and systemd do', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(512)).toBe(20);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(1_000_000)).toBe(10000);
  });
});

// This machine: v1 controllers one per mount, and a v2 hierarchy with only hugetlb beside them.
const HYBRID = `
24 1 0:22 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// Ubuntu 20.04 style: cpu and cpuacct co-mounted, optional fields before the separator.
const COMOUNTED = `
30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
34 25 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
38 25 0:34 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:19 master:3 - cgroup cgroup rw,memory
`;

// A systemd host on pure cgroup v2.
const PURE_V2 = `
26 23 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

const controllersOf =
  (table: Record<string, string>) =>
  (mountPoint: string): string[] | null =>
    table[mountPoint]?.split(' ') ?? null;

describe('cgroup layout detection', () => {
  it('parses cgroup mounts from mountinfo', () => {
    expect(parseCgroupMounts(COMOUNTED)).toEqual([
      { fstype: 'cgroup2', mountPoint: '/sys/fs/cgroup/unified', options: ['rw', 'nsdelegate'] },
      { fstype: 'cgroup', mountPoint: '/sys/fs/cgroup/cpu,cpuacct', options: ['rw', 'cpu', 'cpuacct'] },
      { fstype: 'cgroup', mountPoint: '/sys/fs/cgroup/memory', options: ['rw', 'memory'] },
    ]);
  });

  it('decodes octal escapes in mount points', () => {
    const text = '50 1 0:40 / /mnt/my\\040cgroups rw - cgroup cgroup rw,memory\n';
    expect(parseCgroupMounts(text)[0].mountPoint).toBe('/mnt/my cgroups');
  });

  it('chooses v1 on a hybrid host whose v2 hierarchy lacks cpu and memory', () => {
    const layout = chooseCgroupLayout(
      parseCgroupMounts(HYBRID),
      controllersOf({ '/sys/fs/cgroup/unified': 'hugetlb' }),
    );
    expect(layout).toEqual({
      version: 'v1',
      mounts: {
        cpu: '/sys/fs/cgroup/cpu',
        cpuacct: '/sys/fs/cgroup/cpuacct',
        cpuset: '/sys/fs/cgroup/cpuset',
        memory: '/sys/fs/cgroup/memory',
        pids: '/sys/fs/cgroup/pids',
      },
    });
  });

  it('maps co-mounted controllers to the same directory', () => {
    const layout = chooseCgroupLayout(parseCgroupMounts(COMOUNTED), controllersOf({}));
    expect(layout).toEqual({
      version: 'v1',
      mounts: {
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
        cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
        memory: '/sys/fs/cgroup/memory',
      },
    });
  });

  it('chooses v2 when the unified hierarchy has cpu and memory', () => {
    const all = 'cpuset cpu io memory hugetlb pids rdma misc';
    const layout = chooseCgroupLayout(parseCgroupMounts(PURE_V2), controllersOf({ '/sys/fs/cgroup': all }));
    expect(layout).toEqual({ version: 'v2', root: '/sys/fs/cgroup', controllers: all.split(' ') });
  });

  it('explains why neither hierarchy is usable', () => {
    const v2NoCpu = chooseCgroupLayout(
      parseCgroupMounts(PURE_V2),
      controllersOf({ '/sys/fs/cgroup': 'memory pids' }),
    );
    expect(v2NoCpu.version).toBe('none');
    expect((v2NoCpu as Extract<CgroupLayout, { version: 'none' }>).why).toContain('[memory pids]');

    const v1NoMemory = `32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n`;
    const partial = chooseCgroupLayout(parseCgroupMounts(v1NoMemory), controllersOf({}));
    expect(partial).toEqual({ version: 'none', why: 'cgroup v1 has [cpu] but not both cpu and memory' });

    const nothing = chooseCgroupLayout(
      parseCgroupMounts(HYBRID.split('\n').slice(0, 3).join('\n')),
      controllersOf({}),
    );
    expect(nothing).toEqual({ version: 'none', why: 'no cgroup filesystem is mounted' });
  });
});

describe('parseKeyValues', () => {
  it('reads memory.oom_control, cpu.stat and memory.events lines', () => {
    const kv = parseKeyValues('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    expect(kv.get('oom_kill')).toBe(2);
    expect(parseKeyValues('usage_usec 100\nuser_usec 60\nsystem_usec 40\n').get('system_usec')).toBe(40);
    expect(parseKeyValues('low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n').get('oom_kill')).toBe(1);
  });
});

// The I/O on a plain directory standing in for cgroupfs: v2 cannot run for real on a v1-only host,
// but where each value lands, and how counters are read back, can be checked.
describe('ContainerCgroup on a fake hierarchy', () => {
  let root: string;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });
  const readIn = async (...path: string[]): Promise<string> =>
    (await readFile(join(root, ...path), 'utf8')).trim();
  // cgroupfs has every interface file as soon as the directory exists; the code never creates one.
  const kernelMakes = async (dir: string, files: string[]): Promise<void> => {
    await mkdir(dir, { recursive: true });
    await Promise.all(files.map((f) => writeFile(join(dir, f), '')));
  };

  it('names the v2 cgroups whose subtree_control enables cpu and memory', () => {
    expect(v2SubtreeControlDirs('/sys/fs/cgroup', 'mesos-sandbox')).toEqual([
      '/sys/fs/cgroup',
      '/sys/fs/cgroup/mesos-sandbox',
    ]);
    expect(v2SubtreeControlDirs('/r', 'a/b')).toEqual(['/r', '/r/a', '/r/a/b']);
  });

  it('v2: enables the controllers, writes the limits into the leaf, reads usage back', async () => {
    root = await mkdtemp(join(tmpdir(), 'fake-cgroup2-'));
    const layout: CgroupLayout = { version: 'v2', root, controllers: ['cpu', 'memory'] };
    await kernelMakes(root, ['cgroup.subtree_control']);
    await kernelMakes(join(root, 'parent'), ['cgroup.subtree_control']);
    await kernelMakes(join(root, 'parent', 'c1'), ['cpu.weight', 'cpu.max', 'memory.max', 'memory.swap.max']);
    const cg = await ContainerCgroup.create(layout, 'parent', 'c1', { cpus: 1.5, memMb: 100, cfs: true });
    expect(await readIn('cgroup.subtree_control')).toBe('+cpu +memory');
    expect(await readIn('parent', 'cgroup.subtree_control')).toBe('+cpu +memory');
    expect(await readIn('parent', 'c1', 'cpu.weight')).toBe('59');
    expect(await readIn('parent', 'c1', 'cpu.max')).toBe('150000 100000');
    expect(await readIn('parent', 'c1', 'memory.max')).toBe(String(100 * MiB));
    expect(await readIn('parent', 'c1', 'memory.swap.max')).toBe('0');
    expect(cg.procsFiles()).toEqual([join(root, 'parent', 'c1', 'cgroup.procs')]);

    const leaf = join(root, 'parent', 'c1');
    await writeFile(join(leaf, 'cgroup.procs'), '41\n42\n');
    await writeFile(join(leaf, 'memory.stat'), 'anon 4096\nfile 8192\n');
    await writeFile(join(leaf, 'cpu.stat'), 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n');
    await writeFile(join(leaf, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(await cg.pids()).toEqual([41, 42]);
    expect(await cg.oomKilled()).toBe(true);
    expect(await cg.statistics()).toEqual({
      mem_limit_bytes: 100 * MiB,
      cpus_limit: 1.5,
      mem_rss_bytes: 4096,
      cpus_user_time_secs: 2,
      cpus_system_time_secs: 0.5,
      processes: 2,
    });
  });

  it('v1: writes each file in its hierarchy, memsw after the limit, reads usage back', async () => {
    root = await mkdtemp(join(tmpdir(), 'fake-cgroup1-'));
    const mounts = { cpu: join(root, 'cpu'), cpuacct: join(root, 'cpuacct'), memory: join(root, 'memory') };
    await kernelMakes(join(root, 'cpu', 'p', 'c2'), ['cpu.shares']);
    await kernelMakes(join(root, 'cpuacct', 'p', 'c2'), []);
    await kernelMakes(join(root, 'memory', 'p', 'c2'), [
      'memory.limit_in_bytes',
      'memory.memsw.limit_in_bytes',
    ]);
    const cg = await ContainerCgroup.create({ version: 'v1', mounts }, 'p', 'c2', {
      cpus: 0.5,
      memMb: 64,
      cfs: false,
    });
    expect(await readIn('cpu', 'p', 'c2', 'cpu.shares')).toBe('512');
    expect(await readIn('memory', 'p', 'c2', 'memory.limit_in_bytes')).toBe(String(64 * MiB));
    expect(await readIn('memory', 'p', 'c2', 'memory.memsw.limit_in_bytes')).toBe(String(64 * MiB));
    expect(cg.procsFiles()).toEqual(
      ['cpu', 'cpuacct', 'memory'].map((c) => join(root, c, 'p', 'c2', 'cgroup.procs')),
    );

    // Joining is not atomic: a process may be in one hierarchy and not yet in the next.
    await writeFile(join(root, 'cpu', 'p', 'c2', 'cgroup.procs'), '7\n');
    await writeFile(join(root, 'memory', 'p', 'c2', 'cgroup.procs'), '7\n8\n');
    await writeFile(join(root, 'memory', 'p', 'c2', 'memory.stat'), 'rss 100\ntotal_rss 300\n');
    await writeFile(join(root, 'cpuacct', 'p', 'c2', 'cpuacct.stat'), 'user 250\nsystem 50\n');
    expect((await cg.pids()).sort()).toEqual([7, 8]);
    expect(await cg.statistics()).toEqual({
      mem_limit_bytes: 64 * MiB,
      cpus_limit: 0.5,
      mem_rss_bytes: 300,
      cpus_user_time_secs: 2.5,
      cpus_system_time_secs: 0.5,
      processes: 2,
    });

    const oomControl = join(root, 'memory', 'p', 'c2', 'memory.oom_control');
    await writeFile(oomControl, 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    expect(await cg.oomKilled()).toBe(false);
    await writeFile(oomControl, 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(await cg.oomKilled()).toBe(true);
    // Before Linux 4.13 there is no oom_kill counter.
    await writeFile(oomControl, 'oom_kill_disable 0\nunder_oom 1\n');
    expect(await cg.oomKilled()).toBe(true);
  });

  it('skips swap limits where the kernel has no swap accounting, and fails on a missing knob', async () => {
    root = await mkdtemp(join(tmpdir(), 'fake-cgroup-'));
    const limits = { cpus: 1, memMb: 64, cfs: false };
    const v2: CgroupLayout = { version: 'v2', root, controllers: ['cpu', 'memory'] };
    await kernelMakes(root, ['cgroup.subtree_control']);
    await kernelMakes(join(root, 'p'), ['cgroup.subtree_control']);
    await kernelMakes(join(root, 'p', 'noswap'), ['cpu.weight', 'cpu.max', 'memory.max']);
    await ContainerCgroup.create(v2, 'p', 'noswap', limits);
    expect(await readIn('p', 'noswap', 'memory.max')).toBe(String(64 * MiB));

    const v1: CgroupLayout = {
      version: 'v1',
      mounts: { cpu: join(root, 'cpu'), memory: join(root, 'memory') },
    };
    await kernelMakes(join(root, 'cpu', 'p', 'c'), ['cpu.shares']);
    await kernelMakes(join(root, 'memory', 'p', 'c'), ['memory.limit_in_bytes']);
    await ContainerCgroup.create(v1, 'p', 'c', limits);
    expect(await readIn('memory', 'p', 'c', 'memory.limit_in_bytes')).toBe(String(64 * MiB));

    await kernelMakes(join(root, 'cpu', 'p', 'nocpu'), []);
    await kernelMakes(join(root, 'memory', 'p', 'nocpu'), ['memory.limit_in_bytes']);
    await expect(ContainerCgroup.create(v1, 'p', 'nocpu', limits)).rejects.toThrow(/cpu.shares/);
  });

  it('rejects container ids that would escape the parent', async () => {
    const layout: CgroupLayout = { version: 'v2', root: '/nonexistent', controllers: ['cpu', 'memory'] };
    const limits = { cpus: 1, memMb: 64, cfs: false };
    await expect(ContainerCgroup.create(layout, 'p', '../evil', limits)).rejects.toThrow(
      /invalid cgroup path/,
    );
    await expect(ContainerCgroup.create(layout, 'p/..', 'c', limits)).rejects.toThrow(/invalid cgroup path/);
    await expect(ContainerCgroup.create({ version: 'none', why: 'no' }, 'p', 'c', limits)).rejects.toThrow(
      /no/,
    );
  });
});
