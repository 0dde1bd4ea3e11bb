import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REFUSE_SECONDS,
  MAX_REFUSE_SECONDS,
  RefusalFilters,
  filterCovers,
  minAllocatableFromProto,
  parseMinAllocatable,
  refusalDurationMs,
  satisfiesMinAllocatable,
  type AvailableView,
} from '../../src/mesos/master/allocator/index.js';
import { parseResources, quantitiesOf } from '../../src/mesos/protocol/resources.js';

const res = (text: string) => parseResources(text);

let stamp = 0;
/** A fresh view of available resources (a new stamp, as after any change on the agent). */
function view(text: string): AvailableView {
  const resources = res(text);
  return { resources, quantities: quantitiesOf(resources), stamp: stamp++ };
}

describe('refusalDurationMs', () => {
  it('defaults to 5 s when absent, negative or not a number', () => {
    expect(DEFAULT_REFUSE_SECONDS).toBe(5);
    expect(refusalDurationMs(undefined, 1000)).toBe(5000);
    expect(refusalDurationMs(-1, 1000)).toBe(5000);
    expect(refusalDurationMs(Number.NaN, 1000)).toBe(5000);
  });

  it('returns 0 (no filter) for 0', () => {
    expect(refusalDurationMs(0, 1000)).toBe(0);
  });

  it('uses the given seconds', () => {
    expect(refusalDurationMs(2, 1000)).toBe(2000);
    expect(refusalDurationMs(3600, 1000)).toBe(3_600_000);
  });

  it('lasts at least one allocation interval', () => {
    expect(refusalDurationMs(0.5, 1000)).toBe(1000);
    expect(refusalDurationMs(undefined, 10_000)).toBe(10_000);
  });

  it('caps at 365 days', () => {
    expect(MAX_REFUSE_SECONDS).toBe(31_536_000);
    expect(refusalDurationMs(31_536_001, 1000)).toBe(31_536_000_000);
    expect(refusalDurationMs(2_147_483_647, 1000)).toBe(31_536_000_000);
    expect(refusalDurationMs(Number.POSITIVE_INFINITY, 1000)).toBe(31_536_000_000);
  });
});

describe('filterCovers', () => {
  it('covers the same set and any subset', () => {
    const refused = res('cpus:4;mem:1024;ports:[31000-31009]');
    expect(filterCovers(refused, refused)).toBe(true);
    expect(filterCovers(refused, res('cpus:2;mem:1024'))).toBe(true);
    expect(filterCovers(refused, res('ports:[31002-31003]'))).toBe(true);
  });

  it('does not cover a superset, other names or other ranges', () => {
    const refused = res('cpus:4;mem:1024;ports:[31000-31009]');
    expect(filterCovers(refused, res('cpus:4.5;mem:1024'))).toBe(false);
    expect(filterCovers(refused, res('cpus:1;gpus:1'))).toBe(false);
    expect(filterCovers(refused, res('ports:[31009-31010]'))).toBe(false);
  });

  it('tells reservations apart', () => {
    expect(filterCovers(res('cpus:4'), res('cpus(eng):1'))).toBe(false);
    expect(filterCovers(res('cpus(eng):4'), res('cpus(eng):1'))).toBe(true);
  });
});

