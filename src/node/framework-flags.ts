// The flags every framework node (Marathon, Chronos) takes alike: where Mesos and ZooKeeper are, where
// it listens, HA and logging. Each framework adds its own (see marathon-flags.ts, chronos-flags.ts).
import type { FlagSpecs } from './flags.js';

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
