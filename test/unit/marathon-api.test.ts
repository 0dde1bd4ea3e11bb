// Marathon's REST layer as a whole: routing, headers, error mapping, readiness, and the small
// resources (/v2/info, /v2/leader, /ping, /metrics, /v2/deployments, /v2/queue).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderDeploymentPlanEvent } from '../../src/marathon/api/render.js';
import type { QueueEntry } from '../../src/marathon/service.js';
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
import { waitFor } from '../../src/util/wait.js';

let service: FakeMarathonService;
let api: RunningApi;

beforeEach(async () => {
  service = new FakeMarathonService();
  api = await startApi(service, { self: '10.0.0.1:8080' });
});

afterEach(async () => {
  await api.close();
});

describe('routing and headers', () => {
  it('marks every answer of the leader', async () => {
    const res = await api.call('GET', '/v2/apps');
    expect(res.headers['x-marathon-leader']).toBe('http://10.0.0.1:8080');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-xss-protection']).toBe('1; mode=block');
    expect(res.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
    expect(res.headers['content-type']).toBe('application/json');
  });

  it('answers unknown paths with 404 and the URI', async () => {
    const res = await api.call('GET', '/v2/nothing/here?x=1');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: 'URI not found: /v2/nothing/here' });
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const res = await api.call('POST', '/v2/info');
    expect(res.status).toBe(405);
    expect(res.json).toEqual({ message: 'Method Not Allowed' });
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('treats a trailing slash and double slashes as absent', async () => {
    expect((await api.call('GET', '/v2/apps/')).status).toBe(200);
    expect((await api.call('GET', '//v2//info')).status).toBe(200);
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await api.call('HEAD', '/v2/info');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('answers 503 while the leader is still loading, except for ping, info, leader and metrics', async () => {
    service.ready = false;
    const res = await api.call('GET', '/v2/apps');
    expect(res.status).toBe(503);
    expect(res.json.message).toMatch(/not ready/);
    expect((await api.call('GET', '/ping')).status).toBe(200);
    expect((await api.call('GET', '/v2/info')).status).toBe(200);
    expect((await api.call('GET', '/metrics')).status).toBe(200);
  });

  it('answers an unexpected failure with 500 and its message', async () => {
    service.deployments = () => {
      throw new Error('store unavailable');
    };
    const res = await api.call('GET', '/v2/deployments');
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ message: 'store unavailable' });
  });
});

describe('/v2/info, /v2/leader, /ping', () => {
  it('describes the instance with only the keys strict clients accept', async () => {
    const res = await api.call('GET', '/v2/info');
    expect(res.json).toEqual({
      name: 'marathon',
      version: '1.10.26',
      buildref: 'mesos-sandbox',
      elected: true,
      leader: '127.0.0.1:8080',
      frameworkId: 'framework-0001',
      marathon_config: service.infoView.marathonConfig,
      zookeeper_config: service.infoView.zookeeperConfig,
      http_config: { http_port: 8080, https_port: 8443 },
    });
  });

  it('names the leader, 404 when there is none', async () => {
    expect((await api.call('GET', '/v2/leader')).json).toEqual({ leader: '127.0.0.1:8080' });
    service.infoView = { ...service.infoView, leader: null };
    const none = await api.call('GET', '/v2/leader');
    expect(none.status).toBe(404);
    expect(none.json).toEqual({ message: 'There is no leader' });
  });

  it('abdicates after answering DELETE /v2/leader', async () => {
    const res = await api.call('DELETE', '/v2/leader');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ message: 'Leadership abdicated' });
    await waitFor(() => service.abdicated);
  });

  it('pongs in the representation asked for', async () => {
    const json = await api.call('GET', '/ping', { headers: { Accept: 'application/json' } });
    expect(json.headers['content-type']).toBe('application/json');
    expect(json.text).toBe('"pong"');
    const plain = await api.call('GET', '/ping');
    expect(plain.headers['content-type']).toBe('text/plain');
    expect(plain.text).toBe('pong');
    expect(
      (await api.call('GET', '/ping', { headers: { Accept: 'text/html' } })).headers['content-type'],
    ).toBe('text/html');
    const none = await api.call('GET', '/ping', { headers: { Accept: 'image/png' } });
    expect(none.status).toBe(204);
    expect(none.text).toBe('');
  });
});

describe('/metrics', () => {
  it('reports Dropwizard JSON with live gauges', async () => {
    const app = makeApp('/a');
    service.setRoot(makeRoot([app, makeApp('/g/b')]));
    service.instanceList = [makeInstance(app), makeInstance(app, { state: 'TASK_STAGING', startedAt: null })];
    service.clock = T0 + 5000;
    const res = await api.call('GET', '/metrics');
    expect(res.json).toMatchObject({ version: '4.0.0', histograms: {}, meters: {}, timers: {} });
    expect(res.json.gauges).toMatchObject({
      'marathon.apps.active.gauge': { value: 2 },
      'marathon.groups.active.gauge': { value: 2 },
      'marathon.instances.running.gauge': { value: 1 },
      'marathon.instances.staged.gauge': { value: 1 },
      'marathon.deployments.active.gauge': { value: 0 },
      'marathon.http.requests.active.gauge': { value: 1 },
      'marathon.uptime.gauge.seconds': { value: 5 },
    });
    expect(res.json.counters['marathon.http.responses.event-stream.size.counter.bytes']).toEqual({
      count: 0,
    });
  });

  it('reports the same in Prometheus text', async () => {
    const res = await api.call('GET', '/metrics/prometheus');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.text).toContain('# TYPE marathon_apps_active_gauge gauge\nmarathon_apps_active_gauge 0\n\n');
    expect(res.text).toContain('# TYPE marathon_http_responses_event_stream_size_counter_bytes counter\n');
  });
});

