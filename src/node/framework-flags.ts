// The flags every framework node (Marathon, Chronos) takes alike: where Mesos and ZooKeeper are, where
// it listens, HA and logging. Each framework adds its own (see marathon-flags.ts, chronos-flags.ts).
import { parseZkUrl, type ZkUrl } from '../zookeeper/url.js';
import { FlagError, intFlag, type FlagSpecs } from './flags.js';

export function frameworkNodeFlags(framework: string, defaultPort: number, zkUse: string): FlagSpecs {
  const name = framework.toLowerCase();
  return {
    master: { help: 'The Mesos master: zk://host:port/mesos, http://host:port or host:port' },
    zk: { help: `Where ${framework} ${zkUse}`, default: `zk://localhost:2181/${name}` },
    ip: { help: 'IP address to listen on and advertise', default: '127.0.0.1' },
    port: { help: `HTTP port (${framework}’s --http_port)`, default: String(defaultPort) },
    hostname: { help: 'Hostname to advertise to Mesos and to the other instances (defaults to --ip)' },
    mesos_role: { help: `The Mesos role ${framework} subscribes with`, default: '*' },
    failover_timeout: {
      help: `Seconds Mesos keeps the tasks after ${framework} disconnects`,
      default: '604800',
    },
    zk_session_timeout: { help: 'ZooKeeper session timeout in milliseconds', default: '10000' },
    disable_ha: {
      help: 'Run without leader election (a single instance that leads at once)',
      boolean: true,
      default: 'false',
    },
    webui_url: { help: 'The URL Mesos shows for this framework' },
    log_file: { help: 'Write the structured log here (stderr otherwise)' },
    log_level: { help: 'debug, info, warn or error', default: 'info' },
  };
}

/** Where a framework node listens and how it finds the others, read from the shared flags. */
export interface FrameworkNodeAddress {
  master: string;
  ip: string;
  port: number;
  hostname: string;
  /** `hostname:port`: what it advertises to Mesos and to the other instances. */
  self: string;
  ha: boolean;
  zkUrl: ZkUrl;
}

export function frameworkNodeAddress(flags: Record<string, string>): FrameworkNodeAddress {
  if (!flags.master) throw new FlagError('--master is required (e.g. zk://127.0.0.1:2181/mesos)');
  const ip = flags.ip!;
  const port = intFlag(flags, 'port');
  const hostname = flags.hostname ?? ip;
  return {
    master: flags.master,
    ip,
    port,
    hostname,
    self: `${hostname}:${port}`,
    ha: flags.disable_ha !== 'true',
    zkUrl: parseZkUrl(flags.zk!),
  };
}
