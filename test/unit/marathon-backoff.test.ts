import { describe, expect, it } from 'vitest';
import {
  advanceBackoff,
  backoffAfterFailure,
  backoffExpired,
  countsAsFailure,
  drainingResetsBackoff,
  initialBackoff,
  launchAllowedAt,
  queueDelayView,
  type BackoffState,
} from '../../src/marathon/scheduling/backoff.js';
import type { AppDefinition } from '../../src/marathon/model/types.js';

const backoffApp = (backoffSeconds: number, backoffFactor: number, maxLaunchDelaySeconds: number) =>
  ({ backoffSeconds, backoffFactor, maxLaunchDelaySeconds }) as AppDefinition;

const NOW = 1_700_000_000_000;

describe('backoffAfterFailure', () => {
  it('starts at backoffSeconds and multiplies by backoffFactor, up to maxLaunchDelaySeconds', () => {
    const app = backoffApp(1, 1.15, 2);
    let state = initialBackoff();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      state = backoffAfterFailure(app, state, NOW);
      delays.push(state.delayMs / 1000);
    }
    const expected = [1, 1.15, 1.3225, 1.520875, 1.74900625, 2, 2];
    delays.forEach((d, i) => expect(d).toBeCloseTo(expected[i]!, 6));
  });

  it('counts the delay from the failure', () => {
    const app = backoffApp(1, 2, 300);
    const first = backoffAfterFailure(app, initialBackoff(), NOW);
    expect(first).toEqual({ delayMs: 1000, until: NOW + 1000 });
    expect(launchAllowedAt(first)).toBe(NOW + 1000);
    const second = backoffAfterFailure(app, first, NOW + 5000);
    expect(second).toEqual({ delayMs: 2000, until: NOW + 7000 });
  });

  it('caps even the first delay', () => {
    expect(backoffAfterFailure(backoffApp(10, 1.15, 3), initialBackoff(), NOW).delayMs).toBe(3000);
  });

  it('starts with no delay at all', () => {
    expect(launchAllowedAt(initialBackoff())).toBe(0);
  });
});

describe('queueDelayView', () => {
  const state: BackoffState = { delayMs: 5000, until: NOW + 5000 };

  it('shows whole seconds left and overdue once at least a second past', () => {
    expect(queueDelayView(initialBackoff(), NOW)).toEqual({ timeLeftSeconds: 0, overdue: true });
    expect(queueDelayView(state, NOW + 2500)).toEqual({ timeLeftSeconds: 2, overdue: false });
    expect(queueDelayView(state, NOW + 5500)).toEqual({ timeLeftSeconds: 0, overdue: false });
    expect(queueDelayView(state, NOW + 6500)).toEqual({ timeLeftSeconds: 0, overdue: true });
  });
});

describe('advanceBackoff and backoffExpired', () => {
  const app = backoffApp(1, 1.15, 300);

  it('restarts the current delay when an instance makes progress', () => {
    const failed = backoffAfterFailure(app, initialBackoff(), NOW);
    expect(advanceBackoff(failed, NOW + 10_000)).toEqual({ delayMs: 1000, until: NOW + 11_000 });
    expect(advanceBackoff(initialBackoff(), NOW)).toEqual(initialBackoff());
  });

  it('expires maxLaunchDelaySeconds after the delay was set or advanced', () => {
    const failed = backoffAfterFailure(app, initialBackoff(), NOW);
    expect(backoffExpired(app, failed, NOW + 300_000)).toBe(false);
    expect(backoffExpired(app, failed, NOW + 300_001)).toBe(true);
    expect(backoffExpired(app, advanceBackoff(failed, NOW + 100_000), NOW + 300_001)).toBe(false);
    expect(backoffExpired(app, initialBackoff(), NOW + 1e9)).toBe(false);
  });
});

describe('countsAsFailure', () => {
  it('counts failed, finished, error, dropped and gone tasks, not killed ones', () => {
    for (const s of ['TASK_FAILED', 'TASK_FINISHED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE'] as const) {
      expect(countsAsFailure(s), s).toBe(true);
    }
    for (const s of [
      'TASK_KILLED',
      'TASK_KILLING',
      'TASK_RUNNING',
      'TASK_STAGING',
      'TASK_UNREACHABLE',
    ] as const) {
      expect(countsAsFailure(s), s).toBe(false);
    }
  });

  it('counts TASK_LOST unless the task may come back', () => {
    expect(countsAsFailure('TASK_LOST')).toBe(true);
    expect(countsAsFailure('TASK_LOST', 'REASON_EXECUTOR_TERMINATED')).toBe(true);
    expect(countsAsFailure('TASK_LOST', 'REASON_AGENT_REMOVED')).toBe(false);
    expect(countsAsFailure('TASK_LOST', 'REASON_RECONCILIATION')).toBe(false);
    expect(countsAsFailure('TASK_LOST', undefined, 'Reconciliation: Task is unknown to the agent')).toBe(
      false,
    );
  });

  it('resets instead of counting when the agent is being drained', () => {
    expect(countsAsFailure('TASK_GONE_BY_OPERATOR')).toBe(true);
    expect(countsAsFailure('TASK_GONE_BY_OPERATOR', 'REASON_AGENT_DRAINING')).toBe(false);
    expect(drainingResetsBackoff('TASK_KILLED', 'REASON_AGENT_DRAINING')).toBe(true);
    expect(drainingResetsBackoff('TASK_KILLED')).toBe(false);
  });
});
