import { describe, expect, it } from 'vitest';
import {
  applyOutcome,
  firstCheckDelayMs,
  healthCheckJson,
  healthCounts,
  instanceHealthiness,
  isInstanceHealthy,
  isMarathonLevel,
  runningSinceMs,
  type HealthContext,
  type HealthOutcome,
} from '../../src/marathon/health/health-state.js';
import type {
  AppDefinition,
  HealthCheckSpec,
  HealthResult,
  Instance,
} from '../../src/marathon/model/types.js';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function check(overrides: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    protocol: 'HTTP',
    path: '/',
    portIndex: 0,
    gracePeriodSeconds: 300,
    intervalSeconds: 60,
    timeoutSeconds: 20,
    maxConsecutiveFailures: 3,
    delaySeconds: 15,
    ignoreHttp1xx: false,
    ...overrides,
  };
}

function app(healthChecks: HealthCheckSpec[]): AppDefinition {
  return { id: '/web', healthChecks } as AppDefinition;
}

function instance(healthResults: HealthResult[], startedAt: string | null = iso(T0)): Instance {
  return {
    instanceId: 'web.instance-1',
    stagedAt: iso(T0 - 1000),
    startedAt,
    healthResults,
  } as Instance;
}

function result(index: number, alive: boolean): HealthResult {
  return {
    index,
    alive,
    consecutiveFailures: alive ? 0 : 1,
    firstSuccess: null,
    lastSuccess: null,
    lastFailure: null,
    lastFailureCause: null,
  };
}

const healthy: HealthOutcome = { outcome: 'healthy' };
const failure: HealthOutcome = { outcome: 'unhealthy', cause: '500 Internal Server Error' };

function ctx(nowMs: number, overrides: Partial<HealthContext> = {}): HealthContext {
  return { spec: check(), index: 0, running: true, runningSinceMs: T0, nowMs, ...overrides };
}

/** Applies outcomes one per second from `startMs`, returning every update. */
function run(outcomes: HealthOutcome[], startMs: number, overrides: Partial<HealthContext> = {}) {
  let current: HealthResult | undefined;
  return outcomes.map((outcome, i) => {
    const update = applyOutcome(current, outcome, ctx(startMs + i * 1000, overrides));
    current = update.result;
    return update;
  });
}

describe('applyOutcome', () => {
  it('records a first success: alive, first and last success set, alive changed', () => {
    const update = applyOutcome(undefined, healthy, ctx(T0 + 5000));
    expect(update.result).toEqual({
      index: 0,
      alive: true,
      consecutiveFailures: 0,
      firstSuccess: iso(T0 + 5000),
      lastSuccess: iso(T0 + 5000),
      lastFailure: null,
      lastFailureCause: null,
    });
    expect(update).toMatchObject({ failed: false, aliveChanged: true, kill: false });
  });

  it('keeps firstSuccess and resets the failure count on a later success', () => {
    const [, , third] = run([healthy, failure, healthy], T0 + 1000);
    expect(third!.result).toMatchObject({
      alive: true,
      consecutiveFailures: 0,
      firstSuccess: iso(T0 + 1000),
      lastSuccess: iso(T0 + 3000),
      lastFailure: iso(T0 + 2000),
      lastFailureCause: '500 Internal Server Error',
    });
    expect(third!.aliveChanged).toBe(true);
  });

  it('ignores failures inside the grace period before the first success', () => {
    const updates = run([failure, failure], T0 + 1000);
    for (const update of updates)
      expect(update).toEqual({ result: undefined, failed: false, aliveChanged: false, kill: false });
  });

  it('counts failures inside the grace period once the check has passed', () => {
    const [, second] = run([healthy, failure], T0 + 1000);
    expect(second!.result).toMatchObject({ alive: false, consecutiveFailures: 1 });
    expect(second).toMatchObject({ failed: true, aliveChanged: true, kill: false });
  });

  it('counts failures after the grace period even without a success', () => {
    const afterGrace = T0 + 300_000;
    const update = applyOutcome(undefined, failure, ctx(afterGrace));
    expect(update.result).toMatchObject({ alive: false, consecutiveFailures: 1, firstSuccess: null });
    // Without a result the instance was not alive either.
    expect(update).toMatchObject({ failed: true, aliveChanged: false });
  });

  it('ignores failures of an instance that is not running, but records its successes', () => {
    const prior = applyOutcome(undefined, healthy, ctx(T0 + 1000)).result;
    const failed = applyOutcome(prior, failure, ctx(T0 + 400_000, { running: false }));
    expect(failed.result).toBe(prior);
    expect(failed.failed).toBe(false);
    expect(applyOutcome(undefined, healthy, ctx(T0 + 1000, { running: false })).result?.alive).toBe(true);
  });

  it('leaves the result untouched on an ignored (1xx) outcome', () => {
    const prior = applyOutcome(undefined, healthy, ctx(T0 + 1000)).result;
    const update = applyOutcome(prior, { outcome: 'ignored' }, ctx(T0 + 2000));
    expect(update).toEqual({ result: prior, failed: false, aliveChanged: false, kill: false });
  });

  it('kills on the failure after maxConsecutiveFailures are counted (3: the 4th)', () => {
    const updates = run([failure, failure, failure, failure], T0 + 300_000);
    expect(updates.map((u) => u.kill)).toEqual([false, false, false, true]);
    expect(updates[3]!.result?.consecutiveFailures).toBe(4);
    expect(
      run([failure, failure], T0 + 300_000, { spec: check({ maxConsecutiveFailures: 1 }) })[1]!.kill,
    ).toBe(true);
  });

  it('never kills with maxConsecutiveFailures 0 for Marathon-level checks', () => {
    const spec = check({ maxConsecutiveFailures: 0 });
    const updates = run(Array<HealthOutcome>(10).fill(failure), T0 + 300_000, { spec });
    expect(updates.some((u) => u.kill)).toBe(false);
    expect(updates[9]!.result?.consecutiveFailures).toBe(10);
  });

  it('never kills for Mesos-level checks, whose kills are the agent’s', () => {
    for (const protocol of ['COMMAND', 'MESOS_HTTP', 'MESOS_TCP'] as const) {
      const spec = check({ protocol, maxConsecutiveFailures: 1 });
      const updates = run([failure, failure, failure], T0 + 300_000, { spec });
      expect(updates.some((u) => u.kill)).toBe(false);
      expect(updates.every((u) => u.failed)).toBe(true);
    }
  });
});

