// The example definitions under fixtures/ work as their READMEs say, on one real cluster (process
// driver, one ZooKeeper and master, four agents in two racks from fixtures/clusters/two-racks.yaml,
// Marathon and Chronos): every Marathon app runs its instances (healthy where it has health checks)
// and does what it shows, every group deploys in dependency order, every Chronos chain runs its
// children after its parent, and every cluster config loads. A fixture added to those directories
// is picked up by the generic checks without touching this file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadClusterConfig, resolveClusterSpec } from '../../src/cluster/config.js';
import { DockerDriver } from '../../src/cluster/drivers/docker/docker-driver.js';
import type { ClusterSpec } from '../../src/cluster/spec.js';
import {
  clusterUnavailable,
  startCluster,
  type ChronosJobDefinition,
  type MarathonApp,
  type MarathonAppDefinition,
  type SandboxCluster,
} from '../../src/testing/index.js';
import '../../src/testing/vitest/index.js';
import { findExecutable } from '../../src/util/executables.js';
import { getJson, httpGet } from '../../src/util/http-client.js';
import { isZooKeeperInstalled } from '../../src/zookeeper/server.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
const APPS = join(FIXTURES, 'marathon/apps');
const GROUPS = join(FIXTURES, 'marathon/groups');
const CHRONOS = join(FIXTURES, 'chronos');
const CLUSTERS = join(FIXTURES, 'clusters');
/** Long enough for a busy CI machine; a healthy run takes a few seconds per wait. */
const WAIT = { timeoutMs: 60_000 };

interface GroupDefinition {
  id: string;
  apps?: MarathonAppDefinition[];
  groups?: GroupDefinition[];
  dependencies?: string[];
}

/** A task as Marathon renders it, with the health-check fields the dependency check reads. */
interface TaskWithHealth {
  stagedAt?: string;
  startedAt?: string;
  healthCheckResults: Array<{ firstSuccess?: string | null }>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const jsonFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();

/** The local image a DOCKER (or MESOS with an image) app needs, if any. */
function imageOf(app: MarathonAppDefinition): string | undefined {
  const container = app.container as
    { docker?: { image?: string }; mesos?: { image?: { docker?: { name?: string } } } } | undefined;
  return container?.docker?.image ?? container?.mesos?.image?.docker?.name;
}

const appFiles = jsonFiles(APPS);
const appsByFile = new Map(appFiles.map((f) => [f, readJson<MarathonAppDefinition>(join(APPS, f))]));

// Images come from the local dockerd only (no registry). The node image is built here as `sandbox
// image build` does (the first time, on a fresh machine, that takes a few minutes); an app whose image
// is still not there (no dockerd) is skipped with the reason.
const docker = new Dockerode();
if (
  await docker.ping().then(
    () => true,
    () => false,
  )
)
  await new DockerDriver().ensureImage();
const missingImages = new Map<string, string>();
for (const image of new Set([...appsByFile.values()].map(imageOf))) {
  if (image === undefined) continue;
  const why = await docker
    .getImage(image)
    .inspect()
    .then(
      () => null,
      (e: Error) => `image ${image} is not available from a local dockerd (${e.message.split('\n')[0]})`,
    );
  if (why) {
    missingImages.set(image, why);
    console.warn(`fixtures e2e: skipping the apps that need ${why}`);
  }
}

const stateRoot = mkdtempSync(join(tmpdir(), 'sandbox-fixtures-'));
const unavailable = !isZooKeeperInstalled()
  ? 'ZooKeeper is not installed (run ./install.sh)'
  : findExecutable('python3') === null
    ? 'python3 is not installed (run ./install.sh)'
    : await clusterUnavailable('process');
if (unavailable) console.warn(`Skipping the fixtures end-to-end tests on a cluster: ${unavailable}`);

// ---------------------------------------------------------------------------------------------
// Cluster configs: no cluster needed

/** What each config is for, as its comment says; files not listed here only have to load. */
const CONFIG_INTENT: Record<string, Partial<ClusterSpec>> = {
  'minimal.yaml': {
    agents: [{ count: 1, resources: 'cpus:2;mem:1024;disk:4096', attributes: '' }],
    marathon: { enabled: false, flags: {} },
    chronos: { enabled: false, flags: {} },
  },
  'ha.yaml': {
    zookeepers: 3,
    masters: 3,
    marathon: { enabled: true, count: 2, flags: {} },
    chronos: { enabled: true, count: 2, flags: {} },
  },
  'docker.yaml': { driver: 'docker', ports: { master: 5050, marathon: 8080, chronos: 4400 } },
  'big-agents.yaml': {
    agents: [{ count: 2, resources: 'cpus:32;mem:131072;disk:1048576', attributes: 'size:big' }],
  },
  'reserved-roles.yaml': { masterFlags: { weights: 'analytics=2' } },
  'fast-ci.yaml': {
    masterFlags: { allocation_interval: '500ms' },
    chronos: { enabled: true, flags: { failure_retry: '1000' } },
  },
};

describe('fixtures/clusters', () => {
  const configs = readdirSync(CLUSTERS)
    .filter((f) => f.endsWith('.yaml') && f !== 'bad-field.yaml')
    .sort();

  it.each(configs)('%s loads with the config loader', (file) => {
    const spec = resolveClusterSpec(loadClusterConfig(join(CLUSTERS, file)), {});
    expect(spec).toMatchObject(CONFIG_INTENT[file] ?? {});
  });

  it('bad-field.yaml fails with an error naming the file and the field', () => {
    const path = join(CLUSTERS, 'bad-field.yaml');
    let error: unknown;
    try {
      loadClusterConfig(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `${path}: agents[1].count: expected a whole number >= 1, got "two"`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Marathon and Chronos fixtures on a cluster

/** Sends one line to a TCP echo server and resolves with what comes back. */
function echo(host: string, port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(`${line}\n`));
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`${host}:${port} did not answer`)));
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('\n')) {
        socket.end();
        resolve(data);
      }
    });
    socket.once('error', reject);
  });
}

