// mesos-sandbox/testing/testcontainers against the real dockerd: one Docker cluster (1 master,
// 2 agents, Marathon, no Chronos) booted by MesosSandboxContainer, its getters answering from the
// host, a Marathon app through getCluster(), a user's own GenericContainer reaching the master by
// its alias on getNetworkName(), and a stop() that leaves no container or network behind.
import Dockerode from 'dockerode';
import { GenericContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_CLUSTER } from '../../src/cluster/drivers/docker/container-spec.js';
import { IMAGE_NAME } from '../../src/cluster/drivers/docker/image.js';
import { getJson, httpGet } from '../../src/util/http-client.js';
import { clusterUnavailable } from '../../src/testing/index.js';
import { fourLetterWord } from '../../src/zookeeper/server.js';
import {
  MesosSandboxContainer,
  type StartedMesosSandboxContainer,
} from '../../src/testing/testcontainers/index.js';

// No registry is reachable here, so testcontainers' Ryuk (testcontainers/ryuk) cannot be pulled: the
// user's container below would try to start it. The cluster itself never starts Ryuk; stop() removes it.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

const docker = new Dockerode();
const unavailable =
  process.getuid?.() !== 0
    ? 'the Docker cluster needs root (agents mount cgroups and bind host work dirs)'
    : await clusterUnavailable('docker');
if (unavailable) console.warn(`Skipping the testcontainers module test: ${unavailable}`);

describe.skipIf(unavailable !== null)('MesosSandboxContainer (testcontainers module)', () => {
  let mesos: StartedMesosSandboxContainer;

  beforeAll(async () => {
    mesos = await new MesosSandboxContainer()
      .withName(`tc-${process.pid}`)
      .withMasters(1)
      .withAgents(2)
      .withAgentResources('cpus:1;mem:512;disk:1024')
      .withMarathon(true)
      .withChronos(false)
      .withStartupTimeout(90_000)
      .start();
  }, 300_000);

  afterAll(async () => {
    await mesos?.stop();
  }, 60_000);

  it('answers on the URLs its getters give, from the host', async () => {
    expect(mesos.getHost()).toBe('127.0.0.1');
    expect(mesos.getMesosUrl()).toBe(`http://127.0.0.1:${mesos.getMappedPort(5050)}`);
    expect(mesos.getFirstMappedPort()).toBe(mesos.getMappedPort('5050/tcp'));
    const version = await getJson<{ version: string }>(`${mesos.getMesosUrl()}/version`);
    expect(version.version).toMatch(/^1\.11\./);

    const ping = await httpGet(`${mesos.getMarathonUrl()}/ping`);
    expect(ping.status).toBe(200);
    expect(() => mesos.getChronosUrl()).toThrow(/runs no Chronos/);

    const [zkHost, zkPort] = mesos.getZookeeperConnectString().split(':');
    expect(await fourLetterWord(zkHost!, Number(zkPort), 'ruok', 2000)).toBe('imok');
    expect(mesos.getMesosZkUrl()).toBe(`zk://${mesos.getZookeeperConnectString()}/mesos`);
  });

  it('names the network, the aliases and the in-network URLs of its nodes', () => {
    expect(mesos.getNetworkName()).toBe(`sandbox-tc-${process.pid}`);
    expect(mesos.getNetwork().getName()).toBe(mesos.getNetworkName());
    expect(mesos.getNetworkAliases().sort()).toEqual([
      'agent-1',
      'agent-2',
      'marathon-1',
      'master-1',
      'zookeeper-1',
    ]);
    expect(mesos.getInternalMesosUrl()).toBe('http://master-1:5050');
    expect(mesos.getInternalMarathonUrl()).toBe('http://marathon-1:8080');
    expect(mesos.getInternalMesosZkUrl()).toBe('zk://zookeeper-1:2181/mesos');
    expect(mesos.getMappedPort('agent-2', 5051)).not.toBe(mesos.getMappedPort('agent-1'));
  });

  it('deploys a Marathon app through the cluster handle', async () => {
    const app = await mesos
      .getCluster()
      .marathon.deployApp(
        { id: '/tc/sleeper', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 2 },
        { timeoutMs: 60_000 },
      );
    expect(app.tasksRunning).toBe(2);
    const tasks = await mesos.getCluster().mesos.tasks();
    expect(tasks.filter((t) => t.state === 'TASK_RUNNING' && t.name.includes('sleeper'))).toHaveLength(2);
  }, 90_000);

  it("lets the user's own GenericContainer on the cluster's network reach the master by alias", async () => {
    // The node image is local; testcontainers pulls only a missing image.
    await using user = await new GenericContainer(IMAGE_NAME)
      .withNetworkMode(mesos.getNetworkName())
      .withCommand(['sleep', 'infinity'])
      .start();
    const script = `fetch(${JSON.stringify(`${mesos.getInternalMesosUrl()}/version`)}).then((r) => r.json()).then((v) => console.log(v.version))`;
    const result = await user.exec(['node', '-e', script]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout.trim()).toMatch(/^1\.11\./);
  }, 60_000);

  it('removes every container and the network on stop()', async () => {
    const stopped = await mesos.stop();
    expect(stopped.getName()).toBe(`tc-${process.pid}`);
    const filters = { label: [`${LABEL_CLUSTER}=${stopped.getName()}`] };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters: { name: [stopped.getNetworkName()] } })).toEqual([]);
    // Idempotent: afterAll stops it again.
    expect(await mesos.stop()).toBe(stopped);
  }, 60_000);
});
