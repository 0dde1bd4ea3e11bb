// The /v2/groups resource of the REST layer, over real HTTP against the in-memory fake service.
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
const NOW = T0 + 60_000;

beforeEach(async () => {
  service = new FakeMarathonService();
  api = await startApi(service);
});

afterEach(async () => {
  await api.close();
});

describe('GET /v2/groups', () => {
  beforeEach(() => {
    const root = makeRoot([makeApp('/prod/web'), makeApp('/prod/db/main'), makeApp('/top')]);
    root.groups['/prod']!.dependencies = ['/infra'];
    service.setRoot(root);
    service.instanceList = [makeInstance(root.apps['/prod/web']!)];
  });

  it('nests the flat root: apps and groups by default, plain definitions', async () => {
    const res = await api.call('GET', '/v2/groups');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: '/', pods: [], dependencies: [], version: iso(T0) });
    expect(res.json.apps.map((a: { id: string }) => a.id)).toEqual(['/top']);
    const prod = res.json.groups[0];
    expect(prod).toMatchObject({ id: '/prod', dependencies: ['/infra'], pods: [] });
    expect(prod.apps.map((a: { id: string }) => a.id)).toEqual(['/prod/web']);
    expect(prod.groups[0]).toMatchObject({ id: '/prod/db', apps: [{ id: '/prod/db/main' }], groups: [] });
    expect(prod.apps[0].tasksRunning).toBeUndefined();
    expect(Object.keys(res.json).sort()).toEqual(['apps', 'dependencies', 'groups', 'id', 'pods', 'version']);
  });

  it('embeds only what is asked, app details under group.apps.*', async () => {
    const res = await api.call('GET', '/v2/groups/prod?embed=group.apps&embed=group.apps.counts');
    expect(res.json.groups).toEqual([]);
    expect(res.json.apps[0]).toMatchObject({ id: '/prod/web', tasksRunning: 1 });
    const noApps = await api.call('GET', '/v2/groups?embed=group.groups');
    expect(noApps.json.apps).toEqual([]);
    expect(noApps.json.groups[0].apps).toEqual([]);
  });

  it('answers one group, its apps, its versions and an old version', async () => {
    expect((await api.call('GET', '/v2/groups/prod/db')).json.id).toBe('/prod/db');
    const apps = await api.call('GET', '/v2/groups/prod/apps');
    expect(apps.json.map((a: { id: string }) => a.id)).toEqual(['/prod/db/main', '/prod/web']);
    service.setRoot(makeRoot([makeApp('/prod/web')], iso(T0 + 1000)));
    expect((await api.call('GET', '/v2/groups/prod/versions')).json).toEqual([iso(T0 + 1000), iso(T0)]);
    expect((await api.call('GET', '/v2/groups/versions')).json).toEqual([iso(T0 + 1000), iso(T0)]);
    const old = await api.call('GET', `/v2/groups/prod/versions/${iso(T0)}`);
    expect(old.json.groups[0].id).toBe('/prod/db');
    expect((await api.call('GET', `/v2/groups/prod/db/versions/${iso(T0 + 1000)}`)).status).toBe(404);
  });

  it('answers 404 for an unknown group', async () => {
    const res = await api.call('GET', '/v2/groups/nope');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: "Group '/nope' does not exist" });
    expect((await api.call('GET', '/v2/groups/nope/versions')).status).toBe(404);
  });
});