/** Every app of a group definition with the dependencies it has, its own and its groups'. */
function appsOf(
  group: GroupDefinition,
  inherited: string[] = [],
): Array<{ app: MarathonAppDefinition; after: string[] }> {
  const deps = [...inherited, ...(group.dependencies ?? [])];
  return [
    ...(group.apps ?? []).map((app) => ({ app, after: [...deps, ...(app.dependencies ?? [])] })),
    ...(group.groups ?? []).flatMap((g) => appsOf(g, deps)),
  ];
}

/** When a task became ready: healthy when its app has health checks, else running; never: Infinity. */
function readyTime(task: TaskWithHealth, hasHealthChecks: boolean): number {
  const ready = hasHealthChecks
    ? task.healthCheckResults.map((r) => r.firstSuccess).find((s) => s)
    : task.startedAt;
  return ready ? Date.parse(ready) : Infinity;
}

/**
 * Dependency order as Marathon keeps it: the dependent's first task is staged only once the
 * dependency's step is done, so every dependency task present then was already ready. (A task of
 * the dependency replaced after its step, say after a crash, may be ready later: it was not present.)
 */
function checkStartedAfter(dependent: MarathonApp, dependency: MarathonApp): void {
  const firstStaged = Math.min(...dependent.tasks!.map((t) => Date.parse(t.stagedAt!)));
  const present = dependency.tasks!.filter((t) => Date.parse(t.stagedAt!) < firstStaged);
  if (dependency.lastTaskFailure === undefined) {
    const seen = dependency.tasks!.map((t) => `${t.id} staged ${t.stagedAt}`).join(', ');
    expect(
      present.length,
      `${dependency.id} had tasks before ${dependent.id} started at ${new Date(firstStaged).toISOString()}: ${seen}`,
    ).toBeGreaterThan(0);
  }
  const checked = (dependency.healthChecks ?? []).length > 0;
  for (const task of present) {
    const ready = readyTime(task as unknown as TaskWithHealth, checked);
    expect(ready, `${task.id} was ready before ${dependent.id} started`).toBeLessThanOrEqual(firstStaged);
  }
}

