// The seam between Chronos's REST layer (src/chronos/api) and its runtime (scheduler loop, Mesos,
// storage). The REST layer parses and checks job JSON (job.ts); the service keeps the jobs, the graph
// and the task bookkeeping, and answers every read from memory.
import type { Job, JobDefaults } from './job.js';

/** Thrown by the service for a request Chronos answers with 400 (unknown job, unknown parent, cycle). */
export class ChronosRequestError extends Error {
  override name = 'ChronosRequestError';
  constructor(
    message: string,
    readonly status: 400 | 500 = 400,
  ) {
    super(message);
  }
}

/** A job's run state as the UI, the summary and the CSV show it: idle, queued, running or "N running". */
export type JobRunState = string;

/** One finished (or running) run, for /job/stat/{name}'s taskStatHistory. */
export interface TaskRunRecord {
  taskId: string;
  jobName: string;
  slaveId: string;
  /** ms since the epoch, null before TASK_RUNNING. */
  startTime: number | null;
  /** ms since the epoch, null while running. */
  endTime: number | null;
  /** idle, running, finished, failed or killed (TASK_* in lower case without the prefix). */
  status: string;
}

export interface JobStats {
  /** Run times in ms of the job's finished runs, oldest first (kept in memory, as Chronos does). */
  durationsMs: number[];
  history: TaskRunRecord[];
}

export interface ChronosService {
  now(): number;
  /** False while the leader is still loading its jobs: the REST layer answers 503 then. */
  isReady(): boolean;
  /** Whether this instance leads; a standby proxies every request to leaderHostPort(). */
  isLeader(): boolean;
  /** host:port of the leading instance, or null while there is none. */
  leaderHostPort(): string | null;
  /** Defaults for cpus/mem/disk/runAsUser (--mesos_task_cpu, --mesos_task_mem, --mesos_task_disk, --user). */
  jobDefaults(): JobDefaults;

  /** Every job, in the order created. */
  jobs(): Job[];
  job(name: string): Job | undefined;
  runState(name: string): JobRunState;

  /**
   * Creates or replaces a job (POST /iso8601, /dependency) after the REST layer's checks. Throws
   * ChronosRequestError 400 for a dependent job whose parents do not all exist, or that would close
   * a cycle. Resolves once stored.
   */
  upsertJob(job: Job): Promise<void>;
  /** DELETE /job/{name}: kills its tasks, re-wires its children, forgets it. 400 if unknown. */
  deleteJob(name: string): Promise<void>;
  /** PUT /job/{name}: queues a run now; `args` are appended to a non-shell command. 400 if unknown. */
  runJobNow(name: string, args: string | undefined): void;
  /** PUT /job/success/{name}: records a success and triggers the children; false if unknown. */
  markJobSuccess(name: string): Promise<boolean>;
  /** DELETE /task/kill/{name}: kills the job's running tasks and drops its queued runs. 400 if unknown. */
  killJobTasks(name: string): void;

  /** GET /graph/csv: node and link lines. */
  graphCsv(): string;
  /** GET /graph/dot: the DAG in Graphviz dot. */
  graphDot(): string;
  /** GET /job/stat/{name}: undefined if unknown. */
  jobStats(name: string): JobStats | undefined;
}
