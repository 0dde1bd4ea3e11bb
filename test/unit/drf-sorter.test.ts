import { describe, expect, it } from 'vitest';
import { DrfSorter } from '../../src/mesos/master/allocator/index.js';
import { parseResources } from '../../src/mesos/protocol/resources.js';

const res = (text: string) => parseResources(text);

/** A sorter with `total` in its pool and the given clients added and activated. */
function sorterWith(
  total: string,
  clients: string[],
  options: ConstructorParameters<typeof DrfSorter>[0] = {},
) {
  const s = new DrfSorter(options);
  s.addTotal(res(total));
  for (const c of clients) {
    s.add(c);
    s.activate(c);
  }
  return s;
}

describe('DrfSorter: flat order', () => {
  it('orders clients by dominant share, lowest first', () => {
    const s = sorterWith('cpus:10;mem:100', ['a', 'b', 'c']);
    s.allocated('a', res('cpus:5')); // 0.5
    s.allocated('b', res('mem:20')); // 0.2
    s.allocated('c', res('cpus:1;mem:40')); // 0.4 (mem dominates)
    expect(s.sort()).toEqual(['b', 'c', 'a']);
    expect(s.share('a')).toBeCloseTo(0.5);
    expect(s.share('c')).toBeCloseTo(0.4);
  });

  it('breaks share ties by allocation count, then by name', () => {
    const s = sorterWith('cpus:10', ['b', 'a', 'c']);
    expect(s.sort()).toEqual(['a', 'b', 'c']);
    // Same share for a and b, but a has been allocated to twice.
    s.allocated('a', res('cpus:1'));
    s.allocated('a', res('cpus:1'));
    s.unallocated('a', res('cpus:1'));
    s.allocated('b', res('cpus:1'));
    expect(s.share('a')).toBe(s.share('b'));
    expect(s.allocationCount('a')).toBe(2);
    expect(s.sort()).toEqual(['c', 'b', 'a']);
  });

  it('re-sorts when an allocation is recovered', () => {
    const s = sorterWith('cpus:10', ['a', 'b']);
    s.allocated('a', res('cpus:4'));
    s.allocated('b', res('cpus:2'));
    expect(s.sort()).toEqual(['b', 'a']);
    s.unallocated('a', res('cpus:3'));
    expect(s.sort()).toEqual(['a', 'b']);
  });

  it('lists only active clients', () => {
    const s = sorterWith('cpus:10', ['a', 'b', 'c']);
    s.deactivate('b');
    expect(s.sort()).toEqual(['a', 'c']);
    expect(s.isActive('b')).toBe(false);
    s.allocated('b', res('cpus:1')); // an inactive client still accumulates allocations
    s.activate('b');
    expect(s.sort()).toEqual(['a', 'c', 'b']);
    expect(s.size).toBe(3);
  });

  it('starts clients inactive until activated', () => {
    const s = new DrfSorter();
    s.add('a');
    expect(s.sort()).toEqual([]);
    s.activate('a');
    expect(s.sort()).toEqual(['a']);
  });

  it('divides shares by weight', () => {
    const s = sorterWith('cpus:10', ['a', 'b']);
    s.updateWeight('a', 2);
    s.allocated('a', res('cpus:4')); // 0.4 / 2 = 0.2
    s.allocated('b', res('cpus:3')); // 0.3
    expect(s.share('a')).toBeCloseTo(0.2);
    expect(s.sort()).toEqual(['a', 'b']);
    expect(s.weight('a')).toBe(2);
    expect(s.weight('b')).toBe(1);
  });

  it('remembers a weight set before the client exists', () => {
    const s = new DrfSorter();
    s.addTotal(res('cpus:10'));
    s.updateWeight('late', 4);
    s.add('late');
    s.activate('late');
    s.allocated('late', res('cpus:8'));
    expect(s.share('late')).toBeCloseTo(0.2);
  });

  it('rejects weights that are not positive', () => {
    const s = new DrfSorter();
    expect(() => s.updateWeight('a', 0)).toThrow();
    expect(() => s.updateWeight('a', -1)).toThrow();
    expect(() => s.updateWeight('a', Number.NaN)).toThrow();
  });

  it('leaves excluded resource names out of shares', () => {
    const s = sorterWith('cpus:10;gpus:2', ['a', 'b'], { excludedResourceNames: ['gpus'] });
    s.allocated('a', res('cpus:1;gpus:2'));
    s.allocated('b', res('cpus:2'));
    expect(s.share('a')).toBeCloseTo(0.1);
    expect(s.sort()).toEqual(['a', 'b']);
  });

  it('skips resources whose total is zero or absent', () => {
    const s = sorterWith('cpus:10', ['a']);
    s.allocated('a', res('cpus:1;bananas:5'));
    expect(s.share('a')).toBeCloseTo(0.1);
  });

  it('counts only scalars', () => {
    const s = sorterWith('cpus:10;ports:[1-100]', ['a']);
    s.allocated('a', res('ports:[1-100]'));
    expect(s.share('a')).toBe(0);
    expect(s.allocation('a').size).toBe(0);
  });

  it('recomputes shares when totals change', () => {
    const s = sorterWith('cpus:10;mem:100', ['a', 'b']);
    s.allocated('a', res('cpus:5')); // 0.5
    s.allocated('b', res('mem:40')); // 0.4
    expect(s.sort()).toEqual(['b', 'a']);
    s.addTotal(res('cpus:10')); // a: 5/20 = 0.25
    expect(s.sort()).toEqual(['a', 'b']);
    s.removeTotal(res('cpus:10'));
    expect(s.sort()).toEqual(['b', 'a']);
    expect(s.totalQuantities()).toEqual(
      new Map([
        ['cpus', 10],
        ['mem', 100],
      ]),
    );
  });

  it('reports allocation quantities per client', () => {
    const s = sorterWith('cpus:10;mem:100', ['a']);
    s.allocated('a', res('cpus:1.5;mem:10'));
    s.allocated('a', res('cpus:0.25'));
    s.unallocated('a', res('mem:10'));
    expect(s.allocation('a')).toEqual(new Map([['cpus', 1.75]]));
  });

  it('first() returns the first active client a predicate accepts, in sort order', () => {
    const s = sorterWith('cpus:10', ['a', 'b', 'c']);
    s.allocated('a', res('cpus:3'));
    s.allocated('b', res('cpus:1'));
    const asked: string[] = [];
    const found = s.first((c) => {
      asked.push(c);
      return c !== 'c';
    });
    expect(asked).toEqual(['c', 'b']);
    expect(found).toBe('b');
    expect(s.first(() => false)).toBeUndefined();
  });

  it('rejects bad, duplicate and unknown clients', () => {
    const s = new DrfSorter();
    expect(() => s.add('')).toThrow();
    expect(() => s.add('a//b')).toThrow();
    expect(() => s.add('a/.')).toThrow();
    s.add('a');
    expect(() => s.add('a')).toThrow();
    expect(() => s.allocated('nope', res('cpus:1'))).toThrow();
    expect(s.contains('a')).toBe(true);
    expect(s.contains('nope')).toBe(false);
  });

  it('forgets removed clients', () => {
    const s = sorterWith('cpus:10', ['a', 'b']);
    s.allocated('a', res('cpus:1'));
    s.remove('a');
    expect(s.sort()).toEqual(['b']);
    expect(s.contains('a')).toBe(false);
    s.add('a');
    s.activate('a');
    expect(s.share('a')).toBe(0);
  });
});

