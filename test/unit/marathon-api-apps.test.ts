// The /v2/apps resource of the REST layer, over real HTTP against the in-memory fake service.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FakeMarathonService,
  T0,
  iso,
  makeApp,
  makeInstance,
  makeRoot,
  startApi,
  type RunningApi,
} from './fixtures/fake-marathon-service.js';

let service: FakeMarathonService;
let api: RunningApi;

beforeEach(async () => {
  service = new FakeMarathonService();
  api = await startApi(service);
});

afterEach(async () => {
  await api.close();
});

const NOW = T0 + 60_000;

describe('POST /v2/apps', () => {
  it('creates the app: 201, Location, deployment header and the AppInfo as posted', async () => {
    service.clock = NOW;
    const res = await api.call('POST', '/v2/apps', { body: { id: 'test-app', cmd: 'sleep 100' } });
    expect(res.status).toBe(201);
    const plan = service.deployCalls[0]!.plan;
    expect(res.headers['marathon-deployment-id']).toBe(plan.id);
    expect(res.headers.location).toBe(`http://127.0.0.1:${api.port}/test-app`);
    expect(res.json).toMatchObject({
      id: '/test-app',
      cmd: 'sleep 100',
      version: iso(NOW),
      // The answer echoes the posted port 0; the stored app has the assigned service port.
      portDefinitions: [{ port: 0, protocol: 'tcp', name: 'default' }],
      tasksStaged: 0,
      tasksRunning: 0,
      tasksHealthy: 0,
      tasksUnhealthy: 0,
      deployments: [{ id: plan.id }],
    });
    expect(res.json.tasks).toBeUndefined();
    const stored = service.deployCalls[0]!.target.apps['/test-app']!;
    expect(stored.portDefinitions).toEqual([{ port: 10000, protocol: 'tcp', name: 'default' }]);
    expect(stored.versionInfo).toEqual({ lastScalingAt: iso(NOW), lastConfigChangeAt: iso(NOW) });
    expect(service.deployCalls[0]!.target.version).toBe(iso(NOW));
    expect(service.deployCalls[0]!.force).toBe(false);
  });

  it('assigns service ports no other app uses', async () => {
    service.setRoot(
      makeRoot([
        makeApp('/a', { portDefinitions: [{ port: 10000, protocol: 'tcp' }] }),
        makeApp('/b', { portDefinitions: [{ port: 10001, protocol: 'tcp' }] }),
      ]),
    );
    const res = await api.call('POST', '/v2/apps', {
      body: { id: '/c', cmd: 'sleep 1', portDefinitions: [{ port: 0 }, { port: 0 }] },
    });
    expect(res.status).toBe(201);
    expect(service.deployCalls[0]!.target.apps['/c']!.portDefinitions!.map((p) => p.port)).toEqual([
      10002, 10003,
    ]);
  });

  it('publishes api_post_event with the client address, the URI and the app', async () => {
    await api.call('POST', '/v2/apps', { body: { id: '/x', cmd: 'sleep 1' } });
    const event = service.published.find((e) => e.eventType === 'api_post_event');
    expect(event).toMatchObject({ clientIp: '127.0.0.1', uri: '/v2/apps', appDefinition: { id: '/x' } });
  });

  it('refuses an id that exists: 409', async () => {
    service.setRoot(makeRoot([makeApp('/x')]));
    const res = await api.call('POST', '/v2/apps', { body: { id: '/x', cmd: 'sleep 1' } });
    expect(res.status).toBe(409);
    expect(res.json).toEqual({ message: 'An app with id [/x] already exists.' });
    expect(service.deployCalls).toHaveLength(0);
  });

  it('answers malformed, empty and mistyped bodies as Marathon does', async () => {
    const malformed = await api.call('POST', '/v2/apps', { rawBody: '{"id": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toBe('Invalid JSON');
    expect(typeof malformed.json.details).toBe('string');

    const empty = await api.call('POST', '/v2/apps', {
      rawBody: '',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(empty.status).toBe(400);
    expect(empty.json.message).toBe('Please specify data in JSON format');

    const mistyped = await api.call('POST', '/v2/apps', { body: { id: '/x', cmd: 'a', cpus: 'lots' } });
    expect(mistyped.status).toBe(422);
    expect(mistyped.json).toEqual({
      message: 'Invalid JSON',
      details: [{ path: '/cpus', errors: ['error.expected.jsnumber'] }],
    });

    const invalid = await api.call('POST', '/v2/apps', { body: { id: '/x', cmd: 'a', args: ['b'] } });
    expect(invalid.status).toBe(422);
    expect(invalid.json.message).toBe('Object is not valid');
    expect(invalid.json.details[0].path).toBe('/');
  });

  it('rejects bodies that are not JSON by Content-Type (415)', async () => {
    const res = await api.call('POST', '/v2/apps', {
      rawBody: 'id=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.json).toEqual({ message: 'Unsupported Media Type' });
  });

  it('answers 409 with the blocking deployments when the app is locked', async () => {
    service.lockedBy = ['d-1'];
    const res = await api.call('POST', '/v2/apps', { body: { id: '/x', cmd: 'sleep 1' } });
    expect(res.status).toBe(409);
    expect(res.json.deployments).toEqual([{ id: 'd-1' }]);
    expect(res.json.message).toMatch(/^App is locked by one or more deployments/);
    const forced = await api.call('POST', '/v2/apps?force=true', { body: { id: '/x', cmd: 'sleep 1' } });
    expect(forced.status).toBe(201);
  });
});

describe('GET /v2/apps', () => {
  beforeEach(() => {
    const web = makeApp('/prod/web', {
      cmd: 'python -m http.server',
      labels: { tier: 'frontend', env: 'prod' },
    });
    const db = makeApp('/prod/db', { cmd: 'postgres', labels: { tier: 'backend', env: 'prod' } });
    const job = makeApp('/dev/job', { cmd: 'Sleep 5', labels: { env: 'dev' } });
    service.setRoot(makeRoot([web, db, job]));
    service.instanceList = [
      makeInstance(web),
      makeInstance(web, { state: 'TASK_STAGING', startedAt: null }),
      makeInstance(db, {
        healthResults: [
          {
            index: 0,
            alive: false,
            consecutiveFailures: 2,
            firstSuccess: null,
            lastSuccess: null,
            lastFailure: iso(T0),
            lastFailureCause: 'boom',
          },
        ],
      }),
    ];
  });

  it('lists every app with counts and deployments', async () => {
    service.running.push({
      plan: {
        id: 'd-9',
        version: iso(T0),
        original: makeRoot([]),
        target: makeRoot([]),
        steps: [{ actions: [{ action: 'RestartApplication', app: '/prod/web' }] }],
      },
      currentStep: 1,
      currentActions: [],
    });
    const res = await api.call('GET', '/v2/apps');
    expect(res.status).toBe(200);
    expect(res.json.apps.map((a: { id: string }) => a.id)).toEqual(['/dev/job', '/prod/db', '/prod/web']);
    const web = res.json.apps[2];
    expect(web).toMatchObject({ tasksRunning: 1, tasksStaged: 1, tasksHealthy: 0, tasksUnhealthy: 0 });
    expect(web.deployments).toEqual([{ id: 'd-9' }]);
    expect(web.tasks).toBeUndefined();
    expect(res.json.apps[1]).toMatchObject({ tasksRunning: 1, tasksUnhealthy: 1, deployments: [] });
  });

  it('filters by cmd and id substrings, case-insensitively, and by label selectors', async () => {
    const ids = async (query: string): Promise<string[]> =>
      (await api.call('GET', `/v2/apps?${query}`)).json.apps.map((a: { id: string }) => a.id);
    expect(await ids('cmd=sleep')).toEqual(['/dev/job']);
    expect(await ids('id=PROD')).toEqual(['/prod/db', '/prod/web']);
    expect(await ids('label=tier')).toEqual(['/prod/db', '/prod/web']);
    expect(await ids(`label=${encodeURIComponent('env==prod,tier!=backend')}`)).toEqual(['/prod/web']);
    expect(await ids(`label=${encodeURIComponent('env in (dev, qa)')}`)).toEqual(['/dev/job']);
    expect(await ids(`label=${encodeURIComponent('tier notin (frontend)')}`)).toEqual(['/prod/db']);
    const bad = await api.call('GET', `/v2/apps?label=${encodeURIComponent('a in (b')}`);
    expect(bad.status).toBe(422);
    expect(bad.json.message).toMatch(/^Can not parse label selector a in \(b\. Reason: /);
  });

  it('embeds tasks, with any of the accepted prefixes', async () => {
    for (const embed of ['apps.tasks', 'app.tasks', 'tasks']) {
      const res = await api.call('GET', `/v2/apps?embed=${embed}&embed=apps.lastTaskFailure`);
      const web = res.json.apps[2];
      expect(web.tasks).toHaveLength(2);
      expect(web.tasks[0]).toMatchObject({
        appId: '/prod/web',
        state: 'TASK_RUNNING',
        servicePorts: [10000],
      });
    }
  });

  it('embeds task stats on request', async () => {
    service.clock = T0 + 12_000;
    const res = await api.call('GET', '/v2/apps?embed=apps.taskStats');
    const web = res.json.apps[2];
    expect(web.taskStats.totalSummary.stats.counts).toEqual({
      staged: 1,
      running: 1,
      healthy: 0,
      unhealthy: 0,
    });
    expect(web.taskStats.totalSummary.stats.lifeTime).toEqual({ averageSeconds: 10, medianSeconds: 10 });
    expect(web.taskStats.withLatestConfig).toBeDefined();
    expect(web.taskStats.withOutdatedConfig).toBeUndefined();
  });
});

describe('GET /v2/apps/{id}', () => {
  it('wraps the app and always embeds counts, tasks, last failure and deployments', async () => {
    const app = makeApp('/prod/web');
    service.setRoot(makeRoot([app]));
    const instance = makeInstance(app);
    service.instanceList = [instance];
    service.failures.set('/prod/web', {
      appId: '/prod/web',
      host: 'agent1',
      message: 'Command exited with status 1',
      state: 'TASK_FAILED',
      taskId: 'prod_web.instance-x._app.1',
      instanceId: 'prod_web.instance-x',
      slaveId: 'agent-S0',
      timestamp: iso(T0),
      version: iso(T0),
    });
    const res = await api.call('GET', '/v2/apps/prod/web');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['app']);
    expect(res.json.app).toMatchObject({
      id: '/prod/web',
      tasksRunning: 1,
      deployments: [],
      lastTaskFailure: { state: 'TASK_FAILED', message: 'Command exited with status 1' },
    });
    expect(res.json.app.tasks).toEqual([
      {
        id: instance.taskId,
        appId: '/prod/web',
        host: 'agent1.example.com',
        ports: [31000],
        servicePorts: [10000],
        slaveId: 'agent-S0',
        state: 'TASK_RUNNING',
        ipAddresses: [{ ipAddress: '10.0.0.5', protocol: 'IPv4' }],
        localVolumes: [],
        healthCheckResults: [],
        stagedAt: instance.stagedAt,
        startedAt: instance.startedAt,
        version: app.version,
        role: '*',
      },
    ]);
  });

  it('answers 404 for an unknown app', async () => {
    const res = await api.call('GET', '/v2/apps/nope');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: "App '/nope' does not exist" });
  });

  it('lists the apps of a group for <group>/*', async () => {
    service.setRoot(makeRoot([makeApp('/prod/web'), makeApp('/prod/db/main'), makeApp('/dev/x')]));
    const res = await api.call('GET', '/v2/apps/prod/*');
    expect(res.status).toBe(200);
    expect(res.json['*'].map((a: { id: string }) => a.id).sort()).toEqual(['/prod/db/main', '/prod/web']);
    expect((await api.call('GET', '/v2/apps/*')).json['*']).toHaveLength(3);
    const missing = await api.call('GET', '/v2/apps/qa/*');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: "Group '/qa' does not exist" });
  });
});

describe('PUT and PATCH /v2/apps/{id}', () => {
  beforeEach(() => {
    service.setRoot(makeRoot([makeApp('/web', { instances: 2 })]));
    service.clock = NOW;
  });

  it('scales with a partial update: only version and lastScalingAt move', async () => {
    const res = await api.call('PUT', '/v2/apps/web', { body: { instances: 5 } });
    expect(res.status).toBe(200);
    const { plan, target } = service.deployCalls[0]!;
    expect(res.json).toEqual({ deploymentId: plan.id, version: plan.version });
    expect(res.headers['marathon-deployment-id']).toBe(plan.id);
    expect(target.apps['/web']).toMatchObject({
      instances: 5,
      cmd: 'sleep 1000',
      version: iso(NOW),
      versionInfo: { lastScalingAt: iso(NOW), lastConfigChangeAt: iso(T0) },
    });
    expect(plan.steps.map((s) => s.actions.map((a) => a.action))).toEqual([['ScaleApplication']]);
  });

  it('changes the config with a partial update and keeps the other fields', async () => {
    await api.call('PUT', '/v2/apps/web?force=True', { body: { cmd: 'sleep 5', id: '/ignored' } });
    const { target, force } = service.deployCalls[0]!;
    expect(force).toBe(true);
    expect(target.apps['/ignored']).toBeUndefined();
    expect(target.apps['/web']).toMatchObject({
      cmd: 'sleep 5',
      instances: 2,
      versionInfo: { lastScalingAt: iso(NOW), lastConfigChangeAt: iso(NOW) },
    });
    const event = service.published.find((e) => e.eventType === 'api_post_event');
    expect(event).toMatchObject({ uri: '/v2/apps/web', appDefinition: { id: '/web', cmd: 'sleep 5' } });
  });

  it('replaces the whole definition with partialUpdate=false', async () => {
    await api.call('PUT', '/v2/apps/web?partialUpdate=false', { body: { cmd: 'sleep 7' } });
    expect(service.deployCalls[0]!.target.apps['/web']!.instances).toBe(1);
  });

  it('creates a missing app: 201 with Location and the URL id', async () => {
    const res = await api.call('PUT', '//v2/apps//new/app', { body: { id: 'other', cmd: 'sleep 1' } });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`http://127.0.0.1:${api.port}/new/app`);
    expect(res.json.deploymentId).toBe(service.deployCalls[0]!.plan.id);
    expect(Object.keys(service.deployCalls[0]!.target.apps).sort()).toEqual(['/new/app', '/web']);
    expect(service.deployCalls[0]!.target.groups['/new']).toMatchObject({ id: '/new', version: iso(NOW) });
  });

  it('rolls back to a stored version, 404 for an unknown one', async () => {
    const old = service.current.apps['/web']!;
    service.setRoot(makeRoot([makeApp('/web', { cmd: 'new', version: iso(T0 + 1000) })], iso(T0 + 1000)));
    const res = await api.call('PUT', '/v2/apps/web', { body: { version: old.version } });
    expect(res.status).toBe(200);
    expect(service.deployCalls[0]!.target.apps['/web']).toMatchObject({
      cmd: 'sleep 1000',
      version: iso(NOW),
    });
    const unknown = await api.call('PUT', '/v2/apps/web', { body: { version: iso(T0 + 5) } });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: "App '/web' does not exist" });
    const mixed = await api.call('PUT', '/v2/apps/web', { body: { version: old.version, cmd: 'x' } });
    expect(mixed.status).toBe(422);
  });

  it('PATCH updates but never creates', async () => {
    expect((await api.call('PATCH', '/v2/apps/web', { body: { mem: 64 } })).status).toBe(200);
    expect(service.deployCalls[0]!.target.apps['/web']!.mem).toBe(64);
    const missing = await api.call('PATCH', '/v2/apps/nope', { body: { mem: 64 } });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: "App '/nope' does not exist" });
  });

  it('validates the result: 422 with details', async () => {
    const res = await api.call('PUT', '/v2/apps/web', { body: { cpus: -1 } });
    expect(res.status).toBe(422);
    expect(res.json.details[0].path).toBe('/cpus');
    expect(service.deployCalls).toHaveLength(0);
  });
});

