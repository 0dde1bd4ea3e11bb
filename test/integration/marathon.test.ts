// Marathon end to end: a real ZooKeeper, master, three agents and Marathon processes, driven only
// through Marathon's REST API and watched through its event stream.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isZooKeeperInstalled } from '../../src/zookeeper/server.js';
import { findExecutable } from '../../src/util/executables.js';
import { waitFor } from '../../src/util/wait.js';
import { api } from '../support/rest.js';
import {
  MarathonEventStream,
  startMarathonCluster,
  waitForApp,
  waitForNoDeployments,
  type AppJson,
  type MarathonTestCluster,
} from '../support/marathon-cluster.js';

const haveZk = isZooKeeperInstalled();
const python = findExecutable('python3');
if (!haveZk)
  console.warn('Skipping Marathon integration tests: ZooKeeper is not installed (run ./install.sh)');
if (!python) console.warn('Skipping the HTTP health-check tests: python3 is not installed');

const SLEEP = { cmd: 'sleep 3600', cpus: 0.01, mem: 16 };
/** A real HTTP service on the task's first port. */
const HTTP_SERVER = `${python ?? 'python3'} -m http.server $PORT0 --bind 0.0.0.0`;

describe.skipIf(!haveZk)('Marathon on a real cluster', () => {
  let cluster: MarathonTestCluster;
  let base: string;
  let events: MarathonEventStream;

  beforeAll(async () => {
    cluster = await startMarathonCluster();
    base = cluster.marathons[0]!.url;
    events = await MarathonEventStream.open(base);
  }, 60_000);

  afterEach(async () => {
    // Every test starts from an empty root group.
    await api(base, 'DELETE', '/v2/groups/?force=true');
    await waitFor(
      async () => (await api<{ tasks: unknown[] }>(base, 'GET', '/v2/tasks')).body.tasks.length === 0,
      {
        timeoutMs: 30_000,
        description: 'every task to be gone',
      },
    );
  });

  afterAll(async () => {
    events?.close();
    await cluster?.stop();
  });

  it('deploys an app: 201 with the AppInfo, tasks running on offers, events in order', async () => {
    const res = await api<AppJson>(base, 'POST', '/v2/apps', { id: 'web', ...SLEEP, instances: 2 });
    expect(res.status).toBe(201);
    // JAX-RS resolves Marathon's created('/web') against the base URI.
    expect(res.headers.get('location')).toBe(`${base}/web`);
    const deploymentId = res.headers.get('marathon-deployment-id');
    expect(deploymentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toMatchObject({
      id: '/web',
      instances: 2,
      tasksRunning: 0,
      deployments: [{ id: deploymentId }],
    });
    expect(res.body.portDefinitions).toEqual([
      { port: expect.any(Number), protocol: 'tcp', name: 'default' },
    ]);

    const app = await waitForApp(
      base,
      '/web',
      (a) => a.tasksRunning === 2 && a.deployments.length === 0,
      'web running',
    );
    expect(app.tasks).toHaveLength(2);
    for (const task of app.tasks) {
      expect(task.id).toMatch(/^web\.instance-[0-9a-f-]{36}\._app\.1$/);
      expect(task.state).toBe('TASK_RUNNING');
      expect(task.ports).toHaveLength(1);
    }
    await events.next('deployment_success', (d) => d.id === deploymentId);
    const types = events.events.map((e) => e.event);
    expect(types).toContain('group_change_success');
    expect(types).toContain('deployment_info');
    const running = events.of('status_update_event').filter((e) => e.data.appId === '/web');
    expect(running.map((e) => e.data.taskStatus)).toContain('TASK_RUNNING');
    // The Mesos master sees Marathon's tasks as a framework's tasks.
    const state = (await (await fetch(`${cluster.master.url}/master/state`)).json()) as {
      frameworks: Array<{ name: string; tasks: unknown[] }>;
    };
    expect(state.frameworks.find((f) => f.name === 'marathon')?.tasks).toHaveLength(2);
  });

  it('scales up and down with PUT {instances}, keeping the oldest tasks (YOUNGEST_FIRST)', async () => {
    await api(base, 'POST', '/v2/apps', { id: 'scaled', ...SLEEP, instances: 1 });
    const first = await waitForApp(base, '/scaled', (a) => a.tasksRunning === 1, 'one task');
    const up = await api(base, 'PUT', '/v2/apps/scaled', { instances: 4 });
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ deploymentId: expect.any(String), version: expect.any(String) });
    await waitForApp(
      base,
      '/scaled',
      (a) => a.tasksRunning === 4 && a.deployments.length === 0,
      'four tasks',
    );
    await api(base, 'PUT', '/v2/apps/scaled', { instances: 1 });
    const down = await waitForApp(
      base,
      '/scaled',
      (a) => a.tasks.length === 1 && a.deployments.length === 0,
      'scaled down to one',
    );
    expect(down.tasks[0]!.id).toBe(first.tasks[0]!.id);
    expect(
      (await api<{ versions: string[] }>(base, 'GET', '/v2/apps/scaled/versions')).body.versions,
    ).toHaveLength(3);
  });

  it('restarts an app: every task replaced by a new one', async () => {
    await api(base, 'POST', '/v2/apps', { id: 'restarted', ...SLEEP, instances: 2 });
    const before = await waitForApp(
      base,
      '/restarted',
      (a) => a.tasksRunning === 2 && a.deployments.length === 0,
      'up',
    );
    const res = await api(base, 'POST', '/v2/apps/restarted/restart');
    expect(res.status).toBe(200);
    const after = await waitForApp(
      base,
      '/restarted',
      (a) =>
        a.deployments.length === 0 && a.tasksRunning === 2 && a.tasks.every((t) => t.version === a.version),
      'restarted',
    );
    const oldIds = new Set(before.tasks.map((t) => t.id));
    expect(after.tasks.some((t) => oldIds.has(t.id))).toBe(false);
    expect(after.version > before.version).toBe(true);
  });

  it.skipIf(!python)(
    'rolls an upgrade one at a time with health checks, never below minimumHealthCapacity',
    async () => {
      const healthCheck = {
        protocol: 'HTTP',
        path: '/',
        portIndex: 0,
        gracePeriodSeconds: 10,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 3,
      };
      await api(base, 'POST', '/v2/apps', {
        id: 'rolling',
        cmd: HTTP_SERVER,
        cpus: 0.01,
        mem: 32,
        instances: 3,
        healthChecks: [healthCheck],
        upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0 },
      });
      await waitForApp(
        base,
        '/rolling',
        (a) => a.tasksHealthy === 3 && a.deployments.length === 0,
        'three healthy',
        60_000,
      );

      const update = await api(base, 'PUT', '/v2/apps/rolling', { env: { RELEASE: '2' } });
      expect(update.status).toBe(200);
      let minHealthy = Infinity;
      let maxTasks = 0;
      const done = await waitFor(
        async () => {
          const app = (await api<{ app: AppJson }>(base, 'GET', '/v2/apps/rolling')).body.app;
          minHealthy = Math.min(minHealthy, app.tasksHealthy);
          maxTasks = Math.max(maxTasks, app.tasks.length);
          return app.deployments.length === 0 &&
            app.tasksHealthy === 3 &&
            app.tasks.every((t) => t.version === app.version)
            ? app
            : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 20, description: 'the rolling upgrade to finish' },
      );
      // minimumHealthCapacity 1 with maximumOverCapacity 0: one extra instance at a time.
      expect(minHealthy).toBeGreaterThanOrEqual(3);
      expect(maxTasks).toBeLessThanOrEqual(4);
      expect(done.tasks.every((t) => t.healthCheckResults?.every((r) => r.alive))).toBe(true);
    },
  );

  it('kills and replaces an instance whose health check fails', async () => {
    // Nothing listens on the port, so a TCP check fails once the (short) grace period is over.
    const res = await api(base, 'POST', '/v2/apps', {
      id: 'sick',
      ...SLEEP,
      healthChecks: [
        {
          protocol: 'TCP',
          portIndex: 0,
          gracePeriodSeconds: 1,
          intervalSeconds: 1,
          timeoutSeconds: 1,
          maxConsecutiveFailures: 2,
        },
      ],
    });
    expect(res.status).toBe(201);
    const kill = await events.next('unhealthy_instance_kill_event', (d) => d.appId === '/sick', 30_000);
    expect(kill.data).toMatchObject({
      appId: '/sick',
      taskId: expect.stringMatching(/^sick\.instance-.*\._app\.1$/),
    });
    expect(events.of('failed_health_check_event').some((e) => e.data.appId === '/sick')).toBe(true);
    // The same instance comes back as its next incarnation.
    const app = await waitForApp(
      base,
      '/sick',
      (a) => a.tasks.some((t) => t.id.endsWith('._app.2')),
      'a replacement',
    );
    expect(app.lastTaskFailure).toBeDefined();
  });

  it('delays a crash-looping app with backoff, visible in /v2/queue, and records lastTaskFailure', async () => {
    await api(base, 'POST', '/v2/apps', {
      id: 'crashy',
      cmd: 'echo oops >&2; exit 3',
      cpus: 0.01,
      mem: 16,
      backoffSeconds: 30,
      backoffFactor: 2,
    });
    type Queue = {
      queue: Array<{
        app: { id: string };
        count: number;
        delay: { timeLeftSeconds: number; overdue: boolean };
      }>;
    };
    const entry = await waitFor(
      async () => {
        const q = (await api<Queue>(base, 'GET', '/v2/queue')).body.queue.find((e) => e.app.id === '/crashy');
        return q && q.delay.timeLeftSeconds > 0 ? q : undefined;
      },
      { timeoutMs: 20_000, description: 'the crashed instance to wait in the queue with a delay' },
    );
    expect(entry.count).toBe(1);
    expect(entry.delay.overdue).toBe(false);
    expect(entry.delay.timeLeftSeconds).toBeLessThanOrEqual(30);
    const app = (await api<{ app: AppJson }>(base, 'GET', '/v2/apps/crashy')).body.app;
    expect(app.lastTaskFailure).toMatchObject({ state: 'TASK_FAILED' });
    // Resetting the delay relaunches at once (the next incarnation of the same instance).
    expect((await api(base, 'DELETE', '/v2/queue/crashy/delay')).status).toBe(204);
    await events.next(
      'status_update_event',
      (d) => d.appId === '/crashy' && String(d.taskId).endsWith('._app.2'),
    );
  });

  it('reports a COMMAND health check run by the agent in healthCheckResults', async () => {
    await api(base, 'POST', '/v2/apps', {
      id: 'checked',
      ...SLEEP,
      healthChecks: [
        {
          protocol: 'COMMAND',
          command: { value: 'true' },
          gracePeriodSeconds: 5,
          intervalSeconds: 1,
          delaySeconds: 0,
        },
      ],
    });
    const app = await waitForApp(
      base,
      '/checked',
      (a) => a.tasksHealthy === 1,
      'the agent to report healthy',
    );
    expect(app.tasks[0]!.healthCheckResults).toEqual([
      expect.objectContaining({ alive: true, consecutiveFailures: 0 }),
    ]);
  });

  it('spreads instances with UNIQUE hostname and refuses more than there are hosts', async () => {
    await api(base, 'POST', '/v2/apps', {
      id: 'spread',
      ...SLEEP,
      instances: 3,
      constraints: [['hostname', 'UNIQUE']],
    });
    const app = await waitForApp(base, '/spread', (a) => a.tasksRunning === 3, 'three spread tasks');
    expect(new Set(app.tasks.map((t) => t.host)).size).toBe(3);
    await api(base, 'PUT', '/v2/apps/spread', { instances: 4 });
    const queue = await waitFor(
      async () => {
        const q = (
          await api<{
            queue: Array<{
              app: { id: string };
              count: number;
              processedOffersSummary: {
                rejectSummaryLastOffers: Array<{ reason: string; declined: number }>;
              };
            }>;
          }>(base, 'GET', '/v2/queue')
        ).body.queue;
        const entry = q.find((e) => e.app.id === '/spread');
        return entry &&
          entry.processedOffersSummary.rejectSummaryLastOffers.some(
            (r) => r.reason === 'UnfulfilledConstraint' && r.declined > 0,
          )
          ? entry
          : undefined;
      },
      { timeoutMs: 20_000, description: 'the fourth instance to wait on the constraint' },
    );
    expect(queue.count).toBe(1);
    expect((await api<{ app: AppJson }>(base, 'GET', '/v2/apps/spread')).body.app.tasksRunning).toBe(3);
  });

  it('GROUP_BY rack spreads six instances two per rack', async () => {
    await api(base, 'POST', '/v2/apps', {
      id: 'racks',
      ...SLEEP,
      instances: 6,
      constraints: [['rack', 'GROUP_BY', '3']],
    });
    const app = await waitForApp(base, '/racks', (a) => a.tasksRunning === 6, 'six tasks');
    const perHost = new Map<string, number>();
    for (const t of app.tasks) perHost.set(t.host, (perHost.get(t.host) ?? 0) + 1);
    expect([...perHost.values()].sort()).toEqual([2, 2, 2]);
  });

  it('kills a task: without scale it is replaced, with scale the app shrinks; wipe+scale is a 400', async () => {
    await api(base, 'POST', '/v2/apps', { id: 'killme', ...SLEEP, instances: 2 });
    const app = await waitForApp(
      base,
      '/killme',
      (a) => a.tasksRunning === 2 && a.deployments.length === 0,
      'two tasks',
    );
    const victim = app.tasks[0]!.id;
    const killed = await api<{ task: { id: string } }>(base, 'DELETE', `/v2/apps/killme/tasks/${victim}`);
    expect(killed.status).toBe(200);
    expect(killed.body.task.id).toBe(victim);
    await waitForApp(
      base,
      '/killme',
      (a) => a.tasksRunning === 2 && !a.tasks.some((t) => t.id === victim),
      'replaced',
    );

    const current = (await api<{ app: AppJson }>(base, 'GET', '/v2/apps/killme')).body.app;
    const scaled = await api(base, 'POST', '/v2/tasks/delete?scale=true', { ids: [current.tasks[0]!.id] });
    expect(scaled.status).toBe(200);
    expect(scaled.body).toHaveProperty('deploymentId');
    await waitForApp(
      base,
      '/killme',
      (a) => a.instances === 1 && a.tasks.length === 1 && a.deployments.length === 0,
      'one left',
    );

    const both = await api(base, 'DELETE', '/v2/apps/killme/tasks?scale=true&wipe=true');
    expect(both.status).toBe(400);
    expect(both.body).toEqual({ message: 'You cannot use scale and wipe at the same time.' });
  });

  it('deletes an app: its tasks are killed and app_terminated_event follows', async () => {
    await api(base, 'POST', '/v2/apps', { id: 'doomed', ...SLEEP, instances: 2 });
    await waitForApp(base, '/doomed', (a) => a.tasksRunning === 2, 'two tasks');
    const res = await api(base, 'DELETE', '/v2/apps/doomed');
    expect(res.status).toBe(200);
    expect((await api(base, 'GET', '/v2/apps/doomed')).status).toBe(404);
    await events.next('app_terminated_event', (d) => d.appId === '/doomed');
    const state = (await (await fetch(`${cluster.master.url}/master/tasks`)).json()) as {
      tasks: Array<{ id: string; state: string }>;
    };
    expect(state.tasks.filter((t) => t.id.startsWith('doomed.') && t.state === 'TASK_RUNNING')).toEqual([]);
  });

  it('answers bad input as Marathon does: 400, 404, 409 and 422 bodies', async () => {
    const invalidJson = await api(base, 'POST', '/v2/apps', '{"id": ');
    expect(invalidJson.status).toBe(400);
    expect(invalidJson.body).toMatchObject({ message: 'Invalid JSON' });

    type Details = { message: string; details: Array<{ path: string; errors: string[] }> };
    const invalid = await api<Details>(base, 'POST', '/v2/apps', { id: 'bad', cmd: 'sleep 1', args: ['y'] });
    expect(invalid.status).toBe(422);
    expect(invalid.body.message).toBe('Object is not valid');
    expect(invalid.body.details.length).toBeGreaterThan(0);
    // Marathon 1.10 checks ranges while reading the JSON: still a 422, with the field's path.
    const range = await api<Details>(base, 'POST', '/v2/apps', {
      id: 'bad',
      cmd: 'sleep 1',
      upgradeStrategy: { minimumHealthCapacity: 2 },
    });
    expect(range.status).toBe(422);
    expect(range.body.details.map((d) => d.path)).toContain('/upgradeStrategy/minimumHealthCapacity');

    expect((await api(base, 'GET', '/v2/apps/nope')).body).toEqual({ message: "App '/nope' does not exist" });
    expect((await api(base, 'GET', '/v2/apps/nope')).status).toBe(404);

    await api(base, 'POST', '/v2/apps', { id: 'locked', ...SLEEP, instances: 1, cpus: 100 });
    const dup = await api(base, 'POST', '/v2/apps', { id: 'locked', ...SLEEP });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ message: 'An app with id [/locked] already exists.' });
    // The deployment cannot finish (no agent has 100 cpus): a second change is locked out.
    const locked = await api<{ message: string; deployments: Array<{ id: string }> }>(
      base,
      'PUT',
      '/v2/apps/locked',
      {
        instances: 2,
      },
    );
    expect(locked.status).toBe(409);
    expect(locked.body.deployments).toHaveLength(1);
    // Cancelling it rolls back to the state before (no app).
    const cancel = await api(base, 'DELETE', `/v2/deployments/${locked.body.deployments[0]!.id}`);
    expect(cancel.status).toBe(200);
    await waitForNoDeployments(base);
    expect((await api(base, 'GET', '/v2/apps/locked')).status).toBe(404);
  });

  it('keeps every app and running task across a Marathon restart, with the same framework id', async () => {
    await api(base, 'POST', '/v2/apps', { id: 'durable', ...SLEEP, instances: 2 });
    const before = await waitForApp(
      base,
      '/durable',
      (a) => a.tasksRunning === 2 && a.deployments.length === 0,
      'up',
    );
    const frameworkId = (await api<{ frameworkId: string }>(base, 'GET', '/v2/info')).body.frameworkId;
    events.close();
    const old = cluster.marathons.pop()!;
    await old.stop();
    const fresh = await cluster.addMarathon({ port: new URL(old.url).port });
    base = fresh.url;
    await waitFor(
      async () =>
        (await api<{ frameworkId: string | null }>(base, 'GET', '/v2/info')).body.frameworkId === frameworkId,
      {
        description: 'the restarted Marathon to re-subscribe',
      },
    );
    const after = await waitForApp(base, '/durable', (a) => a.tasksRunning === 2, 'the same tasks');
    expect(after.tasks.map((t) => t.id).sort()).toEqual(before.tasks.map((t) => t.id).sort());
    expect(after.version).toBe(before.version);
    events = await MarathonEventStream.open(base);
  });
});

