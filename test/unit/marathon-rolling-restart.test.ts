import { describe, expect, it } from 'vitest';
import {
  decideRollingRestart,
  maximumCapacity,
  minimumHealthy,
  type RestartState,
} from '../../src/marathon/deployment/rolling-restart.js';
import type { UpgradeStrategy } from '../../src/marathon/model/types.js';

interface SimOptions {
  resident?: boolean;
  /** Killed old instances keep their capacity until the world reports them terminated. */
  trackTermination?: boolean;
}

interface SimResult {
  /** 'kill K launch L' per decision that did something, 'healthy' / 'terminated' per world event, then 'done'. */
  trace: string[];
  /** Old instances killed, in order. */
  killed: string[];
}

/**
 * Runs a rolling restart of `n` instances from old instances with the given health: applies every
 * decision, calls again at once (which must change nothing), and otherwise lets the world move on:
 * killed instances terminate, or one launched new instance becomes healthy. After each applied
 * decision it checks that healthy capacity stayed at minHealthy (or where it already was, if lower)
 * and that old + new never exceeded maxCapacity (+1 when minHealthy == maxCapacity).
 */
function simulate(
  n: number,
  strategy: UpgradeStrategy,
  oldHealth: boolean[],
  opts: SimOptions = {},
): SimResult {
  let old = oldHealth.map((healthy, i) => ({ instanceId: `old-${i}`, healthy }));
  let newActive = 0;
  let newHealthy = 0;
  let terminating = 0;
  const trace: string[] = [];
  const killed: string[] = [];

  const minHealthy = minimumHealthy(n, strategy);
  const maxCapacity = maximumCapacity(n, strategy);
  const slack = minHealthy === maxCapacity && !opts.resident ? 1 : 0;
  const healthyFloor = minHealthy === maxCapacity && opts.resident ? minHealthy - 1 : minHealthy;
  const healthy = () => old.filter((i) => i.healthy).length + newHealthy;

  for (let round = 0; round < 200; round++) {
    const state: RestartState = {
      instances: n,
      upgradeStrategy: strategy,
      oldActive: old,
      newActive,
      newHealthy,
      resident: opts.resident,
      ...(opts.trackTermination ? { oldTerminating: terminating } : {}),
    };
    const d = decideRollingRestart(state);
    if (d.done) {
      trace.push('done');
      return { trace, killed };
    }
    if (d.kill.length > 0 || d.launch > 0) {
      trace.push(`kill ${d.kill.length} launch ${d.launch}`);
      const healthyBefore = healthy();
      old = old.filter((i) => !d.kill.includes(i.instanceId));
      killed.push(...d.kill);
      if (opts.trackTermination) terminating += d.kill.length;
      newActive += d.launch;
      expect(healthy()).toBeGreaterThanOrEqual(Math.min(healthyFloor, healthyBefore));
      expect(old.length + terminating + newActive).toBeLessThanOrEqual(maxCapacity + slack);
      continue;
    }
    if (terminating > 0) {
      terminating = 0;
      trace.push('terminated');
    } else if (newHealthy < newActive) {
      newHealthy += 1;
      trace.push('healthy');
    } else {
      throw new Error(`stuck after ${trace.join(', ')}`);
    }
  }
  throw new Error(`no end after ${trace.join(', ')}`);
}

const strategy = (minimumHealthCapacity: number, maximumOverCapacity: number): UpgradeStrategy => ({
  minimumHealthCapacity,
  maximumOverCapacity,
});
const allHealthy = (count: number) => Array.from({ length: count }, () => true);

describe('decideRollingRestart: the worked examples of Marathon (n = 4)', () => {
  it('1 / 1: starts 4 new beside the 4 old, kills one old per new instance that becomes healthy', () => {
    expect(simulate(4, strategy(1, 1), allHealthy(4)).trace).toEqual([
      'kill 0 launch 4',
      'healthy',
      'kill 1 launch 0',
      'healthy',
      'kill 1 launch 0',
      'healthy',
      'kill 1 launch 0',
      'healthy',
      'kill 1 launch 0',
      'done',
    ]);
  });

  it('0.5 / 0: kills 2 old and starts 2 new, then one for one as new ones become healthy', () => {
    expect(simulate(4, strategy(0.5, 0), allHealthy(4)).trace).toEqual([
      'kill 2 launch 2',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'healthy',
      'done',
    ]);
  });

  it('0 / 0: kills all old, then starts 4 new', () => {
    expect(simulate(4, strategy(0, 0), allHealthy(4)).trace).toEqual([
      'kill 4 launch 4',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'done',
    ]);
  });

  it('0 / 0 with termination tracked: the new ones start only after the old ones are gone', () => {
    expect(simulate(4, strategy(0, 0), allHealthy(4), { trackTermination: true }).trace).toEqual([
      'kill 4 launch 0',
      'terminated',
      'kill 0 launch 4',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'done',
    ]);
  });

  it('1 / 0: minHealthy = maxCapacity, so one extra: start 1, kill 1 old once it is healthy, repeat', () => {
    expect(simulate(4, strategy(1, 0), allHealthy(4)).trace).toEqual([
      'kill 0 launch 1',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'kill 1 launch 0',
      'done',
    ]);
  });
});

