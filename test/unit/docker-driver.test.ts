// The docker driver's pure parts: names, labels, container create options from a record and a
// node plan, Docker's log framing, memory accounting, the Debian mirror, and the app layer's
// contents and hash.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGENT_PORTS,
  LABEL_CLUSTER,
  LABEL_HOST_PORT,
  LABEL_NODE,
  LABEL_ORDER,
  LABEL_RECORD,
  LABEL_ROLE,
  LABEL_RUN_ID,
  containerCreateOptions,
  containerMemoryBytes,
  demuxDockerFrames,
  networkCreateOptions,
  nodeCommand,
  parseNodeLabels,
  requestedHostPort,
  workRootRemovalOptions,
  clusterWorkRoot,
} from '../../src/cluster/drivers/docker/container-spec.js';
import { BASE_PACKAGES, debianMirrorFromSources } from '../../src/cluster/drivers/docker/base-image.js';
import {
  APP_DIR,
  IMAGE_NAME,
  appDockerfile,
  describeAppLayer,
  packageRoot,
  productionModuleDirs,
} from '../../src/cluster/drivers/docker/image.js';
import type { ClusterRecord } from '../../src/cluster/drivers/driver.js';
import { planNodes, type NodeAddressing, type NodePlan } from '../../src/cluster/plan.js';
import { defaultClusterSpec } from '../../src/cluster/spec.js';

const addressing: NodeAddressing = { hostOf: (id) => id, agentPorts: () => AGENT_PORTS };

function record(overrides: Partial<ClusterRecord['spec']> = {}): ClusterRecord {
  return {
    name: 'dev',
    driver: 'docker',
    runId: 'run-1',
    createdAt: '2025-01-01T00:00:00.000Z',
    spec: { ...defaultClusterSpec(), name: 'dev', driver: 'docker', ...overrides },
  };
}

function plan(r: ClusterRecord, id: string): NodePlan {
  const p = planNodes(r.spec, addressing).find((n) => n.id === id);
  if (!p) throw new Error(`no ${id}`);
  return p;
}

