import { describe, expect, it } from 'vitest';
import {
  dockerPlacementFromFlags,
  dockerRunPlan,
  dockerStatistics,
  DockerSpecError,
  LABEL_AGENT_ID,
  LABEL_CONTAINER_ID,
  LABEL_TASK_ID,
  normalizeImageName,
  parseDockerSize,
  reachableAddress,
  type DockerPlacement,
  type DockerTaskSpec,
} from '../../src/mesos/agent/containerizer/docker-spec.js';
import type { ContainerInfo, Resource } from '../../src/mesos/protocol/types.js';

const MB = 1024 * 1024;

const cpus = (value: number): Resource => ({ name: 'cpus', type: 'SCALAR', scalar: { value } });
const mem = (value: number): Resource => ({ name: 'mem', type: 'SCALAR', scalar: { value } });
const ports = (begin: number, end: number): Resource => ({
  name: 'ports',
  type: 'RANGES',
  ranges: { range: [{ begin, end }] },
});

function spec(
  overrides: Partial<DockerTaskSpec> = {},
  docker: Partial<ContainerInfo['docker']> = {},
): DockerTaskSpec {
  return {
    containerId: 'c0ffee',
    container: { type: 'DOCKER', docker: { image: 'busybox', ...docker } },
    command: { shell: true, value: 'echo hi' },
    env: {},
    resources: [cpus(0.5), mem(64)],
    sandbox: '/var/lib/mesos/slaves/S1/frameworks/F/executors/E/runs/c0ffee',
    ...overrides,
  };
}

const errorOf = (s: DockerTaskSpec): string => {
  try {
    dockerRunPlan(s);
  } catch (e) {
    expect(e).toBeInstanceOf(DockerSpecError);
    return (e as Error).message;
  }
  throw new Error('expected dockerRunPlan to refuse the spec');
};