describe('DrfSorter: hierarchical roles', () => {
  it('walks the tree pre-order, sorting each level', () => {
    const s = sorterWith('cpus:100', ['eng/a', 'eng/b', 'ops']);
    s.allocated('eng/a', res('cpus:10'));
    s.allocated('ops', res('cpus:5'));
    // eng (0.10) > ops (0.05): ops first; within eng, b (0) before a (0.10).
    expect(s.sort()).toEqual(['ops', 'eng/b', 'eng/a']);
    s.allocated('ops', res('cpus:20'));
    expect(s.sort()).toEqual(['eng/b', 'eng/a', 'ops']);
  });

  it('gives a parent the sum of its children', () => {
    const s = sorterWith('cpus:100', ['eng/a', 'eng/b', 'ops']);
    s.allocated('eng/a', res('cpus:6'));
    s.allocated('eng/b', res('cpus:6'));
    s.allocated('ops', res('cpus:10'));
    // eng holds 12 > ops 10, though each of eng's children holds less than ops.
    expect(s.sort()).toEqual(['ops', 'eng/a', 'eng/b']);
  });

  it('applies a weight set on an inner path to the whole subtree', () => {
    const s = sorterWith('cpus:100', ['eng/a', 'ops']);
    s.updateWeight('eng', 3);
    s.allocated('eng/a', res('cpus:30')); // eng: 0.3 / 3 = 0.1
    s.allocated('ops', res('cpus:20')); // 0.2
    expect(s.sort()).toEqual(['eng/a', 'ops']);
  });

  it('keeps a client that is also a parent as its own leaf', () => {
    const s = sorterWith('cpus:100', ['eng']);
    s.allocated('eng', res('cpus:10'));
    s.add('eng/a');
    s.activate('eng/a');
    expect(s.sort()).toEqual(['eng/a', 'eng']);
    expect(s.share('eng')).toBeCloseTo(0.1);
    s.allocated('eng/a', res('cpus:20'));
    expect(s.sort()).toEqual(['eng', 'eng/a']);
    // Removing the child folds the tree back; `eng` keeps its allocation.
    s.remove('eng/a');
    expect(s.sort()).toEqual(['eng']);
    expect(s.allocation('eng')).toEqual(new Map([['cpus', 10]]));
  });

  it('can add a parent after its child', () => {
    const s = sorterWith('cpus:100', ['eng/a', 'eng']);
    s.allocated('eng/a', res('cpus:5'));
    expect(s.sort()).toEqual(['eng', 'eng/a']);
    s.remove('eng');
    expect(s.sort()).toEqual(['eng/a']);
  });

  it('stops counting a removed child for its ancestors', () => {
    const s = sorterWith('cpus:100', ['eng/a', 'eng/b', 'ops']);
    s.allocated('eng/a', res('cpus:50'));
    s.allocated('ops', res('cpus:10'));
    expect(s.sort()).toEqual(['ops', 'eng/b', 'eng/a']);
    s.remove('eng/a');
    expect(s.sort()).toEqual(['eng/b', 'ops']);
  });

  it('skips inactive leaves but keeps their siblings', () => {
    const s = sorterWith('cpus:100', ['eng/a', 'eng/b', 'ops']);
    s.deactivate('eng/a');
    expect(s.sort()).toEqual(['eng/b', 'ops']);
  });
});

