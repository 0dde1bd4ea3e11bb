// mesos-sandbox/testing against a real cluster (process driver: ZooKeeper, a master, two agents,
// Marathon, Chronos), one for the whole file: the typed clients, the framework harness, fault
// injection (kill/start, partition/heal an agent), attaching by name, and removal on dispose.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachCluster,
  commandTask,
  HttpError,
  clusterUnavailable,
  startCluster,
  type SandboxCluster,
} from '../../src/testing/index.js';
import { isZooKeeperInstalled } from '../../src/zookeeper/server.js';

const stateRoot = mkdtempSync(join(tmpdir(), 'sandbox-testing-lib-'));
const unavailable = !isZooKeeperInstalled()
  ? 'ZooKeeper is not installed (run ./install.sh)'
  : process.getuid?.() !== 0
    ? 'partitioning an agent resets its connections with ss -K, which needs root'
    : await clusterUnavailable('process');
if (unavailable) console.warn(`Skipping the testing library integration tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('mesos-sandbox/testing on a real cluster', () => {
  let cluster: SandboxCluster;

  beforeAll(async () => {
    cluster = await startCluster({
      name: `testing-lib-${process.pid}`,
      driver: 'process',
      agents: 2,
      marathon: true,
      chronos: true,
      stateRoot,
    });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(stateRoot, { recursive: true, force: true });
  }, 120_000);

  it('gives the endpoints document and typed operator API answers', async () => {
    expect(cluster.owned).toBe(true);
    expect(cluster.info.master).toMatch(/^http:\/\//);
    expect(cluster.nodes('agent').map((n) => n.id)).toEqual(['agent-1', 'agent-2']);
    const state = await cluster.mesos.state();
    expect(state.activated_slaves).toBe(2);
    expect((await cluster.mesos.agents()).every((a) => a.active)).toBe(true);
    const names = (await cluster.mesos.frameworks()).frameworks.map((f) => f.name).sort();
    expect(names).toEqual(['chronos', 'marathon']);
    expect((await cluster.mesos.getAgents()).agents).toHaveLength(2);
    expect((await cluster.mesos.getMaster()).id).toBe(state.id);
  });

  it('deploys a Marathon app and sees it running; errors are typed', async () => {
    const app = await cluster.marathon.deployApp({
      id: '/lib/sleeper',
      cmd: 'sleep 1000',
      cpus: 0.1,
      mem: 32,
    });
    expect(app.tasksRunning).toBe(1);
    expect(app.tasks?.[0]?.state).toBe('TASK_RUNNING');
    const tasks = await cluster.mesos.tasks();
    expect(tasks.some((t) => t.id === app.tasks![0]!.id && t.state === 'TASK_RUNNING')).toBe(true);

    const scaled = await cluster.marathon.scaleApp('/lib/sleeper', 2);
    await cluster.marathon.waitForDeployment(scaled.deploymentId);
    expect((await cluster.marathon.getApp('/lib/sleeper')).tasksRunning).toBe(2);

    const removal = await cluster.marathon.deleteApp('/lib/sleeper');
    await cluster.marathon.waitForDeployment(removal.deploymentId);
    const err = await cluster.marathon.getApp('/lib/sleeper').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(404);
  });

  it('runs a Chronos job', async () => {
    await cluster.chronos.createJob({
      name: 'lib-job',
      command: 'true',
      schedule: 'R/2099-01-01T00:00:00Z/PT24H',
      cpus: 0.1,
      mem: 32,
    });
    expect((await cluster.chronos.search({ name: 'lib-job' })).map((j) => j.name)).toEqual(['lib-job']);
    await cluster.chronos.runJob('lib-job');
    const job = await cluster.chronos.waitForJobSuccess('lib-job', { times: 1 });
    expect(job.successCount).toBeGreaterThanOrEqual(1);
    await cluster.chronos.deleteJob('lib-job');
    expect(await cluster.chronos.findJob('lib-job')).toBeNull();
  });

  it('drives a framework: offers, launch, TASK_RUNNING, kill', async () => {
    await using session = await cluster.mesos.subscribe({
      framework_info: { user: 'root', name: 'lib-harness' },
    });
    const [offer] = await session.nextOffers({ match: (o) => o.resources.some((r) => r.name === 'cpus') });
    await session.launch(offer!, [commandTask('harness-1', 'sleep 1000')]);
    const running = await session.waitForTaskState('harness-1', 'TASK_RUNNING');
    expect(running.agent_id?.value).toBe(offer!.agent_id.value);
    const frameworks = await cluster.mesos.frameworks();
    expect(frameworks.frameworks.find((f) => f.id === session.frameworkId)?.tasks).toHaveLength(1);

    await session.kill('harness-1');
    expect((await session.waitForTaskState('harness-1', 'TASK_KILLED')).state).toBe('TASK_KILLED');
  });

  it('kills an agent and starts it again; the master sees it go and come back', async () => {
    await cluster.killNode('agent-2');
    expect(cluster.node('agent-2').state).toBe('stopped');
    await cluster.waitForAgent('agent-2', { active: false });
    await cluster.startNode('agent-2');
    const agent = await cluster.waitForAgent('agent-2');
    expect(agent?.active).toBe(true);
  });

  it('partitions an agent from the master and heals it', async () => {
    await cluster.partitionAgent('agent-1');
    try {
      const cut = await cluster.waitForAgent('agent-1', { active: false, timeoutMs: 10_000 });
      expect(cut === null || !cut.active).toBe(true);
    } finally {
      await cluster.healAgent('agent-1');
    }
    expect((await cluster.waitForAgent('agent-1'))?.active).toBe(true);
    expect((await cluster.mesos.state()).activated_slaves).toBe(2);
  });

  it('exports the logs of every node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-testing-logs-'));
    try {
      await cluster.exportLogs(dir);
      for (const node of cluster.nodes()) expect(existsSync(join(dir, node.id, 'node.log'))).toBe(true);
      expect(readFileSync(join(dir, 'master-1', 'node.log'), 'utf8')).not.toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('attaches by name to the same endpoints and leaves the cluster up when disposed', async () => {
    {
      await using attached = await attachCluster(cluster.name, { stateRoot });
      expect(attached.owned).toBe(false);
      expect(attached.info.master).toBe(cluster.info.master);
      expect(attached.info.marathon).toBe(cluster.info.marathon);
      expect(attached.info.chronos).toBe(cluster.info.chronos);
      expect(attached.info.nodes.map((n) => n.id)).toEqual(cluster.info.nodes.map((n) => n.id));
    }
    expect((await cluster.mesos.state()).activated_slaves).toBe(2);
  });

  it('removes the cluster it started at the end of an await using block', async () => {
    {
      await using owned = cluster;
      expect(owned.owned).toBe(true);
    }
    expect(await cluster.driver.list()).not.toContain(cluster.name);
  }, 120_000);
});

const dockerUnavailable =
  process.getuid?.() !== 0
    ? 'partitioning a docker agent uses nsenter and ss -K, which need root'
    : await clusterUnavailable('docker');
if (dockerUnavailable) console.warn(`Skipping the docker partition test: ${dockerUnavailable}`);

describe.skipIf(dockerUnavailable !== null)('mesos-sandbox/testing faults with the docker driver', () => {
  it('partitions a docker agent (paused, links reset) and heals it', async () => {
    await using cluster = await startCluster({
      name: `testing-lib-docker-${process.pid}`,
      driver: 'docker',
      agents: 1,
      marathon: false,
      chronos: false,
    });
    await cluster.partitionAgent('agent-1');
    try {
      const cut = await cluster.waitForAgent('agent-1', { active: false, timeoutMs: 15_000 });
      expect(cut === null || !cut.active).toBe(true);
    } finally {
      await cluster.healAgent('agent-1');
    }
    expect((await cluster.waitForAgent('agent-1'))?.active).toBe(true);
  }, 300_000);
});