describe('image and name', () => {
  it('names the container mesos-<ContainerID>', () => {
    const plan = dockerRunPlan(spec());
    expect(plan.name).toBe('mesos-c0ffee');
    expect(plan.create.name).toBe('mesos-c0ffee');
  });

  it('adds :latest only when the last path component has no tag or digest', () => {
    expect(normalizeImageName('busybox')).toBe('busybox:latest');
    expect(normalizeImageName('busybox:1.36')).toBe('busybox:1.36');
    expect(normalizeImageName('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeImageName('localhost:5000/app:v2')).toBe('localhost:5000/app:v2');
    expect(normalizeImageName('app@sha256:abcd')).toBe('app@sha256:abcd');
    expect(dockerRunPlan(spec()).create.Image).toBe('busybox:latest');
  });

  it('carries force_pull_image', () => {
    expect(dockerRunPlan(spec()).forcePull).toBe(false);
    expect(dockerRunPlan(spec({}, { force_pull_image: true })).forcePull).toBe(true);
  });

  it('refuses a container without docker info or of another type', () => {
    expect(errorOf(spec({ container: { type: 'DOCKER' } }))).toBe('No docker info found in container info');
    expect(errorOf(spec({ container: { type: 'MESOS', docker: { image: 'x' } } }))).toMatch(/not DOCKER/);
  });
});

describe('command', () => {
  it('runs a shell command as `/bin/sh -c value`, overriding the entrypoint', () => {
    const { create } = dockerRunPlan(spec({ command: { shell: true, value: 'echo $HOME && exit 3' } }));
    expect(create.Entrypoint).toEqual(['/bin/sh']);
    expect(create.Cmd).toEqual(['-c', 'echo $HOME && exit 3']);
  });

  it('treats an absent shell flag as true (the protobuf default)', () => {
    const { create } = dockerRunPlan(spec({ command: { value: 'date' } }));
    expect(create.Cmd).toEqual(['-c', 'date']);
  });

  it('refuses a shell command without a value', () => {
    expect(errorOf(spec({ command: { shell: true } }))).toBe('Shell specified but no command value provided');
  });

  it('keeps the image entrypoint without a shell and passes value then arguments as its arguments', () => {
    const { create } = dockerRunPlan(
      spec({ command: { shell: false, value: 'serve', arguments: ['--port', '80'] } }),
    );
    expect(create.Entrypoint).toBeUndefined();
    expect(create.Cmd).toEqual(['serve', '--port', '80']);
    const argsOnly = dockerRunPlan(spec({ command: { shell: false, arguments: ['-v'] } })).create;
    expect(argsOnly.Cmd).toEqual(['-v']);
  });

  it("runs the image's own command when there is neither value nor arguments", () => {
    const { create } = dockerRunPlan(spec({ command: { shell: false } }));
    expect(create.Cmd).toBeUndefined();
    expect(create.Entrypoint).toBeUndefined();
  });
});

describe('environment', () => {
  it("sets the agent's variables, the task's over them, then MESOS_SANDBOX and the container name", () => {
    const { create } = dockerRunPlan(
      spec({
        env: { MESOS_TASK_ID: 't1', PORT0: '31000', MESOS_SANDBOX: '/host/sandbox', SHARED: 'agent' },
        command: {
          value: 'env',
          environment: {
            variables: [
              { name: 'SHARED', value: 'task' },
              { name: 'TOKEN', type: 'SECRET' },
            ],
          },
        },
        resources: [{ ...cpus(1), allocation_info: { role: 'web' } }],
      }),
    );
    expect(create.Env).toEqual([
      'MESOS_ALLOCATION_ROLE=web',
      'MESOS_CONTAINER_NAME=mesos-c0ffee',
      'MESOS_SANDBOX=/mnt/mesos/sandbox',
      'MESOS_TASK_ID=t1',
      'PORT0=31000',
      'SHARED=task',
    ]);
  });

  it('points MESOS_SANDBOX at the mapped sandbox directory and binds the sandbox there', () => {
    const plan = dockerRunPlan(spec({ mappedSandbox: '/sandbox' }));
    expect(plan.create.Env).toContain('MESOS_SANDBOX=/sandbox');
    expect(plan.create.HostConfig?.Binds).toEqual([`${spec().sandbox}:/sandbox`]);
  });
});

describe('network', () => {
  const bridged = (
    extra: Partial<ContainerInfo> = {},
    docker: Partial<ContainerInfo['docker']> = {},
  ): DockerTaskSpec =>
    spec({
      container: { type: 'DOCKER', docker: { image: 'busybox', network: 'BRIDGE', ...docker }, ...extra },
      resources: [cpus(1), mem(64), ports(31000, 31009)],
    });

  it('defaults to the host network, as Mesos does on Linux', () => {
    expect(dockerRunPlan(spec()).create.HostConfig?.NetworkMode).toBe('host');
    expect(dockerRunPlan(spec({}, { network: 'NONE' })).create.HostConfig?.NetworkMode).toBe('none');
    expect(dockerRunPlan(bridged()).create.HostConfig?.NetworkMode).toBe('bridge');
  });

  it('joins the user network named by network_infos[0]', () => {
    const s = spec({
      container: {
        type: 'DOCKER',
        docker: { image: 'x', network: 'USER' },
        network_infos: [{ name: 'overlay-a' }],
      },
    });
    expect(dockerRunPlan(s).create.HostConfig?.NetworkMode).toBe('overlay-a');
    const none = spec({ container: { type: 'DOCKER', docker: { image: 'x', network: 'USER' } } });
    expect(errorOf(none)).toBe('No network info found in container info');
    const two = spec({
      container: {
        type: 'DOCKER',
        docker: { image: 'x', network: 'USER' },
        network_infos: [{ name: 'a' }, { name: 'b' }],
      },
    });
    expect(errorOf(two)).toBe('Only a single network can be defined in Docker run');
    const unnamed = spec({
      container: { type: 'DOCKER', docker: { image: 'x', network: 'USER' }, network_infos: [{}] },
    });
    expect(errorOf(unnamed)).toBe('No network name found in network info');
  });

  it('sets the hostname except on the host network', () => {
    expect(dockerRunPlan(bridged({ hostname: 'web-1' })).create.Hostname).toBe('web-1');
    const onHost = spec({ container: { type: 'DOCKER', docker: { image: 'x' }, hostname: 'web-1' } });
    expect(errorOf(onHost)).toBe('Unable to set hostname with host network mode');
  });

  it('publishes port mappings on host ports the task was given', () => {
    const plan = dockerRunPlan(
      bridged(
        {},
        {
          port_mappings: [
            { host_port: 31000, container_port: 80 },
            { host_port: 31005, container_port: 53, protocol: 'UDP' },
            { host_port: 31006, container_port: 9000, protocol: 'udp,tcp' },
          ],
        },
      ),
    );
    expect(plan.create.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {}, '9000/udp': {}, '9000/tcp': {} });
    expect(plan.create.HostConfig?.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '', HostPort: '31000' }],
      '53/udp': [{ HostIp: '', HostPort: '31005' }],
      '9000/udp': [{ HostIp: '', HostPort: '31006' }],
      '9000/tcp': [{ HostIp: '', HostPort: '31006' }],
    });
  });

  it('refuses port mappings outside the ports resources or on the host network', () => {
    const outside = bridged({}, { port_mappings: [{ host_port: 32000, container_port: 80 }] });
    expect(errorOf(outside)).toBe('Port [32000] not included in resources');
    const noPorts = spec({
      container: {
        type: 'DOCKER',
        docker: { image: 'x', network: 'BRIDGE', port_mappings: [{ host_port: 1, container_port: 2 }] },
      },
    });
    expect(errorOf(noPorts)).toBe('Port mappings require port resources');
    expect(errorOf({ ...noPorts, resources: [] })).toBe('Port mappings require resources');
    const onHost = spec({}, { port_mappings: [{ host_port: 31000, container_port: 80 }] });
    expect(errorOf(onHost)).toBe('Port mappings are only supported for bridge and user-defined networks');
  });
});