describe('container create options', () => {
  const r = record({ agents: [{ count: 2, resources: 'cpus:1;mem:512', attributes: 'rack:a' }] });

  it('names, labels and networks a master', () => {
    const master = plan(r, 'master-1');
    const opts = containerCreateOptions({
      record: r,
      plan: master,
      order: 1,
      image: IMAGE_NAME,
      hostPort: 40123,
    });
    expect(opts.name).toBe('sandbox-dev-master-1');
    expect(opts.Image).toBe(IMAGE_NAME);
    expect(opts.Hostname).toBe('master-1');
    expect(opts.Labels).toMatchObject({
      [LABEL_CLUSTER]: 'dev',
      [LABEL_ROLE]: 'master',
      [LABEL_NODE]: 'master-1',
      [LABEL_RUN_ID]: 'run-1',
      [LABEL_ORDER]: '1',
      [LABEL_HOST_PORT]: '40123',
    });
    expect(JSON.parse(opts.Labels![LABEL_RECORD]!)).toEqual(r);
    expect(opts.ExposedPorts).toEqual({ '5050/tcp': {} });
    expect(opts.HostConfig?.PortBindings).toEqual({
      '5050/tcp': [{ HostIp: '127.0.0.1', HostPort: '40123' }],
    });
    expect(opts.HostConfig?.NetworkMode).toBe('sandbox-dev');
    expect(opts.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
    expect(opts.NetworkingConfig?.EndpointsConfig).toEqual({ 'sandbox-dev': { Aliases: ['master-1'] } });
    expect(opts.HostConfig?.Privileged).toBeUndefined();
    expect(opts.HostConfig?.CapAdd).toBeUndefined();
  });

  it('runs sandbox-node with the plan flags, the port and the container IP', () => {
    const master = plan(r, 'master-1');
    const cmd = containerCreateOptions({ record: r, plan: master, order: 1, image: 'x', hostPort: 1 }).Cmd!;
    expect(cmd.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(cmd[2]).toContain('ip=$(hostname -i) && exec sandbox-node "$@" --ip="${ip%% *}"');
    expect(cmd[2]).not.toContain('mount');
    expect(cmd.slice(3)).toEqual([
      'sandbox-node',
      'master',
      '--zk=zk://zookeeper-1:2181/mesos',
      '--quorum=1',
      '--cluster=dev',
      '--log_level=info',
      '--port=5050',
    ]);
  });

  it('gives agents SYS_ADMIN, writable cgroups, an init, a work dir and their own cgroups root', () => {
    const agent = plan(r, 'agent-2');
    const opts = containerCreateOptions({ record: r, plan: agent, order: 3, image: 'x', hostPort: 2 });
    expect(opts.HostConfig).toMatchObject({
      CapAdd: ['SYS_ADMIN'],
      SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
      Init: true,
    });
    expect(opts.HostConfig?.Privileged).toBeUndefined();
    const cmd = opts.Cmd!;
    expect(cmd[2]).toMatch(/^for d in \/sys\/fs\/cgroup .*mount -o remount,rw,bind/);
    expect(cmd).toContain('--resources=cpus:1;mem:512;ports:[31000-32000]');
    expect(cmd).toContain('--attributes=rack:a');
    expect(cmd).toContain('--work_dir=/tmp/mesos-sandbox-docker/dev/run-1/agent-2');
    expect(cmd).toContain('--cgroups_root=sandbox-dev-agent-2');
    expect(cmd).toContain('--port=5051');
    expect(opts.ExposedPorts).toEqual({ '5051/tcp': {} });
  });

  it("runs agents' DOCKER tasks on the host's daemon beside the agent, labelled with the cluster", () => {
    const agent = plan(r, 'agent-2');
    const opts = containerCreateOptions({ record: r, plan: agent, order: 3, image: 'x', hostPort: 2 });
    // The work dir at the same path as on the host, so the sandboxes the agent binds into its
    // tasks' containers resolve on the host; the cluster's shared files (Driver.shareFile) read-only.
    expect(opts.HostConfig?.Binds).toEqual([
      '/var/run/docker.sock:/var/run/docker.sock',
      '/tmp/mesos-sandbox-docker/dev/run-1/agent-2:/tmp/mesos-sandbox-docker/dev/run-1/agent-2',
      '/tmp/mesos-sandbox-docker/dev/shared:/tmp/mesos-sandbox-docker/dev/shared:ro',
    ]);
    expect(opts.Cmd).toContain('--docker_agent_container=sandbox-dev-agent-2');
    expect(opts.Cmd).toContain('--docker_bridge_network=sandbox-dev');
    const labels = opts.Cmd!.find((a) => a.startsWith('--docker_task_labels='))!;
    expect(JSON.parse(labels.slice('--docker_task_labels='.length))).toEqual({
      [LABEL_CLUSTER]: 'dev',
      [LABEL_RUN_ID]: 'run-1',
    });
    const rootless = containerCreateOptions({
      record: r,
      plan: agent,
      order: 3,
      image: 'x',
      hostPort: 2,
      dockerSocket: '/run/user/1000/docker.sock',
    });
    expect(rootless.HostConfig?.Binds?.[0]).toBe('/run/user/1000/docker.sock:/var/run/docker.sock');
    // Other nodes get neither.
    const master = containerCreateOptions({
      record: r,
      plan: plan(r, 'master-1'),
      order: 1,
      image: 'x',
      hostPort: 1,
    });
    expect(master.HostConfig?.Binds).toBeUndefined();
    expect(master.Cmd!.some((a) => a.startsWith('--docker_'))).toBe(false);
  });

  it("removes the agents' work dirs of one cluster through the daemon", () => {
    const opts = workRootRemovalOptions('dev', 'img');
    expect(opts).toMatchObject({
      Image: 'img',
      Entrypoint: ['rm', '-rf', '--', '/work/dev'],
      Labels: { [LABEL_CLUSTER]: 'dev' },
      HostConfig: { Binds: ['/tmp/mesos-sandbox-docker:/work'], NetworkMode: 'none' },
    });
    expect(clusterWorkRoot('dev')).toBe('/tmp/mesos-sandbox-docker/dev');
  });

  it("keeps a user's --cgroups_root", () => {
    const r2 = record({ agentFlags: { cgroups_root: 'mine' } });
    const cmd = nodeCommand(plan(r2, 'agent-1'), r2);
    expect(cmd.filter((a) => a.startsWith('--cgroups_root='))).toEqual(['--cgroups_root=mine']);
  });

  it('gives ZooKeeper a data dir and its client port', () => {
    const cmd = nodeCommand(plan(r, 'zookeeper-1'), r);
    expect(cmd.slice(3)).toEqual([
      'sandbox-node',
      'zookeeper',
      '--log_level=info',
      '--port=2181',
      '--data_dir=/var/lib/sandbox/zookeeper',
      '--server_log=/dev/stdout',
    ]);
  });

  it('passes an ensemble member its id and peers by alias', () => {
    const r3 = record({ zookeepers: 3 });
    const cmd = nodeCommand(plan(r3, 'zookeeper-2'), r3);
    expect(cmd).toContain('--server_id=2');
    expect(cmd).toContain('--peers=1@zookeeper-1:2888:3888,2@zookeeper-2:2888:3888,3@zookeeper-3:2888:3888');
    expect(plan(r3, 'master-1').flags).toContain(
      '--zk=zk://zookeeper-1:2181,zookeeper-2:2181,zookeeper-3:2181/mesos',
    );
  });

  it('publishes spec.ports[role] for the first node of a role only', () => {
    const r4 = record({ ports: { master: 5050 }, masters: 2 });
    expect(requestedHostPort(r4, plan(r4, 'master-1'))).toBe(5050);
    expect(requestedHostPort(r4, plan(r4, 'master-2'))).toBeNull();
    expect(requestedHostPort(r4, plan(r4, 'zookeeper-1'))).toBeNull();
  });

  it('labels the network with the record', () => {
    const opts = networkCreateOptions(r);
    expect(opts).toMatchObject({ Name: 'sandbox-dev', Driver: 'bridge', CheckDuplicate: true });
    expect(opts.Labels).toMatchObject({ [LABEL_CLUSTER]: 'dev', [LABEL_RUN_ID]: 'run-1' });
    expect(JSON.parse(opts.Labels![LABEL_RECORD]!)).toEqual(r);
  });

  it('reads node labels back', () => {
    const opts = containerCreateOptions({
      record: r,
      plan: plan(r, 'agent-1'),
      order: 2,
      image: 'x',
      hostPort: 7,
    });
    expect(parseNodeLabels(opts.Labels)).toEqual({
      cluster: 'dev',
      id: 'agent-1',
      role: 'agent',
      order: 2,
      port: 5051,
      hostPort: 7,
    });
    expect(parseNodeLabels({ [LABEL_CLUSTER]: 'dev' })).toBeNull();
    expect(parseNodeLabels(undefined)).toBeNull();
  });
});

describe('docker log frames', () => {
  const frame = (type: number, text: string): Buffer => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = type;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('joins stdout and stderr payloads in order', () => {
    const buf = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'x'.repeat(300))]);
    const { data, rest } = demuxDockerFrames(buf);
    expect(data.toString()).toBe(`out 1\nerr 1\n${'x'.repeat(300)}`);
    expect(rest.length).toBe(0);
  });

  it('returns an incomplete frame as the rest', () => {
    const full = Buffer.concat([frame(1, 'a'), frame(2, 'bcdef')]);
    const { data, rest } = demuxDockerFrames(full.subarray(0, full.length - 2));
    expect(data.toString()).toBe('a');
    expect(rest.length).toBe(8 + 3);
  });

  it('passes unframed (TTY) output through', () => {
    expect(demuxDockerFrames(Buffer.from('plain text output\n')).data.toString()).toBe('plain text output\n');
  });
});

