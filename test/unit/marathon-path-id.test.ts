import { describe, expect, it } from 'vitest';
import {
  canonicalPathId,
  fromSafeId,
  isAncestorOf,
  newInstanceId,
  parentOf,
  parseTaskId,
  pathIdErrors,
  pathSegments,
  safeId,
  taskIdOf,
} from '../../src/marathon/model/path-id.js';

const SEGMENT_RULE =
  "must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$'";
const RESERVED = 'must not end with any of the following reserved keywords: restart, tasks, versions, ., ..';

describe('canonicalPathId', () => {
  it('resolves relative ids against the root by default', () => {
    expect(canonicalPathId('test-trivial-app')).toBe('/test-trivial-app');
    expect(canonicalPathId('prod/web')).toBe('/prod/web');
  });

  it('keeps absolute ids and strips leading, trailing and doubled slashes', () => {
    expect(canonicalPathId('/prod/web', '/other')).toBe('/prod/web');
    expect(canonicalPathId('//prod//web//')).toBe('/prod/web');
    expect(canonicalPathId('/trailing/')).toBe('/trailing');
  });

  it('resolves against a base group, with . and ..', () => {
    expect(canonicalPathId('child', '/parent')).toBe('/parent/child');
    expect(canonicalPathId('./child', '/parent')).toBe('/parent/child');
    expect(canonicalPathId('../sibling', '/parent/child')).toBe('/parent/sibling');
    expect(canonicalPathId('../../x/./y', '/a/b/c')).toBe('/a/x/y');
    expect(canonicalPathId('/a/b/../c')).toBe('/a/c');
  });

  it('does not climb above the root', () => {
    expect(canonicalPathId('../../../x', '/a')).toBe('/x');
    expect(canonicalPathId('/../someid')).toBe('/someid');
  });

  it('gives / for the root and for empty input', () => {
    expect(canonicalPathId('/')).toBe('/');
    expect(canonicalPathId('')).toBe('/');
    expect(canonicalPathId('', '/g')).toBe('/g');
    expect(canonicalPathId('..', '/g')).toBe('/');
  });

  it('resolves a relative base against the root', () => {
    expect(canonicalPathId('x', 'g/h')).toBe('/g/h/x');
  });
});

describe('pathIdErrors', () => {
  it('accepts lowercase segments with digits, inner dashes and dotted labels', () => {
    for (const id of [
      '/numbered9',
      '/9numbered',
      '/dot.ted',
      '/deep/ly/nes/ted',
      '/all.to-9gether/now-huh12/nest',
    ]) {
      expect(pathIdErrors(id)).toEqual([]);
    }
  });

  it('refuses uppercase, underscores, edge dashes and empty labels with the regex message', () => {
    for (const id of ['/Upper', '/under_score', '/-dash', '/dash-', '/a..b', '/.dot', '/dot.', '/sp ace']) {
      expect(pathIdErrors(id)).toEqual([SEGMENT_RULE]);
    }
  });

  it('refuses reserved last segments but allows them in the middle', () => {
    for (const word of ['restart', 'tasks', 'versions']) {
      expect(pathIdErrors(`/app/${word}`)).toEqual([RESERVED]);
      expect(pathIdErrors(`/${word}/app`)).toEqual([]);
    }
    expect(pathIdErrors('/test/.')).toEqual([RESERVED]);
  });

  it('reports both rules at once', () => {
    expect(pathIdErrors('/Bad/tasks')).toEqual([SEGMENT_RULE, RESERVED]);
  });

  it('has nothing to say about the root', () => {
    expect(pathIdErrors('/')).toEqual([]);
  });
});

describe('tree helpers', () => {
  it('parentOf climbs one level and stops at the root', () => {
    expect(parentOf('/a/b/c')).toBe('/a/b');
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('/')).toBe('/');
  });

  it('isAncestorOf is strict and segment-wise', () => {
    expect(isAncestorOf('/', '/a')).toBe(true);
    expect(isAncestorOf('/a', '/a/b/c')).toBe(true);
    expect(isAncestorOf('/a', '/a')).toBe(false);
    expect(isAncestorOf('/a', '/ab')).toBe(false);
    expect(isAncestorOf('/a/b', '/a')).toBe(false);
    expect(isAncestorOf('/', '/')).toBe(false);
  });

  it('pathSegments splits on slashes', () => {
    expect(pathSegments('/a/b')).toEqual(['a', 'b']);
    expect(pathSegments('/')).toEqual([]);
  });
});

describe('instance and task ids', () => {
  const uuid = 'b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6';

  it('safeId joins segments with underscores, fromSafeId reverses it', () => {
    expect(safeId('/prod/web')).toBe('prod_web');
    expect(safeId('/test-trivial-app')).toBe('test-trivial-app');
    expect(fromSafeId('prod_web')).toBe('/prod/web');
  });

  it('builds 1.9+ instance and task ids', () => {
    const instanceId = newInstanceId('/prod/web', uuid);
    expect(instanceId).toBe(`prod_web.instance-${uuid}`);
    expect(taskIdOf(instanceId, 1)).toBe(`prod_web.instance-${uuid}._app.1`);
    expect(taskIdOf(instanceId, 42)).toBe(`prod_web.instance-${uuid}._app.42`);
  });

  it('parses what it builds', () => {
    const instanceId = newInstanceId('/prod/db.main/x', uuid);
    expect(parseTaskId(taskIdOf(instanceId, 3))).toEqual({
      appId: '/prod/db.main/x',
      instanceId,
      incarnation: 3,
    });
  });

  it('parses the 1.4-1.8 format without incarnation', () => {
    expect(parseTaskId(`myGroup_myApp.instance-${uuid}._app`)).toEqual({
      appId: '/myGroup/myApp',
      instanceId: `myGroup_myApp.instance-${uuid}`,
      incarnation: 0,
    });
    expect(parseTaskId(`a_b.marathon-${uuid}._app.2`)).toEqual({
      appId: '/a/b',
      instanceId: `a_b.marathon-${uuid}`,
      incarnation: 2,
    });
  });

  it('parses the pre-instance formats (. or _ before the uuid)', () => {
    expect(parseTaskId(`prod_web.${uuid}`)).toEqual({
      appId: '/prod/web',
      instanceId: `prod_web.${uuid}`,
      incarnation: 0,
    });
    expect(parseTaskId(`test-app_${uuid}`)?.appId).toBe('/test-app');
  });

  it('refuses ids without a uuid', () => {
    expect(parseTaskId('garbage')).toBeNull();
    expect(parseTaskId('app.instance-nope._app.1')).toBeNull();
    expect(parseTaskId('')).toBeNull();
  });
});
