import { describe, expect, it } from 'vitest';
import { renderAgentMetrics } from '../../src/mesos/agent/metrics.js';
import type { AgentExecutor, AgentFramework, AgentTask, AgentView } from '../../src/mesos/agent/model.js';
import { renderAgentFlags, renderAgentState, renderAgentVersion } from '../../src/mesos/agent/state-json.js';
import { parseResources } from '../../src/mesos/protocol/resources.js';
import type { TaskState, TaskStatus } from '../../src/mesos/protocol/types.js';
import { status as fixtureStatus, withRole } from './fixtures/fake-master-view.js';

const AGENT_ID = 'm1-S0';
const FW_ID = 'm1-0000';
const WORK = '/var/lib/mesos-sandbox/agent';

// Agents' statuses carry the update's uuid.
const status = (
  taskId: string,
  state: TaskState,
  timestamp: number,
  extra: Partial<TaskStatus> = {},
): TaskStatus => fixtureStatus(taskId, state, timestamp, { uuid: 'AAAA', ...extra });

function task(id: string, state: TaskState, executorId: string, statuses: TaskStatus[]): AgentTask {
  const resources = withRole(parseResources('cpus:0.5;mem:64;ports:[31000-31001]'), 'web');
  return {
    info: {
      name: `name-${id}`,
      task_id: { value: id },
      agent_id: { value: AGENT_ID },
      resources,
      command: { value: 'sleep 100' },
      labels: { labels: [{ key: 'owner', value: 'qa' }] },
    },
    frameworkId: FW_ID,
    executorId,
    state,
    statuses,
    resources,
    role: 'web',
    containerId: `c-${id}`,
    directory: `/sandbox/${id}`,
  };
}

function commandExecutor(taskId: string, containerId: string, t: AgentTask, done: boolean): AgentExecutor {
  return {
    id: taskId,
    frameworkId: FW_ID,
    info: {
      executor_id: { value: taskId },
      framework_id: { value: FW_ID },
      name: `Command Executor (Task: ${taskId}) (Command: sh -c 'sleep 100')`,
      source: taskId,
      command: { value: 'sleep 100' },
    },
    kind: 'command',
    containerId,
    directory: `${WORK}/slaves/${AGENT_ID}/frameworks/${FW_ID}/executors/${taskId}/runs/${containerId}`,
    tasks: done ? new Map() : new Map([[taskId, t]]),
    completedTasks: done ? [t] : [],
    role: 'web',
  };
}