describe('container memory', () => {
  it('is usage minus page cache', () => {
    expect(containerMemoryBytes({ memory_stats: { usage: 1000, stats: { cache: 300 } } })).toBe(700);
    expect(containerMemoryBytes({ memory_stats: { usage: 1000, stats: { total_inactive_file: 100 } } })).toBe(
      900,
    );
    expect(containerMemoryBytes({ memory_stats: { usage: 1000 } })).toBe(1000);
    expect(containerMemoryBytes({})).toBe(0);
  });
});

describe('Debian mirror from APT sources', () => {
  it('reads deb822 sources', () => {
    const text = [
      'Types: deb',
      '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
      'URIs: http://deb.debian.org/debian',
      'Suites: bookworm bookworm-updates',
      '',
      'Types: deb',
      'URIs: http://deb.debian.org/debian-security',
    ].join('\n');
    expect(debianMirrorFromSources([text])).toBe('http://deb.debian.org/debian');
  });

  it('reads one-line sources, skipping security and third-party repositories', () => {
    const text = [
      'deb http://security.debian.org/debian-security bookworm-security main',
      'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main',
      'deb [arch=amd64 signed-by=/x.gpg] http://ftp.de.debian.org/debian/ bookworm main',
    ].join('\n');
    expect(debianMirrorFromSources([text])).toBe('http://ftp.de.debian.org/debian');
  });

  it('has no answer without a Debian archive', () => {
    expect(debianMirrorFromSources(['deb http://archive.ubuntu.com/ubuntu jammy main'])).toBeNull();
  });

  it("installs ZooKeeper's jars without the GUI package's full JRE", () => {
    expect(BASE_PACKAGES).toContain('libzookeeper-java');
    expect(BASE_PACKAGES).toContain('default-jre-headless');
    expect(BASE_PACKAGES).not.toContain('zookeeper');
  });
});

