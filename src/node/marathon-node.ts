// `sandbox-node marathon`: one Marathon instance. All instances pointed at the same --zk form one HA
// group: each contends under `<zk path>/leader-curator` (data `host:port`, as Marathon's Curator
// latch holds); the leader loads the state and subscribes to Mesos, the others proxy requests to it.
// Abdication (DELETE /v2/leader) steps down and contends again, instead of exiting as Marathon does
// under a supervisor: a sandbox node has nobody to restart it.
import type { Server } from 'node:http';
import { createMarathonServer } from '../marathon/api/http-server.js';
import { renderDeploymentPlanEvent } from '../marathon/api/render.js';
import { EventBus } from '../marathon/events/event-bus.js';
import { MarathonRuntime, type MarathonConfig } from '../marathon/core/runtime.js';
import type { MarathonService } from '../marathon/service.js';
import { MarathonStore } from '../marathon/storage/zk-store.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { intFlag } from './flags.js';
import { FrameworkElection } from './framework-election.js';
import { frameworkNodeAddress } from './framework-flags.js';
import { connectZooKeeper, listen } from './node-io.js';

export interface RunningMarathon {
  server: Server;
  stop(): Promise<void>;
}

export async function runMarathonNode(flags: Record<string, string>, log: Logger): Promise<RunningMarathon> {
  const { master, ip, port, hostname, self, ha, zkUrl } = frameworkNodeAddress(flags);
  const config: MarathonConfig = {
    master,
    zk: flags.zk!,
    frameworkName: flags.framework_name!,
    mesosRole: flags.mesos_role!,
    mesosUser: flags.mesos_user!,
    hostname,
    httpPort: port,
    failoverTimeoutSeconds: intFlag(flags, 'failover_timeout'),
    declineOfferSeconds: intFlag(flags, 'decline_offer_duration') / 1000,
    maxInstancesPerOffer: Math.max(1, intFlag(flags, 'max_instances_per_offer')),
    zkMaxVersions: intFlag(flags, 'zk_max_versions'),
    zkSessionTimeoutMs: intFlag(flags, 'zk_session_timeout'),
    ha,
    ...(flags.webui_url ? { webuiUrl: flags.webui_url } : {}),
  };

  const zk = await connectZooKeeper(zkUrl, config.zkSessionTimeoutMs);
  const election: FrameworkElection = new FrameworkElection({
    zk,
    path: `${zkUrl.path === '/' ? '' : zkUrl.path}/leader-curator`,
    self,
    ha,
    log,
    onElected: () => {
      log.info('Elected leader; loading state');
      runtime.startLeading().catch((err: unknown) => {
        log.error('Could not start leading', { error: (err as Error).message });
        process.exit(1);
      });
    },
  });

  const newRuntime = (): MarathonRuntime =>
    new MarathonRuntime({
      config,
      clock: systemClock,
      log,
      events: new EventBus(() => systemClock.now()),
      store: new MarathonStore(zk, zkUrl.path, log, config.zkMaxVersions),
      leadership: {
        isLeader: () => election.isLeader(),
        leaderHostPort: () => election.leaderHostPort(),
        abdicate: () => void abdicate(),
      },
      planJson: renderDeploymentPlanEvent,
    });
  let runtime = newRuntime();
  // The server always talks to the current runtime: a new one replaces it after an abdication.
  const service = new Proxy({} as MarathonService, {
    get: (_target, key) => {
      const value = (runtime as unknown as Record<string | symbol, unknown>)[key];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(runtime) : value;
    },
  });

  const server = createMarathonServer(service, { log, self });
  await listen(server, port, ip);
  server.requestTimeout = 0;
  log.info('Marathon listening', { url: `http://${self}`, ha });

  const abdicate = async (): Promise<void> => {
    if (!ha) log.warn('Abdication asked of a Marathon without HA: restarting leadership in place');
    log.info('Abdicating leadership');
    const old = runtime;
    runtime = newRuntime();
    await old.stop();
    await election.recontend();
  };

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
