// Chronos 3.0's REST API under /v1/scheduler, typed as the JSON it sends, with a wait for a job's
// runs to have succeeded.
import { waitFor } from '../../util/wait.js';
import { HttpError, JsonApi } from '../http.js';
import type { WaitOptions } from './marathon.js';

interface ChronosJobFields {
  name: string;
  command: string;
  shell?: boolean;
  retries?: number;
  owner?: string;
  ownerName?: string;
  description?: string;
  cpus?: number;
  mem?: number;
  disk?: number;
  disabled?: boolean;
  softError?: boolean;
  async?: boolean;
  environmentVariables?: Array<{ name: string; value: string }>;
  arguments?: string[];
  uris?: string[];
  fetch?: Array<{ uri: string; executable?: boolean; cache?: boolean; extract?: boolean }>;
  highPriority?: boolean;
  runAsUser?: string;
  concurrent?: boolean;
  maxCompletionTime?: number;
  constraints?: Array<[string, string, string]>;
  container?: Record<string, unknown>;
}

/** A scheduled job: `schedule` is ISO 8601 `R[n]/<start>/<period>`, e.g. `R/2030-01-01T00:00:00Z/PT1H`. */
export interface ChronosScheduledJob extends ChronosJobFields {
  schedule: string;
  scheduleTimeZone?: string;
}

/** A dependent job: runs after each of its parents succeeded. */
export interface ChronosDependentJob extends ChronosJobFields {
  parents: string[];
}

export type ChronosJobDefinition = ChronosScheduledJob | ChronosDependentJob;

/** A job as Chronos answers it: every field, with its run counters. */
export type ChronosJob = Required<Pick<ChronosJobFields, 'shell' | 'retries' | 'cpus' | 'mem' | 'disk'>> &
  ChronosJobFields & {
    successCount: number;
    errorCount: number;
    /** ISO timestamps, or '' before the first success / error. */
    lastSuccess: string;
    lastError: string;
    errorsSinceLastSuccess: number;
    schedule?: string;
    scheduleTimeZone?: string;
    parents?: string[];
  };

export interface ChronosJobSummary {
  name: string;
  /** The last outcome: 'success', 'failure' or 'fresh'. */
  status: string;
  /** The run state: 'idle', 'queued' or '<n> running'. */
  state: string;
  schedule: string;
  parents: string[];
  disabled: boolean;
}

const DEFAULT_WAIT_MS = 60_000;
const job = (name: string): string => `/v1/scheduler/job/${encodeURIComponent(name)}`;

export class ChronosClient {
  private readonly api: JsonApi;

  constructor(base: string | (() => string)) {
    this.api = new JsonApi(base);
  }

  get url(): string {
    return this.api.baseUrl;
  }

  /** POST /v1/scheduler/iso8601 or /dependency, by whether the job has `parents`. */
  async createJob(definition: ChronosJobDefinition): Promise<void> {
    const path = 'parents' in definition ? '/v1/scheduler/dependency' : '/v1/scheduler/iso8601';
    await this.api.post(path, definition);
  }

  /** Same as createJob: Chronos replaces a job POSTed under an existing name. */
  updateJob(definition: ChronosJobDefinition): Promise<void> {
    return this.createJob(definition);
  }

  jobs(): Promise<ChronosJob[]> {
    return this.api.get('/v1/scheduler/jobs');
  }

  getJob(name: string): Promise<ChronosJob> {
    return this.api.get(job(name));
  }

  /** The job, or null when Chronos does not know it. */
  async findJob(name: string): Promise<ChronosJob | null> {
    try {
      return await this.getJob(name);
    } catch (err) {
      if (err instanceof HttpError && (err.status === 400 || err.status === 404)) return null;
      throw err;
    }
  }

  async summary(): Promise<ChronosJobSummary[]> {
    return (await this.api.get<{ jobs: ChronosJobSummary[] }>('/v1/scheduler/jobs/summary')).jobs;
  }

  search(query: {
    name?: string;
    command?: string;
    any?: string;
    limit?: number;
    offset?: number;
  }): Promise<ChronosJob[]> {
    return this.api.get<ChronosJob[]>('/v1/scheduler/jobs/search', query);
  }

  /** PUT /v1/scheduler/job/{name}: runs the job now (its dependents follow when it succeeds). */
  async runJob(name: string, args?: string): Promise<void> {
    await this.api.put(job(name), undefined, args === undefined ? undefined : { arguments: args });
  }

  /** Kills the job's running tasks. */
  async killJobTasks(name: string): Promise<void> {
    await this.api.delete(`/v1/scheduler/task/kill/${encodeURIComponent(name)}`);
  }

  async deleteJob(name: string): Promise<void> {
    await this.api.delete(job(name));
  }

  async leader(): Promise<string> {
    return (await this.api.get<{ leader: string }>('/v1/scheduler/leader')).leader;
  }

  /**
   * Resolves with the job once it succeeded at least `times` times in all (default 1). The timeout
   * error shows the job's counters as last seen.
   */
  async waitForJobSuccess(name: string, opts: WaitOptions & { times?: number } = {}): Promise<ChronosJob> {
    const times = opts.times ?? 1;
    // Written by the polling closure; a holder, since TypeScript does not see closures assign.
    const last: { job: ChronosJob | null } = { job: null };
    try {
      return await waitFor(
        async () => {
          const job = await this.findJob(name);
          last.job = job;
          return job && job.successCount >= times ? job : null;
        },
        {
          timeoutMs: opts.timeoutMs ?? DEFAULT_WAIT_MS,
          intervalMs: opts.intervalMs ?? 200,
          description: `Chronos job ${name} to succeed ${times} time(s)`,
        },
      );
    } catch (err) {
      const seen = last.job;
      const counters = seen
        ? `successCount=${seen.successCount} errorCount=${seen.errorCount} lastError=${seen.lastError || '-'}`
        : 'no such job';
      throw new Error(`${(err as Error).message}; last seen: ${counters}`, { cause: err });
    }
  }
}
