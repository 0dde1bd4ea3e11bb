import { describe, expect, it } from 'vitest';
import {
  handleOperatorCall,
  v1AgentEntry,
  v1FrameworkEntry,
  v1GetState,
  v1Task,
} from '../../src/mesos/master/operator-api.js';
import type { OperatorResponse } from '../../src/mesos/master/operator-api.js';
import { makeFixture } from './fixtures/fake-master-view.js';

type Json = Record<string, unknown>;

function call(body: unknown): OperatorResponse {
  const res = handleOperatorCall(makeFixture().view, body);
  if (res === null) throw new Error('call was not handled');
  return res;
}

function ok(body: unknown): Json {
  const res = call(body);
  expect(res.status).toBe(200);
  expect(res.contentType).toBe('application/json');
  return JSON.parse(res.body) as Json;
}

function rejected(body: unknown): { status: number; body: string } {
  const res = call(body);
  return { status: res.status, body: res.body };
}

describe('handleOperatorCall: errors', () => {
  it('rejects bodies that are not a Call object', () => {
    expect(rejected([])).toEqual({
      status: 400,
      body: 'Failed to convert JSON into Call protobuf: Expecting a JSON object',
    });
    expect(rejected('GET_HEALTH').status).toBe(400);
  });

  it('requires a known type', () => {
    const missing = { status: 400, body: "Failed to validate master::Call: Expecting 'type' to be present" };
    expect(rejected({})).toEqual(missing);
    // Unknown enum names are dropped on parse (proto2), which leaves `type` unset.
    expect(rejected({ type: 'GET_EVERYTHING' })).toEqual(missing);
    expect(rejected({ type: null })).toEqual(missing);
    expect(rejected({ type: 1 })).toEqual({
      status: 400,
      body: "Failed to convert JSON into Call protobuf: Not expecting a JSON number for field 'type'",
    });
  });

  it('answers 501 with an empty body for UNKNOWN', () => {
    expect(rejected({ type: 'UNKNOWN' })).toEqual({ status: 501, body: '' });
  });

  it('requires the sub-message of calls that take one', () => {
    expect(rejected({ type: 'GET_METRICS' })).toEqual({
      status: 400,
      body: "Failed to validate master::Call: Expecting 'get_metrics' to be present",
    });
    expect(rejected({ type: 'TEARDOWN' }).body).toBe(
      "Failed to validate master::Call: Expecting 'teardown' to be present",
    );
    expect(rejected({ type: 'TEARDOWN', teardown: {} })).toEqual({
      status: 400,
      body: 'Failed to convert JSON into Call protobuf: Missing required fields: teardown.framework_id',
    });
    expect(
      rejected({
        type: 'GROW_VOLUME',
        grow_volume: { volume: { name: 'disk', type: 'SCALAR' }, addition: { name: 'disk', type: 'SCALAR' } },
      }).body,
    ).toBe(
      "Failed to validate master::Call: Expecting 'agent_id' to be present; only agent default resources are supported right now",
    );
  });

  it('checks JSON kinds of message fields', () => {
    expect(rejected({ type: 'GET_METRICS', get_metrics: 'soon' }).body).toBe(
      "Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'get_metrics'",
    );
    expect(
      rejected({
        type: 'RESERVE_RESOURCES',
        reserve_resources: { agent_id: { value: 'S0' }, resources: [{ name: 'cpus' }] },
      }).body,
    ).toBe(
      'Failed to convert JSON into Call protobuf: Missing required fields: reserve_resources.resources[0].type',
    );
  });

  it('treats null fields as absent', () => {
    expect(ok({ type: 'GET_HEALTH', get_metrics: null })).toEqual({
      type: 'GET_HEALTH',
      get_health: { healthy: true },
    });
  });

  it('hands valid calls it does not implement back to the caller', () => {
    const { view } = makeFixture();
    for (const body of [
      { type: 'SUBSCRIBE' },
      { type: 'GET_WEIGHTS' },
      { type: 'TEARDOWN', teardown: { framework_id: { value: 'F0' } } },
      { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 2 }] } },
      { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: 'S0' } } },
    ]) {
      expect(handleOperatorCall(view, body)).toBeNull();
    }
  });
});

