// Chronos 3.0.x jobs: the Job types, reading job JSON as JobDeserializer does (its field defaults; the
// Jackson coercions and nested readers are in job-json.ts), the checks the POST /iso8601 and
// /dependency resources make, writing it as JobSerializer does, and the job transformations the REST
// layer needs. 3.x dropped `epsilon` and `async`: they are ignored on input and never written.

import {
  asBoolean,
  asDouble,
  asInteger,
  asText,
  elements,
  has,
  isObject,
  MalformedJobError,
  objects,
  readConstraints,
  readContainer,
  required,
} from './job-json.js';
import { parseSchedule, ScheduleError, type Schedule } from './schedule.js';
import { formatDateTime, parseDateTime, UTC } from './zone-time.js';

/** iso8601 = a scheduled job (`schedule`), dependency = a dependent job (`parents`). */
export type JobKind = 'iso8601' | 'dependency';

export interface FetchUri {
  uri: string;
  executable: boolean;
  cache: boolean;
  extract: boolean;
  /** `output_file` in JSON; written only when not empty. */
  outputFile: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface EnvironmentVariable {
  name: string;
  value: string;
}

export interface JobVolume {
  hostPath: string | null;
  containerPath: string;
  mode: 'RW' | 'RO' | null;
  external: { name: string; provider: string; options: KeyValue[] } | null;
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string | null;
}

export interface NetworkInfo {
  name: string;
  protocol: 'IPv4' | 'IPv6' | null;
  labels: KeyValue[];
  portMappings: PortMapping[];
}

export interface JobContainer {
  type: 'DOCKER' | 'MESOS';
  image: string;
  network: 'BRIDGE' | 'HOST' | 'USER';
  networkName: string | null;
  networkInfos: NetworkInfo[];
  volumes: JobVolume[];
  forcePullImage: boolean;
  parameters: KeyValue[];
}

export interface JobConstraint {
  attribute: string;
  operator: 'EQUALS' | 'LIKE' | 'UNLIKE';
  value: string;
}

interface JobFields {
  name: string;
  command: string;
  shell: boolean;
  executor: string;
  executorFlags: string;
  taskInfoData: string;
  retries: number;
  owner: string;
  ownerName: string;
  description: string;
  successCount: number;
  errorCount: number;
  /** ISO timestamps (`2014-03-08T16:57:17.507Z`) or ''. */
  lastSuccess: string;
  lastError: string;
  cpus: number;
  disk: number;
  mem: number;
  disabled: boolean;
  softError: boolean;
  dataProcessingJobType: boolean;
  errorsSinceLastSuccess: number;
  fetch: FetchUri[];
  uris: string[];
  environmentVariables: EnvironmentVariable[];
  arguments: string[];
  highPriority: boolean;
  runAsUser: string;
  concurrent: boolean;
  /** Seconds; 0 = none. */
  maxCompletionTime: number;
  container: JobContainer | null;
  constraints: JobConstraint[];
}

export interface ScheduledJob extends JobFields {
  kind: 'iso8601';
  schedule: string;
  scheduleTimeZone: string;
}

export interface DependentJob extends JobFields {
  kind: 'dependency';
  parents: string[];
}

export type Job = ScheduledJob | DependentJob;

/** Chronos's flags behind the defaults: --mesos_task_cpu, --mesos_task_mem, --mesos_task_disk, --user. */
export interface JobDefaults {
  cpus: number;
  mem: number;
  disk: number;
  user: string;
}

export const DEFAULT_JOB_DEFAULTS: JobDefaults = { cpus: 0.1, mem: 128, disk: 256, user: 'root' };

export interface ReadJobOptions {
  /** A job with neither schedule nor parents becomes `R1/<now>/PT24H`. */
  now: number;
  defaults?: JobDefaults;
}

export interface ParseJobOptions extends ReadJobOptions {
  /** Whether a job of that name exists: Chronos checks less when replacing one. */
  existing?: boolean;
}

/**
 * A rejected job. `message` is Chronos's text; `javaException` names the exception Chronos wraps it in
 * (its error body then carries that exception's stack trace, whose first line is
 * `<javaException>: <message>`), or is null when Chronos answers with the bare message.
 */
export class JobValidationError extends Error {
  override name = 'JobValidationError';
  constructor(
    message: string,
    readonly status: 400 | 500 = 400,
    readonly javaException: string | null = null,
  ) {
    super(message);
  }
}

const ILLEGAL_ARGUMENT = 'java.lang.IllegalArgumentException';

export const JOB_NAME_PATTERN = /^[\w.-]+$/;

/** Chronos's rule for new jobs: the whole name matches `([\w\.-]+)` (ASCII letters, digits, _ . -). */
export function isValidJobName(name: string): boolean {
  return JOB_NAME_PATTERN.test(name);
}

/** Runs job-json.ts readers, turning their MalformedJobError into the 400 Chronos answers. */
function asValidationErrors<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof MalformedJobError) throw new JobValidationError(e.message);
    throw e;
  }
}