describe('placement beside an agent that runs in a container', () => {
  const placement: DockerPlacement = {
    agentContainer: 'sandbox-dev-agent-1',
    bridgeNetwork: 'sandbox-dev',
    labels: { 'sandbox.cluster': 'dev', [LABEL_TASK_ID]: 'spoofed' },
  };
  const mapped = (network: 'BRIDGE' | 'USER'): DockerTaskSpec =>
    spec({
      container: {
        type: 'DOCKER',
        docker: {
          image: 'x',
          network,
          port_mappings: [
            { host_port: 31000, container_port: 80 },
            { host_port: 31001, container_port: 53, protocol: 'udp,tcp' },
          ],
        },
        ...(network === 'USER' ? { network_infos: [{ name: 'mine' }] } : {}),
      },
      resources: [cpus(1), mem(64), ports(31000, 31009)],
      taskId: 'web.1',
    });

  it("puts HOST tasks in the agent's network namespace and BRIDGE tasks on its network", () => {
    const host = dockerRunPlan(spec(), placement);
    expect(host.create.HostConfig?.NetworkMode).toBe('container:sandbox-dev-agent-1');
    expect(host.reach).toEqual({ kind: 'agent' });
    const bridge = dockerRunPlan(mapped('BRIDGE'), placement);
    expect(bridge.create.HostConfig?.NetworkMode).toBe('sandbox-dev');
    expect(bridge.reach).toEqual({ kind: 'network', network: 'sandbox-dev' });
    // Without a placement: the daemon's host is the agent's.
    expect(dockerRunPlan(spec()).reach).toEqual({ kind: 'agent' });
    expect(dockerRunPlan(mapped('BRIDGE')).reach).toEqual({ kind: 'network', network: 'bridge' });
    expect(dockerRunPlan(spec({}, { network: 'NONE' }), placement).reach).toEqual({ kind: 'none' });
  });

  it("publishes a BRIDGE task's port mappings through the agent, not on Docker's host", () => {
    const plan = dockerRunPlan(mapped('BRIDGE'), placement);
    expect(plan.create.HostConfig?.PortBindings).toBeUndefined();
    expect(plan.create.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {}, '53/tcp': {} });
    expect(plan.forwards).toEqual([
      { protocol: 'tcp', hostPort: 31000, containerPort: 80 },
      { protocol: 'udp', hostPort: 31001, containerPort: 53 },
      { protocol: 'tcp', hostPort: 31001, containerPort: 53 },
    ]);
    // A user network is not the agent's: Docker publishes there, as it does without a placement.
    const user = dockerRunPlan(mapped('USER'), placement);
    expect(user.forwards).toEqual([]);
    expect(Object.keys(user.create.HostConfig?.PortBindings ?? {})).toEqual(['80/tcp', '53/udp', '53/tcp']);
    expect(dockerRunPlan(mapped('BRIDGE')).forwards).toEqual([]);
  });

  it("refuses what HOST refuses, and labels tasks with the placement's labels under their own", () => {
    const onHost = spec({ container: { type: 'DOCKER', docker: { image: 'x' }, hostname: 'web-1' } });
    expect(() => dockerRunPlan(onHost, placement)).toThrow('Unable to set hostname with host network mode');
    const ported = spec({}, { port_mappings: [{ host_port: 31000, container_port: 80 }] });
    expect(() => dockerRunPlan({ ...ported, resources: [ports(31000, 31000)] }, placement)).toThrow(
      'Port mappings are only supported for bridge and user-defined networks',
    );
    expect(dockerRunPlan(mapped('BRIDGE'), placement).create.Labels).toEqual({
      'sandbox.cluster': 'dev',
      [LABEL_CONTAINER_ID]: 'c0ffee',
      [LABEL_TASK_ID]: 'web.1',
    });
  });

  it('reads the placement from the agent flags', () => {
    expect(
      dockerPlacementFromFlags({
        docker_agent_container: 'sandbox-dev-agent-1',
        docker_bridge_network: 'sandbox-dev',
        docker_task_labels: '{"sandbox.cluster":"dev"}',
      }),
    ).toEqual({
      agentContainer: 'sandbox-dev-agent-1',
      bridgeNetwork: 'sandbox-dev',
      labels: { 'sandbox.cluster': 'dev' },
    });
    expect(dockerPlacementFromFlags({})).toEqual({});
    expect(() => dockerPlacementFromFlags({ docker_task_labels: '{' })).toThrow(
      /^Flag '--docker_task_labels' is not JSON/,
    );
    expect(() => dockerPlacementFromFlags({ docker_task_labels: '{"a":1}' })).toThrow(
      "Flag '--docker_task_labels' must be a JSON object of strings",
    );
    expect(() => dockerPlacementFromFlags({ docker_task_labels: '["a"]' })).toThrow(/JSON object/);
  });
});

