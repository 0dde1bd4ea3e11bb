// `sandbox-node master`: one Mesos master in this process. With --zk it contends for leadership in
// ZooKeeper the way Mesos does (json.info_<seq> znodes holding MasterInfo JSON); without, it leads
// alone.
import type { Server } from 'node:http';
import { ipToUint32, newUuid } from '../mesos/protocol/ids.js';
import type { MasterInfo } from '../mesos/protocol/types.js';
import { Master } from '../mesos/master/master.js';
import { createMasterServer } from '../mesos/master/http-server.js';
import { MESOS_VERSION } from '../mesos/master/model.js';
import { LeaderContender, LeaderDetector } from '../zookeeper/election.js';
import type { ZkClient } from '../zookeeper/client.js';
import { parseZkUrl } from '../zookeeper/url.js';
import { systemClock } from '../util/clock.js';
import { parseDuration } from '../util/duration.js';
import type { Logger } from '../util/log.js';
import { FlagError, intFlag } from './flags.js';
import { connectZooKeeper, listen } from './node-io.js';

export interface RunningMaster {
  master: Master;
  server: Server;
  stop(): Promise<void>;
}

export async function runMasterNode(flags: Record<string, string>, log: Logger): Promise<RunningMaster> {
  const ip = flags.ip!;
  const port = intFlag(flags, 'port');
  const hostname = flags.hostname ?? ip;
  const id = newUuid();
  const info: MasterInfo = {
    id,
    ip: ipToUint32(ip),
    port,
    pid: `master@${ip}:${port}`,
    hostname,
    version: MESOS_VERSION,
    address: { hostname, ip, port },
    capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
  };
  const pingMs = parseDuration(flags.agent_ping_timeout!);
  const master = new Master({
    info,
    clock: systemClock,
    logger: log,
    flags: { ...flags, hostname, version: MESOS_VERSION },
    ...(flags.cluster ? { cluster: flags.cluster } : {}),
    allocationIntervalMs: parseDuration(flags.allocation_interval!),
    ...(flags.offer_timeout ? { offerTimeoutMs: parseDuration(flags.offer_timeout) } : {}),
    heartbeatIntervalSeconds: 15,
    agentRemovalTimeoutMs: pingMs * intFlag(flags, 'max_agent_ping_timeouts'),
    minAllocatableResources: flags.min_allocatable_resources!,
    maxCompletedTasksPerFramework: intFlag(flags, 'max_completed_tasks_per_framework'),
    maxCompletedFrameworks: intFlag(flags, 'max_completed_frameworks'),
  });

  if (flags.weights) master.updateWeights(parseWeights(flags.weights));

  const serve = async (): Promise<Server> => {
    const server = createMasterServer(master, log);
    await listen(server, port, ip);
    // Long-lived streams must not be cut by Node's request timeouts.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    log.info('Master listening', { url: `http://${ip}:${port}`, id });
    return server;
  };
  let server: Server;
  let zk: ZkClient | null = null;
  let detector: LeaderDetector | null = null;
  let contender: LeaderContender | null = null;
  if (flags.zk) {
    const url = parseZkUrl(flags.zk);
    zk = await connectZooKeeper(url, parseDuration(flags.zk_session_timeout!));
    detector = new LeaderDetector(zk, url.path);
    detector.onChange((leader) => {
      if (!leader) return master.setLeader(undefined);
      try {
        master.setLeader(JSON.parse(leader.data) as MasterInfo);
      } catch {
        log.warn('Leader znode holds no MasterInfo JSON', { znode: leader.name });
      }
    });
    // Learn the current leader before answering anything, so a standby redirects from its first
    // request instead of saying there is no leader.
    await detector.start();
    server = await serve();
    contender = new LeaderContender(zk, url.path, JSON.stringify(info));
    const znode = await contender.contend();
    log.info('Contending for leadership', { zk: flags.zk, znode });
    contender.onElected(() => master.becomeLeader());
    contender.onLost(() => {
      // Mesos aborts rather than risk two leaders; the process supervisor (or the user) restarts it.
      log.error('Lost leadership (ZooKeeper session ended); exiting');
      process.exit(1);
    });
  } else {
    server = await serve();
    master.becomeLeader();
  }

  return {
    master,
    server,
    stop: async () => {
      master.stop();
      detector?.stop();
      await contender?.withdraw().catch(() => undefined);
      await zk?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Mesos's `--weights=role1=weight1,role2=weight2`. */
export function parseWeights(text: string): Array<{ role: string; weight: number }> {
  return text.split(',').map((pair) => {
    const [role, value] = pair.split('=');
    const weight = Number(value);
    if (!role || value === undefined || !Number.isFinite(weight) || weight <= 0) {
      throw new FlagError(`Invalid --weights entry '${pair}': expected role=positive number`);
    }
    return { role: role.trim(), weight };
  });
}
