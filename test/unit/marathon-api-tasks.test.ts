// Tasks in the REST layer: /v2/tasks, /v2/tasks/delete and /v2/apps/{id}/tasks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppDefinition, Instance } from '../../src/marathon/model/types.js';
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
let web: AppDefinition;
let db: AppDefinition;
let running: Instance;
let staging: Instance;
let other: Instance;

beforeEach(async () => {
  service = new FakeMarathonService();
  web = makeApp('/prod/web', {
    instances: 2,
    portDefinitions: [
      { port: 10000, protocol: 'tcp' },
      { port: 10001, protocol: 'tcp' },
    ],
  });
  db = makeApp('/prod/db', { portDefinitions: [] });
  service.setRoot(makeRoot([web, db]));
  running = makeInstance(web);
  staging = makeInstance(web, { state: 'TASK_STAGING', startedAt: null, host: 'agent2.example.com' });
  other = makeInstance(db);
  service.instanceList = [running, staging, other];
  api = await startApi(service);
});

afterEach(async () => {
  await api.close();
});

describe('GET /v2/tasks', () => {
  it('lists every task with the service ports of its app', async () => {
    const res = await api.call('GET', '/v2/tasks');
    expect(res.status).toBe(200);
    expect(res.json.tasks.map((t: { id: string }) => t.id)).toEqual([
      running.taskId,
      staging.taskId,
      other.taskId,
    ]);
    expect(res.json.tasks[0]).toMatchObject({ ports: [31000, 31001], servicePorts: [10000, 10001] });
  });

  it('filters by status (and status[]), case-insensitively; unknown values filter nothing', async () => {
    const ids = async (query: string): Promise<string[]> =>
      (await api.call('GET', `/v2/tasks?${query}`)).json.tasks.map((t: { id: string }) => t.id);
    expect(await ids('status=running')).toEqual([running.taskId, other.taskId]);
    expect(await ids('status[]=STAGING')).toEqual([staging.taskId]);
    expect(await ids('status=running&status[]=staging')).toHaveLength(3);
    expect(await ids('status=bogus')).toHaveLength(3);
  });

  it('renders terminal tasks without ports, timestamps or version', async () => {
    service.instanceList = [{ ...running, state: 'TASK_FAILED' }];
    const [task] = (await api.call('GET', '/v2/tasks')).json.tasks;
    expect(task).toMatchObject({ state: 'TASK_FAILED', ports: [] });
    expect(task.stagedAt).toBeUndefined();
    expect(task.startedAt).toBeUndefined();
    expect(task.version).toBeUndefined();
  });

  it('gives the tab-separated endpoint list for Accept: text/plain', async () => {
    const res = await api.call('GET', '/v2/tasks', { headers: { Accept: 'text/plain' } });
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.text).toBe(
      'prod_db\t \tagent1.example.com\t\n' +
        'prod_web\t10000\tagent1.example.com:31000\t\n' +
        'prod_web\t10001\tagent1.example.com:31001\t\n',
    );
    // JSON wins when both are acceptable.
    const both = await api.call('GET', '/v2/tasks', { headers: { Accept: 'text/plain, application/json' } });
    expect(both.headers['content-type']).toBe('application/json');
  });
});

