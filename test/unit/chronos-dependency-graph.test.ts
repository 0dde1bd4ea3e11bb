import { describe, expect, it } from 'vitest';
import { DependencyGraph, GraphError } from '../../src/chronos/dependency-graph.js';

function graph(...jobs: Array<[string, string[]?]>): DependencyGraph {
  const g = new DependencyGraph();
  for (const [name, parents] of jobs) g.addJob(name, parents);
  return g;
}

describe('structure', () => {
  it('records parents and children in the order given', () => {
    const g = graph(['a'], ['b'], ['c', ['a', 'b']], ['d', ['a']]);
    expect(g.jobNames()).toEqual(['a', 'b', 'c', 'd']);
    expect(g.parents('c')).toEqual(['a', 'b']);
    expect(g.children('a')).toEqual(['c', 'd']);
    expect(g.parents('a')).toEqual([]);
    expect(g.children('unknown')).toEqual([]);
    expect(g.has('c')).toBe(true);
    expect(g.has('x')).toBe(false);
  });

  it('refuses duplicate and unnamed jobs', () => {
    const g = graph(['a']);
    expect(() => g.addJob('a')).toThrow('requirement failed: Vertex already exists in graph a');
    expect(() => g.addJob('')).toThrow(GraphError);
  });

  it('lists unknown parents and refuses a job that has some', () => {
    const g = graph(['a']);
    expect(g.unknownParents(['a', 'x', 'y', 'x'])).toEqual(['x', 'y']);
    expect(() => g.addJob('c', ['a', 'x'])).toThrow(
      'requirement failed: JobSchedule c does not have all parents defined!',
    );
    expect(g.has('c')).toBe(false);
    expect(g.children('a')).toEqual([]);
  });

  it('replaces parents, and a scheduled job has none', () => {
    const g = graph(['a'], ['b'], ['c', ['a']]);
    g.setParents('c', ['b']);
    expect(g.parents('c')).toEqual(['b']);
    expect(g.children('a')).toEqual([]);
    g.setParents('c', []);
    expect(g.parents('c')).toEqual([]);
    expect(() => g.setParents('x', ['a'])).toThrow("requirement failed: Vertex x doesn't exist");
  });

  it('removes a job with all its edges; its children keep their other parents', () => {
    const g = graph(['a'], ['b'], ['c', ['a', 'b']], ['d', ['c']]);
    g.removeJob('c');
    expect(g.has('c')).toBe(false);
    expect(g.children('a')).toEqual([]);
    expect(g.parents('d')).toEqual([]);
    g.removeJob('a');
    expect(g.jobNames()).toEqual(['b', 'd']);
    expect(() => g.removeJob('a')).toThrow(GraphError);
  });
});

describe('cycles', () => {
  it('detects a job as its own parent', () => {
    const g = graph(['a']);
    expect(g.wouldCreateCycle('a', ['a'])).toBe(true);
    expect(g.wouldCreateCycle('new', ['new'])).toBe(true);
    expect(() => g.addJob('new', ['new'])).toThrow('would form a cycle');
  });

  it('detects a 2-cycle', () => {
    const g = graph(['a'], ['b', ['a']]);
    expect(g.wouldCreateCycle('a', ['b'])).toBe(true);
    expect(() => g.setParents('a', ['b'])).toThrow(GraphError);
    expect(g.parents('a')).toEqual([]);
  });

  it('detects a longer cycle and allows edges that only look close to one', () => {
    const g = graph(['a'], ['b', ['a']], ['c', ['b']], ['d', ['c']], ['x']);
    expect(g.wouldCreateCycle('a', ['d'])).toBe(true);
    expect(g.wouldCreateCycle('a', ['x', 'c'])).toBe(true);
    expect(g.wouldCreateCycle('d', ['a'])).toBe(false); // a diamond, not a cycle
    expect(g.wouldCreateCycle('x', ['d'])).toBe(false);
    g.setParents('d', ['c', 'a']);
    expect(g.parents('d')).toEqual(['c', 'a']);
  });
});

