// The async vitest matchers on a cluster: each polls one observation (observe.ts) against one pure
// check (checks.ts) and, when it fails, shows the last state it observed.
import type { MatcherState } from 'vitest';
import type { ClusterInfo } from '../../cluster/lifecycle.js';
import type { TaskState } from '../../mesos/protocol/types.js';
import {
  activeAgentsCheck,
  deployedCheck,
  failureMessage,
  frameworkCheck,
  jobSucceededCheck,
  leaderCheck,
  runningAppCheck,
  taskCheck,
  type Check,
  type DeployedOptions,
  type JobSucceededOptions,
  type LeaderService,
  type NameMatch,
  type RunningAppOptions,
  type TaskMatch,
} from './checks.js';
import { clusterInfoOf } from './cluster-like.js';
import {
  observeAgents,
  observeApp,
  observeDeployment,
  observeFrameworks,
  observeJobs,
  observeLeaders,
  observeTasks,
} from './observe.js';
import { pollCheck, type PollOptions } from './poll.js';

export type { PollOptions } from './poll.js';

export interface LeaderOptions extends PollOptions {
  /** Which services must have a leader. Default ['master']. */
  of?: LeaderService[];
}

/**
 * The matchers' signatures. They all poll, so they must be awaited:
 * `await expect(cluster).toHaveActiveAgents(3)`.
 */
export interface SandboxMatchers {
  /** The Mesos master (and, with `of`, Marathon and Chronos) has an elected leader. */
  toHaveLeader(opts?: LeaderOptions): Promise<void>;
  /** Exactly `count` agents are registered and active on the leading master. */
  toHaveActiveAgents(count: number, opts?: PollOptions): Promise<void>;
  /** An active framework of this name (or matching this pattern) is subscribed. */
  toHaveFramework(name: NameMatch, opts?: PollOptions): Promise<void>;
  /** A task matching by name or id (or `{ name, id }`) is in `state` (default TASK_RUNNING). */
  toHaveTask(match: TaskMatch, state?: TaskState, opts?: PollOptions): Promise<void>;
  /** The Marathon app runs `instances` tasks (default: the app's instances), all healthy if asked. */
  toBeRunningApp(id: string, opts?: RunningAppOptions & PollOptions): Promise<void>;
  /** No deployment of the Marathon app is in progress and its tasks run its latest config. */
  toHaveDeployed(id: string, opts?: DeployedOptions & PollOptions): Promise<void>;
  /** The Chronos job has succeeded at least `times` times (default once). */
  toHaveJobSucceeded(name: string, opts?: JobSucceededOptions & PollOptions): Promise<void>;
}

declare module 'vitest' {
  // The type parameter must repeat vitest's own declaration to merge with it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Matchers<T = any> extends SandboxMatchers {}
}

type Observe<O> = (info: ClusterInfo, requestTimeoutMs: number) => Promise<O>;

function pollOptions(opts: PollOptions | undefined): PollOptions {
  return {
    ...(opts?.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts?.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
  };
}

async function runCheck<O>(
  state: MatcherState,
  received: unknown,
  check: Check<O>,
  observe: Observe<O>,
  opts: PollOptions | undefined,
): Promise<MatcherResult> {
  const first = clusterInfoOf(received);
  if (!first) {
    // Thrown, not failed: under `.not` a failure would pass.
    throw new TypeError(
      `expected a sandbox cluster (an object with 'info: ClusterInfo', or a ClusterInfo), got ${state.utils.stringify(received)}`,
    );
  }
  // A handle's `info` is read again on every observation, to follow a failover.
  const outcome = await pollCheck(
    (timeoutMs) => observe(clusterInfoOf(received) ?? first, timeoutMs),
    (o) => check.judge(o),
    !state.isNot,
    pollOptions(opts),
  );
  return {
    // Unobservable counts as a failure whichever way the matcher is asked.
    pass: outcome.pass ?? state.isNot,
    message: () =>
      failureMessage({
        subject: `cluster '${first.name}'`,
        expectation: check.expectation,
        isNot: state.isNot,
        attempts: outcome.attempts,
        elapsedMs: outcome.elapsedMs,
        observed: outcome.observed,
      }),
  };
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

type Matcher<K extends keyof SandboxMatchers> = (
  this: MatcherState,
  received: unknown,
  ...expected: Parameters<SandboxMatchers[K]>
) => Promise<MatcherResult>;

const toHaveLeader: Matcher<'toHaveLeader'> = function (received, opts) {
  const services = opts?.of ?? ['master'];
  return runCheck(
    this,
    received,
    leaderCheck(services),
    (info, t) => observeLeaders(info, services, t),
    opts,
  );
};

const toHaveActiveAgents: Matcher<'toHaveActiveAgents'> = function (received, count, opts) {
  return runCheck(this, received, activeAgentsCheck(count), observeAgents, opts);
};

const toHaveFramework: Matcher<'toHaveFramework'> = function (received, name, opts) {
  return runCheck(this, received, frameworkCheck(name), observeFrameworks, opts);
};

const toHaveTask: Matcher<'toHaveTask'> = function (received, match, state, opts) {
  return runCheck(this, received, taskCheck(match, state ?? 'TASK_RUNNING'), observeTasks, opts);
};

const toBeRunningApp: Matcher<'toBeRunningApp'> = function (received, id, opts) {
  return runCheck(this, received, runningAppCheck(id, opts), (info, t) => observeApp(info, id, t), opts);
};

const toHaveDeployed: Matcher<'toHaveDeployed'> = function (received, id, opts) {
  return runCheck(this, received, deployedCheck(id, opts), (info, t) => observeDeployment(info, id, t), opts);
};

const toHaveJobSucceeded: Matcher<'toHaveJobSucceeded'> = function (received, name, opts) {
  return runCheck(
    this,
    received,
    jobSucceededCheck(name, opts),
    (info, t) => observeJobs(info, name, t),
    opts,
  );
};

/** For `expect.extend(sandboxMatchers)`; importing 'mesos-sandbox/testing/vitest' does it already. */
export const sandboxMatchers: { [K in keyof SandboxMatchers]: Matcher<K> } = {
  toHaveLeader,
  toHaveActiveAgents,
  toHaveFramework,
  toHaveTask,
  toBeRunningApp,
  toHaveDeployed,
  toHaveJobSucceeded,
};
