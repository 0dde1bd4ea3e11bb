import { describe, expect, it } from 'vitest';
import { EventBus, type MarathonEvent } from '../../src/marathon/events/event-bus.js';
import { HealthCheckRunner, type HealthTarget } from '../../src/marathon/health/health-check-runner.js';
import type { HealthOutcome } from '../../src/marathon/health/health-state.js';
import type { Probe, ProbeRequest } from '../../src/marathon/health/probes.js';
import type { AppDefinition, HealthCheckSpec, Instance } from '../../src/marathon/model/types.js';
import { ManualClock } from '../../src/util/clock.js';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const VERSION = '2024-01-01T00:00:00.000Z';

function check(overrides: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    protocol: 'HTTP',
    path: '/health',
    portIndex: 0,
    gracePeriodSeconds: 30,
    intervalSeconds: 10,
    timeoutSeconds: 2,
    maxConsecutiveFailures: 3,
    delaySeconds: 15,
    ignoreHttp1xx: false,
    ...overrides,
  };
}

function app(healthChecks: HealthCheckSpec[]): AppDefinition {
  return { id: '/web', version: VERSION, healthChecks } as AppDefinition;
}

function instance(n = 1, overrides: Partial<Instance> = {}): Instance {
  return {
    instanceId: `web.instance-${n}`,
    taskId: `web.instance-${n}._app.1`,
    appId: '/web',
    appVersion: VERSION,
    agentId: 'agent-S0',
    host: '10.0.0.5',
    hostPorts: [31000, 31001],
    state: 'TASK_RUNNING',
    stagedAt: new Date(T0).toISOString(),
    startedAt: new Date(T0).toISOString(),
    healthResults: [],
    ...overrides,
  } as Instance;
}

/** A probe whose answer the test sets; pending answers resolve when the test says so. */
class FakeProbe {
  readonly requests: ProbeRequest[] = [];
  answer: HealthOutcome | 'pending' = { outcome: 'healthy' };
  private pending: Array<(o: HealthOutcome) => void> = [];

  readonly probe: Probe = (req) => {
    this.requests.push(req);
    const answer = this.answer;
    if (answer === 'pending') return new Promise((resolve) => this.pending.push(resolve));
    return Promise.resolve(answer);
  };

  resolvePending(outcome: HealthOutcome): void {
    for (const resolve of this.pending.splice(0)) resolve(outcome);
  }
}

function setup() {
  const clock = new ManualClock(T0);
  const events = new EventBus(() => clock.now());
  const seen: MarathonEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const fake = new FakeProbe();
  const kills: Array<{ instance: Instance; reason: string }> = [];
  const changed: Instance[] = [];
  const runner = new HealthCheckRunner({
    clock,
    events,
    probe: fake.probe,
    onKill: (instance, reason) => kills.push({ instance, reason }),
    onHealthChanged: (instance) => changed.push(instance),
  });
  /** Moves the clock a second at a time, letting the probes' promises settle after each step. */
  const advance = async (ms: number): Promise<void> => {
    for (let left = ms; ; left -= 1000) {
      clock.advance(Math.min(left, 1000));
      await new Promise((resolve) => setImmediate(resolve));
      if (left <= 1000) break;
    }
  };
  const ofType = (type: string) => seen.filter((e) => e.eventType === type);
  return { clock, fake, kills, changed, runner, advance, ofType, seen };
}

const failure: HealthOutcome = { outcome: 'unhealthy', cause: '503 Service Unavailable' };

