// The Mesos part of the frameworks' integration tests and benchmarks: ZooKeeper, one master and agents
// on their own loopback addresses (so hostnames differ, as constraints need), all separate processes.
import { rm } from 'node:fs/promises';
import { startZooKeeper, type RunningZooKeeper } from '../../src/zookeeper/server.js';
import { freePort } from '../../src/util/net.js';
import { startNode, testDir, waitForAgents, type TestNode } from './nodes.js';

export interface MesosTestCluster {
  dir: string;
  /** zk://127.0.0.1:<port>, without a path. */
  zkBase: string;
  /** The masters' path: `${zkBase}/mesos`. */
  zkUrl: string;
  master: TestNode;
  agents: TestNode[];
  stop(): Promise<void>;
}

export interface MesosClusterOptions {
  agents?: number;
  agentResources?: string;
  prefix?: string;
}

export async function startMesosTestCluster(opts: MesosClusterOptions = {}): Promise<MesosTestCluster> {
  const dir = testDir(opts.prefix ?? 'mesos');
  const zkPort = await freePort();
  const zk: RunningZooKeeper = await startZooKeeper({
    dataDir: `${dir}/zk`,
    clientPort: zkPort,
    logFile: `${dir}/zk.log`,
  });
  const zkBase = `zk://127.0.0.1:${zkPort}`;
  const zkUrl = `${zkBase}/mesos`;
  const master = await startNode(
    'master',
    { port: String(await freePort()), zk: zkUrl, allocation_interval: '100ms', zk_session_timeout: '4secs' },
    dir,
  );
  const agentCount = opts.agents ?? 3;
  // Each agent gets its own loopback IP (its hostname) and its own 100-port range: tasks bind all
  // interfaces, so two agents must not hand out the same port.
  const portBase = 32000 + (process.pid % 20) * 1000;
  const agents = await Promise.all(
    Array.from({ length: agentCount }, async (_, i) =>
      startNode(
        'agent',
        {
          ip: `127.0.${100 + (process.pid % 100)}.${i + 1}`,
          port: String(await freePort()),
          master: zkUrl,
          resources: `${opts.agentResources ?? 'cpus:4;mem:4096;disk:4096'};ports:[${portBase + i * 100}-${portBase + i * 100 + 99}]`,
          attributes: `rack:r${(i % 3) + 1}`,
          work_dir: `${dir}/agent-${i + 1}`,
          registration_backoff_factor: '50ms',
        },
        dir,
      ),
    ),
  );
  await waitForAgents(master.url, agentCount);
  return {
    dir,
    zkBase,
    zkUrl,
    master,
    agents,
    stop: async () => {
      await Promise.all(agents.map((a) => a.stop()));
      await master.stop();
      await zk.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