describe('decideRollingRestart: other shapes', () => {
  it('n = 1 with the default 1 / 1: new one first, old one killed once it is healthy', () => {
    expect(simulate(1, strategy(1, 1), allHealthy(1)).trace).toEqual([
      'kill 0 launch 1',
      'healthy',
      'kill 1 launch 0',
      'done',
    ]);
  });

  it('n = 0: kills the old instances and launches nothing', () => {
    expect(simulate(0, strategy(1, 1), allHealthy(2)).trace).toEqual(['kill 2 launch 0', 'done']);
    expect(
      decideRollingRestart({
        instances: 0,
        upgradeStrategy: strategy(1, 1),
        oldActive: [],
        newActive: 0,
        newHealthy: 0,
      }),
    ).toEqual({ kill: [], launch: 0, done: true });
  });

  it('0.5 / 0 with odd n rounds minHealthy up', () => {
    // n = 3: minHealthy 2, maxCapacity 3.
    expect(simulate(3, strategy(0.5, 0), allHealthy(3)).trace).toEqual([
      'kill 1 launch 1',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'done',
    ]);
    // n = 5: minHealthy 3, maxCapacity 5.
    expect(simulate(5, strategy(0.5, 0), allHealthy(5)).trace).toEqual([
      'kill 2 launch 2',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'kill 1 launch 1',
      'healthy',
      'healthy',
      'done',
    ]);
  });

  it('kills old instances that are already unhealthy first, and at once', () => {
    const { trace, killed } = simulate(4, strategy(1, 1), [true, false, true, false]);
    expect(trace).toEqual([
      'kill 2 launch 4',
      'healthy',
      'healthy',
      'healthy',
      'kill 1 launch 0',
      'healthy',
      'kill 1 launch 0',
      'done',
    ]);
    expect(killed.slice(0, 2)).toEqual(['old-1', 'old-3']);
  });

  it('1 / 0 with an unhealthy old instance: no extra capacity needed, the unhealthy one makes room', () => {
    const d = decideRollingRestart({
      instances: 4,
      upgradeStrategy: strategy(1, 0),
      oldActive: [
        { instanceId: 'a', healthy: true },
        { instanceId: 'b', healthy: false },
        { instanceId: 'c', healthy: true },
        { instanceId: 'd', healthy: true },
      ],
      newActive: 0,
      newHealthy: 0,
    });
    expect(d).toEqual({ kill: ['b'], launch: 1, done: false });
  });

  it('resident 1 / 0: never over capacity, kills one below minHealthy instead', () => {
    expect(
      simulate(2, strategy(1, 0), allHealthy(2), { resident: true, trackTermination: true }).trace,
    ).toEqual([
      'kill 1 launch 0',
      'terminated',
      'kill 0 launch 1',
      'healthy',
      'kill 1 launch 0',
      'terminated',
      'kill 0 launch 1',
      'healthy',
      'done',
    ]);
  });

  it('waits while a new instance is being relaunched (it stays counted as newActive)', () => {
    const d = decideRollingRestart({
      instances: 2,
      upgradeStrategy: strategy(1, 1),
      oldActive: [
        { instanceId: 'a', healthy: true },
        { instanceId: 'b', healthy: true },
      ],
      newActive: 2,
      newHealthy: 0,
    });
    expect(d).toEqual({ kill: [], launch: 0, done: false });
  });

  it('kills at least the excess over capacity left by a forced deployment', () => {
    // n = 2, 1 / 1: maxCapacity 4, but 3 old + 3 new are there; health alone would allow killing only 1.
    const d = decideRollingRestart({
      instances: 2,
      upgradeStrategy: strategy(1, 1),
      oldActive: ['a', 'b', 'c'].map((instanceId) => ({ instanceId, healthy: true })),
      newActive: 3,
      newHealthy: 0,
    });
    expect(d).toEqual({ kill: ['a', 'b'], launch: 0, done: false });
  });

  it('is done only when n new instances are healthy and no old one is left', () => {
    const base = { instances: 2, upgradeStrategy: strategy(1, 1), newActive: 2, newHealthy: 2 };
    expect(decideRollingRestart({ ...base, oldActive: [] }).done).toBe(true);
    expect(decideRollingRestart({ ...base, oldActive: [], oldTerminating: 1 }).done).toBe(false);
    expect(decideRollingRestart({ ...base, oldActive: [{ instanceId: 'a', healthy: true }] })).toEqual({
      kill: ['a'],
      launch: 0,
      done: false,
    });
  });

  it('computes minHealthy and maxCapacity without floating-point surprises', () => {
    expect(minimumHealthy(20, strategy(0.35, 0))).toBe(7);
    expect(minimumHealthy(3, strategy(0.5, 0))).toBe(2);
    expect(maximumCapacity(3, strategy(1, 0.1))).toBe(3);
    expect(maximumCapacity(10, strategy(1, 0.7))).toBe(17);
  });
});
