import { describe, expect, it } from 'vitest';
import {
  attributeText,
  constraintsAllow,
  instancesToKillForConstraints,
  offerPlacement,
  unmetConstraints,
  type PlacementView,
} from '../../src/marathon/scheduling/constraints.js';
import type { Constraint } from '../../src/marathon/model/types.js';
import type { Offer } from '../../src/mesos/protocol/types.js';

function at(hostname: string, attributes: Record<string, string> = {}): PlacementView {
  return { hostname, attributes };
}

/** Places `count` instances one by one, each on the first candidate (in the given order) that is allowed. */
function placeGreedily(
  constraints: Constraint[],
  candidates: PlacementView[],
  count: number,
): PlacementView[] {
  const placed: PlacementView[] = [];
  for (let i = 0; i < count; i++) {
    const next = candidates.find((c) => constraintsAllow(constraints, c, placed));
    if (!next) break;
    placed.push(next);
  }
  return placed;
}

describe('offerPlacement', () => {
  const offer: Offer = {
    id: { value: 'o1' },
    framework_id: { value: 'f' },
    agent_id: { value: 'a1' },
    hostname: 'agent-1',
    resources: [],
    attributes: [
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'level', type: 'SCALAR', scalar: { value: 5 } },
      { name: 'weight', type: 'SCALAR', scalar: { value: 2.5 } },
      {
        name: 'keys',
        type: 'RANGES',
        ranges: {
          range: [
            { begin: 300, end: 400 },
            { begin: 100, end: 200 },
          ],
        },
      },
      { name: 'tags', type: 'SET', set: { item: ['b', 'a'] } },
    ],
  };

  it('renders attributes as Marathon compares them', () => {
    expect(offerPlacement(offer)).toEqual({
      hostname: 'agent-1',
      attributes: { rack: 'r1', level: '5', weight: '2.5', keys: '[100-200,300-400]', tags: '{a,b}' },
    });
    expect(attributeText({ name: 'x', type: 'SCALAR', scalar: { value: 1.23456 } })).toBe('1.235');
  });

  it('takes region and zone from the offer domain when there is one', () => {
    const withDomain = {
      ...offer,
      domain: { fault_domain: { region: { name: 'eu' }, zone: { name: 'eu-1a' } } },
    } as Offer;
    expect(offerPlacement(withDomain)).toMatchObject({ region: 'eu', zone: 'eu-1a' });
    expect(offerPlacement(offer).region).toBeUndefined();
    expect(constraintsAllow([['@region', 'IS', 'eu']], offerPlacement(withDomain), [])).toBe(true);
    expect(constraintsAllow([['@zone', 'LIKE', 'eu-.*']], offerPlacement(withDomain), [])).toBe(true);
    expect(constraintsAllow([['@region', 'IS', 'eu']], offerPlacement(offer), [])).toBe(false);
  });
});

describe('UNIQUE', () => {
  it('puts at most one instance per hostname, with either field name', () => {
    const agents = [at('a1'), at('a2'), at('a3')];
    for (const field of ['hostname', '@hostname']) {
      const placed = placeGreedily([[field, 'UNIQUE']], agents, 4);
      expect(placed.map((p) => p.hostname)).toEqual(['a1', 'a2', 'a3']);
      for (const agent of agents) expect(constraintsAllow([[field, 'UNIQUE']], agent, placed)).toBe(false);
    }
  });

  it('compares attribute values, and ignores placed instances that lack the attribute', () => {
    const c: Constraint[] = [['rack', 'UNIQUE']];
    expect(constraintsAllow(c, at('x', { rack: 'r1' }), [at('y', { rack: 'r1' })])).toBe(false);
    expect(constraintsAllow(c, at('x', { rack: 'r1' }), [at('y', { rack: 'r2' }), at('z')])).toBe(true);
  });
});

