/// <reference lib="esnext.disposable" />
// mesos-sandbox/testing: integration tests against a real local cluster.
//
//   await using cluster = await startCluster({ agents: 2 });
//   await cluster.marathon.deployApp({ id: '/web', cmd: 'sleep 1000' });
//
// The lib reference gives TypeScript `await using` and AsyncDisposable (Node >= 20.4 has
// Symbol.asyncDispose at run time) for this package and for its users' tests.
export {
  attachCluster,
  startCluster,
  SandboxCluster,
  type AgentWaitOptions,
  type LifecycleOptions,
  type StartOptions,
} from './cluster.js';
export { specForOptions, freshClusterName, type StartClusterOptions } from './options.js';
export { clusterUnavailable } from './preflight.js';
export { HttpError, type HttpMethod } from './http.js';
// The client and the master's own V0/V1 types it answers with.
export * from './clients/mesos.js';
export {
  SchedulerSession,
  commandTask,
  scalarResources,
  type LaunchTask,
  type SubscribeOptions,
} from './clients/scheduler-session.js';
export { AsyncQueue } from './clients/async-queue.js';
export {
  MarathonClient,
  type DeploymentResult,
  type MarathonApp,
  type MarathonAppDefinition,
  type MarathonDeployment,
  type MarathonGroup,
  type MarathonInfo,
  type MarathonTask,
  type WaitOptions,
} from './clients/marathon.js';
export {
  ChronosClient,
  type ChronosDependentJob,
  type ChronosJob,
  type ChronosJobDefinition,
  type ChronosJobSummary,
  type ChronosScheduledJob,
} from './clients/chronos.js';
export type { ClusterInfo, InfoNode, StepEvent } from '../cluster/lifecycle.js';
export type { ClusterSpec, DriverName, Role } from '../cluster/spec.js';
export type * from '../mesos/protocol/types.js';
