// Checkpointing and recovery, seen by frameworks on a real master and agent: the agent process is
// SIGKILLed and started again on the same work_dir. Tasks of checkpointing frameworks keep running
// meanwhile and are found again under the same agent id; a task that ended while the agent was down
// is reported with its real exit status; unacknowledged updates are sent again. Tasks of frameworks
// that do not checkpoint die with the agent and are reported TASK_LOST (TASK_DROPPED when
// partition-aware), as Mesos's re-registration reconciliation does.
import { rm } from 'node:fs/promises';
import Dockerode from 'dockerode';
import { BASE_IMAGE, ensureBaseImage } from '../../src/cluster/drivers/docker/base-image.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Offer, TaskInfo, TaskStatus } from '../../src/mesos/protocol/types.js';
import { freePort } from '../../src/util/net.js';
import { readProcess } from '../../src/util/proc.js';
import { waitFor } from '../../src/util/wait.js';
import {
  launchOneTask,
  startNode,
  testDir,
  waitForAgents,
  type OneTaskFramework,
  type TestNode,
} from '../support/nodes.js';

// A zombie has ended: its parent (the killed agent) is not there to reap it.
const alive = (pid: number): boolean => {
  const p = readProcess(pid);
  return p !== null && p.state !== 'Z';
};

const docker = new Dockerode();
const dockerSkip = await docker.info().then(
  () =>
    ensureBaseImage(docker).then(
      () => null,
      (err: Error) => `the base image ${BASE_IMAGE} is not available (${err.message})`,
    ),
  (err: Error) => `Docker is not reachable (${err.message})`,
);
if (dockerSkip) console.warn(`Skipping the DOCKER task recovery test: ${dockerSkip}`);

/** Whether Docker has a running container for the task (by the agent's labels). */
const dockerRunning = async (taskId: string): Promise<boolean> => {
  const list = await docker.listContainers({ filters: { label: [`sandbox.mesos.task-id=${taskId}`] } });
  return list.some((c) => c.State === 'running');
};

interface AgentEntry {
  id: string;
  active: boolean;
}

