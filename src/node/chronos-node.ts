// `sandbox-node chronos`: one Chronos instance. All instances pointed at the same --zk form one HA
// group: each contends under `<zk path>/candidate` (Curator latch znodes, data `host:port`, as
// Chronos 3.x does); the leader loads the jobs and subscribes to Mesos, the others proxy requests.
import type { Server } from 'node:http';
import { createChronosServer } from '../chronos/api/http-server.js';
import { ChronosRuntime, type ChronosConfig } from '../chronos/core/runtime.js';
import { ChronosStore } from '../chronos/storage/zk-store.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { intFlag, positiveNumberFlag } from './flags.js';
import { FrameworkElection } from './framework-election.js';
import { frameworkNodeAddress } from './framework-flags.js';
import { connectZooKeeper, listen } from './node-io.js';

export interface RunningChronos {
  server: Server;
  stop(): Promise<void>;
}

export async function runChronosNode(flags: Record<string, string>, log: Logger): Promise<RunningChronos> {
  const { master, ip, port, hostname, self, ha, zkUrl } = frameworkNodeAddress(flags);
  const config: ChronosConfig = {
    master,
    frameworkName: flags.mesos_framework_name!,
    mesosRole: flags.mesos_role!,
    hostname,
    httpPort: port,
    failoverTimeoutSeconds: intFlag(flags, 'failover_timeout'),
    failureRetryMs: intFlag(flags, 'failure_retry'),
    disableAfterFailures: intFlag(flags, 'disable_after_failures'),
    maxLoopSleepMs: Math.max(1, intFlag(flags, 'schedule_horizon')) * 1000,
    reconciliationIntervalMs: Math.max(1, intFlag(flags, 'reconciliation_interval')) * 1000,
    jobDefaults: {
      cpus: positiveNumberFlag(flags, 'mesos_task_cpu'),
      mem: positiveNumberFlag(flags, 'mesos_task_mem'),
      disk: positiveNumberFlag(flags, 'mesos_task_disk'),
      user: flags.user!,
    },
    ...(flags.webui_url ? { webuiUrl: flags.webui_url } : {}),
  };

  const zk = await connectZooKeeper(zkUrl, intFlag(flags, 'zk_session_timeout'));
  const election: FrameworkElection = new FrameworkElection({
    zk,
    path: `${zkUrl.path === '/' ? '' : zkUrl.path}/candidate`,
    self,
    ha,
    log,
    onElected: () => {
      log.info('Elected leader; loading jobs');
      runtime.startLeading().catch((err: unknown) => {
        log.error('Could not start leading', { error: (err as Error).message });
        process.exit(1);
      });
    },
  });
  const runtime = new ChronosRuntime({
    config,
    clock: systemClock,
    log,
    store: new ChronosStore(zk, zkUrl.path, log),
    leadership: { isLeader: () => election.isLeader(), leaderHostPort: () => election.leaderHostPort() },
  });

  const server = createChronosServer(runtime, { log, self });
  await listen(server, port, ip);
  log.info('Chronos listening', { url: `http://${self}`, ha });

  await election.start();

  return {
    server,
    stop: async () => {
      await runtime.stop();
      await election.stop();
      await zk.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
