import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { encodeMetricName, renderMasterMetrics } from '../../src/mesos/master/metrics.js';
import { makeFixture } from './fixtures/fake-master-view.js';

describe('renderMasterMetrics', () => {
  const metrics = renderMasterMetrics(makeFixture().view);

  it('reports election and uptime', () => {
    expect(metrics['master/elected']).toBe(1);
    expect(metrics['master/uptime_secs']).toBe(100);
    const standby = renderMasterMetrics(makeFixture({ isLeader: () => false }).view);
    expect(standby['master/elected']).toBe(0);
  });

  it('counts agents and frameworks by state', () => {
    expect(metrics).toMatchObject({
      'master/slaves_active': 1,
      'master/slaves_inactive': 1,
      'master/slaves_connected': 2,
      'master/slaves_disconnected': 0,
      'master/slaves_unreachable': 0,
      'master/frameworks_active': 1,
      'master/frameworks_inactive': 1,
      'master/frameworks_connected': 1,
      'master/frameworks_disconnected': 1,
      'master/outstanding_offers': 1,
    });
  });

  it('counts tasks by state', () => {
    expect(metrics).toMatchObject({
      'master/tasks_staging': 1,
      'master/tasks_starting': 0,
      'master/tasks_running': 1,
      'master/tasks_killing': 0,
      'master/tasks_unreachable': 0,
      // Terminal states are counters; without one, the retained terminal tasks are counted.
      'master/tasks_finished': 1,
      'master/tasks_killed': 1,
      'master/tasks_failed': 0,
      'master/tasks_lost': 0,
      'master/tasks_error': 0,
      'master/tasks_dropped': 0,
      'master/tasks_gone': 0,
      'master/tasks_gone_by_operator': 0,
    });
    const counted = renderMasterMetrics(makeFixture({ counters: { tasks_finished: 40 } }).view);
    expect(counted['master/tasks_finished']).toBe(40);
  });

  it('reports resources with percent as a fraction of the total', () => {
    // S0: 4 + 1 (reserved) cpus, S1: 2 cpus; used: t1 1 + t2 0.5 + executor 0.1.
    expect(metrics['master/cpus_total']).toBe(7);
    expect(metrics['master/cpus_used']).toBeCloseTo(1.6);
    expect(metrics['master/cpus_percent']).toBeCloseTo(1.6 / 7);
    expect(metrics['master/mem_total']).toBe(12288);
    expect(metrics['master/mem_used']).toBe(224);
    expect(metrics['master/mem_percent']).toBeCloseTo(224 / 12288);
    expect(metrics['master/disk_total']).toBe(15000);
    expect(metrics['master/disk_used']).toBe(0);
    expect(metrics['master/gpus_total']).toBe(0);
    expect(metrics['master/gpus_percent']).toBe(0);
    for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
      expect(metrics[`master/${name}_revocable_total`]).toBe(0);
      expect(metrics[`master/${name}_revocable_used`]).toBe(0);
      expect(metrics[`master/${name}_revocable_percent`]).toBe(0);
    }
    for (const [key, value] of Object.entries(metrics)) {
      if (key.endsWith('_percent')) expect(value).toBeLessThanOrEqual(1);
    }
  });

  it('separates revocable resources', () => {
    const { view } = makeFixture();
    const s1 = view.agents.get('S1')!;
    s1.total = [...s1.total, { name: 'cpus', type: 'SCALAR', scalar: { value: 3 }, revocable: {} }];
    const m = renderMasterMetrics(view);
    expect(m['master/cpus_total']).toBe(7);
    expect(m['master/cpus_revocable_total']).toBe(3);
    expect(m['master/cpus_revocable_percent']).toBe(0);
  });

  it('reads counters from the view, 0 when missing, and keeps extra ones', () => {
    expect(metrics['master/messages_launch_tasks']).toBe(2);
    expect(metrics['master/valid_status_updates']).toBe(3);
    expect(metrics['master/invalid_status_updates']).toBe(0);
    expect(metrics['master/messages_kill_task']).toBe(0);
    expect(metrics['master/slave_registrations']).toBe(0);
    expect(metrics['master/slave_removals/reason_unhealthy']).toBe(0);
    expect(metrics['master/dropped_messages']).toBe(0);
    expect(metrics['master/custom_thing']).toBe(9);
  });

  it('publishes per-framework metrics under the encoded name', () => {
    expect(encodeMetricName('spark job/1')).toBe('spark%20job%2F1');
    expect(metrics['master/frameworks/marathon/F0/subscribed']).toBe(1);
    expect(metrics['master/frameworks/marathon/F0/tasks/active/task_running']).toBe(1);
    expect(metrics['master/frameworks/spark%20job/F1/subscribed']).toBe(0);
    expect(metrics['master/frameworks/spark%20job/F1/tasks/active/task_staging']).toBe(1);
    expect(metrics['master/frameworks/spark%20job/F1/roles/eng/batch/suppressed']).toBe(1);
    expect(metrics['master/frameworks/marathon/F0/roles/*/suppressed']).toBe(0);
    const off = renderMasterMetrics(makeFixture({ flags: { publish_per_framework_metrics: 'false' } }).view);
    expect(Object.keys(off).some((k) => k.startsWith('master/frameworks/'))).toBe(false);
  });

  it('includes system and allocator metrics', () => {
    expect(metrics['system/cpus_total']).toBe(os.cpus().length);
    expect(metrics['system/mem_total_bytes']).toBe(os.totalmem());
    for (const key of [
      'system/load_1min',
      'system/load_5min',
      'system/load_15min',
      'system/mem_free_bytes',
    ]) {
      expect(typeof metrics[key]).toBe('number');
    }
    expect(metrics['allocator/mesos/allocation_runs']).toBe(7);
  });

  it('is a flat map of finite numbers with sorted keys', () => {
    const keys = Object.keys(metrics);
    expect(keys).toEqual([...keys].sort());
    for (const value of Object.values(metrics)) expect(Number.isFinite(value)).toBe(true);
  });
});
