// The docker containerizer against the real dockerd, with the local base image (no registry here):
// output into the sandbox, exit codes, environment, a published port, volume binds, signals and
// destroy, the memory limit and OOM, the errors for a missing image and a missing network, and the
// placement of an agent that runs in a container (its network, port mappings it publishes itself).
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, ensureBaseImage } from '../../src/cluster/drivers/docker/base-image.js';
import {
  DockerLauncher,
  type DockerLaunchSpec,
} from '../../src/mesos/agent/containerizer/docker-launcher.js';
import type { ContainerInfo, Resource } from '../../src/mesos/protocol/types.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';

const docker = new Dockerode();
// `docker info` through the API; then the driver's base image, built once if it is missing. Done at
// collection so that the suite can be skipped with the reason when either is not available.
const skipReason = await docker.info().then(
  async () =>
    ensureBaseImage(docker, { onStep: (msg) => console.log(`[docker-launcher test] ${msg}`) }).then(
      () => null,
      (err: Error) => `the base image ${BASE_IMAGE} is not available (${err.message})`,
    ),
  (err: Error) => `Docker is not reachable (${err.message})`,
);
if (skipReason) console.warn(`Skipping the docker launcher integration tests: ${skipReason}`);

const MB = 1024 * 1024;
const RUN_LABEL = 'sandbox.test-run';
const runId = randomUUID();
const launcher = new DockerLauncher({ docker });
const sandboxes: string[] = [];

const scalar = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value } });

async function taskSpec(
  command: DockerLaunchSpec['command'],
  docker: Partial<NonNullable<ContainerInfo['docker']>> = {},
  more: Partial<DockerLaunchSpec> = {},
): Promise<DockerLaunchSpec> {
  const sandbox = await mkdtemp(join(tmpdir(), 'docker-launcher-'));
  sandboxes.push(sandbox);
  return {
    containerId: randomUUID(),
    container: { type: 'DOCKER', docker: { image: BASE_IMAGE, ...docker } },
    command,
    env: {},
    resources: [scalar('cpus', 0.25), scalar('mem', 64)],
    sandbox,
    stdoutPath: join(sandbox, 'stdout'),
    stderrPath: join(sandbox, 'stderr'),
    labels: { [RUN_LABEL]: runId },
    ...more,
  };
}

const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

async function containerGone(name: string): Promise<boolean> {
  return docker
    .getContainer(name)
    .inspect()
    .then(
      () => false,
      (err: { statusCode?: number }) => err.statusCode === 404,
    );
}

/** Connects to the port and returns what the server sent before closing (empty when nobody answered). */
function readFromPort(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

/** Sends one datagram to 127.0.0.1:port and resolves with the first answer (null after 1 s). */
function udpExchange(port: number, message: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (answer: string | null): void => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(null), 1000);
    socket.once('message', (msg) => done(msg.toString()));
    socket.send(message, port, '127.0.0.1');
  });
}

