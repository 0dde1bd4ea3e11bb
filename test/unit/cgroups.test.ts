import { describe, expect, it } from 'vitest';
import {
  cgroupLimitFiles,
  chooseCgroupLayout,
  parseCgroupMounts,
  parseKeyValues,
  sharesToWeight,
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
