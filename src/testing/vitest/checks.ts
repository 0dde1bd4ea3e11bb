// The pure half of the vitest matchers: what each matcher expects, whether an observed document
// (the JSON of a Mesos, Marathon or Chronos endpoint) satisfies it, and how that observation reads in
// a failure message. No I/O here, so every verdict and message is unit-tested against canned JSON.
import type { TaskState } from '../../mesos/protocol/types.js';

/** The outcome of judging one observation: whether it satisfies the check, and what was seen. */
export interface Verdict {
  pass: boolean;
  /** The observed state, one fact per line, for the failure message. */
  observed: string;
}

export interface Check<O> {
  /** Completes "expected cluster 'x' [not] ...", e.g. "to have 3 active agents". */
  expectation: string;
  judge(observed: O): Verdict;
}

// ---- the documents the checks read (only the fields they use) ----

/** An agent of GET /master/slaves. */
export interface AgentJson {
  id: string;
  hostname?: string;
  port?: number;
  pid?: string;
  active: boolean;
}

export interface SlavesJson {
  slaves: AgentJson[];
}

/** A framework of GET /master/frameworks. */
export interface FrameworkJson {
  id: string;
  name: string;
  active: boolean;
  connected?: boolean;
  hostname?: string;
}

export interface FrameworksJson {
  frameworks: FrameworkJson[];
  completed_frameworks?: FrameworkJson[];
}

/** A task of GET /master/tasks. */
export interface TaskJson {
  id: string;
  name: string;
  state: string;
  framework_id?: string;
  slave_id?: string;
  statuses?: Array<{ state: string; message?: string }>;
}

export interface TasksJson {
  tasks: TaskJson[];
}

export interface MarathonTaskJson {
  id: string;
  state: string;
  host?: string;
  ports?: number[];
  version?: string;
  healthCheckResults?: Array<{
    alive: boolean;
    consecutiveFailures?: number;
    lastFailureCause?: string | null;
  }>;
}

/** The `app` of GET /v2/apps/{id} (which embeds counts, tasks, deployments and the last failure). */
export interface MarathonAppJson {
  id: string;
  instances: number;
  version?: string;
  versionInfo?: { lastConfigChangeAt?: string; lastScalingAt?: string };
  tasksStaged?: number;
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  healthChecks?: unknown[];
  deployments?: Array<{ id: string }>;
  tasks?: MarathonTaskJson[];
  lastTaskFailure?: { taskId?: string; state?: string; message?: string; timestamp?: string };
}

/** What GET /v2/apps/{id} gave: the app, or the answer that says it does not exist. */
export type AppObservation =
  { found: true; app: MarathonAppJson } | { found: false; status: number; body: string };

/** A deployment of GET /v2/deployments. */
export interface DeploymentJson {
  id: string;
  version?: string;
  affectedApps: string[];
  currentStep?: number;
  totalSteps?: number;
  currentActions?: Array<{ action: string; app: string }>;
}

export interface AppDeploymentObservation {
  app: AppObservation;
  deployments: DeploymentJson[];
}

/** A job of GET /v1/scheduler/jobs/search (Chronos). */
export interface ChronosJobJson {
  name: string;
  schedule?: string;
  parents?: string[];
  disabled?: boolean;
  successCount?: number;
  errorCount?: number;
  lastSuccess?: string;
  lastError?: string;
}

export type LeaderService = 'master' | 'marathon' | 'chronos';

/** Who leads one service, or why nobody is known to. */
export interface LeaderObservation {
  service: LeaderService;
  leader: string | null;
  /** Why there is no leader (the answer or error), when there is none. */
  why?: string;
}

// ---- formatting ----

const MAX_LINES = 25;