describe('HealthCheckRunner: Marathon-level checks', () => {
  it('checks first after min(interval, 5 s), then every interval, against host and the port at portIndex', async () => {
    const { fake, runner, advance } = setup();
    runner.sync([{ instance: instance(), app: app([check({ portIndex: 1 })]) }]);
    await advance(4999);
    expect(fake.requests).toHaveLength(0);
    await advance(1);
    expect(fake.requests).toEqual([
      {
        protocol: 'HTTP',
        host: '10.0.0.5',
        port: 31001,
        path: '/health',
        timeoutMs: 2000,
        ignoreHttp1xx: false,
      },
    ]);
    await advance(9999);
    expect(fake.requests).toHaveLength(1);
    await advance(1);
    expect(fake.requests).toHaveLength(2);
    runner.stop();
  });

  it('uses an explicit port over portIndex, and "/" when there is no path', async () => {
    const { fake, runner, advance } = setup();
    const spec = check({ protocol: 'TCP', port: 8080, path: undefined, intervalSeconds: 1 });
    runner.sync([{ instance: instance(), app: app([spec]) }]);
    await advance(1000);
    expect(fake.requests[0]).toMatchObject({ protocol: 'TCP', port: 8080, path: '/' });
    runner.stop();
  });

  it('records a success on the instance and publishes the health transitions', async () => {
    const { fake, runner, advance, ofType, changed } = setup();
    const inst = instance();
    runner.sync([{ instance: inst, app: app([check()]) }]);
    await advance(5000);
    expect(fake.requests).toHaveLength(1);
    expect(inst.healthResults).toEqual([
      {
        index: 0,
        alive: true,
        consecutiveFailures: 0,
        firstSuccess: '2024-01-01T00:00:05.000Z',
        lastSuccess: '2024-01-01T00:00:05.000Z',
        lastFailure: null,
        lastFailureCause: null,
      },
    ]);
    expect(changed).toEqual([inst]);
    expect(ofType('health_status_changed_event')).toEqual([
      expect.objectContaining({ appId: '/web', instanceId: inst.instanceId, version: VERSION, alive: true }),
    ]);
    expect(ofType('instance_health_changed_event')).toEqual([
      expect.objectContaining({
        instanceId: inst.instanceId,
        runSpecId: '/web',
        runSpecVersion: VERSION,
        healthy: true,
      }),
    ]);
    // A second success changes lastSuccess but no alive state: no new transition events.
    await advance(10_000);
    expect(inst.healthResults[0]!.lastSuccess).toBe('2024-01-01T00:00:15.000Z');
    expect(ofType('health_status_changed_event')).toHaveLength(1);
    expect(ofType('instance_health_changed_event')).toHaveLength(1);
    runner.stop();
  });

  it('ignores failures in the grace period before the first success', async () => {
    const { fake, runner, advance, seen, changed } = setup();
    fake.answer = failure;
    const inst = instance();
    runner.sync([{ instance: inst, app: app([check({ gracePeriodSeconds: 30 })]) }]);
    await advance(25_000); // checks at 5 s, 15 s, 25 s
    expect(fake.requests).toHaveLength(3);
    expect(inst.healthResults).toEqual([]);
    expect(seen).toEqual([]);
    expect(changed).toEqual([]);
    await advance(10_000); // 35 s: past the grace period
    expect(inst.healthResults[0]).toMatchObject({ consecutiveFailures: 1, alive: false });
    runner.stop();
  });

  it('publishes failed checks and kills after more than maxConsecutiveFailures, then stops checking', async () => {
    const { fake, runner, advance, ofType, kills } = setup();
    const inst = instance();
    const spec = check({ gracePeriodSeconds: 0, maxConsecutiveFailures: 2 });
    runner.sync([{ instance: inst, app: app([spec]) }]);
    await advance(5000);
    expect(inst.healthResults[0]!.alive).toBe(true);
    fake.answer = failure;
    await advance(20_000); // failures 1 and 2
    expect(kills).toEqual([]);
    expect(ofType('failed_health_check_event')).toEqual([
      expect.objectContaining({
        appId: '/web',
        taskId: inst.instanceId,
        healthCheck: expect.objectContaining({
          protocol: 'HTTP',
          path: '/health',
          maxConsecutiveFailures: 2,
        }),
      }),
      expect.anything(),
    ]);
    expect(ofType('health_status_changed_event').map((e) => e.alive)).toEqual([true, false]);
    expect(ofType('instance_health_changed_event').map((e) => e.healthy)).toEqual([true, false]);

    await advance(10_000); // failure 3: more than 2
    expect(kills).toEqual([{ instance: inst, reason: '503 Service Unavailable' }]);
    expect(ofType('unhealthy_instance_kill_event')).toEqual([
      expect.objectContaining({
        appId: '/web',
        taskId: inst.taskId,
        instanceId: inst.instanceId,
        version: VERSION,
        reason: '503 Service Unavailable',
        host: '10.0.0.5',
        slaveId: 'agent-S0',
      }),
    ]);
    const probes = fake.requests.length;
    await advance(60_000);
    expect(fake.requests).toHaveLength(probes);
    expect(kills).toHaveLength(1);
    runner.stop();
  });

  it('never kills with maxConsecutiveFailures 0', async () => {
    const { fake, runner, advance, ofType, kills } = setup();
    fake.answer = failure;
    const inst = instance();
    runner.sync([
      { instance: inst, app: app([check({ gracePeriodSeconds: 0, maxConsecutiveFailures: 0 })]) },
    ]);
    await advance(105_000);
    expect(ofType('failed_health_check_event')).toHaveLength(11);
    expect(inst.healthResults[0]!.consecutiveFailures).toBe(11);
    expect(kills).toEqual([]);
    runner.stop();
  });

  it('fails a check whose port index has no host port, without probing', async () => {
    const { fake, runner, advance } = setup();
    const inst = instance(1, { hostPorts: [] });
    runner.sync([{ instance: inst, app: app([check({ gracePeriodSeconds: 0 })]) }]);
    await advance(5000);
    expect(fake.requests).toEqual([]);
    expect(inst.healthResults[0]!.lastFailureCause).toMatch(/unable to get the task's effectivePort/);
    runner.stop();
  });

  it('checks only TASK_RUNNING instances, and starts when one starts running', async () => {
    const { fake, runner, advance } = setup();
    const spec = check();
    const staging = instance(1, { state: 'TASK_STAGING', startedAt: null });
    runner.sync([{ instance: staging, app: app([spec]) }]);
    await advance(60_000);
    expect(fake.requests).toEqual([]);
    const running = {
      ...staging,
      state: 'TASK_RUNNING' as const,
      startedAt: new Date(T0 + 60_000).toISOString(),
    };
    runner.sync([{ instance: running, app: app([spec]) }]);
    await advance(5000);
    expect(fake.requests).toHaveLength(1);
    expect(running.healthResults).toHaveLength(1);
    runner.stop();
  });

  it('stops checking instances that leave TASK_RUNNING, keeping their results, and forgets removed ones', async () => {
    const { fake, runner, advance } = setup();
    const spec = check();
    const inst = instance();
    runner.sync([{ instance: inst, app: app([spec]) }]);
    await advance(5000);
    const killing = { ...inst, state: 'TASK_KILLING' as const };
    runner.sync([{ instance: killing, app: app([spec]) }]);
    await advance(60_000);
    expect(fake.requests).toHaveLength(1);
    expect(killing.healthResults).toHaveLength(1);
    runner.sync([]);
    await advance(60_000);
    expect(fake.requests).toHaveLength(1);
    // Seen again under the same id: forgotten before, so it starts afresh.
    const fresh = instance();
    runner.sync([{ instance: fresh, app: app([spec]) }]);
    expect(fresh.healthResults).toEqual([]);
    await advance(5000);
    expect(fake.requests).toHaveLength(2);
    runner.stop();
  });

  it('drops the result of a probe that finishes after its instance was removed', async () => {
    const { fake, runner, advance, seen, changed } = setup();
    fake.answer = 'pending';
    const inst = instance();
    runner.sync([{ instance: inst, app: app([check()]) }]);
    await advance(5000);
    runner.sync([]);
    fake.resolvePending({ outcome: 'healthy' });
    await advance(0);
    expect(inst.healthResults).toEqual([]);
    expect(seen).toEqual([]);
    expect(changed).toEqual([]);
  });

  it('does not start a second probe while one is in flight', async () => {
    const { fake, runner, advance } = setup();
    fake.answer = 'pending';
    runner.sync([{ instance: instance(), app: app([check()]) }]);
    await advance(35_000);
    expect(fake.requests).toHaveLength(1);
    fake.resolvePending({ outcome: 'healthy' });
    fake.answer = { outcome: 'healthy' };
    await advance(10_000);
    expect(fake.requests).toHaveLength(2);
    runner.stop();
  });

  it('leaves the health unchanged on an ignored outcome', async () => {
    const { fake, runner, advance, changed } = setup();
    const inst = instance();
    runner.sync([{ instance: inst, app: app([check({ ignoreHttp1xx: true })]) }]);
    await advance(5000);
    const before = inst.healthResults;
    fake.answer = { outcome: 'ignored' };
    await advance(10_000);
    expect(inst.healthResults).toBe(before);
    expect(changed).toHaveLength(1);
    runner.stop();
  });

  it('reports an instance healthy only when every check has passed', async () => {
    const { fake, runner, advance, ofType } = setup();
    const inst = instance();
    const checks = [check({ intervalSeconds: 2 }), check({ protocol: 'TCP', intervalSeconds: 4 })];
    runner.sync([{ instance: inst, app: app(checks) }]);
    await advance(2000);
    expect(inst.healthResults.map((r) => r.index)).toEqual([0]);
    expect(ofType('instance_health_changed_event')).toEqual([]);
    await advance(2000);
    expect(fake.requests.map((r) => r.protocol).sort()).toEqual(['HTTP', 'HTTP', 'TCP']);
    expect(inst.healthResults.map((r) => r.index)).toEqual([0, 1]);
    expect(ofType('instance_health_changed_event').map((e) => e.healthy)).toEqual([true]);
    runner.stop();
  });

  it('writes its results onto the newest instance object sync hands it', async () => {
    const { runner, advance } = setup();
    const spec = check();
    runner.sync([{ instance: instance(), app: app([spec]) }]);
    await advance(5000);
    const copy = instance(); // e.g. rebuilt from a status update
    runner.sync([{ instance: copy, app: app([spec]) }]);
    expect(copy.healthResults).toHaveLength(1);
    await advance(10_000);
    expect(copy.healthResults[0]!.lastSuccess).toBe('2024-01-01T00:00:15.000Z');
    runner.stop();
  });

  it('stop() cancels every check', async () => {
    const { fake, runner, advance } = setup();
    runner.sync([{ instance: instance(), app: app([check()]) }]);
    runner.stop();
    await advance(60_000);
    expect(fake.requests).toEqual([]);
  });
});

describe('HealthCheckRunner: Mesos-level results', () => {
  const commandApp = app([
    check({
      protocol: 'COMMAND',
      command: { value: 'true' },
      gracePeriodSeconds: 0,
      maxConsecutiveFailures: 1,
    }),
  ]);

  it('records TaskStatus.healthy for COMMAND/MESOS_* checks and never probes them', async () => {
    const { fake, runner, advance, ofType, changed } = setup();
    const inst = instance();
    const targets: HealthTarget[] = [{ instance: inst, app: commandApp }];
    runner.sync(targets);
    await advance(60_000);
    expect(fake.requests).toEqual([]);
    runner.mesosHealth(inst, commandApp, true);
    expect(inst.mesosHealthy).toBe(true);
    expect(inst.healthResults[0]).toMatchObject({
      index: 0,
      alive: true,
      firstSuccess: '2024-01-01T00:01:00.000Z',
    });
    expect(changed).toEqual([inst]);
    expect(ofType('instance_health_changed_event').map((e) => e.healthy)).toEqual([true]);
    runner.stop();
  });

  it('counts unhealthy statuses as failures but leaves the kill to the agent', async () => {
    const { runner, advance, ofType, kills } = setup();
    const inst = instance();
    runner.sync([{ instance: inst, app: commandApp }]);
    for (let i = 0; i < 3; i++) {
      await advance(1000);
      runner.mesosHealth(inst, commandApp, false, 'Command exited with status 1');
    }
    expect(inst.healthResults[0]).toMatchObject({
      alive: false,
      consecutiveFailures: 3,
      lastFailureCause: 'Command exited with status 1',
    });
    expect(ofType('failed_health_check_event')).toHaveLength(3);
    expect(ofType('failed_health_check_event')[0]!.healthCheck).toMatchObject({
      protocol: 'COMMAND',
      command: { value: 'true' },
    });
    expect(ofType('instance_health_changed_event').map((e) => e.healthy)).toEqual([false]);
    expect(kills).toEqual([]);
    runner.stop();
  });

  it('ignores unhealthy statuses in the grace period and statuses for apps without Mesos checks', () => {
    const { runner, seen, changed } = setup();
    const graceApp = app([check({ protocol: 'MESOS_HTTP', gracePeriodSeconds: 300 })]);
    const inst = instance();
    runner.mesosHealth(inst, graceApp, false);
    expect(inst.healthResults).toEqual([]);
    const httpOnly = instance(2);
    runner.mesosHealth(httpOnly, app([check()]), true);
    expect(httpOnly.healthResults).toEqual([]);
    expect(httpOnly.mesosHealthy).toBeUndefined();
    expect(seen).toEqual([]);
    expect(changed).toEqual([]);
  });
});
