import { describe, expect, it } from 'vitest';
import { parseAppDefinition, servicePortsOf } from '../../src/marathon/model/app-validation.js';
import { JsonTypeError, ValidationError, type ErrorDetail } from '../../src/marathon/model/errors.js';
import {
  applyGroupUpdate,
  appsUnder,
  childGroups,
  groupExists,
  parseGroupUpdate,
  putApp,
  removeApp,
  removeGroup,
  scaleGroup,
  stampRootVersion,
  usedServicePorts,
  validateRootDependencies,
  type GroupUpdate,
} from '../../src/marathon/model/group-update.js';
import type { AppDefinition, RootGroup } from '../../src/marathon/model/types.js';

const V0 = '2024-01-01T00:00:00.000Z';
const V1 = '2024-01-02T00:00:00.000Z';
const V2 = '2024-01-03T00:00:00.000Z';

const EMPTY: RootGroup = {
  apps: {},
  groups: { '/': { id: '/', dependencies: [], version: V0 } },
  version: V0,
};

function app(id: string, extra: Record<string, unknown> = {}): AppDefinition {
  return parseAppDefinition({ id, cmd: 'sleep 3600', cpus: 0.1, mem: 32, ...extra }, { version: V0 });
}

function update(body: unknown, groupId = '/', version = V1): Extract<GroupUpdate, { kind: 'update' }> {
  const parsed = parseGroupUpdate(body, { groupId, version });
  if (parsed.kind !== 'update') throw new Error(`expected an update, got ${parsed.kind}`);
  return parsed;
}

function failure(fn: () => unknown): { kind: string; details: ErrorDetail[] } {
  try {
    fn();
  } catch (err) {
    if (err instanceof JsonTypeError) return { kind: 'json', details: err.details };
    if (err instanceof ValidationError) return { kind: 'validation', details: err.details };
    throw err;
  }
  throw new Error('expected a failure');
}

/** A root built by a POST of `body` to /v2/groups. */
function rootWith(body: unknown, version = V0): RootGroup {
  return applyGroupUpdate(EMPTY, '/', update(body, '/', version), { version, replace: false });
}