describe('isInstanceHealthy and healthCounts', () => {
  const hc = app([check(), check({ protocol: 'TCP' })]);

  it('is undefined without results, or when the app has no health checks', () => {
    expect(isInstanceHealthy(instance([]), hc)).toBeUndefined();
    expect(isInstanceHealthy(instance([result(0, true)]), app([]))).toBeUndefined();
  });

  it('is true when every existing result is alive, false when any is not', () => {
    expect(isInstanceHealthy(instance([result(0, true)]), hc)).toBe(true);
    expect(isInstanceHealthy(instance([result(0, true), result(1, true)]), hc)).toBe(true);
    expect(isInstanceHealthy(instance([result(0, true), result(1, false)]), hc)).toBe(false);
  });

  it('counts healthy and unhealthy instances, leaving out those without results', () => {
    const instances = [
      instance([result(0, true)]),
      instance([result(0, true), result(1, true)]),
      instance([result(0, false)]),
      instance([]),
    ];
    expect(healthCounts(instances, hc)).toEqual({ healthy: 2, unhealthy: 1 });
    expect(healthCounts([], hc)).toEqual({ healthy: 0, unhealthy: 0 });
  });
});

describe('instanceHealthiness', () => {
  it('is null while a check has no result and not all are alive', () => {
    expect(instanceHealthiness([], 2)).toBeNull();
    expect(instanceHealthiness([result(0, true)], 2)).toBeNull();
    expect(instanceHealthiness([result(0, false)], 2)).toBeNull();
  });

  it('is true when every check is alive and false when all are known and one is not', () => {
    expect(instanceHealthiness([result(0, true), result(1, true)], 2)).toBe(true);
    expect(instanceHealthiness([result(0, true), result(1, false)], 2)).toBe(false);
  });
});

describe('healthCheckJson', () => {
  it('writes an HTTP check with path, port index and ignoreHttp1xx', () => {
    expect(healthCheckJson(check({ path: '/health', portIndex: 1 }))).toEqual({
      protocol: 'HTTP',
      path: '/health',
      portIndex: 1,
      gracePeriodSeconds: 300,
      intervalSeconds: 60,
      timeoutSeconds: 20,
      maxConsecutiveFailures: 3,
      delaySeconds: 15,
      ignoreHttp1xx: false,
      ipProtocol: 'IPv4',
    });
  });

  it('writes a TCP check without path or ignoreHttp1xx, and a port when given', () => {
    const json = healthCheckJson(
      check({ protocol: 'TCP', path: undefined, portIndex: undefined, port: 8080 }),
    );
    expect(json).toMatchObject({ protocol: 'TCP', port: 8080 });
    expect(json).not.toHaveProperty('path');
    expect(json).not.toHaveProperty('ignoreHttp1xx');
    expect(json).not.toHaveProperty('portIndex');
  });

  it('writes a COMMAND check with its command and no port fields', () => {
    const json = healthCheckJson(
      check({ protocol: 'COMMAND', command: { value: 'true' }, path: undefined, portIndex: 0 }),
    );
    expect(json).toMatchObject({ protocol: 'COMMAND', command: { value: 'true' } });
    expect(json).not.toHaveProperty('portIndex');
    expect(json).not.toHaveProperty('path');
  });
});

describe('check timing helpers', () => {
  it('starts checking after the interval, but at most 5 s', () => {
    expect(firstCheckDelayMs(check({ intervalSeconds: 60 }))).toBe(5000);
    expect(firstCheckDelayMs(check({ intervalSeconds: 2 }))).toBe(2000);
  });

  it('counts the grace period from startedAt, or stagedAt before the task ran', () => {
    expect(runningSinceMs(instance([]))).toBe(T0);
    expect(runningSinceMs(instance([], null))).toBe(T0 - 1000);
  });

  it('tells Marathon-level checks from Mesos-level ones', () => {
    expect(['HTTP', 'HTTPS', 'TCP'].every((p) => isMarathonLevel(check({ protocol: p as 'HTTP' })))).toBe(
      true,
    );
    expect(
      ['COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'].some((p) =>
        isMarathonLevel(check({ protocol: p as 'COMMAND' })),
      ),
    ).toBe(false);
  });
});