describe('app layer', () => {
  it('ships the runtime dependencies, not the host-only ones', () => {
    const root = packageRoot();
    const names = productionModuleDirs(root).map((d) => d.slice(root.length + 1));
    expect(names).toContain('node_modules/node-zookeeper-client');
    expect(names).toContain('node_modules/commander');
    // Agents run DOCKER tasks through dockerode; the image build's tar-fs is the host's only.
    expect(names).toContain('node_modules/dockerode');
    expect(names.some((n) => n.includes('node-pty'))).toBe(false);
    expect(names).not.toContain('node_modules/tar-fs');
    expect(names.some((n) => n.includes('vitest') || n.includes('typescript'))).toBe(false);
  });

  it('builds on the base and puts the code under the app dir, the least changing first', () => {
    const dockerfile = appDockerfile('base:1');
    expect(dockerfile.split('\n')[0]).toBe('FROM base:1');
    const copies = dockerfile.split('\n').filter((l) => l.startsWith('COPY'));
    expect(copies).toEqual([
      'COPY node /usr/local/bin/node',
      `COPY app/node_modules ${APP_DIR}/node_modules`,
      `COPY app/package.json ${APP_DIR}/package.json`,
      `COPY app/dist ${APP_DIR}/dist`,
      'COPY bin/ /usr/local/bin/',
    ]);
  });

  const built = existsSync(join(packageRoot(), 'dist/src/node/main.js'));
  it.skipIf(!built)('hashes what it ships, base included (needs npm run build)', () => {
    const a = describeAppLayer('sha256:base-a');
    expect(describeAppLayer('sha256:base-a').hash).toBe(a.hash);
    expect(describeAppLayer('sha256:base-b').hash).not.toBe(a.hash);
    expect(a.sources[0]).toMatchObject({ to: 'node' });
    expect(a.sources.map((s) => s.to)).toContain('app/dist/src');
  });
});