describe('parseGroupUpdate', () => {
  it('resolves nested relative ids against their groups', () => {
    const parsed = update({
      id: 'prod',
      apps: [{ id: 'web', cmd: 'serve', dependencies: ['db', '../shared/cache'] }],
      groups: [{ id: 'back', apps: [{ id: 'db', cmd: 'postgres' }], dependencies: ['../front'] }],
      dependencies: ['/infra'],
    });
    expect(parsed.id).toBe('/prod');
    expect(parsed.apps.map((a) => a.id)).toEqual(['/prod/web', '/prod/back/db']);
    expect(parsed.apps[0]?.dependencies).toEqual(['/prod/db', '/shared/cache']);
    expect(parsed.groups).toEqual([
      { id: '/prod', dependencies: ['/infra'], version: V1 },
      { id: '/prod/back', dependencies: ['/prod/front'], version: V1 },
    ]);
    expect(parsed.tree).toEqual({
      id: '/prod',
      dependencies: ['/infra'],
      apps: [parsed.apps[0]],
      groups: [{ id: '/prod/back', dependencies: ['/prod/front'], apps: [parsed.apps[1]] }],
    });
  });

  it('resolves the body id against the URL group and defaults to it', () => {
    expect(update({ id: 'child' }, '/parent').id).toBe('/parent/child');
    expect(update({ apps: [{ id: 'x', cmd: 'run' }] }, '/parent').apps[0]?.id).toBe('/parent/x');
    expect(update({ id: '/abs' }, '/parent').id).toBe('/abs');
    expect(update({}).tree).toEqual({ id: '/' });
  });

  it('stamps every app with the version', () => {
    expect(update({ apps: [{ id: 'a', cmd: 'run' }] }).apps[0]?.versionInfo).toEqual({
      lastScalingAt: V1,
      lastConfigChangeAt: V1,
    });
  });

  it('refuses apps and groups that are not direct children', () => {
    expect(
      failure(() => update({ id: 'sub', apps: [{ id: 'lol/bibi', cmd: 'sleep 1200' }] }, '/foo')),
    ).toEqual({
      kind: 'validation',
      details: [{ path: '/apps(0)/id', errors: ["Identifier is not child of '/foo/sub'"] }],
    });
    expect(
      failure(() => update({ id: '/group', apps: [{ id: '/app', cmd: 'run' }], groups: [{ id: '/other' }] })),
    ).toEqual({
      kind: 'validation',
      details: [
        { path: '/apps(0)/id', errors: ["Identifier is not child of '/group'"] },
        { path: '/groups(0)/id', errors: ["Identifier is not child of '/group'"] },
      ],
    });
    expect(failure(() => update({ groups: [{ id: 'a', groups: [{ id: '/a/b/c' }] }] })).details).toEqual([
      { path: '/groups(0)/groups(0)/id', errors: ["Identifier is not child of '/a'"] },
    ]);
  });

  it('requires nested group ids and checks them', () => {
    expect(failure(() => update({ groups: [{ apps: [] }, { id: 'tasks' }] })).details).toEqual([
      { path: '/groups(0)/id', errors: ['not defined'] },
      {
        path: '/groups(1)/id',
        errors: ['must not end with any of the following reserved keywords: restart, tasks, versions, ., ..'],
      },
    ]);
  });

  it('allows enforceRole only on top-level groups', () => {
    expect(failure(() => update({ id: '/a/b', enforceRole: true })).details).toEqual([
      {
        path: '/enforceRole',
        errors: ['enforceRole can only be set for top-level groups, and /a/b is not top-level'],
      },
    ]);
    expect(update({ id: '/a', enforceRole: true }).id).toBe('/a');
  });

  it('passes an invalid app’s own errors through (paths relative to the app)', () => {
    expect(failure(() => update({ id: 'g', apps: [{ id: 'a', cmd: 'run', args: ['x'] }] }))).toEqual({
      kind: 'validation',
      details: [
        {
          path: '/',
          errors: ["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."],
        },
      ],
    });
  });

  it('reports JSON errors of the whole body at once, with full paths', () => {
    expect(
      failure(() =>
        parseGroupUpdate(
          {
            id: 5,
            apps: [{ id: 'a', cpus: 'x' }, { cmd: 'no id' }],
            groups: [{ id: 'g', apps: [{ id: 'b', instances: -1 }] }],
            scaleBy: 'x',
          },
          { groupId: '/', version: V1 },
        ),
      ),
    ).toEqual({
      kind: 'json',
      details: [
        { path: '/id', errors: ['error.expected.jsstring'] },
        { path: '/apps(0)/cpus', errors: ['error.expected.jsnumber'] },
        { path: '/apps(1)/id', errors: ['error.path.missing'] },
        { path: '/groups(0)/apps(0)/instances', errors: ['error.min'] },
        { path: '/scaleBy', errors: ['error.expected.jsnumber'] },
      ],
    });
  });

  it('recognises scale and rollback bodies', () => {
    expect(parseGroupUpdate({ scaleBy: 1.5 }, { groupId: '/g', version: V1 })).toEqual({
      kind: 'scale',
      scaleBy: 1.5,
    });
    expect(parseGroupUpdate({ version: V0 }, { groupId: '/g', version: V1 })).toEqual({
      kind: 'rollback',
      version: V0,
    });
    expect(failure(() => parseGroupUpdate({ scaleBy: -1 }, { groupId: '/g', version: V1 })).details).toEqual([
      { path: '/scaleBy', errors: ['error.min'] },
    ]);
  });

  it('refuses version or scaleBy next to other fields', () => {
    expect(
      failure(() => parseGroupUpdate({ version: V0, scaleBy: 2 }, { groupId: '/g', version: V1 })),
    ).toEqual({
      kind: 'validation',
      details: [
        { path: '/version', errors: ['not allowed in conjunction with other properties.'] },
        { path: '/scaleBy', errors: ['not allowed in conjunction with other properties.'] },
      ],
    });
    expect(
      failure(() => parseGroupUpdate({ id: '/g', scaleBy: 2 }, { groupId: '/g', version: V1 })).details,
    ).toEqual([{ path: '/scaleBy', errors: ['not allowed in conjunction with other properties.'] }]);
  });
});