describe('readiness (JobGraph.getExecutableChildren)', () => {
  it('runs a chain a -> b -> c in order', () => {
    const g = graph(['a'], ['b', ['a']], ['c', ['b']]);
    expect(g.recordSuccess('a')).toEqual(['b']);
    g.recordChildRun('b');
    expect(g.recordSuccess('b')).toEqual(['c']);
    g.recordChildRun('c');
    expect(g.recordSuccess('c')).toEqual([]);
  });

  it('runs a single-parent child after every success of its parent', () => {
    const g = graph(['a'], ['b', ['a']]);
    expect(g.recordSuccess('a')).toEqual(['b']);
    expect(g.recordSuccess('a')).toEqual(['b']);
  });

  it('waits in a diamond until both parents succeeded', () => {
    const g = graph(['a'], ['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]);
    expect(g.recordSuccess('a')).toEqual(['b', 'c']);
    expect(g.recordSuccess('b')).toEqual([]);
    expect(g.recordSuccess('c')).toEqual(['d']);
    g.recordChildRun('d');
    expect(g.recordSuccess('c')).toEqual([]);
    expect(g.recordSuccess('b')).toEqual(['d']);
  });

  it('runs once when one parent succeeded twice before the other', () => {
    const g = graph(['a'], ['b'], ['c', ['a', 'b']]);
    expect(g.recordSuccess('a')).toEqual([]);
    expect(g.recordSuccess('a')).toEqual([]);
    expect(g.recordSuccess('b')).toEqual(['c']);
    g.recordChildRun('c');
    expect(g.recordSuccess('b')).toEqual([]);
    expect(g.recordSuccess('a')).toEqual(['c']);
  });

  it('follows Chronos’s counts while the child has not started yet (JobGraphSpec)', () => {
    // A -> B -> D, A -> C, B -> E, C -> E; E never starts in between.
    const g = graph(['A'], ['B', ['A']], ['C', ['A']], ['D', ['B']], ['E', ['B', 'C']]);
    expect(g.recordSuccess('A')).toEqual(['B', 'C']);
    expect(g.recordSuccess('B')).toEqual(['D']);
    expect(g.recordSuccess('C')).toEqual(['E']);
    expect(g.recordSuccess('A')).toEqual(['B', 'C']);
    expect(g.recordSuccess('C')).toEqual([]);
    expect(g.recordSuccess('B')).toEqual(['D', 'E']);
  });

  it('lets the remaining parent alone trigger the child once the other parent is removed', () => {
    const g = graph(['a'], ['b'], ['c', ['a', 'b']]);
    expect(g.recordSuccess('a')).toEqual([]);
    g.removeJob('b');
    expect(g.parents('c')).toEqual(['a']);
    expect(g.recordSuccess('a')).toEqual(['c']);
  });

  it('starts counting again when the parents change, and keeps counts when they do not', () => {
    const g = graph(['a'], ['b'], ['x'], ['c', ['a', 'b']]);
    g.recordSuccess('a');
    g.setParents('c', ['b', 'a']);
    expect(g.recordSuccess('b')).toEqual(['c']);
    g.recordChildRun('c');
    g.recordSuccess('a');
    g.setParents('c', ['a', 'b', 'x']);
    expect(g.recordSuccess('b')).toEqual([]);
    expect(g.recordSuccess('x')).toEqual([]);
    expect(g.recordSuccess('a')).toEqual(['c']);
  });
});

describe('toCsv', () => {
  it('writes a node line per job and then a link line per edge', () => {
    const g = graph(['a'], ['b', ['a']], ['c', ['a', 'b']]);
    const views: Record<string, { lastState: string; state: string }> = {
      a: { lastState: 'success', state: 'idle' },
      b: { lastState: 'failure', state: 'queued' },
      c: { lastState: 'fresh', state: '2 running' },
    };
    expect(g.toCsv((name) => views[name]!)).toBe(
      'node,a,success,idle\nnode,b,failure,queued\nnode,c,fresh,2 running\nlink,a,b\nlink,a,c\nlink,b,c\n',
    );
    expect(new DependencyGraph().toCsv(() => ({ lastState: 'fresh', state: 'idle' }))).toBe('');
  });
});
