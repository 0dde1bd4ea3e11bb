// mesos-sandbox/testing/vitest: importing it registers the cluster matchers with vitest's expect
// (in a test file or a setupFiles entry) and gives the shared-cluster and log-export helpers.
// The globalSetup helper lives in ./global-setup.js, which loads nothing of vitest at run time.
import { expect } from 'vitest';
import { sandboxMatchers } from './matchers.js';

expect.extend(sandboxMatchers);

export { sandboxMatchers } from './matchers.js';
export type { LeaderOptions, PollOptions, SandboxMatchers } from './matchers.js';
export type {
  DeployedOptions,
  JobSucceededOptions,
  LeaderService,
  NameMatch,
  RunningAppOptions,
  TaskMatch,
} from './checks.js';
export type { ClusterLike } from './cluster-like.js';
export { SHARED_CLUSTER_KEY, sandboxGlobalSetup, type StartedCluster } from './global-setup.js';
export {
  exportClusterLogs,
  exportLogsOnFailure,
  failureLogDir,
  useSharedCluster,
  type ExportLogsOptions,
  type SharedCluster,
} from './test-hooks.js';