describe('POST /v2/tasks/delete', () => {
  it('kills the named tasks and answers them', async () => {
    const res = await api.call('POST', '/v2/tasks/delete', {
      body: {
        ids: [running.taskId, other.taskId, 'prod_web.instance-00000000-0000-4000-8000-999999999999._app.1'],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json.tasks.map((t: { id: string }) => t.id)).toEqual([running.taskId, other.taskId]);
    expect(service.killCalls).toEqual([
      { ids: [running.instanceId, other.instanceId], scale: false, wipe: false, force: false },
    ]);
  });

  it('kills and scales: a DeploymentResult', async () => {
    const res = await api.call('POST', '/v2/tasks/delete?scale=True', { body: { ids: [running.taskId] } });
    expect(res.status).toBe(200);
    const plan = service.deployCalls[0]!.plan;
    expect(res.json).toEqual({ deploymentId: plan.id, version: plan.version });
    expect(res.headers['marathon-deployment-id']).toBe(plan.id);
    expect(service.killCalls[0]).toMatchObject({ scale: true });
  });

  it('refuses unparseable ids, scale with wipe, and bodies without ids', async () => {
    const invalid = await api.call('POST', '/v2/tasks/delete', { body: { ids: ['nonsense'] } });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({
      message: "Invalid task id 'nonsense'. [nonsense (of class java.lang.String)]",
    });
    const both = await api.call('POST', '/v2/tasks/delete?scale=true&wipe=true', { body: { ids: [] } });
    expect(both.status).toBe(400);
    expect(both.json).toEqual({ message: 'You cannot use scale and wipe at the same time.' });
    const noIds = await api.call('POST', '/v2/tasks/delete', { body: {} });
    expect(noIds.status).toBe(422);
    expect(noIds.json.details).toEqual([{ path: '/ids', errors: ['error.path.missing'] }]);
    expect(service.killCalls).toHaveLength(0);
  });
});

describe('/v2/apps/{id}/tasks', () => {
  it('lists the tasks of one app, or of all apps in a group', async () => {
    const res = await api.call('GET', '/v2/apps/prod/web/tasks');
    expect(res.json.tasks.map((t: { id: string }) => t.id)).toEqual([running.taskId, staging.taskId]);
    const group = await api.call('GET', '/v2/apps/prod/*/tasks');
    expect(group.json.tasks).toHaveLength(3);
    expect((await api.call('GET', '/v2/apps/nope/tasks')).json).toEqual({
      message: "App '/nope' does not exist",
    });
    const text = await api.call('GET', '/v2/apps/prod/db/tasks', { headers: { Accept: 'text/plain' } });
    expect(text.text).toBe('prod_db\t \tagent1.example.com\t\n');
  });

  it('kills tasks, optionally only on one host', async () => {
    const res = await api.call('DELETE', '/v2/apps/prod/web/tasks?host=agent2.example.com');
    expect(res.status).toBe(200);
    expect(res.json.tasks.map((t: { id: string }) => t.id)).toEqual([staging.taskId]);
    expect(service.killCalls[0]).toEqual({
      ids: [staging.instanceId],
      scale: false,
      wipe: false,
      force: false,
    });
    await api.call('DELETE', '/v2/apps/prod/web/tasks?host=*&wipe=true');
    expect(service.killCalls[1]).toMatchObject({ ids: [running.instanceId, staging.instanceId], wipe: true });
  });

  it('kills and scales down: a DeploymentResult', async () => {
    const res = await api.call('DELETE', '/v2/apps/prod/web/tasks?scale=true&force=true');
    expect(res.status).toBe(200);
    expect(res.json.deploymentId).toBe(service.deployCalls[0]!.plan.id);
    expect(service.killCalls[0]).toMatchObject({ scale: true, force: true });
    expect(service.deployCalls[0]!.target.apps['/prod/web']!.instances).toBe(0);
  });

  it('refuses scale with wipe and unknown apps', async () => {
    expect((await api.call('DELETE', '/v2/apps/prod/web/tasks?scale=true&wipe=true')).status).toBe(400);
    expect((await api.call('DELETE', '/v2/apps/nope/tasks')).status).toBe(404);
  });

  it('kills one task by id: {"task": ...}, 404 when it is not the app\'s', async () => {
    const res = await api.call('DELETE', `/v2/apps/prod/web/tasks/${running.taskId}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ task: expect.objectContaining({ id: running.taskId, appId: '/prod/web' }) });
    const foreign = await api.call('DELETE', `/v2/apps/prod/web/tasks/${other.taskId}`);
    expect(foreign.status).toBe(404);
    expect(foreign.json).toEqual({ message: `Task '${other.taskId}' does not exist` });
    const scaled = await api.call('DELETE', `/v2/apps/prod/web/tasks/${running.taskId}?scale=true`);
    expect(scaled.json.deploymentId).toBe(service.deployCalls[0]!.plan.id);
  });

  it('renders health check results of a task', async () => {
    service.instanceList = [
      {
        ...running,
        healthResults: [
          {
            index: 0,
            alive: true,
            consecutiveFailures: 0,
            firstSuccess: iso(T0 + 3000),
            lastSuccess: iso(T0 + 9000),
            lastFailure: null,
            lastFailureCause: null,
          },
        ],
      },
    ];
    const res = await api.call('GET', '/v2/apps/prod/web');
    expect(res.json.app.tasksHealthy).toBe(1);
    expect(res.json.app.tasks[0].healthCheckResults).toEqual([
      {
        alive: true,
        consecutiveFailures: 0,
        firstSuccess: iso(T0 + 3000),
        lastSuccess: iso(T0 + 9000),
        lastFailure: null,
        lastFailureCause: null,
        instanceId: running.instanceId,
      },
    ]);
  });
});
