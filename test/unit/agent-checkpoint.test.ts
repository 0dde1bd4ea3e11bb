// The agent's checkpoint: what a restarted agent reads back of what an earlier one wrote, and how an
// exit status written by the container waiter is decoded.
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MetaStore,
  replayUpdates,
  type ExecutorRecord,
} from '../../src/mesos/agent/checkpoint/meta-store.js';
import { decodeWaitStatus, readWaitStatus } from '../../src/mesos/agent/containerizer/container-runtime.js';
import type { TaskStatus } from '../../src/mesos/protocol/types.js';

const status = (state: TaskStatus['state'], uuid: string): TaskStatus => ({
  task_id: { value: 't1' },
  state,
  uuid,
});
const line = (x: object): string => JSON.stringify(x);

describe('replayUpdates', () => {
  it('counts the acknowledged prefix, acknowledgements matching in order', () => {
    const lines = [
      line({ update: status('TASK_STARTING', 'a') }),
      line({ ack: 'a' }),
      line({ update: status('TASK_RUNNING', 'b') }),
      line({ update: status('TASK_FINISHED', 'c') }),
    ];
    const { statuses, acknowledged } = replayUpdates(lines);
    expect(statuses.map((s) => s.uuid)).toEqual(['a', 'b', 'c']);
    expect(acknowledged).toBe(1);
  });

  it('ignores an acknowledgement of an update that is not next in line', () => {
    const lines = [
      line({ update: status('TASK_STARTING', 'a') }),
      line({ update: status('TASK_RUNNING', 'b') }),
    ];
    expect(replayUpdates([...lines, line({ ack: 'b' })]).acknowledged).toBe(0);
  });

  it('skips a last line a crash cut short', () => {
    const whole = line({ update: status('TASK_RUNNING', 'b') });
    const { statuses } = replayUpdates([line({ update: status('TASK_STARTING', 'a') }), whole.slice(0, 20)]);
    expect(statuses.map((s) => s.uuid)).toEqual(['a']);
  });
});

describe('MetaStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'meta-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const executor: ExecutorRecord = {
    info: { executor_id: { value: 'e1' }, command: { value: 'sleep 1' } },
    kind: 'command',
    role: 'web',
    containerId: 'c1',
    directory: '/sandbox/c1',
  };

  it('reads back the agent, its checkpointed frameworks, executors, tasks and updates', () => {
    const store = new MetaStore(dir);
    expect(store.read()).toBeNull();
    store.checkpointAgent({ hostname: 'h', id: { value: 'A-S0' } }, 'boot-1');
    store.checkpointFramework('A-S0', { user: 'root', name: 'fw', id: { value: 'F1' }, checkpoint: true });
    store.checkpointExecutor('A-S0', 'F1', executor);
    const taskInfo = { name: 't1', task_id: { value: 't1' }, agent_id: { value: 'A-S0' } };
    const taskDir = store.checkpointTask('A-S0', 'F1', executor, {
      info: taskInfo,
      role: 'web',
      containerId: 'c1',
      directory: '/sandbox/c1',
    });
    store.appendUpdate(taskDir, { update: status('TASK_RUNNING', 'u1') });
    store.appendUpdate(taskDir, { ack: 'u1' });

    const state = new MetaStore(dir).read();
    expect(state).toMatchObject({ agentId: 'A-S0', bootId: 'boot-1', info: { hostname: 'h' } });
    expect(state!.frameworks).toHaveLength(1);
    expect(state!.frameworks[0]!.info.name).toBe('fw');
    const [recovered] = state!.frameworks[0]!.executors;
    expect(recovered!.record).toEqual(executor);
    expect(recovered!.tasks).toEqual([
      {
        record: { info: taskInfo, role: 'web', containerId: 'c1', directory: '/sandbox/c1' },
        statuses: [status('TASK_RUNNING', 'u1')],
        acknowledged: 1,
      },
    ]);
  });

  it('forgets a removed framework', () => {
    const store = new MetaStore(dir);
    store.checkpointAgent({ hostname: 'h', id: { value: 'A-S0' } }, null);
    store.checkpointFramework('A-S0', { user: 'root', name: 'fw', id: { value: 'F1' } });
    store.removeFramework('A-S0', 'F1');
    expect(store.read()!.frameworks).toEqual([]);
  });

  it('clears the agent but keeps the checkpointed resources of the host', () => {
    const store = new MetaStore(dir);
    store.checkpointAgent({ hostname: 'h', id: { value: 'A-S0' } }, 'boot-1');
    mkdirSync(join(dir, 'meta', 'resources'), { recursive: true });
    writeFileSync(join(dir, 'meta', 'resources', 'resources_and_operations.state'), '[]');
    store.clear();
    expect(store.read()).toBeNull();
    expect(existsSync(join(dir, 'meta', 'resources', 'resources_and_operations.state'))).toBe(true);
  });
});

describe('the waiter exit status', () => {
  it('decodes exit codes and signals of a wait(2) status', () => {
    expect(decodeWaitStatus(0)).toEqual({ code: 0, signal: null });
    expect(decodeWaitStatus(3 << 8)).toEqual({ code: 3, signal: null });
    expect(decodeWaitStatus(137 << 8)).toEqual({ code: 137, signal: null });
    expect(decodeWaitStatus(9)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(decodeWaitStatus(15)).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('reads nothing from a missing or garbled status file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'waiter-'));
    try {
      expect(await readWaitStatus(join(dir, 'status'))).toBeNull();
      appendFileSync(join(dir, 'status'), 'garbage');
      expect(await readWaitStatus(join(dir, 'status'))).toBeNull();
      writeFileSync(join(dir, 'status'), `${2 << 8}\n`);
      expect(await readWaitStatus(join(dir, 'status'))).toEqual({ code: 2, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