describe('RefusalFilters', () => {
  it('holds back a covered set until the expiry, exclusive', () => {
    const f = new RefusalFilters();
    f.add('fw', 'r', 'a1', res('cpus:4;mem:1024'), 5000);
    const v = view('cpus:4;mem:1024');
    expect(f.isFiltered('fw', 'r', 'a1', v, 0)).toBe(true);
    expect(f.isFiltered('fw', 'r', 'a1', v, 4999)).toBe(true);
    expect(f.isFiltered('fw', 'r', 'a1', v, 5000)).toBe(false);
  });

  it('is keyed by framework, role and agent', () => {
    const f = new RefusalFilters();
    f.add('fw', 'r', 'a1', res('cpus:4'), 5000);
    const v = view('cpus:4');
    expect(f.isFiltered('other', 'r', 'a1', v, 0)).toBe(false);
    expect(f.isFiltered('fw', 'other', 'a1', v, 0)).toBe(false);
    expect(f.isFiltered('fw', 'r', 'a2', v, 0)).toBe(false);
    expect(f.forAgent('a1')).toBeDefined();
    expect(f.forAgent('a2')).toBeUndefined();
  });

  it('lets a superset through', () => {
    const f = new RefusalFilters();
    f.add('fw', 'r', 'a1', res('cpus:3;mem:512'), 5000);
    expect(f.isFiltered('fw', 'r', 'a1', view('cpus:4;mem:512'), 0)).toBe(false);
    expect(f.isFiltered('fw', 'r', 'a1', view('cpus:3;mem:512;disk:10'), 0)).toBe(false);
    expect(f.isFiltered('fw', 'r', 'a1', view('cpus:1;mem:512'), 0)).toBe(true);
  });

  it('answers again when availability changes (a new stamp)', () => {
    const f = new RefusalFilters();
    f.add('fw', 'r', 'a1', res('cpus:3'), 5000);
    const small = view('cpus:2');
    expect(f.isFiltered('fw', 'r', 'a1', small, 0)).toBe(true);
    expect(f.isFiltered('fw', 'r', 'a1', small, 1)).toBe(true);
    expect(f.isFiltered('fw', 'r', 'a1', view('cpus:5'), 2)).toBe(false);
    expect(f.isFiltered('fw', 'r', 'a1', { ...small, stamp: -1 }, 3)).toBe(true);
  });

  it('filters when any of several filters on one key covers', () => {
    const f = new RefusalFilters();
    f.add('fw', 'r', 'a1', res('cpus:1'), 1000);
    f.add('fw', 'r', 'a1', res('cpus:4'), 9000);
    expect(f.isFiltered('fw', 'r', 'a1', view('cpus:3'), 0)).toBe(true);
    expect(f.activeCount(0)).toBe(2);
    expect(f.activeCount(1000)).toBe(1);
  });

  it('expire() drops what has run out', () => {
    const f = new RefusalFilters();
    f.add('fw', 'r', 'a1', res('cpus:1'), 1000);
    f.add('fw', 'r', 'a2', res('cpus:1'), 3000);
    f.expire(999);
    expect(f.list(0)).toHaveLength(2);
    f.expire(1000);
    expect(f.list(0).map((x) => x.agentId)).toEqual(['a2']);
    f.expire(3000);
    expect(f.list(0)).toEqual([]);
    expect(f.forAgent('a2')).toBeUndefined();
    expect(f.activeCount(0)).toBe(0);
  });

  it('clearFramework drops the named roles, or all', () => {
    const f = new RefusalFilters();
    f.add('fw', 'a', 'a1', res('cpus:1'), 9000);
    f.add('fw', 'b', 'a1', res('cpus:1'), 9000);
    f.add('other', 'a', 'a1', res('cpus:1'), 9000);
    f.clearFramework('fw', ['a']);
    expect(
      f
        .list(0)
        .map((x) => `${x.frameworkId}/${x.role}`)
        .sort(),
    ).toEqual(['fw/b', 'other/a']);
    f.clearFramework('fw');
    expect(f.list(0).map((x) => x.frameworkId)).toEqual(['other']);
    expect(f.activeCount(0)).toBe(1);
  });

  it('clearAgent drops every filter on that agent', () => {
    const f = new RefusalFilters();
    f.add('fw', 'a', 'a1', res('cpus:1'), 9000);
    f.add('fw', 'b', 'a1', res('cpus:1'), 9000);
    f.add('fw', 'a', 'a2', res('cpus:1'), 9000);
    f.clearAgent('a1');
    expect(f.list(0).map((x) => x.agentId)).toEqual(['a2']);
    expect(f.activeCount(0)).toBe(1);
  });

  it('counts active filters per role', () => {
    const f = new RefusalFilters();
    f.add('fw', 'a', 'a1', res('cpus:1'), 9000);
    f.add('fw', 'b', 'a1', res('cpus:1'), 9000);
    f.add('fw2', 'b', 'a1', res('cpus:1'), 9000);
    expect(f.activeCount(0, 'a')).toBe(1);
    expect(f.activeCount(0, 'b')).toBe(2);
    expect(f.activeCount(9000, 'b')).toBe(0);
  });
});

describe('min allocatable resources', () => {
  it('parses alternatives and conjunctions', () => {
    expect(parseMinAllocatable('cpus:0.01|mem:32')).toEqual([{ cpus: 0.01 }, { mem: 32 }]);
    expect(parseMinAllocatable('cpus:1;mem:512|gpus:1')).toEqual([{ cpus: 1, mem: 512 }, { gpus: 1 }]);
  });

  it('counts ranges and sets by elements', () => {
    expect(parseMinAllocatable('ports:[31000-31009]')).toEqual([{ ports: 10 }]);
    expect(parseMinAllocatable('zones:{a,b,c}')).toEqual([{ zones: 3 }]);
  });

  it('rejects malformed text', () => {
    for (const bad of ['', '  ', 'cpus', 'cpus:abc', 'cpus:1||mem:2', 'cpus:-1', 'cpus(eng):1', 'cpus:1|']) {
      expect(() => parseMinAllocatable(bad), bad).toThrow(/min_allocatable_resources/);
    }
  });

  it('checks quantities: one alternative must be fully present', () => {
    const min = parseMinAllocatable('cpus:1;mem:512|gpus:1');
    const q = (text: string) => quantitiesOf(res(text));
    expect(satisfiesMinAllocatable(q('cpus:1;mem:512'), min)).toBe(true);
    expect(satisfiesMinAllocatable(q('cpus:2;mem:256'), min)).toBe(false);
    expect(satisfiesMinAllocatable(q('gpus:1'), min)).toBe(true);
    // No minimum: anything non-empty is allocatable; nothing never is.
    expect(satisfiesMinAllocatable(q('mem:1'), [])).toBe(true);
    expect(satisfiesMinAllocatable(new Map(), [])).toBe(false);
  });

  it('reads FrameworkInfo.offer_filters quantities', () => {
    expect(
      minAllocatableFromProto({
        quantities: [
          { quantities: { cpus: { value: 1 }, mem: { value: 64 } } },
          { quantities: { gpus: { value: 1 } } },
        ],
      }),
    ).toEqual([{ cpus: 1, mem: 64 }, { gpus: 1 }]);
    expect(minAllocatableFromProto({ quantities: [] })).toEqual([]);
  });
});