describe('/v2/deployments', () => {
  it('lists running deployments as DeploymentStepInfo', async () => {
    service.setRoot(makeRoot([]));
    await api.call('POST', '/v2/apps', { body: { id: '/a', cmd: 'sleep 1' } });
    const plan = service.deployCalls[0]!.plan;
    service.running[0] = {
      plan,
      currentStep: 2,
      currentActions: [
        {
          action: 'ScaleApplication',
          app: '/a',
          scaleTo: 1,
          readinessCheckResults: [{ name: 'ready', taskId: 't', ready: false }],
        },
      ],
    };
    const res = await api.call('GET', '/v2/deployments');
    expect(res.json).toEqual([
      {
        id: plan.id,
        version: plan.version,
        affectedApps: ['/a'],
        affectedPods: [],
        steps: [
          { actions: [{ action: 'StartApplication', app: '/a' }] },
          { actions: [{ action: 'ScaleApplication', app: '/a' }] },
        ],
        currentActions: [
          {
            action: 'ScaleApplication',
            app: '/a',
            readinessCheckResults: [{ name: 'ready', taskId: 't', ready: false }],
          },
        ],
        currentStep: 2,
        totalSteps: 2,
      },
    ]);
  });

  it('cancels: a revert deployment without force, 202 and no body with force, 404 when unknown', async () => {
    service.setRoot(makeRoot([makeApp('/a')]));
    await api.call('DELETE', '/v2/apps/a');
    const first = service.deployCalls[0]!.plan;

    const reverted = await api.call('DELETE', `/v2/deployments/${first.id}`);
    expect(reverted.status).toBe(200);
    const revert = service.deployCalls[1]!;
    expect(reverted.json).toEqual({ deploymentId: revert.plan.id, version: revert.plan.version });
    expect(revert.target.apps['/a']).toBeDefined();

    const forced = await api.call('DELETE', `/v2/deployments/${revert.plan.id}?force=true`);
    expect(forced.status).toBe(202);
    expect(forced.text).toBe('');
    expect(service.cancelCalls.at(-1)).toEqual({ id: revert.plan.id, force: true });

    const unknown = await api.call('DELETE', '/v2/deployments/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: 'DeploymentPlan nope does not exist' });
  });
});

describe('/v2/queue', () => {
  const entry = (): QueueEntry => ({
    app: makeApp('/a'),
    count: 2,
    delay: { timeLeftSeconds: 3, overdue: false },
    since: iso(T0),
    processedOffersSummary: {
      processedOffersCount: 4,
      unusedOffersCount: 4,
      rejectSummaryLastOffers: [{ reason: 'InsufficientCpus', declined: 4, processed: 4 }],
      rejectSummaryLaunchAttempt: [],
    },
    lastUnusedOffers: [
      {
        offer: { id: 'o1', agentId: 'a1', hostname: 'h1', resources: [], attributes: [] },
        timestamp: iso(T0),
        reason: ['InsufficientCpus'],
      },
    ],
  });

  it('lists queued apps without a role key; unused offers only on request', async () => {
    service.queueEntries = [entry()];
    const res = await api.call('GET', '/v2/queue');
    const [item] = res.json.queue;
    expect(Object.keys(item).sort()).toEqual(['app', 'count', 'delay', 'processedOffersSummary', 'since']);
    expect(item).toMatchObject({
      count: 2,
      delay: { timeLeftSeconds: 3, overdue: false },
      app: { id: '/a' },
    });
    const embedded = await api.call('GET', '/v2/queue?embed=lastUnusedOffers');
    expect(embedded.json.queue[0].lastUnusedOffers[0].offer.id).toBe('o1');
  });

  it('resets an app delay: 204, or 404 when the app is not queued', async () => {
    service.queueEntries = [entry()];
    const res = await api.call('DELETE', '/v2/queue/a/delay');
    expect(res.status).toBe(204);
    expect(service.delayResets).toEqual(['/a']);
    const missing = await api.call('DELETE', '/v2/queue/b/delay');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: 'Application /b not found in tasks queue.' });
  });
});

describe('renderDeploymentPlanEvent', () => {
  it('renders the 1.4-1.6 full plan: both roots as nested groups of six keys', () => {
    const original = makeRoot([makeApp('/a')]);
    const target = makeRoot([makeApp('/a', { instances: 3 }), makeApp('/g/b')], iso(T0 + 1000));
    const plan = {
      id: 'p1',
      version: iso(T0 + 1000),
      original,
      target,
      steps: [{ actions: [{ action: 'ScaleApplication' as const, app: '/a', scaleTo: 3 }] }],
    };
    const json = renderDeploymentPlanEvent(plan);
    expect(Object.keys(json).sort()).toEqual(['id', 'original', 'steps', 'target', 'version']);
    expect(json.steps).toEqual([{ actions: [{ action: 'ScaleApplication', app: '/a' }] }]);
    const targetJson = json.target as Record<string, unknown>;
    expect(Object.keys(targetJson).sort()).toEqual([
      'apps',
      'dependencies',
      'groups',
      'id',
      'pods',
      'version',
    ]);
    expect(targetJson).toMatchObject({
      id: '/',
      version: iso(T0 + 1000),
      apps: [{ id: '/a', instances: 3 }],
      groups: [{ id: '/g', apps: [{ id: '/g/b' }], groups: [], pods: [] }],
    });
    expect((json.original as { apps: unknown[] }).apps).toHaveLength(1);
  });
});
