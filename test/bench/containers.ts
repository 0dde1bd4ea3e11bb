// Container launch and destroy throughput on one agent (real master and agent processes, real
// isolation): 100 command tasks, and 20 Docker tasks when dockerd answers and the base image is
// built. Launch = one ACCEPT to every TASK_RUNNING; destroy = KILL of all to every TASK_KILLED.
// Beside Mesos 1.7's published figures: 1,000 containers launched on one agent in about 30 s and
// destroyed in about 20 s (reference mesos.md §7.2), i.e. ~33 and ~50 containers per second.
import { rm } from 'node:fs/promises';
import Docker from 'dockerode';
import { SchedulerClient } from '../../src/mesos/scheduler/client.js';
import type { ContainerInfo, Offer, SchedulerEvent, TaskInfo } from '../../src/mesos/protocol/types.js';
import { waitFor } from '../../src/util/wait.js';
import { startMasterAndAgent, testDir } from '../support/nodes.js';
import type { BenchRow } from './types.js';

const DOCKER_IMAGE = 'mesos-sandbox-base:bookworm';

function sleeper(offer: Offer, id: string, container?: ContainerInfo): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { value: 'sleep 3600' },
    ...(container ? { container } : {}),
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16 } },
    ],
  };
}

async function dockerImagePresent(): Promise<boolean> {
  try {
    await new Docker().getImage(DOCKER_IMAGE).inspect();
    return true;
  } catch {
    return false;
  }
}

export async function benchContainers(): Promise<BenchRow[]> {
  const dir = testDir('bench-containers');
  const { master, agent } = await startMasterAndAgent(dir, { resources: 'cpus:16;mem:16384;disk:8192' });
  const client = new SchedulerClient({
    master: master.url,
    frameworkInfo: { user: 'root', name: 'bench-containers' },
    reconnect: false,
  });
  const states = new Map<string, string>();
  const offers: Offer[] = [];
  client.on('event', (e: SchedulerEvent) => {
    if (e.type === 'OFFERS') offers.push(...e.offers.offers);
    if (e.type !== 'UPDATE') return;
    const s = e.update.status;
    states.set(s.task_id.value, s.state);
    if (s.uuid)
      void client
        .call({
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: s.agent_id!, task_id: s.task_id, uuid: s.uuid },
        })
        .catch(() => undefined);
  });

  /** Launches `count` tasks on the agent's offer, then kills them; seconds for each phase. */
  const cycle = async (prefix: string, count: number, container?: ContainerInfo) => {
    const offer = await waitFor(() => offers.shift(), {
      timeoutMs: 30_000,
      description: 'an offer',
      intervalMs: 2,
    });
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    const t0 = performance.now();
    await client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: 'LAUNCH', launch: { task_infos: ids.map((id) => sleeper(offer, id, container)) } },
        ],
        filters: { refuse_seconds: 0 },
      },
    });
    await waitFor(() => ids.every((id) => states.get(id) === 'TASK_RUNNING'), {
      timeoutMs: 300_000,
      intervalMs: 5,
      description: `${count} ${prefix} tasks running`,
    });
    const launched = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await Promise.all(ids.map((id) => client.call({ type: 'KILL', kill: { task_id: { value: id } } })));
    await waitFor(() => ids.every((id) => states.get(id) === 'TASK_KILLED'), {
      timeoutMs: 300_000,
      intervalMs: 5,
      description: `${count} ${prefix} tasks killed`,
    });
    const destroyed = (performance.now() - t1) / 1000;
    await client.call({ type: 'REVIVE' });
    return { launched, destroyed };
  };

  try {
    await client.subscribe();
    const rows: BenchRow[] = [];
    const command = await cycle('command', 100);
    rows.push(
      {
        name: 'containers: 100 command tasks, launch rate',
        value: 100 / command.launched,
        unit: '/s',
        target: 'Mesos 1.7: ~33/s (1,000 in ~30 s)',
      },
      {
        name: 'containers: 100 command tasks, destroy rate',
        value: 100 / command.destroyed,
        unit: '/s',
        target: 'Mesos 1.7: ~50/s (1,000 in ~20 s)',
      },
    );
    if (await dockerImagePresent()) {
      const docker = await cycle('docker', 20, {
        type: 'DOCKER',
        docker: { image: DOCKER_IMAGE, network: 'HOST' },
      });
      rows.push(
        { name: 'containers: 20 Docker tasks, launch rate', value: 20 / docker.launched, unit: '/s' },
        { name: 'containers: 20 Docker tasks, destroy rate', value: 20 / docker.destroyed, unit: '/s' },
      );
    } else {
      process.stderr.write(
        `containers: Docker tasks skipped: dockerd or the image ${DOCKER_IMAGE} is missing\n`,
      );
    }
    return rows;
  } finally {
    await client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    await client.close();
    await agent.stop();
    await master.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
