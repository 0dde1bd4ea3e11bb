import { describe, expect, it } from 'vitest';
import {
  scaleDecision,
  selectInstancesToKill,
  type KillCandidate,
} from '../../src/marathon/deployment/kill-selection.js';
import type { AppDefinition, KillSelection } from '../../src/marathon/model/types.js';
import { makeApp } from './fixtures/marathon-app.js';

const at = (minute: number) => `2024-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

/** A running instance staged at minute `m` and started a minute later. */
function running(instanceId: string, m: number): KillCandidate {
  return { instanceId, state: 'TASK_RUNNING', stagedAt: at(m), startedAt: at(m + 1) };
}

function app(killSelection: KillSelection): AppDefinition {
  return makeApp('/web', { instances: 3, version: at(0), killSelection });
}

describe('selectInstancesToKill', () => {
  const mixed: KillCandidate[] = [
    running('run', 1),
    { instanceId: 'killing', state: 'TASK_KILLING', stagedAt: at(2), startedAt: at(3) },
    { instanceId: 'starting', state: 'TASK_STARTING', stagedAt: at(4), startedAt: null },
    { ...running('unreachable-flag', 5), unreachable: true },
    { instanceId: 'staging', state: 'TASK_STAGING', stagedAt: at(6), startedAt: null },
    { instanceId: 'unreachable-state', state: 'TASK_UNREACHABLE', stagedAt: at(0), startedAt: at(1) },
  ];

  it('orders by condition: unreachable, staging, starting, running, others', () => {
    expect(selectInstancesToKill(mixed, mixed.length, 'YOUNGEST_FIRST')).toEqual([
      'unreachable-flag',
      'unreachable-state',
      'staging',
      'starting',
      'run',
      'killing',
    ]);
    expect(selectInstancesToKill(mixed, 2, 'OLDEST_FIRST')).toEqual([
      'unreachable-state',
      'unreachable-flag',
    ]);
  });

  it('picks among running instances by killSelection', () => {
    const instances = [running('b', 20), running('a', 10), running('c', 30)];
    expect(selectInstancesToKill(instances, 3, 'YOUNGEST_FIRST')).toEqual(['c', 'b', 'a']);
    expect(selectInstancesToKill(instances, 3, 'OLDEST_FIRST')).toEqual(['a', 'b', 'c']);
    expect(selectInstancesToKill(instances, 1, 'YOUNGEST_FIRST')).toEqual(['c']);
  });

  it('compares running instances by when they started, staging ones by when they were staged', () => {
    // 'late' was staged first but started last.
    const instances: KillCandidate[] = [
      { instanceId: 'late', state: 'TASK_RUNNING', stagedAt: at(1), startedAt: at(30) },
      { instanceId: 'early', state: 'TASK_RUNNING', stagedAt: at(5), startedAt: at(6) },
    ];
    expect(selectInstancesToKill(instances, 1, 'YOUNGEST_FIRST')).toEqual(['late']);
    const staging: KillCandidate[] = [
      { instanceId: 's1', state: 'TASK_STAGING', stagedAt: at(1), startedAt: null },
      { instanceId: 's2', state: 'TASK_STAGING', stagedAt: at(2), startedAt: null },
    ];
    expect(selectInstancesToKill(staging, 1, 'YOUNGEST_FIRST')).toEqual(['s2']);
    expect(selectInstancesToKill(staging, 1, 'OLDEST_FIRST')).toEqual(['s1']);
  });

  it('takes sentenced instances first, whatever their condition, and ignores unknown sentenced ids', () => {
    const instances = [
      running('old', 1),
      running('young', 50),
      { ...running('lost', 20), unreachable: true },
    ];
    expect(selectInstancesToKill(instances, 2, 'YOUNGEST_FIRST', ['old', 'nope'])).toEqual(['old', 'lost']);
  });

  it('returns nothing for count 0 and at most every candidate', () => {
    const instances = [running('a', 1), running('b', 2)];
    expect(selectInstancesToKill(instances, 0, 'YOUNGEST_FIRST')).toEqual([]);
    expect(selectInstancesToKill(instances, 5, 'YOUNGEST_FIRST')).toEqual(['b', 'a']);
  });
});

describe('scaleDecision', () => {
  const five = [running('i1', 1), running('i2', 2), running('i3', 3), running('i4', 4), running('i5', 5)];

  it('scales down by killing the youngest (YOUNGEST_FIRST) or oldest (OLDEST_FIRST)', () => {
    expect(scaleDecision(app('YOUNGEST_FIRST'), five, 3)).toEqual({ kill: ['i5', 'i4'], launch: 0 });
    expect(scaleDecision(app('OLDEST_FIRST'), five, 3)).toEqual({ kill: ['i1', 'i2'], launch: 0 });
  });

  it('scales up by launching the difference', () => {
    expect(scaleDecision(app('YOUNGEST_FIRST'), five.slice(0, 2), 4)).toEqual({ kill: [], launch: 2 });
    expect(scaleDecision(app('YOUNGEST_FIRST'), [], 3)).toEqual({ kill: [], launch: 3 });
  });

  it('does nothing at the target count', () => {
    expect(scaleDecision(app('YOUNGEST_FIRST'), five, 5)).toEqual({ kill: [], launch: 0 });
  });

  it('scales to 0 by killing everything', () => {
    expect(scaleDecision(app('YOUNGEST_FIRST'), five, 0).kill.sort()).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
  });

  it('kill and scale: kills the sentenced instance and launches none', () => {
    expect(scaleDecision(app('YOUNGEST_FIRST'), five, 4, ['i2'])).toEqual({ kill: ['i2'], launch: 0 });
  });

  it('replaces sentenced instances when the count stays (kill without scale)', () => {
    expect(scaleDecision(app('YOUNGEST_FIRST'), five, 5, ['i1', 'i3'])).toEqual({
      kill: ['i1', 'i3'],
      launch: 2,
    });
  });

  it('kills max(excess, sentenced) and launches the rest back', () => {
    // 5 active, target 4, 2 sentenced: both go and one new instance makes up the difference.
    expect(scaleDecision(app('YOUNGEST_FIRST'), five, 4, ['i1', 'i2'])).toEqual({
      kill: ['i1', 'i2'],
      launch: 1,
    });
    // 5 active, target 2, 1 sentenced: 3 go, the sentenced one first.
    expect(scaleDecision(app('YOUNGEST_FIRST'), five, 2, ['i1'])).toEqual({
      kill: ['i1', 'i5', 'i4'],
      launch: 0,
    });
  });

  it('ignores sentenced ids that are not active', () => {
    expect(scaleDecision(app('YOUNGEST_FIRST'), five, 5, ['gone'])).toEqual({ kill: [], launch: 0 });
  });
});