describe('reachableAddress', () => {
  const networks = { 'sandbox-dev': { IPAddress: '172.18.0.5', GlobalIPv6Address: '' } };

  it("is loopback in the agent's namespace, else the container's address on its network", () => {
    expect(reachableAddress({ kind: 'agent' }, undefined, false)).toBe('127.0.0.1');
    expect(reachableAddress({ kind: 'agent' }, undefined, true)).toBe('::1');
    expect(reachableAddress({ kind: 'network', network: 'sandbox-dev' }, networks, false)).toBe('172.18.0.5');
  });

  it('is null where there is none', () => {
    expect(reachableAddress({ kind: 'network', network: 'sandbox-dev' }, networks, true)).toBeNull();
    expect(reachableAddress({ kind: 'network', network: 'other' }, networks, false)).toBeNull();
    expect(reachableAddress({ kind: 'none' }, networks, false)).toBeNull();
  });
});

describe('volumes', () => {
  const withVolumes = (volumes: ContainerInfo['volumes']): DockerTaskSpec =>
    spec({ container: { type: 'DOCKER', docker: { image: 'x' }, volumes } });

  it('binds host paths with their mode, sandbox-relative host paths and mapped-relative container paths', () => {
    const { sandbox } = spec();
    const binds = dockerRunPlan(
      withVolumes([
        { mode: 'RO', host_path: '/etc/ssl', container_path: '/etc/ssl' },
        { mode: 'RW', host_path: 'data', container_path: '/data' },
        { mode: 'RW', host_path: '/srv/cache', container_path: 'cache' },
      ]),
    ).create.HostConfig?.Binds;
    expect(binds).toEqual([
      '/etc/ssl:/etc/ssl:ro',
      `${sandbox}/data:/data:rw`,
      '/srv/cache:/mnt/mesos/sandbox/cache:rw',
      `${sandbox}:/mnt/mesos/sandbox`,
    ]);
  });

  it('mounts docker volumes by name with their driver and ignores sources Docker cannot use', () => {
    const plan = dockerRunPlan(
      withVolumes([
        {
          mode: 'RW',
          container_path: '/db',
          source: { type: 'DOCKER_VOLUME', docker_volume: { name: 'pgdata', driver: 'local' } },
        },
        { mode: 'RW', container_path: '/s', source: { type: 'SANDBOX_PATH', sandbox_path: { path: 'x' } } },
      ]),
    );
    expect(plan.create.HostConfig?.Binds).toEqual(['pgdata:/db:rw', `${spec().sandbox}:/mnt/mesos/sandbox`]);
    expect(plan.create.HostConfig?.VolumeDriver).toBe('local');
  });

  it('refuses volumes Mesos refuses', () => {
    expect(errorOf(withVolumes([{ mode: 'RW', host_path: 'a', container_path: 'b' }]))).toBe(
      "Both host_path 'a' and container_path 'b' of a volume are relative",
    );
    expect(errorOf(withVolumes([{ mode: 'RW', container_path: '/b' }]))).toBe(
      'Host path or volume source is required',
    );
  });
});