describe.skipIf(unavailable !== null)('fixtures on a real cluster', () => {
  let cluster: SandboxCluster;
  /** Agent id to its `rack` attribute. */
  const rackOf = new Map<string, string>();

  beforeAll(async () => {
    cluster = await startCluster({
      name: `fixtures-${process.pid}`,
      driver: 'process',
      config: join(CLUSTERS, 'two-racks.yaml'),
      // The racks of two-racks.yaml, without its HA: one ZooKeeper and master boot faster.
      zookeepers: 1,
      masters: 1,
      // Chronos too, retrying a failed run after 1 s rather than 60 s.
      spec: { chronos: { enabled: true, flags: { failure_retry: '1000' } } },
      stateRoot,
    });
    for (const agent of await cluster.mesos.agents()) rackOf.set(agent.id, String(agent.attributes.rack));
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(stateRoot, { recursive: true, force: true });
  }, 120_000);

  /** What each app shows, checked once its instances run; every app also gets the generic check. */
  const APP_CHECKS: Record<string, (app: MarathonApp) => Promise<void>> = {
    'http-server.json': async (app) => {
      for (const task of app.tasks!) {
        const res = await httpGet(`http://${task.host}:${task.ports[0]}/`, 5000);
        expect(res.status, `${task.id} on ${task.host}:${task.ports[0]}`).toBe(200);
      }
    },
    'tcp-echo.json': async (app) => {
      for (const task of app.tasks!) expect(await echo(task.host, task.ports[0]!, 'ping')).toBe('ping\n');
    },
    'rack-spread.json': async (app) => {
      const agents = app.tasks!.map((t) => t.slaveId);
      expect(new Set(agents).size).toBe(agents.length); // hostname UNIQUE
      const racks = agents.map((a) => rackOf.get(a)).sort();
      expect(racks).toEqual(['a', 'a', 'b', 'b']); // rack GROUP_BY 2
    },
    'rack-a-only.json': async (app) => {
      expect(app.tasks!.map((t) => rackOf.get(t.slaveId))).toEqual(['a', 'a']);
    },
    'env-labels-fetch.json': async (app) => {
      // The command exits unless the fetched file and the variable are there.
      expect(app.lastTaskFailure).toBeUndefined();
      expect(app.labels).toEqual({ team: 'examples', tier: 'demo' });
    },
    'rolling-upgrade.json': async (app) => {
      const update = await cluster.marathon.updateApp(app.id, { env: { RELEASE: '2' } });
      await expect(cluster).toHaveDeployed(app.id, { version: update.version, ...WAIT });
      await expect(cluster).toBeRunningApp(app.id, { instances: 3, healthy: true, ...WAIT });
    },
    'docker-http.json': async (app) => {
      const task = app.tasks![0]!;
      const res = await httpGet(`http://${task.host}:${task.ports[0]}/`, 5000);
      expect([res.status, res.body]).toEqual([200, 'ok\n']);
    },
  };

  describe('marathon/apps', () => {
    for (const file of appFiles) {
      const definition = appsByFile.get(file)!;
      const image = imageOf(definition);
      const skip = image !== undefined && missingImages.has(image);
      it.skipIf(skip)(
        `${file} runs its instances${definition.healthChecks?.length ? ', healthy' : ''}`,
        async () => {
          await cluster.marathon.createApp(definition);
          await expect(cluster).toBeRunningApp(definition.id, {
            instances: definition.instances ?? 1,
            healthy: (definition.healthChecks ?? []).length > 0,
            ...WAIT,
          });
          await APP_CHECKS[file]?.(await cluster.marathon.getApp(definition.id));
        },
      );
    }
  });

  describe('marathon/groups', () => {
    for (const file of jsonFiles(GROUPS)) {
      it(`${file} deploys every app, dependencies first`, async () => {
        const group = readJson<GroupDefinition>(join(GROUPS, file));
        const apps = appsOf(group);
        const { deploymentId } = await cluster.marathon.createGroup(group);
        await cluster.marathon.waitForDeployment(deploymentId, WAIT);
        for (const { app } of apps) {
          await expect(cluster).toHaveDeployed(app.id, WAIT);
          await expect(cluster).toBeRunningApp(app.id, {
            instances: app.instances ?? 1,
            healthy: (app.healthChecks ?? []).length > 0,
          });
        }
        const running = new Map<string, MarathonApp>();
        for (const { app } of apps) running.set(app.id, await cluster.marathon.getApp(app.id));
        for (const { app, after } of apps) {
          const dependencies = apps.filter(({ app: d }) =>
            after.some((p) => d.id === p || d.id.startsWith(`${p}/`)),
          );
          for (const { app: dependency } of dependencies) {
            checkStartedAfter(running.get(app.id)!, running.get(dependency.id)!);
          }
        }
      });
    }

    it('workers.json scales as a whole with scaleBy', async () => {
      const apps = appsOf(readJson<GroupDefinition>(join(GROUPS, 'workers.json')));
      const { deploymentId } = await cluster.marathon.updateGroup('/workers', { scaleBy: 2 });
      await cluster.marathon.waitForDeployment(deploymentId, WAIT);
      for (const { app } of apps)
        await expect(cluster).toBeRunningApp(app.id, { instances: 2 * (app.instances ?? 1) });
    });
  });

  describe('chronos', () => {
    const chains = readdirSync(CHRONOS, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();

    for (const chain of chains) {
      it(`${chain}/: posted parents first, the children run after the parent is started`, async () => {
        const jobs = jsonFiles(join(CHRONOS, chain)).map((f) =>
          readJson<ChronosJobDefinition>(join(CHRONOS, chain, f)),
        );
        // The file order is the order to post in: a dependent job's parents must exist.
        for (const job of jobs) await cluster.chronos.createJob(job);
        const scheduled = jobs.filter((j) => !('parents' in j));
        expect(scheduled.length).toBeGreaterThan(0);
        for (const job of scheduled) await cluster.chronos.runJob(job.name);
        for (const job of jobs) await expect(cluster).toHaveJobSucceeded(job.name, WAIT);

        const seen = new Map((await cluster.chronos.jobs()).map((j) => [j.name, j]));
        for (const job of jobs) {
          // Once each: the scheduled parent only when started, a fan-in only once all its parents ran.
          expect(seen.get(job.name), job.name).toMatchObject({ successCount: 1, errorCount: 0 });
          for (const parent of 'parents' in job ? job.parents : []) {
            expect(
              Date.parse(seen.get(job.name)!.lastSuccess),
              `${job.name} after ${parent}`,
            ).toBeGreaterThanOrEqual(Date.parse(seen.get(parent)!.lastSuccess));
          }
        }
      });
    }

    it('retry/: backup-upload failed its first attempt and succeeded on the retry', async () => {
      const stat = await getJson<{ taskStatHistory: Array<{ status: string }> }>(
        `${cluster.chronos.url}/v1/scheduler/job/stat/backup-upload`,
      );
      // Newest first.
      expect(stat.taskStatHistory.map((r) => r.status)).toEqual(['Success', 'Fail']);
    });
  });
});
