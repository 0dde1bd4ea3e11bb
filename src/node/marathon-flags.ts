// The flags of `sandbox-node marathon`, apart from the code that runs it: the config file checks
// names against them without loading Marathon. Names and defaults are Marathon 1.10's where
// Marathon has the flag (times in milliseconds or seconds as Marathon takes them).
import type { FlagSpecs } from './flags.js';

export const MARATHON_FLAGS: FlagSpecs = {
  master: { help: 'The Mesos master: zk://host:port/mesos, http://host:port or host:port' },
  zk: {
    help: 'Where Marathon keeps its state and elects its leader',
    default: 'zk://localhost:2181/marathon',
  },
  ip: { help: 'IP address to listen on and advertise', default: '127.0.0.1' },
  port: { help: 'HTTP port (Marathon’s --http_port)', default: '8080' },
  hostname: { help: 'Hostname to advertise to Mesos and to the other instances (defaults to --ip)' },
  framework_name: { help: 'The framework name registered with Mesos', default: 'marathon' },
  mesos_role: { help: 'The Mesos role Marathon subscribes with', default: '*' },
  mesos_user: { help: 'The user tasks run as', default: 'root' },
  failover_timeout: { help: 'Seconds Mesos keeps the tasks after Marathon disconnects', default: '604800' },
  decline_offer_duration: { help: 'Milliseconds an unwanted offer is refused for', default: '120000' },
  max_instances_per_offer: {
    help: 'Most instances launched on one offer (Marathon’s default is 5; more launches faster here)',
    default: '100',
  },
  zk_max_versions: { help: 'Versions kept per app and for the root group', default: '50' },
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