describe.skipIf(!haveZk)('Marathon HA: two instances', () => {
  let cluster: MarathonTestCluster;

  beforeAll(async () => {
    cluster = await startMarathonCluster({ agents: 1, prefix: 'marathon-ha' });
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('the standby proxies to the leader and takes over when the leader dies', async () => {
    const leader = cluster.marathons[0]!;
    const standby = await cluster.addMarathon();
    const leaderAddress = new URL(leader.url).host;
    const viaStandby = await api<{ leader: string }>(standby.url, 'GET', '/v2/leader');
    expect(viaStandby.body.leader).toBe(leaderAddress);
    const info = await api<{ elected: boolean }>(standby.url, 'GET', '/v2/info');
    expect(info.headers.get('x-marathon-leader')).toBe(`http://${leaderAddress}`);

    const created = await api(standby.url, 'POST', '/v2/apps', { id: 'ha', ...SLEEP, instances: 1 });
    expect(created.status).toBe(201);
    const before = await waitForApp(leader.url, '/ha', (a) => a.tasksRunning === 1, 'ha running');

    await leader.stop('SIGKILL');
    await waitFor(
      async () => (await api<{ elected: boolean }>(standby.url, 'GET', '/v2/info')).body.elected,
      {
        timeoutMs: 30_000,
        description: 'the standby to be elected',
      },
    );
    const after = await waitForApp(standby.url, '/ha', (a) => a.tasksRunning === 1, 'ha still running');
    expect(after.tasks[0]!.id).toBe(before.tasks[0]!.id);
    expect((await api<{ leader: string }>(standby.url, 'GET', '/v2/leader')).body.leader).toBe(
      new URL(standby.url).host,
    );
  });
});