function fakeView(): AgentView {
  const running = task('t-run', 'TASK_RUNNING', 't-run', [
    status('t-run', 'TASK_STARTING', 100),
    status('t-run', 'TASK_RUNNING', 101, {
      container_status: { container_id: { value: 'c-run' }, executor_pid: 4242 },
      healthy: true,
    }),
  ]);
  const finished = task('t-done', 'TASK_FINISHED', 't-done', [
    status('t-done', 'TASK_RUNNING', 90),
    status('t-done', 'TASK_FINISHED', 95),
  ]);
  const fw: AgentFramework = {
    id: FW_ID,
    info: {
      user: 'root',
      name: 'marathon',
      id: { value: FW_ID },
      roles: ['web'],
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'TASK_KILLING_STATE' }],
      principal: 'marathon-principal',
    },
    executors: new Map([['t-run', commandExecutor('t-run', 'c-run', running, false)]]),
    completedExecutors: [commandExecutor('t-done', 'c-done', finished, true)],
  };
  const total = [
    ...parseResources('cpus:4;mem:4096;disk:10000;ports:[31000-32000]'),
    ...parseResources('cpus(web):1;mem(web):512'),
  ];
  return {
    id: AGENT_ID,
    info: {
      hostname: 'agent1.local',
      port: 5051,
      resources: total,
      attributes: [
        { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
        { name: 'level', type: 'SCALAR', scalar: { value: 10 } },
      ],
    },
    pid: 'slave(1)@127.0.0.1:5051',
    hostname: 'agent1.local',
    port: 5051,
    startTime: 1000.5,
    flags: {
      master: 'zk://127.0.0.1:2181/mesos',
      work_dir: WORK,
      port: '5051',
      attributes: 'rack:r1;level:10',
      log_file: '/var/log/agent.log',
    },
    masterHostname: 'master1.local',
    registered: true,
    totalResources: total,
    attributesText: 'rack:r1;level:10',
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE'],
    isolation: 'cgroups/cpu,cgroups/mem,namespaces/pid',
    workDir: WORK,
    frameworks: new Map([[FW_ID, fw]]),
    completedFrameworks: [],
    counters: { tasks_finished: 1, valid_status_updates: 4, container_launch_errors: 2 },
    now: () => 1060.5,
    containerStatistics: () => Promise.resolve(null),
  };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => v as Obj;
const arr = (v: unknown): Obj[] => v as Obj[];

describe('renderAgentState', () => {
  const state = renderAgentState(fakeView()) as Obj;

  it('has the top-level keys of Mesos 1.11 agent /state', () => {
    for (const key of [
      'version',
      'build_date',
      'build_time',
      'build_user',
      'start_time',
      'id',
      'pid',
      'hostname',
      'capabilities',
      'resources',
      'reserved_resources',
      'unreserved_resources',
      'reserved_resources_full',
      'unreserved_resources_full',
      'reserved_resources_allocated',
      'unreserved_resources_allocated',
      'attributes',
      'master_hostname',
      'flags',
      'frameworks',
      'completed_frameworks',
    ]) {
      expect(state, key).toHaveProperty(key);
    }
    expect(state['version']).toBe('1.11.0');
    expect(typeof state['build_time']).toBe('number');
    expect(state['id']).toBe(AGENT_ID);
    expect(state['pid']).toBe('slave(1)@127.0.0.1:5051');
    expect(state['start_time']).toBe(1000.5);
    expect(state['capabilities']).toEqual(['MULTI_ROLE', 'HIERARCHICAL_ROLE']);
    expect(state['master_hostname']).toBe('master1.local');
    expect(state['external_log_file']).toBe('/var/log/agent.log');
  });

  it('renders resources as resmaps and reservations by role', () => {
    expect(state['resources']).toEqual({ cpus: 5, gpus: 0, mem: 4608, disk: 10000, ports: '[31000-32000]' });
    expect(state['unreserved_resources']).toEqual({
      cpus: 4,
      gpus: 0,
      mem: 4096,
      disk: 10000,
      ports: '[31000-32000]',
    });
    expect(state['reserved_resources']).toEqual({ web: { cpus: 1, gpus: 0, mem: 512, disk: 0 } });
    const full = obj(state['reserved_resources_full'])['web'] as Obj[];
    expect(full.map((r) => r['name']).sort()).toEqual(['cpus', 'mem']);
    expect(full[0]).toMatchObject({ role: 'web', reservations: [{ type: 'STATIC', role: 'web' }] });
    expect(arr(state['unreserved_resources_full']).every((r) => r['role'] === '*')).toBe(true);
    // Only the running task holds resources; its resources are unreserved.
    expect(state['unreserved_resources_allocated']).toEqual({
      cpus: 0.5,
      gpus: 0,
      mem: 64,
      disk: 0,
      ports: '[31000-31001]',
    });
    expect(state['reserved_resources_allocated']).toEqual({});
    expect(state['attributes']).toEqual({ rack: 'r1', level: 10 });
  });

  it('includes the flags with isolation, work_dir, port, resources and attributes', () => {
    const flags = obj(state['flags']);
    expect(flags['isolation']).toBe('cgroups/cpu,cgroups/mem,namespaces/pid');
    expect(flags['work_dir']).toBe(WORK);
    expect(flags['port']).toBe('5051');
    expect(flags['attributes']).toBe('rack:r1;level:10');
    expect(typeof flags['resources']).toBe('string');
    expect(flags['master']).toBe('zk://127.0.0.1:2181/mesos');
    expect(Object.values(flags).every((v) => typeof v === 'string')).toBe(true);
    expect(renderAgentFlags(fakeView()).flags).toEqual(flags);
  });

  it('renders frameworks with their executors and tasks', () => {
    const [fw] = arr(state['frameworks']);
    expect(fw).toMatchObject({
      id: FW_ID,
      name: 'marathon',
      user: 'root',
      failover_timeout: 0,
      checkpoint: false,
      hostname: '',
      principal: 'marathon-principal',
      roles: ['web'],
    });
    expect(fw).not.toHaveProperty('role');
    expect(fw!['capabilities']).toEqual(['MULTI_ROLE', 'TASK_KILLING_STATE']);

    const [executor] = arr(fw!['executors']);
    expect(executor).toMatchObject({
      id: 't-run',
      name: "Command Executor (Task: t-run) (Command: sh -c 'sleep 100')",
      source: 't-run',
      container: 'c-run',
      directory: `${WORK}/slaves/${AGENT_ID}/frameworks/${FW_ID}/executors/t-run/runs/c-run`,
      resources: { cpus: 0.5, gpus: 0, mem: 64, disk: 0, ports: '[31000-31001]' },
      queued_tasks: [],
      completed_tasks: [],
    });
    const [t] = arr(executor!['tasks']);
    expect(t).toEqual({
      id: 't-run',
      name: 'name-t-run',
      framework_id: FW_ID,
      executor_id: '',
      slave_id: AGENT_ID,
      state: 'TASK_RUNNING',
      resources: { cpus: 0.5, gpus: 0, mem: 64, disk: 0, ports: '[31000-31001]' },
      role: 'web',
      statuses: [
        { state: 'TASK_STARTING', timestamp: 100 },
        {
          state: 'TASK_RUNNING',
          timestamp: 101,
          container_status: { container_id: { value: 'c-run' }, executor_pid: 4242 },
          healthy: true,
        },
      ],
      labels: [{ key: 'owner', value: 'qa' }],
    });

    const [done] = arr(fw!['completed_executors']);
    expect(done!['tasks']).toEqual([]);
    const [completed] = arr(done!['completed_tasks']);
    expect(completed).toMatchObject({ id: 't-done', state: 'TASK_FINISHED', executor_id: '' });
    // A finished executor holds nothing.
    expect(done!['resources']).toEqual({ cpus: 0, gpus: 0, mem: 0, disk: 0 });
    expect(state['completed_frameworks']).toEqual([]);
  });

  it('lists a terminal task awaiting acknowledgement under completed_tasks', () => {
    const view = fakeView();
    const executor = view.frameworks.get(FW_ID)!.executors.get('t-run')!;
    executor.tasks.get('t-run')!.state = 'TASK_KILLED';
    const out = renderAgentState(view) as Obj;
    const [ex] = arr(arr(out['frameworks'])[0]!['executors']);
    expect(ex!['tasks']).toEqual([]);
    expect(arr(ex!['completed_tasks']).map((t) => t['state'])).toEqual(['TASK_KILLED']);
  });

  it('gives a non-multi-role framework `role` and no `roles`', () => {
    const view = fakeView();
    const fw = view.frameworks.get(FW_ID)!;
    fw.info = { user: 'u', name: 'n', role: 'batch' };
    const [rendered] = arr((renderAgentState(view) as Obj)['frameworks']);
    expect(rendered!['role']).toBe('batch');
    expect(rendered).not.toHaveProperty('roles');
  });
});

describe('renderAgentVersion', () => {
  it('has the master /version shape', () => {
    const v = renderAgentVersion();
    expect(v.version).toBe('1.11.0');
    expect(Object.keys(v).sort()).toEqual(['build_date', 'build_time', 'build_user', 'version']);
  });
});

describe('renderAgentMetrics', () => {
  const m = renderAgentMetrics(fakeView());

  it('has the agent metric keys with numbers', () => {
    for (const key of [
      'slave/registered',
      'slave/uptime_secs',
      'slave/cpus_total',
      'slave/mem_used',
      'slave/disk_percent',
      'slave/gpus_total',
      'slave/tasks_staging',
      'slave/tasks_killing',
      'slave/tasks_lost',
      'slave/executors_registering',
      'slave/executors_terminated',
      'slave/frameworks_active',
      'slave/invalid_status_updates',
      'system/cpus_total',
      'system/load_1min',
      'system/mem_total_bytes',
    ]) {
      expect(typeof m[key], key).toBe('number');
    }
  });

  it('derives gauges from the model and counters from the view', () => {
    expect(m['slave/registered']).toBe(1);
    expect(m['slave/uptime_secs']).toBe(60);
    expect(m['slave/cpus_total']).toBe(5);
    expect(m['slave/cpus_used']).toBe(0.5);
    expect(m['slave/cpus_percent']).toBeCloseTo(0.1);
    expect(m['slave/gpus_percent']).toBe(0);
    expect(m['slave/tasks_running']).toBe(1);
    expect(m['slave/tasks_staging']).toBe(0);
    expect(m['slave/tasks_finished']).toBe(1);
    expect(m['slave/valid_status_updates']).toBe(4);
    expect(m['slave/container_launch_errors']).toBe(2);
    expect(m['slave/executors_running']).toBe(1);
    expect(m['slave/executors_terminated']).toBe(1);
    expect(m['slave/frameworks_active']).toBe(1);
  });
});