describe('PUT and PATCH /v2/apps (several apps)', () => {
  it('updates and creates in one deployment', async () => {
    service.setRoot(makeRoot([makeApp('/a')]));
    const res = await api.call('PUT', '/v2/apps', {
      body: [
        { id: '/a', instances: 3 },
        { id: 'b', cmd: 'sleep 2' },
      ],
    });
    expect(res.status).toBe(200);
    expect(service.deployCalls).toHaveLength(1);
    const { target, plan } = service.deployCalls[0]!;
    expect(res.json).toEqual({ deploymentId: plan.id, version: plan.version });
    expect(target.apps['/a']!.instances).toBe(3);
    expect(target.apps['/b']!.cmd).toBe('sleep 2');
  });

  it('needs an id per app, a JSON array, and existing apps for PATCH', async () => {
    const noId = await api.call('PUT', '/v2/apps', { body: [{ cmd: 'x' }] });
    expect(noId.status).toBe(422);
    expect(noId.json).toEqual({ message: 'requirement failed: App Update must have app id set' });
    const notArray = await api.call('PUT', '/v2/apps', { body: { id: '/a' } });
    expect(notArray.status).toBe(422);
    const missing = await api.call('PATCH', '/v2/apps', { body: [{ id: '/zzz', cmd: 'x' }] });
    expect(missing.status).toBe(404);
  });
});

