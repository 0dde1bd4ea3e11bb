import { describe, expect, it } from 'vitest';
import {
  affectedApps,
  computeDeploymentPlan,
  describePlanSteps,
  isPlanEmpty,
  revertPlanTarget,
} from '../../src/marathon/deployment/plan.js';
import type { AppDefinition, DeploymentPlan, GroupMeta, RootGroup } from '../../src/marathon/model/types.js';
import { makeApp } from './fixtures/marathon-app.js';

const V1 = '2024-01-01T00:00:00.000Z';
const V2 = '2024-01-02T00:00:00.000Z';
const V3 = '2024-01-03T00:00:00.000Z';

/** A normalized app as validation would produce it, stamped with version V1. */
function app(id: string, overrides: Partial<AppDefinition> = {}): AppDefinition {
  // versionInfo stays V1 unless given: a bare version bump is not a config change.
  return makeApp(id, {
    version: V1,
    versionInfo: { lastScalingAt: V1, lastConfigChangeAt: V1 },
    ...overrides,
  });
}

/** A root holding `apps`, with every parent group created; `groupDeps` sets group dependencies. */
function root(version: string, apps: AppDefinition[], groupDeps: Record<string, string[]> = {}): RootGroup {
  const groups: Record<string, GroupMeta> = { '/': { id: '/', dependencies: [], version } };
  const addGroup = (id: string) => {
    groups[id] ??= { id, dependencies: [], version };
  };
  for (const a of apps) {
    const segments = a.id.split('/').filter(Boolean);
    for (let i = 1; i < segments.length; i++) addGroup('/' + segments.slice(0, i).join('/'));
  }
  for (const [id, dependencies] of Object.entries(groupDeps)) {
    addGroup(id);
    groups[id] = { ...groups[id]!, dependencies };
  }
  return { apps: Object.fromEntries(apps.map((a) => [a.id, a])), groups, version };
}

const empty = root(V1, []);

/** Steps as [[action app(scaleTo)]...] for compact assertions. */
function stepsOf(plan: DeploymentPlan): string[][] {
  return plan.steps.map((s) =>
    s.actions.map((a) => `${a.action} ${a.app}${a.scaleTo !== undefined ? `(${a.scaleTo})` : ''}`),
  );
}

function plan(original: RootGroup, target: RootGroup): DeploymentPlan {
  return computeDeploymentPlan(original, target, { id: 'plan-1' });
}

describe('computeDeploymentPlan: kinds of change', () => {
  it('starts a new app with a scaleTo-0 placeholder step, then scales it', () => {
    const target = root(V2, [app('/web', { instances: 3, version: V2 })]);
    const p = plan(empty, target);
    expect(stepsOf(p)).toEqual([['StartApplication /web(0)'], ['ScaleApplication /web(3)']]);
    expect(p.id).toBe('plan-1');
    expect(p.version).toBe(V2);
    expect(p.original).toBe(empty);
    expect(p.target).toBe(target);
  });

  it('stops a removed app in one step', () => {
    const original = root(V1, [app('/old', { instances: 2 })]);
    expect(stepsOf(plan(original, root(V2, [])))).toEqual([['StopApplication /old']]);
  });

  it('puts a delete and a create into one plan: stop, start, scale', () => {
    const original = root(V1, [app('/old'), app('/kept')]);
    const target = root(V2, [app('/kept'), app('/new', { instances: 2, version: V2 })]);
    expect(stepsOf(plan(original, target))).toEqual([
      ['StopApplication /old'],
      ['StartApplication /new(0)'],
      ['ScaleApplication /new(2)'],
    ]);
  });

  it('scales when only instances (and the scaling stamps) changed', () => {
    const original = root(V1, [app('/web', { instances: 2 })]);
    const target = root(V2, [
      app('/web', { instances: 5, version: V2, versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V1 } }),
    ]);
    expect(stepsOf(plan(original, target))).toEqual([['ScaleApplication /web(5)']]);
  });

  it('restarts when the config changed (labels), even if instances changed too', () => {
    const original = root(V1, [app('/web', { instances: 2 })]);
    const stamps = { version: V2, versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V2 } };
    const labelsOnly = root(V2, [app('/web', { instances: 2, labels: { tier: 'front' }, ...stamps })]);
    expect(stepsOf(plan(original, labelsOnly))).toEqual([['RestartApplication /web']]);
    const labelsAndScale = root(V2, [app('/web', { instances: 4, labels: { tier: 'front' }, ...stamps })]);
    expect(stepsOf(plan(original, labelsAndScale))).toEqual([['RestartApplication /web']]);
  });

  it('restarts on a restart marker: lastConfigChangeAt changed alone', () => {
    const original = root(V1, [app('/web', { instances: 2 })]);
    const target = root(V2, [
      app('/web', { instances: 2, version: V2, versionInfo: { lastScalingAt: V1, lastConfigChangeAt: V2 } }),
    ]);
    expect(stepsOf(plan(original, target))).toEqual([['RestartApplication /web']]);
  });

  it('scales to 0 instead of restarting when a config change also scales to 0', () => {
    const original = root(V1, [app('/web', { instances: 2 })]);
    const target = root(V2, [
      app('/web', {
        instances: 0,
        cmd: 'other',
        version: V2,
        versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V2 },
      }),
    ]);
    expect(stepsOf(plan(original, target))).toEqual([['ScaleApplication /web(0)']]);
  });

  it('gives unchanged apps no action, even with new version stamps', () => {
    const original = root(V1, [app('/a'), app('/b', { instances: 3 })]);
    const target = root(V2, [
      app('/a'),
      app('/b', { instances: 3, version: V2, versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V1 } }),
    ]);
    const p = plan(original, target);
    expect(p.steps).toEqual([]);
    expect(isPlanEmpty(p)).toBe(true);
    expect(affectedApps(p)).toEqual([]);
    expect(isPlanEmpty(plan(original, original))).toBe(true);
  });

  it('treats an optional field set to undefined like an absent one', () => {
    const original = root(V1, [app('/a')]);
    const target = root(V2, [app('/a', { user: undefined })]);
    expect(isPlanEmpty(plan(original, target))).toBe(true);
  });

  it('attaches sentenced instances to a scale-only action (kill and scale)', () => {
    const original = root(V1, [app('/web', { instances: 3 })]);
    const target = root(V2, [app('/web', { instances: 2, version: V2 })]);
    const p = computeDeploymentPlan(original, target, { id: 'k', toKill: { '/web': ['web.instance-1'] } });
    expect(p.steps).toEqual([
      {
        actions: [
          { action: 'ScaleApplication', app: '/web', scaleTo: 2, sentencedInstanceIds: ['web.instance-1'] },
        ],
      },
    ]);
  });
});