describe('applyGroupUpdate', () => {
  it('creates the groups, the implied parents and the apps, with service ports', () => {
    const root = applyGroupUpdate(
      EMPTY,
      '/a/b',
      update({ id: 'c', apps: [{ id: 'web', cmd: 'serve' }] }, '/a/b'),
      { version: V1, replace: false },
    );
    expect(Object.keys(root.groups)).toEqual(['/', '/a', '/a/b', '/a/b/c']);
    for (const group of Object.values(root.groups)) expect(group.version).toBe(V1);
    expect(root.version).toBe(V1);
    expect(Object.keys(root.apps)).toEqual(['/a/b/c/web']);
    expect(servicePortsOf(root.apps['/a/b/c/web']!)).toEqual([10000]);
    expect(root.apps['/a/b/c/web']?.versionInfo).toEqual({ lastScalingAt: V1, lastConfigChangeAt: V1 });
  });

  it('assigns distinct service ports across the root', () => {
    const root = rootWith({
      apps: [{ id: 'a', cmd: 'run', portDefinitions: [{ port: 0 }, { port: 10001 }] }],
    });
    const next = applyGroupUpdate(root, '/', update({ apps: [{ id: 'b', cmd: 'run', ports: [0, 0] }] }), {
      version: V1,
      replace: false,
      portRange: { min: 10000, max: 10010 },
    });
    expect(servicePortsOf(next.apps['/a']!)).toEqual([10000, 10001]);
    expect(servicePortsOf(next.apps['/b']!)).toEqual([10002, 10003]);
    expect([...usedServicePorts(next)].sort()).toEqual([10000, 10001, 10002, 10003]);
  });

  it('PUT keeps unchanged apps’ versions and ports, and stamps changed ones', () => {
    const root = rootWith({
      id: 'prod',
      apps: [
        { id: 'web', cmd: 'serve', instances: 2 },
        { id: 'worker', cmd: 'work' },
        { id: 'cron', cmd: 'tick' },
      ],
    });
    const next = applyGroupUpdate(
      root,
      '/prod',
      update(
        {
          id: '/prod',
          apps: [
            { id: 'web', cmd: 'serve', instances: 2 },
            { id: 'worker', cmd: 'work', instances: 3 },
            { id: 'cron', cmd: 'tick --fast' },
          ],
        },
        '/prod',
        V2,
      ),
      { version: V2, replace: true },
    );
    expect(next.apps['/prod/web']).toEqual(root.apps['/prod/web']);
    expect(next.apps['/prod/worker']?.versionInfo).toEqual({ lastScalingAt: V2, lastConfigChangeAt: V0 });
    expect(next.apps['/prod/cron']?.versionInfo).toEqual({ lastScalingAt: V2, lastConfigChangeAt: V2 });
    expect(servicePortsOf(next.apps['/prod/cron']!)).toEqual(servicePortsOf(root.apps['/prod/cron']!));
  });

  it('PUT removes the apps and groups the body lists no more, and keeps what it leaves out', () => {
    const root = rootWith({
      id: 'prod',
      apps: [
        { id: 'web', cmd: 'serve' },
        { id: 'old', cmd: 'legacy' },
      ],
      groups: [
        {
          id: 'back',
          apps: [{ id: 'db', cmd: 'pg' }],
          groups: [{ id: 'deep', apps: [{ id: 'x', cmd: 'run' }] }],
        },
        { id: 'gone', apps: [{ id: 'y', cmd: 'run' }] },
      ],
    });
    const next = applyGroupUpdate(
      root,
      '/prod',
      update(
        {
          id: '/prod',
          apps: [{ id: 'web', cmd: 'serve' }],
          groups: [{ id: 'back', dependencies: ['/infra'] }],
        },
        '/prod',
        V2,
      ),
      { version: V2, replace: true },
    );
    expect(Object.keys(next.apps).sort()).toEqual(['/prod/back/db', '/prod/back/deep/x', '/prod/web']);
    expect(Object.keys(next.groups)).toEqual(['/', '/prod', '/prod/back', '/prod/back/deep']);
    expect(next.groups['/prod/back']?.dependencies).toEqual(['/infra']);
  });

  it('PUT with dependencies only keeps the apps and subgroups', () => {
    const root = rootWith({ id: 'prod', apps: [{ id: 'web', cmd: 'serve' }], groups: [{ id: 'back' }] });
    const next = applyGroupUpdate(root, '/prod', update({ dependencies: ['/infra'] }, '/prod', V2), {
      version: V2,
      replace: true,
    });
    expect(Object.keys(next.apps)).toEqual(['/prod/web']);
    expect(next.groups['/prod/back']).toBeDefined();
    expect(next.groups['/prod']?.dependencies).toEqual(['/infra']);
  });

  it('without a tree, replace makes the subtree exactly the flat lists', () => {
    const root = rootWith({
      id: 'prod',
      apps: [
        { id: 'web', cmd: 'serve' },
        { id: 'old', cmd: 'x y' },
      ],
      groups: [{ id: 'g' }],
    });
    const parsed = update({ apps: [{ id: 'web', cmd: 'serve' }] }, '/prod', V2);
    const next = applyGroupUpdate(
      root,
      '/prod',
      { groups: parsed.groups, apps: parsed.apps },
      { version: V2, replace: true },
    );
    expect(Object.keys(next.apps)).toEqual(['/prod/web']);
    expect(Object.keys(next.groups)).toEqual(['/', '/prod']);
  });

  it('POST (replace false) adds without removing', () => {
    const root = rootWith({ id: 'prod', apps: [{ id: 'web', cmd: 'serve' }] });
    const next = applyGroupUpdate(root, '/prod', update({ apps: [{ id: 'api', cmd: 'api' }] }, '/prod', V2), {
      version: V2,
      replace: false,
    });
    expect(Object.keys(next.apps).sort()).toEqual(['/prod/api', '/prod/web']);
  });

  it('refuses an app and a group with the same id', () => {
    const root = rootWith({ apps: [{ id: 'x', cmd: 'run' }] });
    expect(
      failure(() =>
        applyGroupUpdate(root, '/', update({ groups: [{ id: 'x' }] }), { version: V1, replace: false }),
      ),
    ).toEqual({
      kind: 'validation',
      details: [{ path: '/', errors: ['Groups and Applications may not have the same identifier.'] }],
    });
  });

  it('does not change the root it was given', () => {
    const root = rootWith({ apps: [{ id: 'x', cmd: 'run' }] });
    const copy = structuredClone(root);
    applyGroupUpdate(root, '/', update({ apps: [] }), { version: V1, replace: true });
    expect(root).toEqual(copy);
  });
});

