// A real cluster for Chronos's integration tests and benchmark: the Mesos test cluster plus one
// Chronos node that can be restarted on the same ZooKeeper path, and REST helpers for /v1/scheduler.
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import { startMesosTestCluster, type MesosClusterOptions, type MesosTestCluster } from './mesos-cluster.js';
import { startNode, type TestNode } from './nodes.js';
import { api } from './rest.js';

export interface ChronosTestCluster extends MesosTestCluster {
  chronos: TestNode;
  /** Stops Chronos (SIGTERM, or the given signal) and starts it again on the same port and state. */
  restartChronos(signal?: NodeJS.Signals): Promise<TestNode>;
}

export interface ChronosClusterOptions extends MesosClusterOptions {
  chronosFlags?: Record<string, string>;
}

/** The job JSON as GET /v1/scheduler/job/{name} returns it (the fields the tests read). */
export interface ChronosJobJson {
  name: string;
  command: string;
  schedule?: string;
  parents?: string[];
  successCount: number;
  errorCount: number;
  errorsSinceLastSuccess: number;
  lastSuccess: string;
  lastError: string;
  disabled: boolean;
  [key: string]: unknown;
}

export async function startChronosCluster(opts: ChronosClusterOptions = {}): Promise<ChronosTestCluster> {
  const mesos = await startMesosTestCluster({ ...opts, prefix: opts.prefix ?? 'chronos' });
  const port = String(await freePort());
  const start = async (): Promise<TestNode> => {
    const node = await startNode(
      'chronos',
      {
        port,
        master: mesos.zkUrl,
        zk: `${mesos.zkBase}/chronos`,
        zk_session_timeout: '4000',
        ...opts.chronosFlags,
      },
      mesos.dir,
    );
    await waitForChronosSubscribed(mesos.master.url, node.url);
    return node;
  };
  const cluster: ChronosTestCluster = {
    ...mesos,
    chronos: await start(),
    restartChronos: async (signal: NodeJS.Signals = 'SIGTERM') => {
      await cluster.chronos.stop(signal);
      cluster.chronos = await start();
      return cluster.chronos;
    },
    stop: async () => {
      await cluster.chronos.stop();
      await mesos.stop();
    },
  };
  return cluster;
}

/** Until the master lists an active framework whose web UI is this Chronos. */
async function waitForChronosSubscribed(masterUrl: string, chronosUrl: string): Promise<void> {
  await waitFor(
    async () => {
      const res = await api<{ frameworks: Array<{ active: boolean; webui_url: string }> }>(
        masterUrl,
        'GET',
        '/master/frameworks',
      );
      return res.body.frameworks.some((f) => f.active && f.webui_url === chronosUrl);
    },
    { description: 'Chronos to subscribe with the master' },
  );
}

/** Waits until GET /v1/scheduler/job/{name} satisfies `ready`; the error shows the last job seen. */
export async function waitForJob(
  base: string,
  name: string,
  ready: (job: ChronosJobJson) => boolean,
  description: string,
  timeoutMs = 30_000,
): Promise<ChronosJobJson> {
  let last: ChronosJobJson | undefined;
  try {
    return await waitFor(
      async () => {
        const res = await api<ChronosJobJson>(base, 'GET', `/v1/scheduler/job/${name}`);
        if (res.status !== 200) return undefined;
        last = res.body;
        return ready(last) ? last : undefined;
      },
      { timeoutMs, description, intervalMs: 50 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
}

/** An ISO 8601 instant `ms` from now, as a schedule start. */
export function isoIn(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}
