// The flags of `sandbox-node master`, apart from the code that runs it: the config file checks
// names against them without loading the master.
import type { FlagSpecs } from './flags.js';

export const MASTER_FLAGS: FlagSpecs = {
  ip: { help: 'IP address to listen on and advertise', default: '127.0.0.1' },
  port: { help: 'Port to listen on', default: '5050' },
  hostname: { help: 'Hostname to advertise (defaults to --ip)' },
  zk: { help: 'zk://host:port/path for leader election; standalone without it' },
  zk_session_timeout: { help: 'ZooKeeper session timeout', default: '10secs' },
  cluster: { help: 'Human readable cluster name shown in /state' },
  allocation_interval: { help: 'Time between batch allocations', default: '1secs' },
  offer_timeout: { help: 'Rescind offers not answered within this time (never by default)' },
  min_allocatable_resources: {
    help: 'Smallest offers made; | separates alternatives',
    default: 'cpus:0.01|mem:32',
  },
  weights: { help: "DRF role weights, e.g. 'eng=2,ops=0.5' (default 1 for every role)" },
  agent_ping_timeout: { help: 'Agent health-check interval', default: '15secs' },
  max_agent_ping_timeouts: { help: 'Missed pings before a disconnected agent is removed', default: '5' },
  max_completed_frameworks: { help: 'Completed frameworks kept in memory', default: '50' },
  max_completed_tasks_per_framework: { help: 'Completed tasks kept per framework', default: '1000' },
  work_dir: { help: 'Accepted for compatibility; the registry lives in ZooKeeper' },
  quorum: { help: 'Accepted for compatibility; not used' },
  log_file: { help: 'Write the structured log here (stderr otherwise)' },
  log_level: { help: 'debug, info, warn or error', default: 'info' },
};