/**
 * Reads a job as Chronos's JobDeserializer: only `name` is needed; `parents` makes a dependent job,
 * else `schedule` a scheduled one, else a run-once job `R1/<now>/PT24H`. cpus/mem/disk that are
 * missing or 0 take the defaults. Used as is for jobs loaded from storage; no POST checks.
 */
export function readJob(raw: unknown, options: ReadJobOptions): Job {
  if (!isObject(raw)) throw new JobValidationError('Malformed job: the body must be a JSON object');
  const j = raw;
  if (!has(j, 'name')) throw new JobValidationError("Malformed job: 'name' is required");
  const defaults = options.defaults ?? DEFAULT_JOB_DEFAULTS;
  const text = (key: string, dflt = '') => (has(j, key) ? asText(j[key]) : dflt);
  const bool = (key: string, dflt = false) => (has(j, key) ? asBoolean(j[key]) : dflt);
  const int = (key: string, dflt = 0) => (has(j, key) ? asInteger(j[key]) : dflt);
  const resource = (key: string, dflt: number) =>
    has(j, key) && asDouble(j[key]) !== 0 ? asDouble(j[key]) : dflt;
  const fields: JobFields = asValidationErrors(() => ({
    name: asText(j.name),
    command: text('command'),
    shell: bool('shell', true),
    executor: text('executor'),
    executorFlags: text('executorFlags'),
    taskInfoData: text('taskInfoData'),
    retries: int('retries', 2),
    owner: text('owner'),
    ownerName: text('ownerName'),
    description: text('description'),
    successCount: int('successCount'),
    errorCount: int('errorCount'),
    lastSuccess: text('lastSuccess'),
    lastError: text('lastError'),
    cpus: resource('cpus', defaults.cpus),
    disk: resource('disk', defaults.disk),
    mem: resource('mem', defaults.mem),
    disabled: bool('disabled'),
    softError: bool('softError'),
    dataProcessingJobType: bool('dataProcessingJobType'),
    errorsSinceLastSuccess: int('errorsSinceLastSuccess'),
    fetch: objects(j.fetch, 'fetch').map((f) => ({
      uri: has(f, 'uri') ? asText(f.uri) : '',
      executable: has(f, 'executable') && asBoolean(f.executable),
      cache: has(f, 'cache') && asBoolean(f.cache),
      extract: !has(f, 'extract') || asBoolean(f.extract),
      outputFile: has(f, 'output_file') ? asText(f.output_file) : '',
    })),
    uris: elements(j.uris).map(asText),
    environmentVariables: objects(j.environmentVariables, 'environmentVariables').map((e, i) => ({
      name: asText(required(e, 'name', `environmentVariables[${i}]`)),
      value: asText(required(e, 'value', `environmentVariables[${i}]`)),
    })),
    arguments: elements(j.arguments).map(asText),
    highPriority: bool('highPriority'),
    runAsUser: text('runAsUser', defaults.user),
    concurrent: bool('concurrent'),
    maxCompletionTime: int('maxCompletionTime'),
    container: isObject(j.container) && has(j.container, 'image') ? readContainer(j.container) : null,
    constraints: readConstraints(j.constraints),
  }));
  if (has(j, 'parents'))
    return { kind: 'dependency', ...fields, parents: [...new Set(elements(j.parents).map(asText))] };
  if (has(j, 'schedule'))
    return {
      kind: 'iso8601',
      ...fields,
      schedule: text('schedule'),
      scheduleTimeZone: text('scheduleTimeZone'),
    };
  // A run-once job has no time zone and, as in Chronos, is never concurrent.
  const schedule = `R1/${formatDateTime(options.now, UTC)}/PT24H`;
  return { kind: 'iso8601', ...fields, concurrent: false, schedule, scheduleTimeZone: '' };
}