describe('computeDeploymentPlan: dependency order', () => {
  it('orders a chain a -> b -> c as three scale steps, dependencies first', () => {
    const target = root(V2, [
      app('/a', { dependencies: ['/b'] }),
      app('/b', { dependencies: ['/c'] }),
      app('/c'),
    ]);
    expect(stepsOf(plan(empty, target))).toEqual([
      ['StartApplication /a(0)', 'StartApplication /b(0)', 'StartApplication /c(0)'],
      ['ScaleApplication /c(1)'],
      ['ScaleApplication /b(1)'],
      ['ScaleApplication /a(1)'],
    ]);
  });

  it('puts independent apps into one step', () => {
    const target = root(V2, [app('/x'), app('/y'), app('/z', { instances: 2 })]);
    expect(stepsOf(plan(empty, target)).slice(1)).toEqual([
      ['ScaleApplication /x(1)', 'ScaleApplication /y(1)', 'ScaleApplication /z(2)'],
    ]);
  });

  it('groups apps by their longest dependency path (a diamond with a shortcut)', () => {
    // top -> mid -> base, top -> base, side -> base: top is rank 3, mid and side rank 2.
    const target = root(V2, [
      app('/top', { dependencies: ['/mid', '/base'] }),
      app('/mid', { dependencies: ['/base'] }),
      app('/side', { dependencies: ['/base'] }),
      app('/base'),
    ]);
    expect(stepsOf(plan(empty, target)).slice(1)).toEqual([
      ['ScaleApplication /base(1)'],
      ['ScaleApplication /mid(1)', 'ScaleApplication /side(1)'],
      ['ScaleApplication /top(1)'],
    ]);
  });

  it('measures paths over the whole target, including apps the plan does not touch', () => {
    const before = [app('/a', { dependencies: ['/b'] }), app('/b', { dependencies: ['/c'] }), app('/c')];
    const restarted = (a: AppDefinition) =>
      app(a.id, {
        dependencies: a.dependencies,
        cmd: 'new',
        version: V2,
        versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V2 },
      });
    const target = root(V2, [restarted(before[0]!), before[1]!, restarted(before[2]!)]);
    expect(stepsOf(plan(root(V1, before), target))).toEqual([
      ['RestartApplication /c'],
      ['RestartApplication /a'],
    ]);
  });

  it('makes an app that depends on a group wait for every app under it', () => {
    const target = root(V2, [
      app('/front/web', { dependencies: ['/back'] }),
      app('/back/db'),
      app('/back/cache/redis'),
    ]);
    expect(stepsOf(plan(empty, target)).slice(1)).toEqual([
      ['ScaleApplication /back/cache/redis(1)', 'ScaleApplication /back/db(1)'],
      ['ScaleApplication /front/web(1)'],
    ]);
  });

  it("honours a group's own dependencies for every app under it", () => {
    const target = root(V2, [app('/front/web'), app('/front/api/v1'), app('/back/db')], {
      '/front': ['/back'],
    });
    expect(stepsOf(plan(empty, target)).slice(1)).toEqual([
      ['ScaleApplication /back/db(1)'],
      ['ScaleApplication /front/api/v1(1)', 'ScaleApplication /front/web(1)'],
    ]);
  });

  it('ignores dependencies on ids that do not exist', () => {
    const target = root(V2, [app('/a', { dependencies: ['/missing'] }), app('/b')]);
    expect(stepsOf(plan(empty, target)).slice(1)).toEqual([
      ['ScaleApplication /a(1)', 'ScaleApplication /b(1)'],
    ]);
  });
});

