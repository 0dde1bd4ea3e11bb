import { describe, expect, it } from 'vitest';
import {
  renderFrameworks,
  renderRoles,
  renderSlaves,
  renderState,
  renderStateSummary,
  renderTasks,
  renderV0Task,
  renderVersion,
} from '../../src/mesos/master/state-json.js';
import type { V0Framework } from '../../src/mesos/master/state-json.js';
import { makeFixture } from './fixtures/fake-master-view.js';

const q = (s = ''): URLSearchParams => new URLSearchParams(s);

function byId<T extends { id: string }>(list: T[], id: string): T {
  const found = list.find((x) => x.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

describe('renderState', () => {
  it('has exactly the top-level keys of readonly_handler.cpp state()', () => {
    const state = renderState(makeFixture().view);
    expect(Object.keys(state).sort()).toEqual(
      [
        'version',
        'build_date',
        'build_time',
        'build_user',
        'start_time',
        'elected_time',
        'id',
        'pid',
        'hostname',
        'capabilities',
        'activated_slaves',
        'deactivated_slaves',
        'unreachable_slaves',
        'leader',
        'leader_info',
        'cluster',
        'flags',
        'slaves',
        'recovered_slaves',
        'frameworks',
        'completed_frameworks',
        'orphan_tasks',
        'unregistered_frameworks',
      ].sort(),
    );
  });

  it('describes the master itself', () => {
    const state = renderState(makeFixture().view);
    expect(state).toMatchObject({
      version: '1.11.0',
      start_time: 1000,
      elected_time: 1001,
      id: 'm1',
      pid: 'master@127.0.0.1:5050',
      hostname: 'localhost',
      capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING'],
      activated_slaves: 1,
      deactivated_slaves: 1,
      unreachable_slaves: 0,
      leader: 'master@127.0.0.1:5050',
      leader_info: { id: 'm1', pid: 'master@127.0.0.1:5050', port: 5050, hostname: 'localhost' },
      cluster: 'sandbox',
      flags: { port: '5050', quorum: '1', work_dir: '/var/lib/mesos' },
      recovered_slaves: [],
      orphan_tasks: [],
      unregistered_frameworks: [],
    });
    expect(typeof state.build_time).toBe('number');
  });

  it('omits elected_time, leader and cluster when unknown, and derives a pid when absent', () => {
    const { view } = makeFixture();
    const state = renderState({
      ...view,
      electedTime: undefined,
      leader: undefined,
      cluster: undefined,
      info: { ...view.info, pid: undefined },
    });
    expect(state).not.toHaveProperty('elected_time');
    expect(state).not.toHaveProperty('leader');
    expect(state).not.toHaveProperty('leader_info');
    expect(state).not.toHaveProperty('cluster');
    expect(state.pid).toBe('master@127.0.0.1:5050');
  });

  it('renders agents with resmaps computed from tasks, executors and offers', () => {
    const state = renderState(makeFixture().view);
    const s0 = byId(state.slaves, 'S0');
    expect(Object.keys(s0)).toEqual([
      'id',
      'hostname',
      'port',
      'attributes',
      'pid',
      'registered_time',
      'resources',
      'used_resources',
      'offered_resources',
      'reserved_resources',
      'unreserved_resources',
      'active',
      'deactivated',
      'version',
      'capabilities',
    ]);
    expect(s0).toMatchObject({
      hostname: 'host-S0',
      port: 5051,
      pid: 'slave(1)@10.0.0.1:5051',
      attributes: { rack: 'r1', level: 3 },
      registered_time: 1003,
      resources: { cpus: 5, gpus: 0, mem: 8192, disk: 10000, ports: '[31000-32000]' },
      // t1 (1 cpu, 128 MB, one port) + t2 (0.5 reserved cpu, 64 MB) + executor exec1 (0.1 cpu, 32 MB).
      used_resources: { cpus: 1.6, gpus: 0, mem: 224, disk: 0, ports: '[31000-31000]' },
      offered_resources: { cpus: 0, gpus: 0, mem: 0, disk: 0 },
      reserved_resources: { eng: { cpus: 1, gpus: 0, mem: 0, disk: 0 } },
      unreserved_resources: { cpus: 4, gpus: 0, mem: 8192, disk: 10000, ports: '[31000-32000]' },
      active: true,
      deactivated: false,
      version: '1.11.0',
      capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
    });
    const s1 = byId(state.slaves, 'S1');
    expect(s1.reregistered_time).toBe(1050);
    expect(s1.used_resources).toEqual({ cpus: 0, gpus: 0, mem: 0, disk: 0 });
    expect(s1.offered_resources).toEqual({ cpus: 2, gpus: 0, mem: 4096, disk: 0 });
    expect(s1).toMatchObject({ active: false, deactivated: true });
  });

  it('renders frameworks with role or roles, tasks, offers and executors', () => {
    const state = renderState(makeFixture().view);
    const f0 = byId(state.frameworks, 'F0');
    expect(f0).toMatchObject({
      name: 'marathon',
      user: 'root',
      hostname: 'fw-host',
      webui_url: '',
      principal: 'mp',
      failover_timeout: 604800,
      checkpoint: false,
      active: true,
      connected: true,
      recovered: false,
      registered_time: 1002,
      reregistered_time: 1020,
      unregistered_time: 0,
      role: '*',
      capabilities: [],
      used_resources: { cpus: 1, gpus: 0, mem: 128, disk: 0, ports: '[31000-31000]' },
      offered_resources: { cpus: 2, gpus: 0, mem: 4096, disk: 0 },
      resources: { cpus: 3, gpus: 0, mem: 4224, disk: 0, ports: '[31000-31000]' },
      unreachable_tasks: [],
      executors: [],
      offer_constraints: {},
    });
    expect(f0).not.toHaveProperty('roles');
    expect(f0).not.toHaveProperty('pid');
    expect(f0.tasks.map((t) => t.id)).toEqual(['t1']);
    expect(f0.completed_tasks.map((t) => t.id)).toEqual(['t0']);
    expect(f0.offers).toEqual([
      {
        id: 'm1-O0',
        framework_id: 'F0',
        allocation_info: { role: '*' },
        slave_id: 'S1',
        resources: { cpus: 2, gpus: 0, mem: 4096, disk: 0 },
      },
    ]);

    const f1 = byId(state.frameworks, 'F1');
    expect(f1.roles).toEqual(['eng/batch']);
    expect(f1).not.toHaveProperty('role');
    expect(f1).not.toHaveProperty('principal');
    expect(f1).not.toHaveProperty('reregistered_time');
    expect(f1).toMatchObject({
      active: false,
      connected: false,
      unregistered_time: 1030,
      capabilities: ['MULTI_ROLE'],
    });
    expect(f1.executors).toEqual([
      {
        executor_id: 'exec1',
        name: '',
        framework_id: 'F1',
        command: { value: './exec', argv: [], uris: [{ value: 'http://x/exec.tgz', executable: false }] },
        resources: { cpus: 0.1, gpus: 0, mem: 32, disk: 0 },
        role: 'eng/batch',
        labels: [{ key: 'k', value: 'v' }],
        slave_id: 'S0',
      },
    ]);
    expect(state.completed_frameworks.map((f: V0Framework) => f.id)).toEqual(['F2']);
  });
});

describe('v0 tasks', () => {
  it('renders the v0 Task shape', () => {
    const { t1, t2 } = makeFixture();
    const task = renderV0Task(t1);
    expect(task).toEqual({
      id: 't1',
      name: 'task t1',
      framework_id: 'F0',
      executor_id: '',
      slave_id: 'S0',
      state: 'TASK_RUNNING',
      resources: { cpus: 1, gpus: 0, mem: 128, disk: 0, ports: '[31000-31000]' },
      role: '*',
      statuses: [
        { state: 'TASK_STARTING', timestamp: 1010 },
        // executor_pid, uuid, data and source are not part of the v0 status.
        {
          state: 'TASK_RUNNING',
          timestamp: 1011,
          container_status: { container_id: { value: 'c1' } },
          healthy: true,
        },
      ],
    });
    expect(renderV0Task(t2).executor_id).toBe('exec1');
    expect(renderV0Task(t2).statuses).toEqual([]);
  });

  it('adds limits, labels, user and defaulted container and health checks when present', () => {
    const { t1 } = makeFixture();
    t1.user = 'nobody';
    t1.info = {
      ...t1.info,
      limits: { cpus: { value: 2 }, mem: 'Infinity' },
      labels: { labels: [{ key: 'a', value: 'b' }] },
      container: { type: 'DOCKER', docker: { image: 'alpine' } },
      health_check: { type: 'TCP', tcp: { port: 80 } },
    };
    const task = renderV0Task(t1);
    expect(Object.keys(task).slice(6, 9)).toEqual(['resources', 'limits', 'role']);
    expect(task).toMatchObject({
      limits: { cpus: 2, mem: 'Infinity' },
      user: 'nobody',
      labels: [{ key: 'a', value: 'b' }],
      container: { type: 'DOCKER', docker: { image: 'alpine', network: 'HOST', privileged: false } },
      health_check: {
        delay_seconds: 15,
        interval_seconds: 10,
        timeout_seconds: 20,
        consecutive_failures: 3,
        grace_period_seconds: 10,
      },
    });
  });
});

describe('renderStateSummary', () => {
  it('adds task-state counts and cross references', () => {
    const summary = renderStateSummary(makeFixture().view);
    expect(summary.hostname).toBe('localhost');
    expect(summary.cluster).toBe('sandbox');
    const s0 = summary.slaves.find((s) => s.id === 'S0')!;
    expect(s0).toMatchObject({ TASK_RUNNING: 1, TASK_STAGING: 1, TASK_FINISHED: 0, TASK_UNREACHABLE: 0 });
    expect(s0.framework_ids.sort()).toEqual(['F0', 'F1']);
    const s1 = summary.slaves.find((s) => s.id === 'S1')!;
    expect(s1).toMatchObject({ TASK_FINISHED: 1, TASK_RUNNING: 0 });
    expect(s1.framework_ids).toEqual(['F0']);
    const f0 = summary.frameworks.find((f) => f.id === 'F0')!;
    expect(f0).toMatchObject({ TASK_RUNNING: 1, TASK_FINISHED: 1, TASK_KILLED: 0 });
    expect(f0.slave_ids.sort()).toEqual(['S0', 'S1']);
    expect(f0).not.toHaveProperty('tasks');
    // Only registered frameworks are summarized.
    expect(summary.frameworks.map((f) => f.id)).toEqual(['F0', 'F1']);
  });
});

describe('renderFrameworks', () => {
  it('lists all frameworks and filters by framework_id', () => {
    const { view } = makeFixture();
    const all = renderFrameworks(view, q());
    expect(all.frameworks.map((f) => f.id)).toEqual(['F0', 'F1']);
    expect(all.completed_frameworks.map((f) => f.id)).toEqual(['F2']);
    expect(all.unregistered_frameworks).toEqual([]);
    const one = renderFrameworks(view, q('framework_id=F2'));
    expect(one.frameworks).toEqual([]);
    expect(one.completed_frameworks.map((f) => f.id)).toEqual(['F2']);
  });
});

describe('renderSlaves', () => {
  it('adds the *_full Resource arrays in ENDPOINT format', () => {
    const { slaves, recovered_slaves } = renderSlaves(makeFixture().view, q());
    expect(recovered_slaves).toEqual([]);
    const s0 = byId(slaves, 'S0');
    expect(s0.reserved_resources_full).toEqual({
      eng: [
        {
          name: 'cpus',
          type: 'SCALAR',
          scalar: { value: 1 },
          role: 'eng',
          reservations: [{ type: 'STATIC', role: 'eng' }],
        },
      ],
    });
    expect(s0.unreserved_resources_full.map((r) => [r.name, r.role])).toEqual([
      ['cpus', '*'],
      ['mem', '*'],
      ['disk', '*'],
      ['ports', '*'],
    ]);
    expect(s0.unreserved_resources_full.find((r) => r.name === 'ports')!.ranges).toEqual({
      range: [{ begin: 31000, end: 32000 }],
    });
    // Allocations to different roles stay separate entries, as Mesos never adds across allocation_info.
    expect(
      s0.used_resources_full.map((r) => [r.name, r.scalar?.value, r.role, r.allocation_info?.role]),
    ).toEqual([
      ['cpus', 1, '*', '*'],
      ['mem', 128, '*', '*'],
      ['ports', undefined, '*', '*'],
      ['cpus', 0.5, 'eng', 'eng/batch'],
      ['mem', 96, '*', 'eng/batch'],
      ['cpus', 0.1, '*', 'eng/batch'],
    ]);
    expect(s0.offered_resources_full).toEqual([]);
    const s1 = byId(slaves, 'S1');
    expect(
      s1.offered_resources_full.map((r) => [r.name, r.scalar?.value, r.role, r.allocation_info]),
    ).toEqual([
      ['cpus', 2, '*', { role: '*' }],
      ['mem', 4096, '*', { role: '*' }],
    ]);
  });

  it('filters by slave_id', () => {
    expect(renderSlaves(makeFixture().view, q('slave_id=S1')).slaves.map((s) => s.id)).toEqual(['S1']);
    expect(renderSlaves(makeFixture().view, q('slave_id=nope')).slaves).toEqual([]);
  });
});

describe('renderTasks', () => {
  const ids = (query: string): string[] => renderTasks(makeFixture().view, q(query)).tasks.map((t) => t.id);

  it('includes live, completed and completed-framework tasks, newest first-status first', () => {
    expect(ids('')).toEqual(['t1', 't0', 't9', 't2']);
  });

  it('sorts ascending with status-less tasks first', () => {
    expect(ids('order=asc')).toEqual(['t2', 't9', 't0', 't1']);
  });

  it('applies limit and offset', () => {
    expect(ids('limit=2')).toEqual(['t1', 't0']);
    expect(ids('offset=1&limit=2')).toEqual(['t0', 't9']);
    expect(ids('offset=10')).toEqual([]);
    expect(ids('limit=junk')).toEqual(['t1', 't0', 't9', 't2']);
  });

  it('defaults the limit to 100', () => {
    const { view, t1 } = makeFixture();
    const f0 = view.frameworks.get('F0')!;
    for (let i = 0; i < 150; i++)
      f0.tasks.set(`x${i}`, { ...t1, info: { ...t1.info, task_id: { value: `x${i}` } } });
    expect(renderTasks(view, q()).tasks).toHaveLength(100);
    expect(renderTasks(view, q('limit=1000')).tasks).toHaveLength(154);
  });

  it('filters by framework_id and task_id', () => {
    expect(ids('framework_id=F1')).toEqual(['t2']);
    expect(ids('task_id=t0')).toEqual(['t0']);
    expect(ids('framework_id=F1&task_id=t0')).toEqual([]);
  });
});

describe('renderRoles', () => {
  it('breaks down known roles including reservation roles and ancestors', () => {
    const { roles } = renderRoles(makeFixture().view);
    expect(roles.map((r) => r.name)).toEqual(['*', 'eng', 'eng/batch']);
    expect(roles[0]).toEqual({
      name: '*',
      weight: 1,
      quota: { role: '*', guarantee: {}, limit: {}, consumed: { cpus: 1, mem: 128, ports: 1 } },
      resources: { cpus: 3, mem: 4224, ports: 1 },
      allocated: { cpus: 1, mem: 128, ports: 1 },
      offered: { cpus: 2, mem: 4096 },
      reserved: {},
      frameworks: ['F0'],
    });
    // `eng` holds the reservation: half of it is used by t2, the rest still counts as consumed.
    expect(roles[1]).toMatchObject({
      name: 'eng',
      weight: 1,
      allocated: { cpus: 0.6, mem: 96 },
      reserved: { cpus: 1 },
      quota: { consumed: { cpus: 1.1, mem: 96 } },
      frameworks: [],
    });
    expect(roles[2]).toMatchObject({
      name: 'eng/batch',
      weight: 2,
      allocated: { cpus: 0.6, mem: 96 },
      reserved: {},
      frameworks: ['F1'],
    });
  });
});

describe('renderVersion', () => {
  it('reports Mesos 1.11.0 with build info', () => {
    const v = renderVersion();
    expect(v.version).toBe('1.11.0');
    expect(Object.keys(v).sort()).toEqual(['build_date', 'build_time', 'build_user', 'version']);
    expect(typeof v.build_time).toBe('number');
  });
});