/**
 * Reads a job POSTed to /v1/scheduler/iso8601 (`kind` iso8601) or /dependency and makes the checks
 * Chronos makes there, in its order. Throws a JobValidationError with Chronos's message and status.
 */
export function parseJob(raw: unknown, kind: JobKind, options: ParseJobOptions): Job {
  const job = readJob(raw, options);
  if (job.kind !== kind) {
    throw new JobValidationError(
      kind === 'iso8601'
        ? `Job '${job.name}' has 'parents': post dependent jobs to /v1/scheduler/dependency`
        : `Job '${job.name}' has no 'parents': post scheduled jobs to /v1/scheduler/iso8601`,
    );
  }
  if (!options.existing && !isValidJobName(job.name)) {
    throw new JobValidationError(
      "requirement failed: the job's name is invalid. Allowed names: '([\\w\\.-]+)'",
      400,
      ILLEGAL_ARGUMENT,
    );
  }
  if (job.kind === 'dependency') {
    if (job.parents.length > 0) return job;
    // A plain Exception (500) for a new job, a failed require (400) for a replacement.
    if (options.existing)
      throw new JobValidationError('requirement failed: Error, parent does not exist', 400, ILLEGAL_ARGUMENT);
    throw new JobValidationError('Error, parent does not exist', 500, 'java.lang.Exception');
  }
  let schedule: Schedule;
  try {
    schedule = parseSchedule(job.schedule, job.scheduleTimeZone, options.now);
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    throw new JobValidationError(`Cannot parse schedule '${job.schedule}' (wtf bro)`);
  }
  if (options.existing) return job;
  if (schedule.start < 1000) {
    const start = formatDateTime(schedule.start, schedule.zone);
    throw new JobValidationError(`Scheduled start date '${start}' is before 1970!`);
  }
  if (job.uris.length > 0 && job.fetch.length > 0) {
    throw new JobValidationError(`Tried to add both uri (deprecated) and fetch parameters on ${job.name}`);
  }
  return job;
}

/** parseJob on a request body's text; bad JSON is a 400 with the parser's reason. */
export function parseJobJson(text: string, kind: JobKind, options: ParseJobOptions): Job {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new JobValidationError(`Malformed job: invalid JSON (${(e as Error).message})`);
  }
  return parseJob(raw, kind, options);
}

// ---------------------------------------------------------------------------------------------------

function renderContainer(c: JobContainer): Record<string, unknown> {
  return {
    type: c.type,
    image: c.image,
    network: c.network,
    ...(c.networkName !== null && { networkName: c.networkName }),
    networkInfos: c.networkInfos.map((n) => ({
      name: n.name,
      ...(n.protocol !== null && { protocol: n.protocol }),
      labels: n.labels.map(({ key, value }) => ({ key, value })),
      // JobSerializer writes the ports as strings.
      portMappings: n.portMappings.map((p) => ({
        hostPort: String(p.hostPort),
        containerPort: String(p.containerPort),
        ...(p.protocol !== null && { protocol: p.protocol }),
      })),
    })),
    volumes: c.volumes.map((v) => ({
      ...(v.hostPath !== null && { hostPath: v.hostPath }),
      containerPath: v.containerPath,
      ...(v.mode !== null && { mode: v.mode }),
      ...(v.external !== null && {
        external: {
          name: v.external.name,
          provider: v.external.provider,
          options: v.external.options.map(({ key, value }) => ({ key, value })),
        },
      }),
    })),
    forcePullImage: c.forcePullImage,
    parameters: c.parameters.map(({ key, value }) => ({ key, value })),
  };
}