describe('POST /v2/groups', () => {
  beforeEach(() => {
    service.clock = NOW;
  });

  it('creates a group with apps: 201, Location, DeploymentResult', async () => {
    const res = await api.call('POST', '/v2/groups', {
      body: { id: 'prod', apps: [{ id: 'web', cmd: 'sleep 10' }], groups: [{ id: 'db', apps: [] }] },
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`http://127.0.0.1:${api.port}/prod`);
    const { target, plan } = service.deployCalls[0]!;
    expect(res.json).toEqual({ deploymentId: plan.id, version: iso(NOW) });
    expect(res.headers['marathon-deployment-id']).toBe(plan.id);
    expect(Object.keys(target.apps)).toEqual(['/prod/web']);
    expect(target.apps['/prod/web']!.portDefinitions![0]!.port).toBe(10000);
    expect(target.groups['/prod/db']).toBeDefined();
  });

  it('refuses an existing group or app id: 409', async () => {
    service.setRoot(makeRoot([makeApp('/prod/web')]));
    const group = await api.call('POST', '/v2/groups', { body: { id: '/prod' } });
    expect(group.status).toBe(409);
    expect(group.json).toEqual({ message: 'Group /prod is already created. Use PUT to change this group.' });
    const root = await api.call('POST', '/v2/groups', { body: {} });
    expect(root.json).toEqual({ message: 'Group / is already created. Use PUT to change this group.' });
    const app = await api.call('POST', '/v2/groups/prod', { body: { id: 'web' } });
    expect(app.json).toEqual({ message: 'An app with the path /prod/web already exists.' });
  });

  it('validates: apps must be children of their group', async () => {
    const res = await api.call('POST', '/v2/groups', {
      body: { id: '/g', apps: [{ id: '/elsewhere/x', cmd: 'sleep 1' }] },
    });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe('Object is not valid');
  });
});

describe('PUT /v2/groups/{id}', () => {
  beforeEach(() => {
    service.setRoot(
      makeRoot([makeApp('/prod/web', { instances: 2 }), makeApp('/prod/db', { instances: 3 })]),
    );
    service.clock = NOW;
  });

  it('updates: apps left out of the body are stopped', async () => {
    const res = await api.call('PUT', '/v2/groups/prod', {
      body: { apps: [{ id: 'web', cmd: 'sleep 10' }] },
    });
    expect(res.status).toBe(200);
    const { target, plan } = service.deployCalls[0]!;
    expect(res.json).toEqual({ deploymentId: plan.id, version: iso(NOW) });
    expect(Object.keys(target.apps)).toEqual(['/prod/web']);
    expect(plan.steps[0]!.actions).toEqual([{ action: 'StopApplication', app: '/prod/db' }]);
  });

  it('scales every app by scaleBy', async () => {
    await api.call('PUT', '/v2/groups/prod?force=true', { body: { scaleBy: 1.5 } });
    const { target, force } = service.deployCalls[0]!;
    expect(force).toBe(true);
    expect(target.apps['/prod/web']!.instances).toBe(3);
    expect(target.apps['/prod/db']!.instances).toBe(5);
  });

  it('rolls back to a stored version, 422 for one it never had', async () => {
    const before = service.current;
    service.setRoot(
      makeRoot([makeApp('/prod/web', { cmd: 'changed', version: iso(T0 + 1000) })], iso(T0 + 1000)),
    );
    const res = await api.call('PUT', '/v2/groups/prod', { body: { version: before.version } });
    expect(res.status).toBe(200);
    const { target } = service.deployCalls[0]!;
    expect(Object.keys(target.apps).sort()).toEqual(['/prod/db', '/prod/web']);
    expect(target.apps['/prod/web']!.cmd).toBe('sleep 1000');
    const unknown = await api.call('PUT', '/v2/groups/prod', { body: { version: iso(T0 + 5) } });
    expect(unknown.status).toBe(422);
    expect(unknown.json).toEqual({ message: `Group /prod not available in version ${iso(T0 + 5)}` });
  });

  it('plans without deploying for dryRun=true', async () => {
    const res = await api.call('PUT', '/v2/groups/prod?dryRun=true', { body: { scaleBy: 2 } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      steps: [
        {
          actions: [
            { action: 'ScaleApplication', app: '/prod/db' },
            { action: 'ScaleApplication', app: '/prod/web' },
          ],
        },
      ],
    });
    expect(service.deployCalls).toHaveLength(0);
  });

  it('refuses scaleBy next to other fields, and invalid group ids', async () => {
    const mixed = await api.call('PUT', '/v2/groups/prod', { body: { scaleBy: 2, apps: [] } });
    expect(mixed.status).toBe(422);
    const badId = await api.call('PUT', '/v2/groups/Bad_Group', { body: {} });
    expect(badId.status).toBe(422);
    expect(badId.json.details[0].path).toBe('/');
  });

  it('creates a group that does not exist yet', async () => {
    const res = await api.call('PUT', '/v2/groups/qa', { body: { apps: [{ id: 'x', cmd: 'sleep 1' }] } });
    expect(res.status).toBe(200);
    expect(service.deployCalls[0]!.target.apps['/qa/x']).toBeDefined();
  });
});

describe('DELETE /v2/groups', () => {
  beforeEach(() => {
    service.setRoot(makeRoot([makeApp('/prod/web'), makeApp('/top')]));
  });

  it('removes a group and everything in it; force defaults to false', async () => {
    const res = await api.call('DELETE', '/v2/groups/prod');
    expect(res.status).toBe(200);
    const { target, force, plan } = service.deployCalls[0]!;
    expect(res.json.deploymentId).toBe(plan.id);
    expect(force).toBe(false);
    expect(Object.keys(target.apps)).toEqual(['/top']);
    expect(target.groups['/prod']).toBeUndefined();
  });

  it('clears the root for DELETE /v2/groups', async () => {
    await api.call('DELETE', '/v2/groups?force=true');
    expect(service.deployCalls[0]!.target.apps).toEqual({});
    expect(Object.keys(service.deployCalls[0]!.target.groups)).toEqual(['/']);
  });

  it('answers 404 for an unknown group', async () => {
    const res = await api.call('DELETE', '/v2/groups/nope');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: "Group '/nope' does not exist" });
  });
});
