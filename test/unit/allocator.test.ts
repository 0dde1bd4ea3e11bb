import { describe, expect, it } from 'vitest';
import {
  HierarchicalAllocator,
  parseMinAllocatable,
  type Allocation,
  type AllocatorOptions,
} from '../../src/mesos/master/allocator/index.js';
import {
  containsResources,
  parseResources,
  resourcesEqual,
  scalarOf,
  subtractResources,
  withAllocationRole,
} from '../../src/mesos/protocol/resources.js';

const res = (text: string) => parseResources(text);
const AGENT = 'cpus:4;mem:1024;disk:2048;ports:[31000-31099]';

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), x | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function make(options: AllocatorOptions = {}): HierarchicalAllocator {
  return new HierarchicalAllocator({ random: seeded(1), ...options });
}

function addAgents(a: HierarchicalAllocator, n: number, resources = AGENT, prefix = 'agent'): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${i}`;
    a.addAgent(id, { hostname: `${id}.local` }, res(resources));
    ids.push(id);
  }
  return ids;
}

/** Offers per framework id. */
function countBy(
  offers: Allocation[],
  key: (o: Allocation) => string = (o) => o.frameworkId,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of offers) out.set(key(o), (out.get(key(o)) ?? 0) + 1);
  return out;
}

/** Gives every offer back without a filter (as if rescinded). */
function recoverAll(
  a: HierarchicalAllocator,
  offers: Allocation[],
  refuse: number | null | undefined,
  now: number,
) {
  for (const o of offers) a.recoverResources(o.frameworkId, o.agentId, o.resources, refuse, now);
}

/** Offers the framework keeps part of (a task) and declines the rest without a filter. */
function launch(a: HierarchicalAllocator, offer: Allocation, task: string, now: number): boolean {
  const taskResources = withAllocationRole(res(task), offer.role);
  if (!containsResources(offer.resources, taskResources)) {
    a.recoverResources(offer.frameworkId, offer.agentId, offer.resources, null, now);
    return false;
  }
  a.recoverResources(
    offer.frameworkId,
    offer.agentId,
    subtractResources(offer.resources, taskResources),
    null,
    now,
  );
  return true;
}

describe('HierarchicalAllocator: offers', () => {
  it('offers a whole agent to one framework, with allocation_info.role set', () => {
    const a = make();
    a.addFramework('f1', { roles: ['web'] });
    a.addFramework('f2', { roles: ['web'] });
    a.addAgent('a1', {}, res(AGENT));
    const offers = a.allocate(0);
    expect(offers).toHaveLength(1);
    const [offer] = offers;
    expect(offer!.agentId).toBe('a1');
    expect(offer!.role).toBe('web');
    expect(resourcesEqual(offer!.resources, res(AGENT))).toBe(true);
    expect(offer!.resources.every((r) => r.allocation_info?.role === 'web')).toBe(true);
    expect(a.agentAvailable('a1')).toEqual([]);
    // Nothing is left for the next cycle until something comes back.
    expect(a.allocate(1000)).toEqual([]);
  });

  it('spreads agents over frameworks by DRF', () => {
    const a = make();
    for (const f of ['f1', 'f2', 'f3']) a.addFramework(f, { roles: ['r'] });
    addAgents(a, 9);
    const offers = a.allocate(0);
    expect(offers).toHaveLength(9);
    expect(countBy(offers)).toEqual(
      new Map([
        ['f1', 3],
        ['f2', 3],
        ['f3', 3],
      ]),
    );
  });

  it('does not touch the caller-owned offer when the allocator changes', () => {
    const a = make();
    a.addFramework('f1', { roles: ['r'] });
    a.addAgent('a1', {}, res(AGENT));
    const [offer] = a.allocate(0);
    const copy = structuredClone(offer!.resources);
    a.recoverResources('f1', 'a1', offer!.resources, null, 0);
    a.allocate(1);
    expect(offer!.resources).toEqual(copy);
  });

  it('counts resources used at addAgent towards the framework holding them', () => {
    const a = make();
    a.addFramework('f1', { roles: ['r'] });
    a.addFramework('f2', { roles: ['r'] });
    a.addAgent('a1', {}, res(AGENT), [
      { frameworkId: 'f1', resources: withAllocationRole(res('cpus:1;mem:128'), 'r') },
    ]);
    a.addAgent('a2', {}, res(AGENT));
    expect(scalarOf(a.agentAvailable('a1')!, 'cpus')).toBe(3);
    // f1 already holds something, so f2 comes first; then f2 holds more than f1.
    expect(a.allocate(0, ['a2']).map((o) => o.frameworkId)).toEqual(['f2']);
    expect(a.allocate(1, ['a1']).map((o) => o.frameworkId)).toEqual(['f1']);
    const held = a.frameworkAllocated('f1');
    expect(held.map((x) => [x.agentId, scalarOf(x.resources, 'cpus')])).toEqual([['a1', 4]]);
  });

  it('counts resources an agent reported for a framework once the framework is added', () => {
    const a = make();
    a.addAgent('a1', {}, res(AGENT), [
      { frameworkId: 'f1', resources: withAllocationRole(res('cpus:3;mem:512'), 'r') },
    ]);
    expect(scalarOf(a.agentAvailable('a1')!, 'cpus')).toBe(1);
    a.addFramework('f1', { roles: ['r'] }, [
      { agentId: 'a1', resources: withAllocationRole(res('cpus:3;mem:512'), 'r') },
    ]);
    a.addFramework('f2', { roles: ['r'] });
    a.addAgent('a2', {}, res(AGENT));
    // Not counted twice: a1 still has 1 cpu, f1 holds 3, and f2 (holding nothing) goes first.
    expect(scalarOf(a.agentAvailable('a1')!, 'cpus')).toBe(1);
    expect(a.frameworkAllocated('f1').map((x) => [x.agentId, scalarOf(x.resources, 'cpus')])).toEqual([
      ['a1', 3],
    ]);
    expect(a.allocate(0, ['a2']).map((o) => o.frameworkId)).toEqual(['f2']);
  });

  it('counts used resources passed to addFramework', () => {
    const a = make();
    addAgents(a, 2);
    a.addFramework('f1', { roles: ['r'] }, [
      { agentId: 'agent-0', resources: withAllocationRole(res('cpus:2;mem:512'), 'r') },
    ]);
    a.addFramework('f2', { roles: ['r'] });
    expect(scalarOf(a.agentAvailable('agent-0')!, 'cpus')).toBe(2);
    const offers = a.allocate(0);
    expect(offers[0]!.frameworkId).toBe('f2');
  });

  it('gives the next agents to the framework furthest below its share', () => {
    const a = make();
    a.addFramework('f1', { roles: ['r'] });
    a.addFramework('f2', { roles: ['r'] });
    addAgents(a, 1);
    const first = a.allocate(0);
    expect(first[0]!.frameworkId).toBe('f1');
    a.addAgent('late', {}, res(AGENT));
    expect(a.allocate(1000, ['late'])[0]!.frameworkId).toBe('f2');
  });

  it('allocates only the agents asked for, skipping unknown ones', () => {
    const a = make();
    a.addFramework('f1', { roles: ['r'] });
    addAgents(a, 3);
    const offers = a.allocate(0, ['agent-1', 'nope', 'agent-1']);
    expect(offers.map((o) => o.agentId)).toEqual(['agent-1']);
  });
});

describe('HierarchicalAllocator: DRF fairness', () => {
  it('equalizes dominant shares of frameworks with different dominant resources (DRF paper)', () => {
    // 9 cpus, 18 GB; A runs <1 cpu, 4 GB> tasks, B runs <3 cpus, 1 GB> tasks.
    const a = make();
    a.addFramework('A', { roles: ['r'] });
    a.addFramework('B', { roles: ['r'] });
    a.addAgent('a1', {}, res('cpus:9;mem:18432'));
    const tasks = new Map([
      ['A', 0],
      ['B', 0],
    ]);
    const shape: Record<string, string> = { A: 'cpus:1;mem:4096', B: 'cpus:3;mem:1024' };
    for (let now = 0; now < 50; now++) {
      const offers = a.allocate(now);
      if (offers.length === 0) break;
      const offer = offers[0]!;
      if (!launch(a, offer, shape[offer.frameworkId]!, now)) break;
      tasks.set(offer.frameworkId, tasks.get(offer.frameworkId)! + 1);
    }
    expect(tasks).toEqual(
      new Map([
        ['A', 3],
        ['B', 2],
      ]),
    );
    // Equal dominant shares: A holds 12 of 18 GB, B 6 of 9 cpus.
    const held = (f: string, name: string) =>
      a.frameworkAllocated(f).reduce((sum, x) => sum + scalarOf(x.resources, name), 0);
    expect(held('A', 'mem') / 18432).toBeCloseTo(2 / 3);
    expect(held('B', 'cpus') / 9).toBeCloseTo(2 / 3);
  });

  it('keeps dominant shares close over many agents', () => {
    const a = make();
    a.addFramework('cpu-heavy', { roles: ['r'] });
    a.addFramework('mem-heavy', { roles: ['r'] });
    addAgents(a, 20, 'cpus:8;mem:8192');
    const shape: Record<string, string> = { 'cpu-heavy': 'cpus:2;mem:256', 'mem-heavy': 'cpus:0.5;mem:2048' };
    const share = (f: string, name: string, total: number) =>
      a.frameworkAllocated(f).reduce((s, x) => s + scalarOf(x.resources, name), 0) / total;
    // Three cycles of one task per offer: well below capacity, so every offer fits a task.
    for (let now = 0; now < 3; now++) {
      for (const offer of a.allocate(now))
        expect(launch(a, offer, shape[offer.frameworkId]!, now)).toBe(true);
      const cpuHeavy = share('cpu-heavy', 'cpus', 160);
      const memHeavy = share('mem-heavy', 'mem', 163840);
      // Each task is 1/80 of its framework's dominant resource: they never drift more than one apart.
      expect(Math.abs(cpuHeavy - memHeavy)).toBeLessThanOrEqual(1 / 80 + 1e-9);
    }
    expect(share('cpu-heavy', 'cpus', 160)).toBeCloseTo(30 / 80);
  });

  it('leaves excluded resource names (e.g. gpus) out of DRF shares', () => {
    const next = (excluded: string[]) => {
      const a = make({ fairnessExcludedResourceNames: excluded });
      a.addFramework('f1', { roles: ['r'] });
      a.addFramework('f2', { roles: ['r'] });
      a.addAgent('gpu', {}, res('cpus:1;mem:64;gpus:4'));
      a.addAgent('n1', {}, res('cpus:4;mem:1024'));
      a.addAgent('n2', {}, res('cpus:4;mem:1024'));
      expect(a.allocate(0, ['gpu'])[0]!.frameworkId).toBe('f1');
      expect(a.allocate(1, ['n1'])[0]!.frameworkId).toBe('f2');
      return a.allocate(2, ['n2'])[0]!.frameworkId;
    };
    // Counting gpus, f1 holds all of them (share 1); without them it holds 1 of 9 cpus.
    expect(next([])).toBe('f2');
    expect(next(['gpus'])).toBe('f1');
  });

  it('gives a role with weight 2 twice the share of a role with weight 1', () => {
    const a = make();
    a.updateWeights([{ role: 'gold', weight: 2 }]);
    a.addFramework('g', { roles: ['gold'] });
    a.addFramework('s', { roles: ['silver'] });
    addAgents(a, 12);
    const offers = a.allocate(0);
    expect(countBy(offers, (o) => o.role)).toEqual(
      new Map([
        ['gold', 8],
        ['silver', 4],
      ]),
    );
    expect(a.roles().map((r) => [r.name, r.weight])).toEqual([
      ['gold', 2],
      ['silver', 1],
    ]);
  });

  it('shares a parent role fairly against its sibling, and within it among sub-roles', () => {
    const a = make();
    a.addFramework('fa', { roles: ['eng/a'] });
    a.addFramework('fb', { roles: ['eng/b'] });
    a.addFramework('fo', { roles: ['ops'] });
    addAgents(a, 8);
    const offers = a.allocate(0);
    expect(countBy(offers, (o) => o.role)).toEqual(
      new Map([
        ['eng/a', 2],
        ['eng/b', 2],
        ['ops', 4],
      ]),
    );
  });

  it('orders frameworks within a role by their own DRF share', () => {
    const a = make();
    a.addFramework('big', { roles: ['r'] }, []);
    a.addFramework('small', { roles: ['r'] });
    a.addAgent('busy', {}, res('cpus:16;mem:4096'), [
      { frameworkId: 'big', resources: withAllocationRole(res('cpus:12;mem:1024'), 'r') },
    ]);
    addAgents(a, 3, 'cpus:4;mem:1024');
    const offers = a.allocate(0, ['agent-0', 'agent-1', 'agent-2']);
    // small (no share) takes agents until its share passes big's 12/28 cpus.
    expect(countBy(offers)).toEqual(new Map([['small', 3]]));
  });
});

describe('HierarchicalAllocator: reservations', () => {
  const MIXED = 'cpus(eng):2;mem(eng):256;cpus:1;mem:128';

  it('offers a role only unreserved resources and its own reservations', () => {
    const a = make();
    a.addFramework('ops', { roles: ['ops'] });
    a.addAgent('a1', {}, res(MIXED));
    const [offer] = a.allocate(0);
    expect(resourcesEqual(offer!.resources, res('cpus:1;mem:128'))).toBe(true);
    expect(resourcesEqual(a.agentAvailable('a1')!, res('cpus(eng):2;mem(eng):256'))).toBe(true);
  });

  it('offers reserved resources to the role and its sub-roles, not to look-alikes', () => {
    for (const [role, cpus] of [
      ['eng', 3],
      ['eng/web', 3],
      ['engineering', 1],
    ] as const) {
      const a = make();
      a.addFramework('f', { roles: [role] });
      a.addAgent('a1', {}, res(MIXED));
      expect(scalarOf(a.allocate(0)[0]!.resources, 'cpus')).toBe(cpus);
    }
  });

  it('lets the reserving role take its reservation and the unreserved part together', () => {
    const a = make();
    a.addFramework('ops', { roles: ['ops'] });
    a.addFramework('eng', { roles: ['eng'] });
    a.addAgent('a1', {}, res(MIXED));
    // Tied at share 0, 'eng' sorts before 'ops' and takes everything it may use: all of it.
    const offers = a.allocate(0);
    expect(offers.map((o) => o.role)).toEqual(['eng']);
    expect(resourcesEqual(offers[0]!.resources, res(MIXED))).toBe(true);
  });

  it('lets another role take its reservation after the unreserved part is gone', () => {
    const a = make();
    a.addFramework('a-ops', { roles: ['a-ops'] });
    a.addFramework('eng', { roles: ['eng'] });
    a.addAgent('a1', {}, res(MIXED));
    const offers = a.allocate(0);
    expect(offers.map((o) => o.role)).toEqual(['a-ops', 'eng']);
    expect(resourcesEqual(offers[1]!.resources, res('cpus(eng):2;mem(eng):256'))).toBe(true);
  });
});

describe('HierarchicalAllocator: refusal filters', () => {
  function declined(refuse: number | undefined | null, options: AllocatorOptions = {}) {
    const a = make(options);
    a.addFramework('f', { roles: ['r'] });
    a.addAgent('a1', {}, res(AGENT));
    const [offer] = a.allocate(0);
    a.recoverResources('f', 'a1', offer!.resources, refuse, 0);
    return a;
  }

  it('holds back declined resources for 5 s by default', () => {
    const a = declined(undefined);
    expect(a.activeFilterCount()).toBe(1);
    expect(a.allocate(4999)).toEqual([]);
    expect(a.allocate(5000)).toHaveLength(1);
  });

  it('treats a negative refuse_seconds as the default', () => {
    const a = declined(-3);
    expect(a.allocate(4999)).toEqual([]);
    expect(a.allocate(5000)).toHaveLength(1);
  });

  it('honours a custom refuse_seconds', () => {
    const a = declined(30);
    expect(a.allocate(29_999)).toEqual([]);
    expect(a.allocate(30_000)).toHaveLength(1);
  });

  it('installs no filter for refuse_seconds 0', () => {
    const a = declined(0);
    expect(a.activeFilterCount()).toBe(0);
    expect(a.allocate(1)).toHaveLength(1);
  });

  it('installs no filter when recovering with null (task ended, offer rescinded)', () => {
    const a = declined(null);
    expect(a.activeFilterCount()).toBe(0);
    expect(a.allocate(1)).toHaveLength(1);
  });

  it('lasts at least one allocation interval', () => {
    const a = declined(0.5, { allocationIntervalMs: 2000 });
    expect(a.allocate(1999)).toEqual([]);
    expect(a.allocate(2000)).toHaveLength(1);
  });

  it('caps refuse_seconds at 365 days', () => {
    const a = declined(1e12);
    const year = 31_536_000_000;
    expect(a.allocate(year - 1)).toEqual([]);
    expect(a.allocate(year)).toHaveLength(1);
  });

  it('expires, and stops counting as active', () => {
    const a = declined(10);
    expect(a.activeFilterCount(9_999)).toBe(1);
    expect(a.activeFilterCount(10_000)).toBe(0);
  });

  it('lets other frameworks have what one declined', () => {
    const a = make();
    a.addFramework('f1', { roles: ['r'] });
    a.addFramework('f2', { roles: ['r'] });
    a.addAgent('a1', {}, res(AGENT));
    const [offer] = a.allocate(0);
    expect(offer!.frameworkId).toBe('f1');
    a.recoverResources('f1', 'a1', offer!.resources, 60, 0);
    expect(a.allocate(1000).map((o) => o.frameworkId)).toEqual(['f2']);
  });

  it('breaks through when more than the refused set becomes available', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    a.addAgent('a1', {}, res(AGENT));
    const [offer] = a.allocate(0);
    const task = withAllocationRole(res('cpus:1;mem:128'), 'r');
    a.recoverResources('f', 'a1', subtractResources(offer!.resources, task), 3600, 0);
    expect(a.allocate(1000)).toEqual([]);
    // The task ends: the agent now has more than was refused.
    a.recoverResources('f', 'a1', task, null, 2000);
    const again = a.allocate(3000);
    expect(again).toHaveLength(1);
    expect(resourcesEqual(again[0]!.resources, res(AGENT))).toBe(true);
  });

  it('still holds back a subset of the refused resources', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    a.addFramework('g', { roles: ['r'] });
    a.addAgent('a1', {}, res(AGENT));
    const [offer] = a.allocate(0);
    expect(offer!.frameworkId).toBe('f');
    a.recoverResources('f', 'a1', offer!.resources, 3600, 0);
    const [toG] = a.allocate(1000);
    expect(toG!.frameworkId).toBe('g');
    // g keeps one cpu, so less than f refused is available now.
    a.recoverResources(
      'g',
      'a1',
      subtractResources(toG!.resources, withAllocationRole(res('cpus:1'), 'r')),
      null,
      1000,
    );
    a.suppress('g');
    expect(a.allocate(2000)).toEqual([]);
  });

  it('is per role: a multi-role framework still gets the agent in its other role', () => {
    const a = make();
    a.addFramework('f', { roles: ['a', 'b'], multiRole: true });
    a.addAgent('a1', {}, res(AGENT));
    const [first] = a.allocate(0);
    expect(first!.role).toBe('a');
    a.recoverResources('f', 'a1', first!.resources, 3600, 0);
    const [second] = a.allocate(1000);
    expect(second!.role).toBe('b');
  });

  it('is per agent', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 2);
    const offers = a.allocate(0);
    const declinedOne = offers.find((o) => o.agentId === 'agent-0')!;
    a.recoverResources('f', 'agent-0', declinedOne.resources, 3600, 0);
    const other = offers.find((o) => o.agentId === 'agent-1')!;
    a.recoverResources('f', 'agent-1', other.resources, null, 0);
    expect(a.allocate(1000).map((o) => o.agentId)).toEqual(['agent-1']);
  });

  it('declining every offer holds every agent back until the filters expire', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 5);
    recoverAll(a, a.allocate(0), 10, 0);
    expect(a.activeFilterCount()).toBe(5);
    expect(a.allocate(9_999)).toEqual([]);
    expect(a.allocate(10_000)).toHaveLength(5);
  });

  it('is cleared by revive', () => {
    const a = declined(3600);
    expect(a.allocate(1000)).toEqual([]);
    a.revive('f');
    expect(a.activeFilterCount()).toBe(0);
    expect(a.allocate(1000)).toHaveLength(1);
  });

  it('is cleared for the revived roles only', () => {
    const a = make();
    a.addFramework('f', { roles: ['a', 'b'], multiRole: true });
    addAgents(a, 1);
    const [first] = a.allocate(0);
    a.recoverResources('f', 'agent-0', first!.resources, 3600, 0); // role a
    const [second] = a.allocate(1);
    a.recoverResources('f', 'agent-0', second!.resources, 3600, 1); // role b
    expect(a.activeFilterCount()).toBe(2);
    a.revive('f', ['b']);
    expect(a.activeFilterCount()).toBe(1);
    expect(a.allocate(2).map((o) => o.role)).toEqual(['b']);
  });

  it('is cleared when the agent is removed', () => {
    const a = declined(3600);
    a.removeAgent('a1');
    expect(a.activeFilterCount()).toBe(0);
    a.addAgent('a1', {}, res(AGENT));
    expect(a.allocate(1000)).toHaveLength(1);
  });

  it('is cleared when the framework is deactivated', () => {
    const a = declined(3600);
    a.deactivateFramework('f');
    expect(a.activeFilterCount()).toBe(0);
    a.activateFramework('f');
    expect(a.allocate(1000)).toHaveLength(1);
  });
});

describe('HierarchicalAllocator: suppress, revive, activation', () => {
  it('suppress stops offers for all roles until revive', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 2);
    a.suppress('f');
    expect(a.allocate(0)).toEqual([]);
    a.revive('f');
    expect(a.allocate(1)).toHaveLength(2);
  });

  it('suppress and revive act per role', () => {
    const a = make();
    a.addFramework('f', { roles: ['a', 'b'], multiRole: true });
    addAgents(a, 2);
    a.suppress('f', ['a']);
    expect(a.allocate(0).map((o) => o.role)).toEqual(['b', 'b']);
    const b = make();
    b.addFramework('f', { roles: ['a', 'b'], multiRole: true });
    addAgents(b, 2);
    b.suppress('f', ['a']);
    b.revive('f', ['a']);
    expect(new Set(b.allocate(0).map((o) => o.role)).has('a')).toBe(true);
  });

  it('a framework added suppressed gets nothing for those roles', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'], suppressedRoles: ['r'] });
    addAgents(a, 1);
    expect(a.allocate(0)).toEqual([]);
  });

  it('a suppressed framework lets others have the agents', () => {
    const a = make();
    a.addFramework('f1', { roles: ['r'] });
    a.addFramework('f2', { roles: ['r'] });
    addAgents(a, 3);
    a.suppress('f1');
    expect(countBy(a.allocate(0))).toEqual(new Map([['f2', 3]]));
  });

  it('a deactivated framework gets nothing until activated', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 1);
    a.deactivateFramework('f');
    expect(a.allocate(0)).toEqual([]);
    a.activateFramework('f');
    expect(a.allocate(1)).toHaveLength(1);
  });

  it('a framework added inactive gets nothing', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'], active: false });
    addAgents(a, 1);
    expect(a.allocate(0)).toEqual([]);
  });

  it('a deactivated agent is not offered until activated', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 2);
    a.deactivateAgent('agent-0');
    expect(a.allocate(0).map((o) => o.agentId)).toEqual(['agent-1']);
    a.activateAgent('agent-0');
    expect(a.allocate(1).map((o) => o.agentId)).toEqual(['agent-0']);
  });

  it('a framework without roles gets nothing', () => {
    const a = make();
    a.addFramework('f', { roles: [] });
    addAgents(a, 1);
    expect(a.allocate(0)).toEqual([]);
  });

  it('rejects several roles without MULTI_ROLE', () => {
    const a = make();
    expect(() => a.addFramework('f', { roles: ['a', 'b'] })).toThrow(/MULTI_ROLE/);
    expect(() => a.addFramework('g', { roles: ['/bad'] })).toThrow(/invalid role/);
  });

  it('rejects unknown frameworks and agents in commands', () => {
    const a = make();
    expect(() => a.suppress('nope')).toThrow();
    expect(() => a.activateAgent('nope')).toThrow();
    // Recovering for unknown agents is a no-op (the master may race with agent removal).
    expect(() => a.recoverResources('nope', 'nope', res('cpus:1'), null, 0)).not.toThrow();
  });
});

describe('HierarchicalAllocator: minimum allocatable resources', () => {
  it('does not offer an agent with only crumbs left (0.005 cpus, 16 MB)', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    a.addAgent('a1', {}, res('cpus:0.005;mem:16'));
    expect(a.allocate(0)).toEqual([]);
  });

  it('offers an agent that meets one alternative of the default', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    a.addAgent('cpu-only', {}, res('cpus:0.01;mem:1'));
    a.addAgent('mem-only', {}, res('cpus:0.001;mem:32'));
    expect(a.allocate(0)).toHaveLength(2);
  });

  it('uses the configured global minimum', () => {
    const a = make({ minAllocatableResources: parseMinAllocatable('cpus:1;mem:512') });
    a.addFramework('f', { roles: ['r'] });
    a.addAgent('small', {}, res('cpus:2;mem:256'));
    a.addAgent('big', {}, res('cpus:2;mem:1024'));
    expect(a.allocate(0).map((o) => o.agentId)).toEqual(['big']);
  });

  it('lets a framework override the minimum for a role', () => {
    const a = make();
    // 'a-picky' sorts first but wants 2 cpus; 'b-eager' takes anything (no minimum).
    a.addFramework('a-picky', { roles: ['r'], minAllocatable: { r: parseMinAllocatable('cpus:2') } });
    a.addFramework('b-eager', { roles: ['r'], minAllocatable: { r: [] } });
    a.addAgent('crumbs', {}, res('cpus:0.005;mem:16'));
    a.addAgent('one-cpu', {}, res('cpus:1;mem:64'));
    const offers = a.allocate(0);
    expect(new Map(offers.map((o) => [o.agentId, o.frameworkId]))).toEqual(
      new Map([
        ['crumbs', 'b-eager'],
        ['one-cpu', 'b-eager'],
      ]),
    );
    a.addAgent('two-cpus', {}, res('cpus:2;mem:64'));
    expect(a.allocate(1).map((o) => o.frameworkId)).toEqual(['a-picky']);
  });

  it('updates a framework override with updateFramework', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    a.addAgent('crumbs', {}, res('cpus:0.005;mem:16'));
    expect(a.allocate(0)).toEqual([]);
    a.updateFramework('f', ['r'], [], { r: parseMinAllocatable('mem:8') });
    expect(a.allocate(1)).toHaveLength(1);
  });
});

describe('HierarchicalAllocator: returning resources', () => {
  it('offers recovered resources again in the next cycle', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 1);
    const [offer] = a.allocate(0);
    a.recoverResources('f', 'agent-0', offer!.resources, null, 0);
    expect(resourcesEqual(a.agentAvailable('agent-0')!, res(AGENT))).toBe(true);
    const [again] = a.allocate(1000);
    expect(resourcesEqual(again!.resources, offer!.resources)).toBe(true);
  });

  it('ignores a duplicate recovery instead of creating resources', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 1);
    const [offer] = a.allocate(0);
    a.recoverResources('f', 'agent-0', offer!.resources, null, 0);
    a.recoverResources('f', 'agent-0', offer!.resources, null, 0);
    expect(resourcesEqual(a.agentAvailable('agent-0')!, res(AGENT))).toBe(true);
  });

  it('recovers only what the framework holds when asked for more', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    a.addAgent('a1', {}, res('cpus:2;mem:256'), [
      { frameworkId: 'f', resources: withAllocationRole(res('cpus:1;mem:128'), 'r') },
    ]);
    a.recoverResources('f', 'a1', withAllocationRole(res('cpus:5;mem:128'), 'r'), null, 0);
    expect(resourcesEqual(a.agentAvailable('a1')!, res('cpus:2;mem:256'))).toBe(true);
  });

  it('removeFramework gives what it held to the others', () => {
    const a = make();
    a.addFramework('f1', { roles: ['r'] });
    a.addFramework('f2', { roles: ['r'] });
    addAgents(a, 1);
    a.suppress('f2');
    expect(a.allocate(0)[0]!.frameworkId).toBe('f1');
    a.revive('f2');
    a.removeFramework('f1');
    expect(a.frameworkAllocated('f1')).toEqual([]);
    const offers = a.allocate(1000);
    expect(offers.map((o) => o.frameworkId)).toEqual(['f2']);
    expect(resourcesEqual(offers[0]!.resources, res(AGENT))).toBe(true);
  });

  it('removeFramework drops its role when it was the last framework there', () => {
    const a = make();
    a.addFramework('f1', { roles: ['lonely'] });
    a.addFramework('f2', { roles: ['r'] });
    expect(a.roles().map((r) => r.name)).toEqual(['lonely', 'r']);
    a.removeFramework('f1');
    expect(a.roles().map((r) => r.name)).toEqual(['r']);
  });

  it('removeAgent stops counting what frameworks held there', () => {
    const a = make();
    a.addFramework('f1', { roles: ['r'] });
    a.addFramework('f2', { roles: ['r'] });
    addAgents(a, 2);
    const offers = a.allocate(0);
    const ofF1 = offers.find((o) => o.frameworkId === 'f1')!.agentId;
    a.removeAgent(ofF1);
    expect(a.frameworkAllocated('f1')).toEqual([]);
    expect(a.frameworkAllocated('f2')).toHaveLength(1);
    a.addAgent('new', {}, res(AGENT));
    // f1 holds nothing any more, f2 still holds an agent: f1 comes first.
    expect(a.allocate(1).map((o) => o.frameworkId)).toEqual(['f1']);
    expect(a.agentAvailable(ofF1)).toBeUndefined();
  });
});

describe('HierarchicalAllocator: roles and updates', () => {
  it('updateFramework moves offers to new roles and keeps counting what is held in the old one', () => {
    const a = make();
    a.addFramework('f', { roles: ['old'] });
    addAgents(a, 2);
    const first = a.allocate(0, ['agent-0']);
    expect(first.map((o) => o.role)).toEqual(['old']);
    a.updateFramework('f', ['new']);
    expect(a.allocate(1, ['agent-1']).map((o) => o.role)).toEqual(['new']);
    expect(a.roles().find((r) => r.name === 'old')!.frameworks).toEqual(['f']);
    // Once what it held in the old role comes back, the role disappears.
    a.recoverResources('f', 'agent-0', first[0]!.resources, null, 2);
    expect(a.roles().map((r) => r.name)).toEqual(['new']);
    // And the old role is not offered again.
    expect(a.allocate(3).map((o) => o.role)).toEqual(['new']);
  });

  it('roles() reports weights, frameworks and what each role holds', () => {
    const a = make();
    a.updateWeights([
      { role: 'web', weight: 3 },
      { role: 'idle', weight: 2 },
    ]);
    a.addFramework('f1', { roles: ['web'] });
    a.addFramework('f2', { roles: ['web'] });
    addAgents(a, 2);
    a.allocate(0);
    const roles = a.roles();
    expect(roles.map((r) => r.name)).toEqual(['idle', 'web']);
    const web = roles.find((r) => r.name === 'web')!;
    expect(web.weight).toBe(3);
    expect(web.frameworks).toEqual(['f1', 'f2']);
    expect(scalarOf(web.allocated, 'cpus')).toBe(8);
    expect(roles.find((r) => r.name === 'idle')!.allocated).toEqual([]);
  });

  it('frameworkAllocated lists holdings per agent and role', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 2);
    a.allocate(0);
    const held = a.frameworkAllocated('f');
    expect(held.map((h) => h.agentId).sort()).toEqual(['agent-0', 'agent-1']);
    expect(
      held.every((h) => h.role === 'r' && h.resources.every((r) => r.allocation_info?.role === 'r')),
    ).toBe(true);
  });

  it('stats count runs and offers', () => {
    const a = make();
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 3);
    a.allocate(0);
    a.allocate(1);
    expect(a.stats).toMatchObject({
      allocationRuns: 2,
      allocationsMade: 3,
      lastRunCandidates: 3,
      lastRunAllocations: 0,
      frameworks: 1,
      agents: 3,
      roles: 1,
    });
  });
});

describe('HierarchicalAllocator: agent shuffle', () => {
  function order(seed: number): string[] {
    const a = new HierarchicalAllocator({ random: seeded(seed) });
    a.addFramework('f', { roles: ['r'] });
    addAgents(a, 40);
    return a.allocate(0).map((o) => o.agentId);
  }

  it('is deterministic for a seeded random source', () => {
    expect(order(11)).toEqual(order(11));
  });

  it('changes with the seed and is not insertion order', () => {
    const insertion = Array.from({ length: 40 }, (_, i) => `agent-${i}`);
    expect(order(11)).not.toEqual(order(12));
    expect(order(11)).not.toEqual(insertion);
    expect([...order(11)].sort()).toEqual([...insertion].sort());
  });

  it('decides which framework gets which agent', () => {
    const pairs = (seed: number) => {
      const a = new HierarchicalAllocator({ random: seeded(seed) });
      a.addFramework('f1', { roles: ['r'] });
      a.addFramework('f2', { roles: ['r'] });
      addAgents(a, 10);
      return a.allocate(0).map((o: Allocation) => `${o.agentId}->${o.frameworkId}`);
    };
    expect(pairs(3)).toEqual(pairs(3));
  });
});