describe('scale, remove and queries', () => {
  const root = rootWith({
    id: 'prod',
    apps: [
      { id: 'web', cmd: 'serve', instances: 3 },
      { id: 'idle', cmd: 'idle', instances: 0 },
    ],
    groups: [{ id: 'back', apps: [{ id: 'db', cmd: 'pg', instances: 1 }] }],
  });

  it('scales every app below the group with ceil, stamped as a scale', () => {
    const scaled = scaleGroup(root, '/prod', 1.5, V1);
    expect(scaled.apps['/prod/web']?.instances).toBe(5);
    expect(scaled.apps['/prod/back/db']?.instances).toBe(2);
    expect(scaled.apps['/prod/idle']?.instances).toBe(0);
    expect(scaled.apps['/prod/web']?.versionInfo).toEqual({ lastScalingAt: V1, lastConfigChangeAt: V0 });
    // Unchanged apps keep their version.
    expect(scaled.apps['/prod/idle']?.version).toBe(V0);
    expect(scaleGroup(root, '/prod', 0.5, V1).apps['/prod/web']?.instances).toBe(2);
    expect(scaleGroup(root, '/prod', 1.1, V1).apps['/prod/web']?.instances).toBe(4);
    expect(scaleGroup(root, '/prod', 0.1, V1).apps['/prod/back/db']?.instances).toBe(1);
    expect(scaleGroup(root, '/prod', 0, V1).apps['/prod/web']?.instances).toBe(0);
  });

  it('scaling a missing group creates it empty', () => {
    const scaled = scaleGroup(root, '/new/group', 2, V1);
    expect(groupExists(scaled, '/new/group')).toBe(true);
    expect(groupExists(scaled, '/new')).toBe(true);
  });

  it('removes a group with everything in it', () => {
    const removed = removeGroup(root, '/prod/back', V1);
    expect(Object.keys(removed.apps).sort()).toEqual(['/prod/idle', '/prod/web']);
    expect(groupExists(removed, '/prod/back')).toBe(false);
    expect(groupExists(removed, '/prod')).toBe(true);
  });

  it('removing the root empties it', () => {
    const removed = removeGroup(root, '/', V1);
    expect(removed).toEqual({
      apps: {},
      groups: { '/': { id: '/', dependencies: [], version: V1 } },
      version: V1,
    });
  });

  it('answers queries', () => {
    expect(appsUnder(root, '/prod').map((a) => a.id)).toEqual(['/prod/back/db', '/prod/idle', '/prod/web']);
    expect(appsUnder(root, '/').length).toBe(3);
    expect(appsUnder(root, '/prod/back').map((a) => a.id)).toEqual(['/prod/back/db']);
    expect(childGroups(root, '/').map((g) => g.id)).toEqual(['/prod']);
    expect(childGroups(root, '/prod').map((g) => g.id)).toEqual(['/prod/back']);
    expect(groupExists(root, 'prod/back')).toBe(true);
    expect(groupExists(root, '/prod/web')).toBe(false);
  });

  it('puts and removes single apps, creating parent groups', () => {
    const added = putApp(EMPTY, app('/x/y/z'), V1);
    expect(Object.keys(added.groups)).toEqual(['/', '/x', '/x/y']);
    const removed = removeApp(added, '/x/y/z', V2);
    expect(removed.apps).toEqual({});
    expect(removed.groups['/x/y']?.version).toBe(V2);
  });

  it('stampRootVersion moves every group', () => {
    const stamped = stampRootVersion(root, V2);
    expect(stamped.version).toBe(V2);
    expect(Object.values(stamped.groups).every((g) => g.version === V2)).toBe(true);
    expect(stamped.apps).toEqual(root.apps);
  });
});