describe('resources', () => {
  it('sets cpu shares to cpus*1024 and the memory limit to mem MB (at least 32 MB)', () => {
    const host = dockerRunPlan(spec({ resources: [cpus(0.25), mem(128)] })).create.HostConfig!;
    expect(host.CpuShares).toBe(256);
    expect(host.Memory).toBe(128 * MB);
    expect(host.CpuQuota).toBeUndefined();
    expect(dockerRunPlan(spec({ resources: [cpus(0.001), mem(8)] })).create.HostConfig).toMatchObject({
      CpuShares: 2,
      Memory: 32 * MB,
    });
  });

  it('sets no cpu or memory limit for resources the task does not have', () => {
    const host = dockerRunPlan(spec({ resources: [] })).create.HostConfig!;
    expect(host.CpuShares).toBeUndefined();
    expect(host.Memory).toBeUndefined();
  });

  it('caps CPU with a CFS quota from a finite cpus limit, or from the request with enableCfs', () => {
    const limited = dockerRunPlan(spec({ resources: [cpus(0.5), mem(64)], limits: { cpus: { value: 2 } } }));
    expect(limited.create.HostConfig).toMatchObject({
      CpuShares: 512,
      CpuPeriod: 100_000,
      CpuQuota: 200_000,
    });
    expect(limited.cpusLimit).toBe(2);
    const cfs = dockerRunPlan(spec({ resources: [cpus(0.5)], enableCfs: true })).create.HostConfig!;
    expect(cfs.CpuQuota).toBe(50_000);
    const unlimited = dockerRunPlan(spec({ limits: { cpus: 'Infinity' }, enableCfs: true }));
    expect(unlimited.create.HostConfig?.CpuQuota).toBeUndefined();
    expect(unlimited.cpusLimit).toBe(0.5);
  });

  it('uses a mem limit as the hard limit and the request as the reservation', () => {
    const host = dockerRunPlan(spec({ resources: [mem(64)], limits: { mem: { value: 256 } } })).create
      .HostConfig!;
    expect(host.Memory).toBe(256 * MB);
    expect(host.MemoryReservation).toBe(64 * MB);
    const infinite = dockerRunPlan(spec({ resources: [mem(64)], limits: { mem: 'Infinity' } }));
    expect(infinite.create.HostConfig?.Memory).toBeUndefined();
    expect(infinite.memLimitBytes).toBe(0);
  });
});

describe('parameters', () => {
  const withParams = (parameters: Array<{ key: string; value: string }>, shell = true): DockerTaskSpec =>
    spec({ command: shell ? { value: 'true' } : { shell: false } }, { network: 'BRIDGE', parameters });

  it('translates the common docker run flags', () => {
    const { create } = dockerRunPlan(
      withParams([
        { key: 'label', value: 'team=infra' },
        { key: 'label', value: 'flag' },
        { key: 'env', value: 'EXTRA=1=2' },
        { key: 'hostname', value: 'box' },
        { key: 'user', value: 'nobody' },
        { key: 'workdir', value: '/work' },
        { key: 'add-host', value: 'db:10.0.0.2' },
        { key: 'cap-add', value: 'NET_ADMIN' },
        { key: 'memory-swap', value: '-1' },
        { key: 'shm-size', value: '64m' },
        { key: 'ulimit', value: 'nofile=1024:2048' },
        { key: 'privileged', value: 'true' },
        { key: 'log-driver', value: 'json-file' },
        { key: 'log-opt', value: 'max-size=10m' },
        { key: 'sysctl', value: 'net.core.somaxconn=1024' },
      ]),
    );
    expect(create.Labels).toMatchObject({ team: 'infra', flag: '' });
    expect(create.Env).toContain('EXTRA=1=2');
    expect(create).toMatchObject({ Hostname: 'box', User: 'nobody', WorkingDir: '/work' });
    expect(create.HostConfig).toMatchObject({
      ExtraHosts: ['db:10.0.0.2'],
      CapAdd: ['NET_ADMIN'],
      MemorySwap: -1,
      ShmSize: 64 * MB,
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      Privileged: true,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      Sysctls: { 'net.core.somaxconn': '1024' },
    });
  });

  it('lets net/network, entrypoint and env parameters win, as later docker run flags do', () => {
    const { create } = dockerRunPlan(
      withParams([
        { key: 'net', value: 'my-net' },
        { key: 'network-alias', value: 'api' },
        { key: 'entrypoint', value: '/bin/bash' },
        { key: 'env', value: 'MESOS_SANDBOX=/elsewhere' },
      ]),
    );
    expect(create.HostConfig?.NetworkMode).toBe('my-net');
    expect(create.NetworkingConfig).toEqual({ EndpointsConfig: { 'my-net': { Aliases: ['api'] } } });
    expect(create.Entrypoint).toEqual(['/bin/bash']);
    expect(create.Cmd).toEqual(['-c', 'true']);
    expect(create.Env).toContain('MESOS_SANDBOX=/elsewhere');
  });

  it('refuses unknown flags, flags that take the container away from the agent, and bad values', () => {
    expect(errorOf(withParams([{ key: 'frobnicate', value: '1' }]))).toMatch(
      /^Unsupported docker parameter '--frobnicate=1' \(supported: .*\blabel\b.*\)$/,
    );
    expect(errorOf(withParams([{ key: 'e', value: 'A=1' }]))).toMatch(
      /^Unsupported docker parameter '--e=A=1'/,
    );
    expect(errorOf(withParams([{ key: 'name', value: 'mine' }]))).toBe(
      "Docker parameter '--name=mine' is not allowed: Mesos names the container mesos-<ContainerID>",
    );
    expect(errorOf(withParams([{ key: 'privileged', value: 'yes' }]))).toBe(
      "Invalid docker parameter '--privileged=yes': invalid boolean 'yes'",
    );
    expect(errorOf(withParams([{ key: 'env', value: 'NOVALUE' }]))).toMatch(/expected KEY=VALUE/);
    expect(errorOf(withParams([{ key: 'memory', value: 'lots' }]))).toMatch(/invalid size 'lots'/);
    expect(errorOf(withParams([{ key: 'toString', value: 'x' }]))).toMatch(/^Unsupported docker parameter/);
  });
});