describe('agent checkpointing and recovery', () => {
  let dir: string;
  let master: TestNode;
  let agent: TestNode;
  let agentFlags: Record<string, string>;
  const frameworks: OneTaskFramework[] = [];

  beforeAll(async () => {
    dir = testDir('recovery');
    master = await startNode('master', { port: String(await freePort()), allocation_interval: '100ms' }, dir);
    agentFlags = {
      port: String(await freePort()),
      master: master.url,
      work_dir: `${dir}/agent`,
      registration_backoff_factor: '50ms',
      resources: 'cpus:4;mem:2048;disk:4096',
    };
    agent = await startNode('agent', agentFlags, dir);
    await waitForAgents(master.url, 1);
  });

  afterEach(async () => {
    for (const f of frameworks.splice(0)) await f.close();
  });

  afterAll(async () => {
    await agent?.stop();
    await master?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const task =
    (id: string, cmd: string) =>
    (offer: Offer): TaskInfo => ({
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      command: { value: cmd },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
      ],
    });

  async function launch(
    name: string,
    make: (offer: Offer) => TaskInfo,
    options: Parameters<typeof launchOneTask>[3] = {},
  ): Promise<OneTaskFramework> {
    const framework = await launchOneTask(master.url, name, make, options);
    frameworks.push(framework);
    return framework;
  }

  const agents = async (): Promise<AgentEntry[]> =>
    ((await (await fetch(`${master.url}/master/slaves`)).json()) as { slaves: AgentEntry[] }).slaves;

  /** SIGKILLs the agent process: its tasks are not told. */
  async function crashAgent(): Promise<void> {
    await agent.stop('SIGKILL');
    await waitFor(async () => (await agents()).every((a) => !a.active), {
      description: 'the master to see it go',
    });
  }

  async function restartAgent(agentId: string): Promise<void> {
    agent = await startNode('agent', agentFlags, dir);
    await waitFor(async () => (await agents()).some((a) => a.id === agentId && a.active), {
      description: `agent ${agentId} to re-register`,
    });
  }

  const running = (s: TaskStatus): boolean => s.state === 'TASK_RUNNING';

  it('finds a running task again after a crash, under the same agent id, and resends its unacknowledged update', async () => {
    // TASK_RUNNING is left unacknowledged until the agent is down: the restarted agent must send it again.
    let acknowledgeRunning = false;
    const fw = await launch('keeps-running', task('kept', 'echo started; exec sleep 1000'), {
      frameworkInfo: { checkpoint: true },
      acknowledge: (s) => s.state !== 'TASK_RUNNING' || acknowledgeRunning,
    });
    const first = await fw.update('kept', running);
    const agentId = first.agent_id!.value;
    const pid = first.container_status!.executor_pid!;

    await crashAgent();
    expect(alive(pid)).toBe(true);
    acknowledgeRunning = true;
    await restartAgent(agentId);

    const again = await fw.update('kept', (s) => running(s) && s !== first);
    expect(again.uuid).toBe(first.uuid);
    expect(alive(pid)).toBe(true);
    const state = (await (await fetch(`${agent.url}/state`)).json()) as {
      id: string;
      frameworks: Array<{ executors: Array<{ tasks: Array<{ id: string; state: string }> }> }>;
    };
    expect(state.id).toBe(agentId);
    expect(state.frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks))).toEqual([
      expect.objectContaining({ id: 'kept', state: 'TASK_RUNNING' }),
    ]);

    // The recovered agent still controls the task.
    await fw.client.call({
      type: 'KILL',
      kill: { task_id: { value: 'kept' }, agent_id: { value: agentId } },
    });
    const killed = await fw.update('kept', (s) => s.state === 'TASK_KILLED');
    expect(killed.source).toBe('SOURCE_EXECUTOR');
    await waitFor(() => !alive(pid), { description: 'the task process to end' });
  });

  it('reports the real exit status of a task that ended while the agent was down', async () => {
    const fw = await launch('ends-while-down', task('ender', 'sleep 2; exit 3'), {
      frameworkInfo: { checkpoint: true },
    });
    const runningStatus = await fw.update('ender', running);
    const pid = runningStatus.container_status!.executor_pid!;
    await crashAgent();
    await waitFor(() => !alive(pid), { description: 'the task to end while the agent is down' });
    await restartAgent(runningStatus.agent_id!.value);
    const end = await fw.update('ender', (s) => s.state === 'TASK_FAILED');
    expect(end).toMatchObject({ source: 'SOURCE_EXECUTOR', message: 'Command exited with status 3' });
  });

  it('kills the tasks of frameworks that do not checkpoint and reports them lost (dropped if partition-aware)', async () => {
    const plain = await launch('no-checkpoint', task('plain', 'exec sleep 1000'), {
      declineOtherOffers: true,
    });
    const aware = await launch('no-checkpoint-aware', task('aware', 'exec sleep 1000'), {
      frameworkInfo: { capabilities: [{ type: 'PARTITION_AWARE' }] },
    });
    const plainRunning = await plain.update('plain', running);
    const awareRunning = await aware.update('aware', running);
    await crashAgent();
    await restartAgent(plainRunning.agent_id!.value);

    const lost = await plain.update('plain', (s) => s.state === 'TASK_LOST');
    expect(lost).toMatchObject({
      source: 'SOURCE_AGENT',
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: task unknown to the agent',
    });
    const dropped = await aware.update('aware', (s) => s.state === 'TASK_DROPPED');
    expect(dropped.reason).toBe('REASON_RECONCILIATION');
    // Orphans: their processes were destroyed by the restarted agent.
    await waitFor(
      () =>
        !alive(plainRunning.container_status!.executor_pid!) &&
        !alive(awareRunning.container_status!.executor_pid!),
      { description: 'the orphan tasks to be destroyed' },
    );
  });

  it.skipIf(dockerSkip !== null)(
    'finds a DOCKER task again after a crash and removes the containers of frameworks that do not checkpoint',
    async () => {
      const dockerTask =
        (id: string) =>
        (offer: Offer): TaskInfo => ({
          ...task(id, 'exec sleep 1000')(offer),
          container: { type: 'DOCKER', docker: { image: BASE_IMAGE, network: 'HOST' } },
        });
      const kept = await launch('docker-kept', dockerTask('docker-kept'), {
        frameworkInfo: { checkpoint: true },
        declineOtherOffers: true,
      });
      const orphan = await launch('docker-orphan', dockerTask('docker-orphan'));
      const keptRunning = await kept.update('docker-kept', running);
      await orphan.update('docker-orphan', running);

      await crashAgent();
      expect(await dockerRunning('docker-kept')).toBe(true);
      await restartAgent(keptRunning.agent_id!.value);

      await orphan.update('docker-orphan', (s) => s.state === 'TASK_LOST');
      await waitFor(async () => !(await dockerRunning('docker-orphan')), {
        description: 'the orphan container to be removed',
      });
      expect(await dockerRunning('docker-kept')).toBe(true);
      await kept.client.call({
        type: 'KILL',
        kill: { task_id: { value: 'docker-kept' }, agent_id: keptRunning.agent_id! },
      });
      await kept.update('docker-kept', (s) => s.state === 'TASK_KILLED');
      expect(await dockerRunning('docker-kept')).toBe(false);
    },
  );
});
