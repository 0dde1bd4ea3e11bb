// The flags of `sandbox-node chronos`, apart from the code that runs it: the config file checks names
// against them without loading Chronos. Names and defaults are Chronos 3.0.x's where Chronos has the
// flag (--http_port is --port here and --zk_hosts/--zk_path are one --zk URL, like the other nodes).
import type { FlagSpecs } from './flags.js';
import { frameworkNodeFlags } from './framework-flags.js';

export const CHRONOS_FLAGS: FlagSpecs = {
  ...frameworkNodeFlags(
    'Chronos',
    4400,
    'keeps its state (<path>/state) and elects its leader (<path>/candidate)',
  ),
  mesos_framework_name: { help: 'The framework name registered with Mesos', default: 'chronos' },
  user: { help: 'The user jobs run as unless they set runAsUser', default: 'root' },
  mesos_task_cpu: { help: 'CPUs of a job that gives none', default: '0.1' },
  mesos_task_mem: { help: 'Memory (MB) of a job that gives none', default: '128' },
  mesos_task_disk: { help: 'Disk (MB) of a job that gives none', default: '256' },
  failure_retry: { help: 'Milliseconds a failed run waits before it is retried', default: '60000' },
  disable_after_failures: {
    help: 'Disable a job after this many failures in a row (0: never)',
    default: '0',
  },
  reconciliation_interval: { help: 'Seconds between task reconciliations', default: '600' },
  schedule_horizon: { help: 'Longest the schedule loop sleeps, in seconds', default: '60' },
};