describe('handleOperatorCall: basic calls', () => {
  it('GET_HEALTH', () => {
    expect(ok({ type: 'GET_HEALTH' })).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
  });

  it('GET_VERSION', () => {
    const body = ok({ type: 'GET_VERSION' }) as { get_version: { version_info: Json } };
    expect(body.get_version.version_info).toMatchObject({ version: '1.11.0' });
    expect(Object.keys(body.get_version.version_info).sort()).toEqual([
      'build_date',
      'build_time',
      'build_user',
      'version',
    ]);
  });

  it('GET_FLAGS lists flags as name/value pairs sorted by name', () => {
    expect(ok({ type: 'GET_FLAGS' })).toEqual({
      type: 'GET_FLAGS',
      get_flags: {
        flags: [
          { name: 'port', value: '5050' },
          { name: 'quorum', value: '1' },
          { name: 'work_dir', value: '/var/lib/mesos' },
        ],
      },
    });
  });

  it('GET_METRICS returns the snapshot as name/value pairs', () => {
    const body = ok({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5e9 } } }) as {
      type: string;
      get_metrics: { metrics: Array<{ name: string; value: number }> };
    };
    expect(body.type).toBe('GET_METRICS');
    const metrics = body.get_metrics.metrics;
    expect(metrics).toContainEqual({ name: 'master/elected', value: 1 });
    expect(metrics).toContainEqual({ name: 'allocator/mesos/allocation_runs', value: 7 });
    const names = metrics.map((m) => m.name);
    expect(names).toEqual([...names].sort());
  });

  it('GET_MASTER', () => {
    expect(ok({ type: 'GET_MASTER' })).toEqual({
      type: 'GET_MASTER',
      get_master: {
        master_info: {
          id: 'm1',
          ip: 16777343,
          port: 5050,
          pid: 'master@127.0.0.1:5050',
          hostname: 'localhost',
          version: '1.11.0',
          capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }],
        },
        start_time: 1000,
        elected_time: 1001,
      },
    });
  });

  it('GET_ROLES: protobuf form, quantities of cpus/mem/disk/gpus only', () => {
    const body = ok({ type: 'GET_ROLES' }) as { get_roles: { roles: Json[] } };
    expect(body.get_roles.roles).toEqual([
      {
        name: '*',
        weight: 1,
        frameworks: [{ value: 'F0' }],
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 3 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 4224 } },
        ],
      },
      {
        name: 'eng',
        weight: 1,
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.6 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 96 } },
        ],
      },
      {
        name: 'eng/batch',
        weight: 2,
        frameworks: [{ value: 'F1' }],
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.6 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 96 } },
        ],
      },
    ]);
  });
});

describe('handleOperatorCall: state calls', () => {
  it('GET_STATE nests the four Get* responses', () => {
    const body = ok({ type: 'GET_STATE' }) as { type: string; get_state: Json };
    expect(body.type).toBe('GET_STATE');
    expect(Object.keys(body.get_state).sort()).toEqual([
      'get_agents',
      'get_executors',
      'get_frameworks',
      'get_tasks',
    ]);
    expect(body.get_state).toEqual(JSON.parse(JSON.stringify(v1GetState(makeFixture().view))));
  });

  it('GET_TASKS splits tasks, unreachable and completed (including completed frameworks)', () => {
    const body = ok({ type: 'GET_TASKS' }) as {
      get_tasks: Record<string, Array<{ task_id: { value: string } }>>;
    };
    const ids = (k: string): string[] => body.get_tasks[k]!.map((t) => t.task_id.value);
    expect(ids('tasks')).toEqual(['t1', 't2']);
    expect(ids('unreachable_tasks')).toEqual([]);
    expect(ids('completed_tasks')).toEqual(['t0', 't9']);
  });

  it('GET_AGENTS', () => {
    const body = ok({ type: 'GET_AGENTS' }) as { get_agents: { agents: Json[]; recovered_agents: Json[] } };
    expect(body.get_agents.recovered_agents).toEqual([]);
    expect(body.get_agents.agents).toHaveLength(2);
  });

  it('GET_FRAMEWORKS', () => {
    const body = ok({ type: 'GET_FRAMEWORKS' }) as {
      get_frameworks: Record<string, Array<{ framework_info: { id: { value: string } } }>>;
    };
    expect(body.get_frameworks.frameworks!.map((f) => f.framework_info.id.value)).toEqual(['F0', 'F1']);
    expect(body.get_frameworks.completed_frameworks!.map((f) => f.framework_info.id.value)).toEqual(['F2']);
  });

  it('GET_EXECUTORS lists executor_info with its agent', () => {
    expect(ok({ type: 'GET_EXECUTORS' })).toEqual({
      type: 'GET_EXECUTORS',
      get_executors: {
        executors: [
          {
            executor_info: {
              executor_id: { value: 'exec1' },
              framework_id: { value: 'F1' },
              command: {
                value: './exec',
                shell: true,
                uris: [{ value: 'http://x/exec.tgz', extract: true }],
              },
              resources: [
                {
                  name: 'cpus',
                  type: 'SCALAR',
                  scalar: { value: 0.1 },
                  allocation_info: { role: 'eng/batch' },
                },
                {
                  name: 'mem',
                  type: 'SCALAR',
                  scalar: { value: 32 },
                  allocation_info: { role: 'eng/batch' },
                },
              ],
              labels: { labels: [{ key: 'k', value: 'v' }] },
            },
            agent_id: { value: 'S0' },
          },
        ],
      },
    });
  });
});