/** At most MAX_LINES lines, saying how many were left out. */
export function bulletList(lines: readonly string[], empty: string): string {
  if (lines.length === 0) return `  (${empty})`;
  const shown = lines.slice(0, MAX_LINES).map((l) => `  - ${l}`);
  if (lines.length > MAX_LINES) shown.push(`  ... and ${lines.length - MAX_LINES} more`);
  return shown.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export interface FailureMessageInput {
  subject: string;
  expectation: string;
  isNot: boolean;
  attempts: number;
  elapsedMs: number;
  observed: string;
}

/** The message of a failed matcher: what was expected, how long it was polled, what was seen last. */
export function failureMessage(input: FailureMessageInput): string {
  const how = `${input.isNot ? 'not ' : ''}${input.expectation}`;
  return (
    `expected ${input.subject} ${how}, but it did not happen within ${input.elapsedMs} ms ` +
    `(${plural(input.attempts, 'observation')}).\nLast observed:\n${input.observed}`
  );
}

/** A text or pattern matched against names and ids. */
export type NameMatch = string | RegExp;

export function matchesName(match: NameMatch, value: string): boolean {
  return typeof match === 'string' ? match === value : match.test(value);
}

function showMatch(match: NameMatch): string {
  return typeof match === 'string' ? `'${match}'` : String(match);
}

// ---- leaders ----

export function leaderCheck(services: readonly LeaderService[]): Check<LeaderObservation[]> {
  return {
    expectation: `to have a leading ${services.join(', ')}`,
    judge: (observed) => ({
      pass: services.every((s) => observed.some((o) => o.service === s && o.leader !== null)),
      observed: bulletList(
        observed.map((o) =>
          o.leader !== null ? `${o.service}: ${o.leader}` : `${o.service}: no leader (${o.why})`,
        ),
        'nothing observed',
      ),
    }),
  };
}

// ---- agents ----

function describeAgent(agent: AgentJson): string {
  const where = agent.hostname ? ` on ${agent.hostname}${agent.port ? `:${agent.port}` : ''}` : '';
  return `${agent.id}${where}: ${agent.active ? 'active' : 'inactive'}`;
}

export function activeAgentsCheck(count: number): Check<SlavesJson> {
  return {
    expectation: `to have ${plural(count, 'active agent')}`,
    judge: ({ slaves }) => {
      const active = slaves.filter((a) => a.active).length;
      return {
        pass: active === count,
        observed:
          `${active} active of ${plural(slaves.length, 'agent')} the master knows:\n` +
          bulletList(slaves.map(describeAgent), 'no agents'),
      };
    },
  };
}

// ---- frameworks ----

export function frameworkCheck(name: NameMatch): Check<FrameworksJson> {
  return {
    expectation: `to have an active framework named ${showMatch(name)}`,
    judge: ({ frameworks, completed_frameworks = [] }) => {
      const lines = [
        ...frameworks.map((f) => `${f.name} (${f.id}): ${f.active ? 'active' : 'inactive'}`),
        ...completed_frameworks.map((f) => `${f.name} (${f.id}): completed`),
      ];
      return {
        pass: frameworks.some((f) => f.active && matchesName(name, f.name)),
        observed: `frameworks:\n${bulletList(lines, 'none')}`,
      };
    },
  };
}

// ---- tasks ----

/** A task by name or id (a text equals one of them, a pattern matches one), or by both. */
export type TaskMatch = NameMatch | { name?: NameMatch; id?: NameMatch };

export function taskMatches(match: TaskMatch, task: TaskJson): boolean {
  if (typeof match === 'string' || match instanceof RegExp) {
    return matchesName(match, task.name) || matchesName(match, task.id);
  }
  return (
    (match.name === undefined || matchesName(match.name, task.name)) &&
    (match.id === undefined || matchesName(match.id, task.id))
  );
}

function showTaskMatch(match: TaskMatch): string {
  if (typeof match === 'string' || match instanceof RegExp) return showMatch(match);
  const parts = [
    ...(match.name !== undefined ? [`name ${showMatch(match.name)}`] : []),
    ...(match.id !== undefined ? [`id ${showMatch(match.id)}`] : []),
  ];
  return parts.length > 0 ? parts.join(' and ') : 'any name';
}

function describeTask(task: TaskJson): string {
  const last = task.statuses?.at(-1)?.message;
  return `${task.name} (${task.id}): ${task.state}${last ? ` (${last})` : ''}`;
}

export function taskCheck(match: TaskMatch, state: TaskState): Check<TasksJson> {
  return {
    expectation: `to have a task ${showTaskMatch(match)} in ${state}`,
    judge: ({ tasks }) => {
      const matching = tasks.filter((t) => taskMatches(match, t));
      const observed =
        matching.length > 0
          ? `matching tasks:\n${bulletList(matching.map(describeTask), 'none')}`
          : `no task matches; the master knows ${plural(tasks.length, 'task')}:\n` +
            bulletList(tasks.map(describeTask), 'none');
      return { pass: matching.some((t) => t.state === state), observed };
    },
  };
}

// ---- Marathon apps ----

/** Marathon's canonical app id: absolute, no trailing slash. */
export function canonicalAppId(id: string): string {
  return `/${id.replace(/^\/+|\/+$/g, '')}`;
}

function describeMarathonTask(task: MarathonTaskJson): string {
  const where = task.host ? ` on ${task.host}${task.ports?.length ? `:${task.ports.join(',')}` : ''}` : '';
  const results = task.healthCheckResults ?? [];
  let health = '';
  if (results.length > 0) {
    const failing = results.filter((h) => !h.alive);
    health =
      failing.length === 0
        ? ', healthy'
        : `, unhealthy (${failing.map((h) => h.lastFailureCause ?? `${h.consecutiveFailures ?? '?'} failures`).join('; ')})`;
  }
  return `${task.id}: ${task.state}${where}${health}${task.version ? `, version ${task.version}` : ''}`;
}

/** The app's counts, deployments, tasks and last failure, as a failure message shows them. */
export function describeApp(app: MarathonAppJson): string {
  const lines = [
    `app ${app.id} (version ${app.version ?? '?'}): ${app.instances} instances wanted, ` +
      `${app.tasksRunning ?? '?'} running, ${app.tasksStaged ?? '?'} staged, ` +
      `${app.tasksHealthy ?? '?'} healthy, ${app.tasksUnhealthy ?? '?'} unhealthy`,
  ];
  if (app.deployments?.length) lines.push(`deployments: ${app.deployments.map((d) => d.id).join(', ')}`);
  lines.push(`tasks:\n${bulletList((app.tasks ?? []).map(describeMarathonTask), 'none')}`);
  const failure = app.lastTaskFailure;
  if (failure) {
    lines.push(
      `last task failure: ${failure.taskId ?? '?'} ${failure.state ?? ''} at ${failure.timestamp ?? '?'}: ${failure.message ?? ''}`,
    );
  }
  return lines.join('\n');
}

function describeMissingApp(id: string, obs: { status: number; body: string }): string {
  return `app ${id} does not exist (GET /v2/apps${id} answered ${obs.status}: ${obs.body.trim()})`;
}

export interface RunningAppOptions {
  /** Running tasks wanted. Default: the app's `instances`. */
  instances?: number;
  /** Also require that many tasks to pass their health checks. */
  healthy?: boolean;
}

export function runningAppCheck(id: string, opts: RunningAppOptions = {}): Check<AppObservation> {
  const appId = canonicalAppId(id);
  const count = opts.instances === undefined ? '' : ` with ${plural(opts.instances, 'instance')}`;
  return {
    expectation: `to run app ${appId}${count}${opts.healthy ? ', all healthy' : ''}`,
    judge: (obs) => {
      if (!obs.found) return { pass: false, observed: describeMissingApp(appId, obs) };
      const { app } = obs;
      const wanted = opts.instances ?? app.instances;
      const pass =
        (app.tasksRunning ?? 0) === wanted && (!opts.healthy || (app.tasksHealthy ?? 0) === wanted);
      return { pass, observed: describeApp(app) };
    },
  };
}

export interface DeployedOptions {
  /** The app version the deployment was to reach (the `version` a PUT or POST answered). */
  version?: string;
}

/** A task started before the app's last configuration change (Marathon replaces those). */
function isOutdated(task: MarathonTaskJson, app: MarathonAppJson): boolean {
  const changed = app.versionInfo?.lastConfigChangeAt;
  if (!changed || !task.version) return false;
  return Date.parse(task.version) < Date.parse(changed);
}

export function deployedCheck(id: string, opts: DeployedOptions = {}): Check<AppDeploymentObservation> {
  const appId = canonicalAppId(id);
  return {
    expectation: `to have deployed app ${appId}${opts.version ? ` at version ${opts.version}` : ''}`,
    judge: ({ app: obs, deployments }) => {
      const affecting = deployments.filter((d) => d.affectedApps.map(canonicalAppId).includes(appId));
      const deploymentLines = affecting.map(
        (d) =>
          `${d.id} (version ${d.version ?? '?'}): step ${d.currentStep ?? '?'} of ${d.totalSteps ?? '?'}` +
          (d.currentActions?.length
            ? `, ${d.currentActions.map((a) => `${a.action} ${a.app}`).join(', ')}`
            : ''),
      );
      const deploymentText = `deployments of ${appId}:\n${bulletList(deploymentLines, 'none')}`;
      if (!obs.found)
        return { pass: false, observed: `${describeMissingApp(appId, obs)}\n${deploymentText}` };
      const { app } = obs;
      const outdated = (app.tasks ?? []).filter((t) => isOutdated(t, app));
      const pass =
        affecting.length === 0 &&
        (app.deployments ?? []).length === 0 &&
        outdated.length === 0 &&
        (opts.version === undefined || app.version === opts.version);
      const notes =
        outdated.length > 0 ? `\n${plural(outdated.length, 'task')} still run an older config` : '';
      return { pass, observed: `${describeApp(app)}\n${deploymentText}${notes}` };
    },
  };
}

// ---- Chronos jobs ----

export interface JobSucceededOptions {
  /** Successful runs wanted, at least. Default 1. */
  times?: number;
}

function describeJob(job: ChronosJobJson): string {
  return (
    `${job.name}: ${job.successCount ?? 0} successes, ${job.errorCount ?? 0} errors` +
    `${job.lastSuccess ? `, last success ${job.lastSuccess}` : ''}` +
    `${job.lastError ? `, last error ${job.lastError}` : ''}` +
    `${job.disabled ? ', disabled' : ''}` +
    (job.schedule
      ? `, schedule ${job.schedule}`
      : job.parents?.length
        ? `, after ${job.parents.join(', ')}`
        : '')
  );
}

export function jobSucceededCheck(name: string, opts: JobSucceededOptions = {}): Check<ChronosJobJson[]> {
  const times = opts.times ?? 1;
  return {
    expectation: `to have run Chronos job '${name}' successfully ${times === 1 ? 'once' : `${times} times`}`,
    judge: (jobs) => {
      const job = jobs.find((j) => j.name === name);
      if (!job) {
        return {
          pass: false,
          observed: `no job named '${name}'; jobs with similar names:\n${bulletList(jobs.map(describeJob), 'none')}`,
        };
      }
      return { pass: (job.successCount ?? 0) >= times, observed: describeJob(job) };
    },
  };
}