describe('validateRootDependencies', () => {
  it('accepts an acyclic graph, ignoring unknown ids as Marathon does', () => {
    const root = rootWith({
      apps: [
        { id: 'a', cmd: 'run', dependencies: ['/b', '/nowhere'] },
        { id: 'b', cmd: 'run', dependencies: ['/g'] },
      ],
      groups: [{ id: 'g', apps: [{ id: 'c', cmd: 'run' }] }],
    });
    expect(validateRootDependencies(root)).toBeNull();
  });

  it('finds cycles through apps and groups', () => {
    const cyclic = rootWith({
      apps: [
        { id: 'a', cmd: 'run', dependencies: ['/b'] },
        { id: 'b', cmd: 'run', dependencies: ['/g'] },
      ],
      groups: [{ id: 'g', apps: [{ id: 'c', cmd: 'run', dependencies: ['/a'] }] }],
    });
    expect(validateRootDependencies(cyclic)?.details).toEqual([
      { path: '/', errors: ['Dependency graph has cyclic dependencies.'] },
    ]);
    const groups = rootWith({
      groups: [
        { id: 'x', dependencies: ['/y'], apps: [{ id: 'a', cmd: 'run' }] },
        { id: 'y', dependencies: ['/x'], apps: [{ id: 'b', cmd: 'run' }] },
      ],
    });
    expect(validateRootDependencies(groups)).toBeInstanceOf(ValidationError);
    expect(
      validateRootDependencies(rootWith({ apps: [{ id: 'self', cmd: 'run', dependencies: ['/self'] }] })),
    ).not.toBeNull();
  });

  it('can require the dependencies to exist', () => {
    const root = rootWith({
      apps: [
        { id: 'a', cmd: 'run', dependencies: ['/b', '/nowhere'] },
        { id: 'b', cmd: 'run' },
      ],
      dependencies: ['/gone'],
    });
    expect(validateRootDependencies(root, { requireExisting: true })?.details).toEqual([
      { path: '/dependencies(0)', errors: ['Dependency /gone does not exist'] },
      { path: '/a/dependencies(1)', errors: ['Dependency /nowhere does not exist'] },
    ]);
  });
});