/** The job's JSON as JobSerializer writes it: every field, in its order; `container` only if set. */
export function renderJob(job: Job): Record<string, unknown> {
  return {
    name: job.name,
    command: job.command,
    shell: job.shell,
    executor: job.executor,
    executorFlags: job.executorFlags,
    taskInfoData: job.taskInfoData,
    retries: job.retries,
    owner: job.owner,
    ownerName: job.ownerName,
    description: job.description,
    successCount: job.successCount,
    errorCount: job.errorCount,
    lastSuccess: job.lastSuccess,
    lastError: job.lastError,
    cpus: job.cpus,
    disk: job.disk,
    mem: job.mem,
    disabled: job.disabled,
    softError: job.softError,
    dataProcessingJobType: job.dataProcessingJobType,
    errorsSinceLastSuccess: job.errorsSinceLastSuccess,
    fetch: job.fetch.map((f) => ({
      uri: f.uri,
      executable: f.executable,
      cache: f.cache,
      extract: f.extract,
      ...(f.outputFile !== '' && { output_file: f.outputFile }),
    })),
    uris: [...job.uris],
    environmentVariables: job.environmentVariables.map(({ name, value }) => ({ name, value })),
    arguments: [...job.arguments],
    highPriority: job.highPriority,
    runAsUser: job.runAsUser,
    concurrent: job.concurrent,
    maxCompletionTime: job.maxCompletionTime,
    ...(job.container !== null && { container: renderContainer(job.container) }),
    constraints: job.constraints.map((c) => [c.attribute, c.operator, c.value]),
    ...(job.kind === 'dependency'
      ? { parents: [...job.parents] }
      : { schedule: job.schedule, scheduleTimeZone: job.scheduleTimeZone }),
  };
}

/**
 * GET /v1/scheduler/jobs fills `fetch` from `uris` when it is empty, else `uris` from `fetch`, so old
 * and new clients both see their field (only that listing does this, not GET /job/{name}).
 */
export function withFetchAndUris<J extends Job>(job: J): J {
  if (job.fetch.length === 0) {
    const fetch = job.uris.map((uri) => ({
      uri,
      executable: false,
      cache: false,
      extract: true,
      outputFile: '',
    }));
    return { ...job, fetch };
  }
  return { ...job, uris: job.fetch.map((f) => f.uri) };
}

/**
 * What DELETE of a scheduled parent makes of a dependent child: a scheduled job with the parent's
 * schedule. Chronos copies only some fields; the others (ownerName, description, environment,
 * container, arguments, shell, constraints, runAsUser, ...) fall back to the case-class defaults.
 */
export function dependentToScheduled(child: DependentJob, parent: ScheduledJob): ScheduledJob {
  // A scheduled job has no parents.
  const { parents, ...fields } = child;
  return {
    ...fields,
    kind: 'iso8601',
    schedule: parent.schedule,
    scheduleTimeZone: parent.scheduleTimeZone,
    shell: true,
    ownerName: '',
    description: '',
    dataProcessingJobType: false,
    errorsSinceLastSuccess: 0,
    environmentVariables: [],
    arguments: [],
    runAsUser: '',
    concurrent: false,
    container: null,
    constraints: [],
  };
}

/**
 * What DELETE of `deleted` makes of its children (Chronos's JobManagementResource): children of a
 * dependent job inherit its parents; a child of a scheduled job keeps its other parents, or, when the
 * deleted job was its only parent, becomes a scheduled job with that job's schedule.
 */
export function rewireChildren(deleted: Job, children: readonly Job[]): Job[] {
  return children.flatMap((child): Job[] => {
    if (child.kind !== 'dependency' || !child.parents.includes(deleted.name)) return [];
    const others = child.parents.filter((p) => p !== deleted.name);
    if (deleted.kind === 'dependency')
      return [{ ...child, parents: [...new Set([...others, ...deleted.parents])] }];
    if (others.length > 0) return [{ ...child, parents: others }];
    return [dependentToScheduled(child, deleted)];
  });
}

export type LastState = 'success' | 'failure' | 'fresh';

/**
 * The job's last outcome as the graph CSV and the jobs summary show it: fresh before any run, else
 * whichever of lastSuccess and lastError is later (a tie, or a timestamp that does not parse, counts
 * as failure).
 */
export function lastState(job: Pick<Job, 'lastSuccess' | 'lastError'>): LastState {
  if (job.lastSuccess === '' && job.lastError === '') return 'fresh';
  if (job.lastSuccess === '') return 'failure';
  if (job.lastError === '') return 'success';
  const instant = (text: string): number => {
    const { local, offsetMs } = parseDateTime(text);
    return local - (offsetMs ?? 0);
  };
  try {
    return instant(job.lastSuccess) > instant(job.lastError) ? 'success' : 'failure';
  } catch {
    return 'failure';
  }
}
