// DOCKER tasks through a real master and agent (agent as a local process, the host's dockerd): the
// agent's Docker containerizer runs the task as a container, maps an offered port, and fails a task
// whose image is neither local nor pullable with a clear message.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, ensureBaseImage } from '../../src/cluster/drivers/docker/base-image.js';
import type { ContainerInfo, Offer, TaskInfo } from '../../src/mesos/protocol/types.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import {
  launchOneTask,
  startMasterAndAgent,
  testDir,
  type OneTaskFramework,
  type TestNode,
} from '../support/nodes.js';

const docker = new Dockerode();
const skipReason = await docker.info().then(
  async () =>
    ensureBaseImage(docker, { onStep: (msg) => console.log(`[agent-docker test] ${msg}`) }).then(
      () => null,
      (err: Error) => `the base image ${BASE_IMAGE} is not available (${err.message})`,
    ),
  (err: Error) => `Docker is not reachable (${err.message})`,
);
if (skipReason) console.warn(`Skipping the agent Docker task tests: ${skipReason}`);

describe.skipIf(skipReason !== null)('DOCKER tasks on a real agent', () => {
  let dir: string;
  let master: TestNode;
  let agent: TestNode;
  let port: number;
  const frameworks: OneTaskFramework[] = [];

  beforeAll(async () => {
    dir = testDir('agent-docker');
    port = await freePort();
    ({ master, agent } = await startMasterAndAgent(dir, {
      resources: `cpus:4;mem:2048;disk:4096;ports:[${port}-${port}]`,
    }));
  });

  afterEach(async () => {
    for (const f of frameworks.splice(0)) await f.close();
  });

  afterAll(async () => {
    await agent?.stop();
    await master?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function dockerTask(
    offer: Offer,
    id: string,
    cmd: string,
    container: ContainerInfo,
    withPort = false,
  ): TaskInfo {
    return {
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      command: { value: cmd },
      container,
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
        ...(withPort
          ? [{ name: 'ports', type: 'RANGES' as const, ranges: { range: [{ begin: port, end: port }] } }]
          : []),
      ],
    };
  }

  const launch = async (name: string, make: (offer: Offer) => TaskInfo): Promise<OneTaskFramework> => {
    const fw = await launchOneTask(master.url, name, make);
    frameworks.push(fw);
    return fw;
  };

  it('runs the command in a container of the image, its output in the sandbox', async () => {
    const fw = await launch('docker-echo', (offer) =>
      dockerTask(offer, 'echo', 'echo "in $MESOS_SANDBOX as $MESOS_TASK_ID" && test -f /etc/debian_version', {
        type: 'DOCKER',
        docker: { image: BASE_IMAGE, network: 'HOST' },
      }),
    );
    const done = await fw.update('echo', (s) => s.state === 'TASK_FINISHED' || s.state === 'TASK_FAILED');
    expect(done.state, done.message).toBe('TASK_FINISHED');
    // The container wrote to the task's sandbox under the agent's work_dir.
    const stdoutFiles = execFileSync('grep', ['-rl', '--include=stdout', 'as echo', `${dir}/agent`], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    expect(stdoutFiles).toHaveLength(1);
    expect(readFileSync(stdoutFiles[0]!, 'utf8')).toContain('in /mnt/mesos/sandbox as echo');
  });

  it('maps an offered host port to the container port on the bridge network', async () => {
    const server =
      'perl -MIO::Socket::INET -e \'$s=IO::Socket::INET->new(LocalPort=>8080,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){print $c "HTTP/1.0 200 OK\\r\\n\\r\\nbridged\\n"; close $c}\'';
    const fw = await launch('docker-bridge', (offer) =>
      dockerTask(
        offer,
        'bridged',
        server,
        {
          type: 'DOCKER',
          docker: {
            image: BASE_IMAGE,
            network: 'BRIDGE',
            port_mappings: [{ host_port: port, container_port: 8080 }],
          },
        },
        true,
      ),
    );
    await fw.update('bridged', (s) => s.state === 'TASK_RUNNING');
    const body = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
        return res?.status === 200 ? res.text() : undefined;
      },
      { description: 'the bridged port to answer' },
    );
    expect(body).toBe('bridged\n');
    await fw.client.call({ type: 'KILL', kill: { task_id: { value: 'bridged' } } });
    await fw.update('bridged', (s) => s.state === 'TASK_KILLED');
  });

  it('fails a task whose image is neither local nor pullable, saying so', async () => {
    const fw = await launch('docker-missing', (offer) =>
      dockerTask(offer, 'missing', 'true', {
        type: 'DOCKER',
        docker: { image: 'no-such-image-here/at-all:1' },
      }),
    );
    const failed = await fw.update('missing', (s) => s.state === 'TASK_FAILED');
    expect(failed).toMatchObject({ source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
    expect(failed.message).toMatch(/^Failed to launch container: .*pull no-such-image-here\/at-all:1/);
  });

  // The Mesos containerizer with an image: needs the linux launcher (root).
  const imageSkip = process.getuid?.() === 0 ? null : 'the Mesos containerizer with an image needs root';
  if (imageSkip) console.warn(`Skipping the MESOS image task tests: ${imageSkip}`);

  it.skipIf(imageSkip !== null)(
    "runs a MESOS task in the image's root filesystem without Docker running it",
    async () => {
      const fw = await launch('mesos-image', (offer) =>
        dockerTask(
          offer,
          'in-image',
          // The agent's work_dir is on the host, not in the image; the sandbox is mounted in.
          `test ! -e ${dir} && test "$(pwd)" = /mnt/mesos/sandbox && echo "pid $$ in $MESOS_SANDBOX" > inside.txt`,
          { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: BASE_IMAGE } } } },
        ),
      );
      const done = await fw.update(
        'in-image',
        (s) => s.state === 'TASK_FINISHED' || s.state === 'TASK_FAILED',
      );
      expect(done.state, done.message).toBe('TASK_FINISHED');
      // In the sandbox, under slaves/: not through the container's rootfs, which the agent is
      // removing meanwhile.
      const written = execFileSync('find', [`${dir}/agent/slaves`, '-name', 'inside.txt'], {
        encoding: 'utf8',
      }).trim();
      expect(readFileSync(written, 'utf8')).toBe('pid 1 in /mnt/mesos/sandbox\n');
    },
  );

  it.skipIf(imageSkip !== null)(
    'fails a MESOS task whose image cannot be provisioned, saying so',
    async () => {
      const fw = await launch('mesos-image-missing', (offer) =>
        dockerTask(offer, 'no-image', 'true', {
          type: 'MESOS',
          mesos: { image: { type: 'DOCKER', docker: { name: 'no-such-image-here/at-all:1' } } },
        }),
      );
      const failed = await fw.update('no-image', (s) => s.state === 'TASK_FAILED');
      expect(failed).toMatchObject({ source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
      expect(failed.message).toMatch(
        /^Failed to launch container: Failed to provision image 'no-such-image-here\/at-all:1'/,
      );
    },
  );
});
