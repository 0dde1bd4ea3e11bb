// Mesos health checks run by our agent for tasks with a TaskInfo.health_check, seen end to end by a
// framework on a real master and agent: health changes arrive as TASK_RUNNING updates with `healthy`,
// and a task that keeps failing its check is killed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import type { HealthCheck, Offer, Resource, TaskInfo, TaskStatus } from '../../src/mesos/protocol/types.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import {
  EventLog,
  launchOneTask,
  startMasterAndAgent,
  testDir,
  type OneTaskFramework,
  type TestNode,
} from '../support/nodes.js';

const HEALTH_REASON = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';

describe('agent health checks', () => {
  let dir: string;
  let master: TestNode;
  let agent: TestNode;
  let httpPort: number;
  const frameworks: OneTaskFramework[] = [];

  beforeAll(async () => {
    dir = testDir('health');
    httpPort = await freePort();
    ({ master, agent } = await startMasterAndAgent(dir, {
      resources: `cpus:4;mem:2048;disk:4096;ports:[${httpPort}-${httpPort}]`,
    }));
  });

  afterEach(async () => {
    for (const f of frameworks.splice(0)) await f.close();
  });

  afterAll(async () => {
    await agent?.stop();
    await master?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function launchOne(name: string, task: (offer: Offer) => TaskInfo): Promise<EventLog> {
    const framework = await launchOneTask(master.url, name, task);
    frameworks.push(framework);
    return framework.log;
  }

  function checkedTask(
    offer: Offer,
    id: string,
    cmd: string,
    healthCheck: HealthCheck,
    extra: Resource[] = [],
  ): TaskInfo {
    return {
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      command: { value: cmd },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
        ...extra,
      ],
      health_check: healthCheck,
    };
  }

  const update = (log: EventLog, taskId: string, match: (s: TaskStatus) => boolean): Promise<TaskStatus> =>
    log
      .next('UPDATE', (e) => e.update.status.task_id.value === taskId && match(e.update.status), 30_000)
      .then((e) => e.update.status);

  it('reports a task whose COMMAND check passes as healthy, in the update and in /state', async () => {
    const log = await launchOne('health-command', (offer) =>
      checkedTask(offer, 'cmd-ok', 'sleep 300', {
        type: 'COMMAND',
        // Runs with the task's environment, in its sandbox.
        command: { value: 'test "$MESOS_TASK_ID" = cmd-ok && test "$(pwd)" = "$MESOS_SANDBOX"' },
        delay_seconds: 0,
        interval_seconds: 1,
        grace_period_seconds: 30,
      }),
    );
    const healthy = await update(log, 'cmd-ok', (s) => s.healthy !== undefined);
    expect(healthy).toMatchObject({
      state: 'TASK_RUNNING',
      source: 'SOURCE_EXECUTOR',
      reason: HEALTH_REASON,
      healthy: true,
    });
    expect(healthy.container_status?.container_id?.value).toBeTruthy();
    const running = log.updates('cmd-ok').filter((s) => s.state === 'TASK_RUNNING');
    expect(running[0]!.healthy).toBeUndefined();

    // The agent's /state shows the check (with its defaults filled in) and the healthy status.
    const state = await waitFor(async () => {
      const body = (await (await fetch(`${agent.url}/state`)).json()) as {
        frameworks: Array<{
          executors: Array<{
            tasks: Array<{ id: string; health_check?: HealthCheck; statuses: Array<{ healthy?: boolean }> }>;
          }>;
        }>;
      };
      const task = body.frameworks
        .flatMap((f) => f.executors.flatMap((e) => e.tasks))
        .find((t) => t.id === 'cmd-ok');
      return task?.statuses.some((s) => s.healthy === true) ? task : undefined;
    });
    expect(state.health_check).toMatchObject({
      type: 'COMMAND',
      timeout_seconds: 20,
      consecutive_failures: 3,
    });
  });

  it('reports a task answering its HTTP check on an offered port as healthy', async () => {
    const log = await launchOne('health-http', (offer) =>
      checkedTask(
        offer,
        'http-ok',
        'exec python3 -m http.server $PORT0 --bind 127.0.0.1',
        {
          type: 'HTTP',
          http: { port: httpPort, path: '/' },
          delay_seconds: 0,
          interval_seconds: 0.5,
          grace_period_seconds: 60,
        },
        [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: httpPort, end: httpPort }] } }],
      ),
    );
    const healthy = await update(log, 'http-ok', (s) => s.healthy !== undefined);
    expect(healthy).toMatchObject({ state: 'TASK_RUNNING', reason: HEALTH_REASON, healthy: true });
    // Failures while the server was still starting fell in the grace period: none was reported.
    expect(log.updates('http-ok').filter((s) => s.healthy === false)).toEqual([]);
  });

  it('kills a task that keeps failing its check: unhealthy updates, then TASK_KILLED with healthy=false', async () => {
    const log = await launchOne('health-failing', (offer) =>
      checkedTask(offer, 'always-sick', 'sleep 300', {
        type: 'COMMAND',
        command: { value: 'exit 1' },
        delay_seconds: 0,
        interval_seconds: 0.2,
        grace_period_seconds: 0,
        consecutive_failures: 2,
      }),
    );
    const end = await update(log, 'always-sick', (s) => s.state === 'TASK_KILLED');
    expect(end).toMatchObject({ state: 'TASK_KILLED', source: 'SOURCE_EXECUTOR', healthy: false });
    expect(end.reason).toBeUndefined();
    expect(end.message).toMatch(/signal/);
    const states = log.updates('always-sick').map((s) => [s.state, s.healthy, s.reason]);
    expect(states).toEqual([
      ['TASK_STARTING', undefined, undefined],
      ['TASK_RUNNING', undefined, undefined],
      ['TASK_RUNNING', false, HEALTH_REASON],
      ['TASK_RUNNING', false, HEALTH_REASON],
      ['TASK_KILLED', false, undefined],
    ]);
  });
});