describe('labels', () => {
  it('labels the container with its Mesos identity, over any label of the same name', () => {
    const { create } = dockerRunPlan(
      spec(
        {
          agentId: 'S1',
          taskId: 'web.1',
          labels: { 'sandbox.cluster': 'dev', [LABEL_CONTAINER_ID]: 'spoofed' },
        },
        { parameters: [{ key: 'label', value: `${LABEL_AGENT_ID}=spoofed` }] },
      ),
    );
    expect(create.Labels).toEqual({
      'sandbox.cluster': 'dev',
      [LABEL_CONTAINER_ID]: 'c0ffee',
      [LABEL_AGENT_ID]: 'S1',
      [LABEL_TASK_ID]: 'web.1',
    });
  });
});

describe('parseDockerSize', () => {
  it('reads sizes as docker run does (binary units)', () => {
    expect(parseDockerSize('1024')).toBe(1024);
    expect(parseDockerSize('10b')).toBe(10);
    expect(parseDockerSize('512k')).toBe(512 * 1024);
    expect(parseDockerSize('64m')).toBe(64 * MB);
    expect(parseDockerSize('1.5g')).toBe(1.5 * 1024 * MB);
    expect(parseDockerSize('2GiB')).toBe(2 * 1024 * MB);
    expect(() => parseDockerSize('-5')).toThrow(/invalid size/);
    expect(() => parseDockerSize('5x')).toThrow(/invalid size/);
  });
});

describe('dockerStatistics', () => {
  const limits = { cpusLimit: 0.5, memLimitBytes: 64 * MB };

  it('reads a cgroup v1 sample', () => {
    const stats = dockerStatistics(
      {
        cpu_stats: { cpu_usage: { usage_in_usermode: 1_500_000_000, usage_in_kernelmode: 250_000_000 } },
        memory_stats: { usage: 9 * MB, stats: { total_rss: 3 * MB, rss: 2 * MB, cache: 6 * MB } },
        pids_stats: { current: 4 },
      },
      limits,
    );
    expect(stats).toEqual({
      cpus_limit: 0.5,
      mem_limit_bytes: 64 * MB,
      cpus_user_time_secs: 1.5,
      cpus_system_time_secs: 0.25,
      mem_rss_bytes: 3 * MB,
      processes: 4,
    });
  });

  it('reads a cgroup v2 sample (anon memory) and an empty one', () => {
    expect(
      dockerStatistics({ memory_stats: { stats: { anon: 5 * MB, file: MB } } }, limits).mem_rss_bytes,
    ).toBe(5 * MB);
    expect(dockerStatistics({}, limits)).toEqual({ cpus_limit: 0.5, mem_limit_bytes: 64 * MB });
  });
});