describe('v1 converters', () => {
  it('v1Task: command task without executor_id, statuses without data', () => {
    const { t1 } = makeFixture();
    const task = v1Task(t1);
    expect(task).toMatchObject({
      name: 'task t1',
      task_id: { value: 't1' },
      framework_id: { value: 'F0' },
      agent_id: { value: 'S0' },
      state: 'TASK_RUNNING',
      status_update_state: 'TASK_RUNNING',
      status_update_uuid: 'AAAAAAAAAAAAAAAAAAAAAA==',
    });
    expect(task).not.toHaveProperty('executor_id');
    expect(task.resources).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, allocation_info: { role: '*' } },
      {
        name: 'ports',
        type: 'RANGES',
        ranges: { range: [{ begin: 31000, end: 31000 }] },
        allocation_info: { role: '*' },
      },
    ]);
    expect(task.statuses).toHaveLength(2);
    expect(task.statuses![1]).toMatchObject({
      state: 'TASK_RUNNING',
      healthy: true,
      uuid: 'AAAAAAAAAAAAAAAAAAAAAA==',
    });
    expect(task.statuses![1]).not.toHaveProperty('data');
  });

  it('v1Task: custom executor, post-refinement reservations, no empty repeated fields', () => {
    const { t2 } = makeFixture();
    const task = v1Task(t2);
    expect(task.executor_id).toEqual({ value: 'exec1' });
    expect(task).not.toHaveProperty('statuses');
    expect(task).not.toHaveProperty('status_update_state');
    expect(task.resources![0]).toEqual({
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 0.5 },
      allocation_info: { role: 'eng/batch' },
      reservations: [{ type: 'STATIC', role: 'eng' }],
    });
  });

  it('v1AgentEntry', () => {
    const { view } = makeFixture();
    const s0 = v1AgentEntry(view.agents.get('S0')!, view);
    expect(s0).toMatchObject({
      agent_info: { hostname: 'host-S0', port: 5051, id: { value: 'S0' } },
      active: true,
      deactivated: false,
      version: '1.11.0',
      pid: 'slave(1)@10.0.0.1:5051',
      registered_time: { nanoseconds: 1003e9 },
      capabilities: [
        { type: 'MULTI_ROLE' },
        { type: 'HIERARCHICAL_ROLE' },
        { type: 'RESERVATION_REFINEMENT' },
      ],
    });
    expect(s0.agent_info).not.toHaveProperty('capabilities');
    expect(s0.agent_info.attributes).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'level', type: 'SCALAR', scalar: { value: 3 } },
    ]);
    expect(s0).not.toHaveProperty('reregistered_time');
    expect(s0).not.toHaveProperty('offered_resources');
    expect(s0.total_resources).toContainEqual({
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 1 },
      role: 'eng',
      reservations: [{ type: 'STATIC', role: 'eng' }],
    });
    expect(s0.total_resources).toContainEqual({
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 4 },
      role: '*',
    });
    const cpusUsed = s0
      .allocated_resources!.filter((r) => r.name === 'cpus')
      .reduce((n, r) => n + r.scalar!.value, 0);
    expect(cpusUsed).toBeCloseTo(1.6);

    const s1 = v1AgentEntry(view.agents.get('S1')!, view);
    expect(s1).toMatchObject({
      active: false,
      deactivated: true,
      reregistered_time: { nanoseconds: 1050e9 },
    });
    expect(s1.offered_resources!.map((r) => r.name)).toEqual(['cpus', 'mem']);
    expect(s1).not.toHaveProperty('allocated_resources');
  });

  it('v1FrameworkEntry', () => {
    const { view } = makeFixture();
    const f0 = v1FrameworkEntry(view.frameworks.get('F0')!);
    expect(f0).toMatchObject({
      framework_info: {
        user: 'root',
        name: 'marathon',
        id: { value: 'F0' },
        failover_timeout: 604800,
        checkpoint: false,
      },
      active: true,
      connected: true,
      recovered: false,
      registered_time: { nanoseconds: 1002e9 },
      reregistered_time: { nanoseconds: 1020e9 },
      offer_constraints: {},
    });
    expect(f0).not.toHaveProperty('unregistered_time');
    expect(f0.offers!.map((o) => o.id.value)).toEqual(['m1-O0']);
    expect(f0.offered_resources!.every((r) => r.role === '*')).toBe(true);
    const f1 = v1FrameworkEntry(view.frameworks.get('F1')!);
    expect(f1.framework_info).toMatchObject({ failover_timeout: 0, checkpoint: false, roles: ['eng/batch'] });
    expect(f1).toMatchObject({ active: false, connected: false, unregistered_time: { nanoseconds: 1030e9 } });
    expect(f1).not.toHaveProperty('offers');
  });
});