describe('CLUSTER', () => {
  it('with a value, accepts only agents with that value', () => {
    const c: Constraint[] = [['rack', 'CLUSTER', 'r2']];
    expect(constraintsAllow(c, at('x', { rack: 'r2' }), [])).toBe(true);
    expect(constraintsAllow(c, at('x', { rack: 'r1' }), [])).toBe(false);
  });

  it('without a value, follows the first placed instance', () => {
    const c: Constraint[] = [['rack', 'CLUSTER', '']];
    expect(constraintsAllow(c, at('x', { rack: 'r1' }), [])).toBe(true);
    const placed = [at('p', { rack: 'r1' }), at('q', { rack: 'r2' })];
    expect(constraintsAllow(c, at('x', { rack: 'r1' }), placed)).toBe(true);
    expect(constraintsAllow(c, at('x', { rack: 'r2' }), placed)).toBe(false);
    expect(constraintsAllow([['hostname', 'CLUSTER']], at('h1'), [at('h1')])).toBe(true);
    expect(constraintsAllow([['hostname', 'CLUSTER']], at('h2'), [at('h1')])).toBe(false);
  });
});

describe('GROUP_BY', () => {
  const racks = ['a', 'b', 'c'].flatMap((rack) => [at(`${rack}-1`, { rack }), at(`${rack}-2`, { rack })]);

  it('spreads 6 instances over 3 racks evenly when the rack count is given', () => {
    const placed = placeGreedily([['rack', 'GROUP_BY', '3']], racks, 6);
    expect(placed.map((p) => p.attributes.rack)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('accepts an unseen value always, and a seen one only while it has the fewest instances', () => {
    const c: Constraint[] = [['rack', 'GROUP_BY']];
    const placed = [at('p', { rack: 'a' }), at('q', { rack: 'a' }), at('r', { rack: 'b' })];
    expect(constraintsAllow(c, at('x', { rack: 'a' }), placed)).toBe(false);
    expect(constraintsAllow(c, at('x', { rack: 'b' }), placed)).toBe(true);
    expect(constraintsAllow(c, at('x', { rack: 'c' }), placed)).toBe(true);
    // Without a count, a single rack in use is also the least used one.
    expect(constraintsAllow(c, at('x', { rack: 'a' }), [at('p', { rack: 'a' })])).toBe(true);
  });

  it('refuses a used value while fewer values than the given count are in use', () => {
    const placed = [at('p', { rack: 'a' }), at('q', { rack: 'b' })];
    expect(constraintsAllow([['rack', 'GROUP_BY', '3']], at('x', { rack: 'a' }), placed)).toBe(false);
    expect(constraintsAllow([['rack', 'GROUP_BY', '3']], at('x', { rack: 'c' }), placed)).toBe(true);
    expect(constraintsAllow([['rack', 'GROUP_BY', '2']], at('x', { rack: 'a' }), placed)).toBe(true);
  });
});

describe('LIKE and UNLIKE', () => {
  it('match the whole value against the regex', () => {
    const agent = at('x', { rack: 'rack-12' });
    expect(constraintsAllow([['rack', 'LIKE', 'rack-[0-9]+']], agent, [])).toBe(true);
    expect(constraintsAllow([['rack', 'LIKE', 'rack']], agent, [])).toBe(false);
    expect(constraintsAllow([['rack', 'UNLIKE', 'rack-1.*']], agent, [])).toBe(false);
    expect(constraintsAllow([['rack', 'UNLIKE', 'rack']], agent, [])).toBe(true);
    expect(constraintsAllow([['hostname', 'LIKE', 'x|y']], agent, [])).toBe(true);
  });

  it('treat a missing attribute as a match for UNLIKE only', () => {
    expect(constraintsAllow([['rack', 'LIKE', '.*']], at('x'), [])).toBe(false);
    expect(constraintsAllow([['rack', 'UNLIKE', 'r1']], at('x'), [])).toBe(true);
  });

  it('never match with an empty or invalid pattern', () => {
    const agent = at('x', { rack: 'r1' });
    expect(constraintsAllow([['rack', 'LIKE', '']], agent, [])).toBe(false);
    expect(constraintsAllow([['rack', 'UNLIKE', '']], agent, [])).toBe(false);
    expect(constraintsAllow([['rack', 'LIKE', '(']], agent, [])).toBe(false);
  });
});

describe('MAX_PER', () => {
  it('allows fewer than n instances per value', () => {
    const c: Constraint[] = [['rack', 'MAX_PER', '2']];
    const placed = [at('p', { rack: 'a' }), at('q', { rack: 'a' }), at('r', { rack: 'b' })];
    expect(constraintsAllow(c, at('x', { rack: 'a' }), placed)).toBe(false);
    expect(constraintsAllow(c, at('x', { rack: 'b' }), placed)).toBe(true);
    expect(constraintsAllow(c, at('x', { rack: 'c' }), placed)).toBe(true);
  });
});

describe('IS', () => {
  it('matches text exactly and numbers as scalar text', () => {
    expect(constraintsAllow([['rack', 'IS', 'r1']], at('x', { rack: 'r1' }), [])).toBe(true);
    expect(constraintsAllow([['rack', 'IS', 'r']], at('x', { rack: 'r1' }), [])).toBe(false);
    expect(constraintsAllow([['level', 'IS', '5.0']], at('x', { level: '5' }), [])).toBe(true);
    expect(constraintsAllow([['level', 'IS', '5.1']], at('x', { level: '5' }), [])).toBe(false);
  });
});

describe('a missing attribute', () => {
  it('fails every operator except UNLIKE', () => {
    const cases: Constraint[] = [
      ['rack', 'UNIQUE'],
      ['rack', 'CLUSTER', 'r1'],
      ['rack', 'CLUSTER', ''],
      ['rack', 'GROUP_BY'],
      ['rack', 'LIKE', '.*'],
      ['rack', 'MAX_PER', '5'],
      ['rack', 'IS', 'r1'],
    ];
    for (const c of cases) expect(constraintsAllow([c], at('x', { zone: 'z' }), []), c.join(' ')).toBe(false);
  });
});

describe('unmetConstraints', () => {
  it('lists the failing constraints in order; all must hold', () => {
    const constraints: Constraint[] = [
      ['hostname', 'UNIQUE'],
      ['rack', 'IS', 'r1'],
      ['rack', 'MAX_PER', '3'],
    ];
    const candidate = at('h1', { rack: 'r2' });
    expect(unmetConstraints(constraints, candidate, [at('h1', { rack: 'r1' })])).toEqual([
      ['hostname', 'UNIQUE'],
      ['rack', 'IS', 'r1'],
    ]);
    expect(constraintsAllow(constraints, at('h2', { rack: 'r1' }), [at('h1', { rack: 'r1' })])).toBe(true);
    expect(constraintsAllow([], candidate, [])).toBe(true);
  });
});

describe('instancesToKillForConstraints', () => {
  const running = [
    { id: 'a1', rack: 'a' },
    { id: 'b1', rack: 'b' },
    { id: 'a2', rack: 'a' },
    { id: 'c1', rack: 'c' },
    { id: 'a3', rack: 'a' },
  ];
  const placementOf = (i: { rack: string }) => at('h', { rack: i.rack });

  it('kills from the largest GROUP_BY groups first', () => {
    const killed = instancesToKillForConstraints([['rack', 'GROUP_BY']], running, placementOf, 2);
    expect(killed.map((i) => i.id)).toEqual(['a1', 'a2']);
  });

  it('takes the given order when the groups are even, then the largest groups again', () => {
    const killed = instancesToKillForConstraints([['rack', 'GROUP_BY']], running, placementOf, 4);
    // a:3 b:1 c:1 -> a1, a2 (a:1 b:1 c:1) -> b1 by order (a:1 b:0 c:1) -> a3 from a largest group.
    expect(killed.map((i) => i.id)).toEqual(['a1', 'a2', 'b1', 'a3']);
  });

  it('selects nothing without GROUP_BY constraints, and everything when all must go', () => {
    expect(instancesToKillForConstraints([['rack', 'UNIQUE']], running, placementOf, 2)).toEqual([]);
    expect(instancesToKillForConstraints([], running, placementOf, 5)).toEqual(running);
  });
});