afterAll(async () => {
  if (skipReason) return;
  for (const c of await launcher.managedContainers({ [RUN_LABEL]: runId })) {
    await docker
      .getContainer(c.id)
      .remove({ force: true })
      .catch(() => undefined);
  }
  await Promise.all(sandboxes.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.skipIf(skipReason !== null)('DockerLauncher', () => {
  it("writes a shell command's output into the sandbox and reports exit codes 0 and 3", async () => {
    const ok = await taskSpec({ shell: true, value: 'echo hello from docker; echo oops >&2' });
    await writeFile(ok.stdoutPath, 'earlier\n');
    const first = await launcher.launch(ok);
    expect(await first.exited).toEqual({ code: 0, signal: null, oomKilled: false });
    expect(await read(ok.stdoutPath)).toBe('earlier\nhello from docker\n');
    expect(await read(ok.stderrPath)).toBe('oops\n');
    await first.destroy();
    expect(await containerGone(`mesos-${ok.containerId}`)).toBe(true);

    const failing = await taskSpec({ shell: true, value: 'exit 3' });
    const second = await launcher.launch(failing);
    expect((await second.exited).code).toBe(3);
    await second.destroy();
  });

  it('passes the environment and mounts the sandbox at MESOS_SANDBOX', async () => {
    const spec = await taskSpec(
      {
        shell: true,
        value:
          'echo "$GREETING $FROM_AGENT $MESOS_SANDBOX $MESOS_CONTAINER_NAME"; echo inside > "$MESOS_SANDBOX/made"',
        environment: { variables: [{ name: 'GREETING', value: 'hello' }] },
      },
      {},
      { env: { FROM_AGENT: 'agent' } },
    );
    const container = await launcher.launch(spec);
    expect((await container.exited).code).toBe(0);
    expect(await read(spec.stdoutPath)).toBe(`hello agent /mnt/mesos/sandbox mesos-${spec.containerId}\n`);
    expect(await read(join(spec.sandbox, 'made'))).toBe('inside\n');
    await container.destroy();
  });

  it('publishes a bridged container port on the host port the task was given', async () => {
    const hostPort = await freePort();
    const server =
      'perl -MIO::Socket::INET -e \'$s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die "$!"; ' +
      'while ($c = $s->accept) { print $c "hello from the container\\n"; close $c }\'';
    const spec = await taskSpec(
      { shell: true, value: server },
      { network: 'BRIDGE', port_mappings: [{ host_port: hostPort, container_port: 8080, protocol: 'tcp' }] },
      {
        resources: [
          scalar('cpus', 0.25),
          scalar('mem', 64),
          { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: hostPort, end: hostPort }] } },
        ],
      },
    );
    const container = await launcher.launch(spec);
    try {
      // Docker's proxy accepts before the server listens and then closes at once: wait for the answer.
      const answer = await waitFor(async () => (await readFromPort(hostPort)).includes('hello') && true, {
        description: `an answer on host port ${hostPort}`,
      });
      expect(answer).toBe(true);
    } finally {
      await container.destroy();
    }
  });

  it('binds host paths read-only and sandbox-relative host paths read-write', async () => {
    const hostDir = await mkdtemp(join(tmpdir(), 'docker-launcher-host-'));
    sandboxes.push(hostDir);
    await writeFile(join(hostDir, 'in.txt'), 'from the host\n');
    const spec = await taskSpec(
      {
        shell: true,
        value:
          'cat /data/in.txt; echo back > /shared/out.txt; (echo x > /data/new) 2>/dev/null || echo read-only',
      },
      {},
      {
        container: {
          type: 'DOCKER',
          docker: { image: BASE_IMAGE },
          volumes: [
            { mode: 'RO', host_path: hostDir, container_path: '/data' },
            { mode: 'RW', host_path: 'shared', container_path: '/shared' },
          ],
        },
      },
    );
    await mkdir(join(spec.sandbox, 'shared'));
    const container = await launcher.launch(spec);
    expect((await container.exited).code).toBe(0);
    expect(await read(spec.stdoutPath)).toBe('from the host\nread-only\n');
    expect(await read(join(spec.sandbox, 'shared', 'out.txt'))).toBe('back\n');
    expect(existsSync(join(hostDir, 'new'))).toBe(false);
    await container.destroy();
  });

  it('delivers SIGTERM to the task, and destroy kills and removes the container (idempotently)', async () => {
    const spec = await taskSpec({
      shell: true,
      value: 'trap "echo caught TERM" TERM; echo ready; while true; do sleep 0.1; done',
    });
    const container = await launcher.launch(spec);
    expect(container.pid).toBeGreaterThan(0);
    await waitFor(async () => (await read(spec.stdoutPath)).includes('ready'));
    container.signal('SIGTERM');
    await waitFor(async () => (await read(spec.stdoutPath)).includes('caught TERM'), {
      description: 'the trap to report SIGTERM',
    });
    await Promise.all([container.destroy(), container.destroy()]);
    expect(await container.exited).toEqual({ code: 137, signal: null, oomKilled: false });
    expect(await containerGone(`mesos-${spec.containerId}`)).toBe(true);
    await container.destroy();
  });

  it('sets the cpu and memory limits, reports statistics, and reports an OOM kill', async () => {
    const spec = await taskSpec(
      { shell: true, value: 'sleep 60' },
      {},
      { resources: [scalar('cpus', 0.25), scalar('mem', 48)] },
    );
    const container = await launcher.launch(spec);
    try {
      const inspected = await docker.getContainer(`mesos-${spec.containerId}`).inspect();
      expect(inspected.HostConfig.Memory).toBe(48 * MB);
      expect(inspected.HostConfig.CpuShares).toBe(256);
      const stats = await container.statistics();
      expect(stats.cpus_limit).toBe(0.25);
      expect(stats.mem_limit_bytes).toBe(48 * MB);
      expect(stats.cpus_user_time_secs).toBeGreaterThanOrEqual(0);
      expect(stats.mem_rss_bytes).toBeGreaterThan(0);
    } finally {
      await container.destroy();
    }

    const hog = await taskSpec(
      { shell: true, value: 'perl -e \'$x = "a" x (400 * 1024 * 1024); print "survived\\n"\'' },
      {},
      { resources: [scalar('cpus', 0.25), scalar('mem', 32)] },
    );
    const oom = await launcher.launch(hog);
    expect(await oom.exited).toMatchObject({ oomKilled: true });
    expect(await read(hog.stdoutPath)).not.toContain('survived');
    await oom.destroy();
  });

  it('places tasks beside an agent in a container: its network, its labels, port mappings it publishes', async () => {
    const network = `docker-launcher-test-${runId.slice(0, 8)}`;
    await docker.createNetwork({ Name: network, Labels: { [RUN_LABEL]: runId } });
    const placed = new DockerLauncher({
      docker,
      placement: {
        agentContainer: 'no-agent-here',
        bridgeNetwork: network,
        labels: { 'sandbox.cluster': 't' },
      },
    });
    const [tcpPort, udpPort] = [await freePort(), await freePort()];
    const server =
      "perl -MIO::Socket::INET -e 'if (fork) { $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; " +
      'while ($c = $s->accept) { print $c "tcp through the agent\\n"; close $c } } else { ' +
      '$u = IO::Socket::INET->new(LocalPort => 5353, Proto => "udp") or die; ' +
      'while ($u->recv($m, 100)) { $u->send("udp: $m") } }\'';
    const spec = await taskSpec(
      { shell: true, value: server },
      {
        network: 'BRIDGE',
        port_mappings: [
          { host_port: tcpPort, container_port: 8080, protocol: 'tcp' },
          { host_port: udpPort, container_port: 5353, protocol: 'udp' },
        ],
      },
      {
        resources: [
          scalar('cpus', 0.25),
          scalar('mem', 64),
          {
            name: 'ports',
            type: 'RANGES',
            ranges: {
              range: [
                { begin: tcpPort, end: tcpPort },
                { begin: udpPort, end: udpPort },
              ],
            },
          },
        ],
      },
    );
    try {
      const container = await placed.launch(spec);
      const inspected = await docker.getContainer(container.name).inspect();
      expect(Object.keys(inspected.NetworkSettings.Networks)).toEqual([network]);
      expect(inspected.HostConfig.PortBindings ?? {}).toEqual({});
      expect(inspected.Config.Labels).toMatchObject({ 'sandbox.cluster': 't', [RUN_LABEL]: runId });
      // This process plays the agent: the mappings are published on its addresses.
      expect(
        await waitFor(async () => (await readFromPort(tcpPort)).includes('tcp through the agent'), {
          description: `an answer on the agent's port ${tcpPort}`,
        }),
      ).toBe(true);
      expect(await waitFor(() => udpExchange(udpPort, 'ping'), { description: 'a UDP answer' })).toBe(
        'udp: ping',
      );

      // A port the agent holds already (for the first task) fails the launch, leaving no container.
      const second = { ...spec, containerId: randomUUID() };
      await expect(placed.launch(second)).rejects.toThrow(
        `Failed to run docker container 'mesos-${second.containerId}': Bind for 0.0.0.0:${tcpPort}/tcp on the agent failed`,
      );
      expect(await containerGone(`mesos-${second.containerId}`)).toBe(true);

      await container.destroy();
      await expect(readFromPort(tcpPort)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      for (const c of await placed.managedContainers({ [RUN_LABEL]: runId })) {
        await docker
          .getContainer(c.id)
          .remove({ force: true })
          .catch(() => undefined);
      }
      await docker.getNetwork(network).remove();
    }
  });

  it('fails with the message Mesos gives when the image is missing and cannot be pulled', async () => {
    const spec = await taskSpec(
      { shell: true, value: 'true' },
      { image: 'mesos-sandbox-test/no-such-image' },
    );
    await expect(launcher.launch(spec)).rejects.toThrow(
      /^Failed to run 'docker -H unix:\/\/\S+ pull mesos-sandbox-test\/no-such-image:latest': exited with status 1; stderr='Error response from daemon: .+'$/,
    );
    expect(await containerGone(`mesos-${spec.containerId}`)).toBe(true);
  });

  it('fails without leaving a container behind when the daemon refuses it', async () => {
    const spec = await taskSpec(
      { shell: true, value: 'true' },
      {},
      {
        container: {
          type: 'DOCKER',
          docker: { image: BASE_IMAGE, network: 'USER' },
          network_infos: [{ name: `no-such-network-${runId}` }],
        },
      },
    );
    await expect(launcher.launch(spec)).rejects.toThrow(
      new RegExp(
        `^Failed to run docker container 'mesos-${spec.containerId}': Error response from daemon: .*network`,
      ),
    );
    expect(await containerGone(`mesos-${spec.containerId}`)).toBe(true);
  });
});
