// The flags of `sandbox-node marathon`, apart from the code that runs it: the config file checks
// names against them without loading Marathon. Names and defaults are Marathon 1.10's where
// Marathon has the flag (times in milliseconds or seconds as Marathon takes them).
import type { FlagSpecs } from './flags.js';
import { frameworkNodeFlags } from './framework-flags.js';

export const MARATHON_FLAGS: FlagSpecs = {
  ...frameworkNodeFlags('Marathon', 8080, 'keeps its state and elects its leader'),
  framework_name: { help: 'The framework name registered with Mesos', default: 'marathon' },
  mesos_user: { help: 'The user tasks run as', default: 'root' },
  decline_offer_duration: { help: 'Milliseconds an unwanted offer is refused for', default: '120000' },
  max_instances_per_offer: {
    help: 'Most instances launched on one offer (Marathon’s default is 5; more launches faster here)',
    default: '100',
  },
  zk_max_versions: { help: 'Versions kept per app and for the root group', default: '50' },
};