describe('plan views', () => {
  const original = root(V1, [app('/gone'), app('/same'), app('/scaled')]);
  const target = root(V2, [
    app('/same'),
    app('/scaled', { instances: 4, version: V2 }),
    app('/fresh', { version: V2 }),
  ]);
  const p = plan(original, target);

  it('lists the affected apps, sorted', () => {
    expect(affectedApps(p)).toEqual(['/fresh', '/gone', '/scaled']);
    expect(isPlanEmpty(p)).toBe(false);
  });

  it('renders the steps as the REST API shows them', () => {
    expect(describePlanSteps(p)).toEqual([
      { actions: [{ action: 'StopApplication', app: '/gone' }] },
      { actions: [{ action: 'StartApplication', app: '/fresh' }] },
      {
        actions: [
          { action: 'ScaleApplication', app: '/fresh' },
          { action: 'ScaleApplication', app: '/scaled' },
        ],
      },
    ]);
  });
});

describe('revertPlanTarget', () => {
  const web1 = app('/prod/web', { instances: 2 });
  const web2 = app('/prod/web', {
    instances: 2,
    cmd: 'new',
    version: V2,
    versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V2 },
  });
  const original = root(V1, [web1, app('/prod/db'), app('/legacy/old')], { '/prod': ['/infra'] });
  // The plan restarts web, removes /legacy (app and group), creates /canary/web and drops /prod's dependency.
  const target = root(V2, [web2, app('/prod/db'), app('/canary/web', { version: V2 })]);
  const p = plan(original, target);

  it('undoes every change of the plan on a root still equal to its target (a partial deployment)', () => {
    expect(affectedApps(p)).toEqual(['/canary/web', '/legacy/old', '/prod/web']);
    const reverted = revertPlanTarget(p, target, V3);
    expect(reverted.version).toBe(V3);
    expect(Object.keys(reverted.apps).sort()).toEqual(['/legacy/old', '/prod/db', '/prod/web']);
    expect(reverted.apps['/prod/web']).toEqual(web1);
    expect(reverted.apps['/legacy/old']).toEqual(original.apps['/legacy/old']);
    expect(Object.keys(reverted.groups).sort()).toEqual(['/', '/legacy', '/prod']);
    expect(reverted.groups['/prod']!.dependencies).toEqual(['/infra']);
    expect(reverted.groups['/']!.version).toBe(V3);

    // Deploying the revert takes the cluster back: restart web, stop canary, bring legacy back.
    expect(stepsOf(plan(target, reverted))).toEqual([
      ['StopApplication /canary/web'],
      ['StartApplication /legacy/old(0)'],
      ['ScaleApplication /legacy/old(1)', 'RestartApplication /prod/web'],
    ]);
  });

  it('keeps what other deployments changed meanwhile', () => {
    const current = root(V3, [
      web2,
      app('/prod/db', { instances: 7, version: V3 }),
      app('/canary/web', { version: V2 }),
      app('/canary/api', { version: V3 }),
      app('/other'),
    ]);
    const reverted = revertPlanTarget(p, current, V3);
    expect(reverted.apps['/prod/web']).toEqual(web1);
    expect(reverted.apps['/prod/db']!.instances).toBe(7);
    expect(reverted.apps['/other']).toEqual(app('/other'));
    expect(reverted.apps['/canary/api']).toBeDefined();
    expect(reverted.apps['/canary/web']).toBeUndefined();
    // /canary still holds another deployment's app, so it stays.
    expect(reverted.groups['/canary']).toBeDefined();
  });

  it('reverts group dependency changes only', () => {
    const o = root(V1, [app('/g/a')], { '/g': ['/x', '/y'] });
    const t = root(V2, [app('/g/a')], { '/g': ['/y', '/z'] });
    const current = root(V3, [app('/g/a')], { '/g': ['/y', '/z', '/w'] });
    const reverted = revertPlanTarget(plan(o, t), current, V3);
    expect([...reverted.groups['/g']!.dependencies].sort()).toEqual(['/w', '/x', '/y']);
  });
});