describe('DELETE /v2/apps/{id} and restart', () => {
  beforeEach(() => {
    service.setRoot(makeRoot([makeApp('/g/web')]));
    service.clock = NOW;
  });

  it('deletes with force by default', async () => {
    const res = await api.call('DELETE', '/v2/apps/g/web');
    expect(res.status).toBe(200);
    const { target, force, plan } = service.deployCalls[0]!;
    expect(force).toBe(true);
    expect(res.json).toEqual({ deploymentId: plan.id, version: iso(NOW) });
    expect(target.apps).toEqual({});
    expect(target.groups['/g']).toBeDefined();
    expect(plan.steps[0]!.actions).toEqual([{ action: 'StopApplication', app: '/g/web' }]);
  });

  it('honours force=false and answers 404 for unknown apps', async () => {
    await api.call('DELETE', '/v2/apps/g/web?force=false');
    expect(service.deployCalls[0]!.force).toBe(false);
    const res = await api.call('DELETE', '/v2/apps/g/nope');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: "App '/g/nope' does not exist" });
  });

  it('restarts: a new config version of the same definition', async () => {
    const res = await api.call('POST', '/v2/apps/g/web/restart');
    expect(res.status).toBe(200);
    const { target, plan } = service.deployCalls[0]!;
    expect(res.json.deploymentId).toBe(plan.id);
    expect(target.apps['/g/web']).toMatchObject({
      version: iso(NOW),
      versionInfo: { lastScalingAt: iso(T0), lastConfigChangeAt: iso(NOW) },
    });
    expect((await api.call('POST', '/v2/apps/g/nope/restart')).status).toBe(404);
  });

  it('answers 405 for a method a route does not have', async () => {
    const res = await api.call('GET', '/v2/apps/g/web/restart');
    expect(res.status).toBe(405);
    expect(res.json).toEqual({ message: 'Method Not Allowed' });
    expect(res.headers.allow).toBe('POST');
  });
});

describe('versions', () => {
  it('lists versions and shows one as a plain definition', async () => {
    const v1 = makeApp('/web', { cmd: 'one' });
    const v2 = makeApp('/web', { cmd: 'two', version: iso(T0 + 1000) });
    service.setRoot(makeRoot([v1]));
    service.setRoot(makeRoot([v2], iso(T0 + 1000)));
    const list = await api.call('GET', '/v2/apps/web/versions');
    expect(list.json).toEqual({ versions: [iso(T0 + 1000), iso(T0)] });
    const one = await api.call('GET', `/v2/apps/web/versions/${iso(T0)}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: '/web', cmd: 'one' });
    expect(one.json.tasksRunning).toBeUndefined();
    const unknown = await api.call('GET', `/v2/apps/web/versions/${iso(T0 + 5)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: `App '/web' does not exist in version ${iso(T0 + 5)}` });
    expect((await api.call('GET', '/v2/apps/nope/versions')).status).toBe(404);
  });
});