describe('DrfSorter: incremental order matches a full sort', () => {
  /** Deterministic pseudo-random numbers. */
  function lcg(seed: number): () => number {
    let x = seed;
    return () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648;
    };
  }

  // 300 clients spread over many internal blocks of the sibling list, 30 fit in one.
  it.each([30, 300])('after a long random sequence of allocations and recoveries (%i clients)', (n) => {
    const rand = lcg(7);
    const names = Array.from({ length: n }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const s = sorterWith('cpus:1000;mem:100000', names);
    const held = new Map(names.map((n) => [n, { cpus: 0, mem: 0, count: 0 }]));
    for (let step = 0; step < 4000; step++) {
      const name = names[Math.floor(rand() * names.length)]!;
      const h = held.get(name)!;
      if (rand() < 0.7 || h.cpus < 1) {
        const cpus = Math.ceil(rand() * 4);
        const mem = Math.ceil(rand() * 400);
        s.allocated(name, res(`cpus:${cpus};mem:${mem}`));
        h.cpus += cpus;
        h.mem += mem;
        h.count++;
      } else {
        s.unallocated(name, res(`cpus:1`));
        h.cpus -= 1;
      }
      if (step % 97 === 0) s.deactivate(names[step % names.length]!);
      if (step % 89 === 0) s.activate(names[(step * 7) % names.length]!);
      if (step % 301 === 0) {
        // Re-adding a client starts it afresh.
        const again = names[(step * 13) % names.length]!;
        s.remove(again);
        s.add(again);
        s.activate(again);
        held.set(again, { cpus: 0, mem: 0, count: 0 });
      }
      if (step % 50 === 0) {
        const share = (n: string) => Math.max(held.get(n)!.cpus / 1000, held.get(n)!.mem / 100000);
        const expected = names
          .filter((n) => s.isActive(n))
          .sort(
            (a, b) =>
              share(a) - share(b) || held.get(a)!.count - held.get(b)!.count || (a < b ? -1 : a > b ? 1 : 0),
          );
        expect(s.sort()).toEqual(expected);
      }
    }
  });
});
