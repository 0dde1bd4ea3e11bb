// The flags of `sandbox-node agent`, apart from the code that runs it: the config file checks
// names against them without loading the agent.
import type { FlagSpecs } from './flags.js';

export const AGENT_FLAGS: FlagSpecs = {
  master: { help: 'The master: http://host:port, host:port or zk://host:port/path' },
  ip: { help: 'IP address to listen on and advertise', default: '127.0.0.1' },
  port: { help: 'Port to listen on', default: '5051' },
  hostname: { help: 'Hostname to advertise (defaults to --ip)' },
  work_dir: { help: 'Where sandboxes live (default: <tmpdir>/mesos-sandbox-agent-<ip>-<port>)' },
  resources: {
    help: "Mesos resources, e.g. 'cpus:2;mem:1024;disk:4096;ports:[31000-31999]'; the rest is detected",
  },
  attributes: { help: "Attributes, e.g. 'rack:a;zone:west;level:10'" },
  isolation: {
    help: "auto (cgroups+namespaces as root, else posix), linux, posix, or Mesos names such as 'cgroups/cpu,cgroups/mem' or 'posix/cpu,posix/mem'",
    default: 'auto',
  },
  cgroups_root: { help: 'Parent cgroup of task containers', default: 'mesos-sandbox' },
  cgroups_enable_cfs: {
    help: 'Also enforce CPU with a CFS quota (hard cap)',
    boolean: true,
    default: 'false',
  },
  enforce_container_disk_quota: {
    help: 'End a task whose sandbox grows past its disk resource (Mesos defaults to false)',
    boolean: true,
    default: 'true',
  },
  container_disk_watch_interval: { help: 'How often sandboxes are measured (du)', default: '15secs' },
  fetcher_cache_dir: {
    help: 'Where the fetcher caches URIs with cache: true (default: <work_dir>/fetch-cache)',
  },
  fetcher_cache_size: {
    help: 'Most the fetcher cache holds (least recently used goes first)',
    default: '2GB',
  },
  fetcher_stall_timeout: { help: 'A download that receives nothing this long fails', default: '1mins' },
  docker_socket: { help: 'The Docker daemon DOCKER tasks run on', default: '/var/run/docker.sock' },
  docker_agent_container: {
    help: 'The container this agent runs in on the --docker_socket daemon: HOST-network DOCKER tasks share its network namespace, and the agent publishes the port mappings of tasks on --docker_bridge_network itself',
  },
  docker_bridge_network: { help: "The Docker network BRIDGE tasks join instead of Docker's default bridge" },
  docker_task_labels: { help: 'Labels for every DOCKER task container, as a JSON object of strings' },
  registration_backoff_factor: { help: 'Backoff factor for (re-)registration attempts', default: '250ms' },
  status_update_retry_interval: { help: 'First retry of an unacknowledged status update', default: '10secs' },
  log_file: { help: 'Write the structured log here (stderr otherwise)' },
  log_level: { help: 'debug, info, warn or error', default: 'info' },
};
