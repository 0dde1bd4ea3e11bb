// The job resources under /v1/scheduler: Iso8601JobResource and DependentJobResource (POST a job),
// JobManagementResource (list, summary, search, get, run now, delete, mark successful) and
// TaskManagementResource (kill a job's tasks).
import {
  lastState,
  parseJobJson,
  readJob,
  renderJob,
  withFetchAndUris,
  type Job,
  type JobKind,
} from '../job.js';
import type { ChronosService } from '../service.js';
import { unknownJob, unknownJobSchedule } from './errors.js';
import { integerParam, noContent, ok } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';

const PREFIX = '/v1/scheduler';

/**
 * POST /iso8601 and /dependency. Chronos checks less when the job replaces one (no name check, and
 * for a scheduled job no start date or uris/fetch check), so the name is read before the checks.
 * Unknown parents and cycles are the service's to refuse.
 */
async function postJob(kind: JobKind, req: ApiRequest): Promise<ApiResponse> {
  const { service } = req;
  const text = await req.text();
  const now = service.now();
  const defaults = service.jobDefaults();
  let existing = false;
  try {
    existing = service.job(readJob(JSON.parse(text), { now, defaults }).name) !== undefined;
  } catch {
    // Not a job at all: parseJobJson below reports why.
  }
  const job = parseJobJson(text, kind, { now, existing, defaults });
  await service.upsertJob(job);
  return noContent();
}

function knownJob(service: ChronosService, name: string): Job {
  const job = service.job(name);
  if (job === undefined) throw unknownJob(name);
  return job;
}

/** GET /jobs: only this listing fills `fetch` from `uris` and vice versa, for old and new clients. */
function listJobs(req: ApiRequest): ApiResponse {
  return ok(req.service.jobs().map((job) => renderJob(withFetchAndUris(job))));
}

/** GET /jobs/summary: what the UI polls. `status` is the last outcome, `state` the run state. */
function summary(req: ApiRequest): ApiResponse {
  const { service } = req;
  const jobs = service.jobs().map((job) => ({
    name: job.name,
    status: lastState(job),
    state: service.runState(job.name),
    schedule: job.kind === 'iso8601' ? job.schedule : '',
    parents: job.kind === 'dependency' ? [...job.parents] : [],
    disabled: job.disabled,
  }));
  return ok({ jobs });
}

/**
 * GET /jobs/search. As in Chronos: `name` and `command` (case-insensitive substrings) must both
 * match when given; `any` only brings back a job one of them turned down, so `any` alone filters
 * nothing. Then `offset` and `limit` (default 10) cut the list like Scala's slice.
 */
function search(req: ApiRequest): ApiResponse {
  const { query } = req;
  const needle = (key: string): string | null => {
    const value = query.get(key);
    return value === null || value === '' ? null : value.toLowerCase();
  };
  const name = needle('name');
  const command = needle('command');
  const any = needle('any');
  const limit = integerParam(query, 'limit', 10);
  const offset = integerParam(query, 'offset', 0);
  const matches = req.service.jobs().filter((job) => {
    const jobName = job.name.toLowerCase();
    const jobCommand = job.command.toLowerCase();
    let valid = true;
    if (name !== null && !jobName.includes(name)) valid = false;
    if (command !== null && !jobCommand.includes(command)) valid = false;
    if (!valid && any !== null && (jobName.includes(any) || jobCommand.includes(any))) valid = true;
    return valid;
  });
  // Java adds the two Integers with wrap-around.
  const until = (offset + limit) | 0;
  const from = Math.max(0, offset);
  return ok(until <= from ? [] : matches.slice(from, until).map(renderJob));
}

function getJob(req: ApiRequest): ApiResponse {
  return ok(renderJob(knownJob(req.service, req.params[0]!)));
}

/** PUT /job/{name}: run now; blank `arguments` count as none. */
function runNow(req: ApiRequest): ApiResponse {
  const name = req.params[0]!;
  knownJob(req.service, name);
  const args = req.query.get('arguments');
  req.service.runJobNow(name, args !== null && args.trim() !== '' ? args : undefined);
  return noContent();
}

async function deleteJob(req: ApiRequest): Promise<ApiResponse> {
  const name = req.params[0]!;
  if (req.service.job(name) === undefined) throw unknownJobSchedule(name);
  await req.service.deleteJob(name);
  return noContent();
}

/**
 * PUT /job/success/{name}: 200 with a sentence, false for an unknown job. The resource produces
 * application/json, so Jersey labels the plain sentence that way too.
 */
async function markSuccess(req: ApiRequest): Promise<ApiResponse> {
  const name = req.params[0]!;
  const success = await req.service.markJobSuccess(name);
  return {
    status: 200,
    text: { contentType: 'application/json', content: `marked job ${name} as successful: ${success}` },
  };
}

function killTasks(req: ApiRequest): ApiResponse {
  const name = req.params[0]!;
  if (req.service.job(name) === undefined) throw unknownJobSchedule(name);
  req.service.killJobTasks(name);
  return noContent();
}

export const jobRoutes: readonly Route[] = [
  {
    pattern: new RegExp(`^${PREFIX}/iso8601$`),
    methods: { POST: (req) => postJob('iso8601', req) },
    consumesJson: true,
  },
  {
    pattern: new RegExp(`^${PREFIX}/dependency$`),
    methods: { POST: (req) => postJob('dependency', req) },
    consumesJson: true,
  },
  { pattern: new RegExp(`^${PREFIX}/jobs$`), methods: { GET: listJobs } },
  { pattern: new RegExp(`^${PREFIX}/jobs/summary$`), methods: { GET: summary } },
  { pattern: new RegExp(`^${PREFIX}/jobs/search$`), methods: { GET: search } },
  { pattern: new RegExp(`^${PREFIX}/job/success/([^/]+)$`), methods: { PUT: markSuccess } },
  {
    pattern: new RegExp(`^${PREFIX}/job/([^/]+)$`),
    methods: { GET: getJob, PUT: runNow, DELETE: deleteJob },
  },
  { pattern: new RegExp(`^${PREFIX}/task/kill/([^/]+)$`), methods: { DELETE: killTasks } },
];
