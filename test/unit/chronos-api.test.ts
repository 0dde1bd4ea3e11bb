// Chronos's REST layer over real HTTP against an in-memory service: every route's status, headers and
// body, the error answers for bad input, readiness, and proxying from a standby to the leader.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJob, type Job } from '../../src/chronos/job.js';
import { ChronosRequestError } from '../../src/chronos/service.js';
import { freePort } from '../../src/util/net.js';
import { FakeChronosService, T0, startApi, type RunningApi } from './fixtures/fake-chronos-service.js';

const P = '/v1/scheduler';
const SCHEDULE = 'R/2024-01-03T00:00:00.000Z/PT1H';

let service: FakeChronosService;
let api: RunningApi;

beforeEach(async () => {
  service = new FakeChronosService();
  api = await startApi(service, { self: '127.0.0.1:4400' });
});

afterEach(async () => {
  await api.close();
});

const scheduledJob = (name: string, fields: Record<string, unknown> = {}) => ({
  name,
  command: `echo ${name}`,
  schedule: SCHEDULE,
  ...fields,
});

const dependentJob = (name: string, parents: string[], fields: Record<string, unknown> = {}) => ({
  name,
  command: `echo ${name}`,
  parents,
  ...fields,
});

/** Stores a job in the service directly, as if loaded from ZooKeeper (no REST checks). */
async function load(raw: Record<string, unknown>): Promise<Job> {
  const job = readJob(raw, { now: T0 });
  await service.upsertJob(job);
  return job;
}

async function postOk(kind: 'iso8601' | 'dependency', body: unknown): Promise<void> {
  const res = await api.call('POST', `${P}/${kind}`, { body });
  expect(res.status, res.text).toBe(204);
}

const badRequest = (message: string) => ({ message, status: 'Bad Request' });

describe('POST /iso8601 and /dependency', () => {
  it('creates a scheduled job with the server defaults and answers 204 with no body', async () => {
    service.defaults = { cpus: 0.5, mem: 512, disk: 1024, user: 'chronos' };
    const res = await api.call('POST', `${P}/iso8601`, { body: scheduledJob('hourly') });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(service.job('hourly')).toMatchObject({
      kind: 'iso8601',
      command: 'echo hourly',
      schedule: SCHEDULE,
      cpus: 0.5,
      mem: 512,
      disk: 1024,
      runAsUser: 'chronos',
    });
  });

  it('creates a dependent job under an existing parent', async () => {
    await postOk('iso8601', scheduledJob('parent'));
    await postOk('dependency', dependentJob('child', ['parent']));
    expect(service.job('child')).toMatchObject({ kind: 'dependency', parents: ['parent'] });
    expect(service.graph.children('parent')).toEqual(['child']);
  });

  it('replaces a job of the same name in place', async () => {
    await postOk('iso8601', scheduledJob('a'));
    await postOk('iso8601', scheduledJob('b'));
    await postOk('iso8601', scheduledJob('a', { command: 'echo replaced' }));
    expect(service.jobs().map((j) => [j.name, j.command])).toEqual([
      ['a', 'echo replaced'],
      ['b', 'echo b'],
    ]);
  });

  it('accepts a body without Content-Type, and application/json with a charset', async () => {
    const plain = await api.call('POST', `${P}/iso8601`, { rawBody: JSON.stringify(scheduledJob('x')) });
    expect(plain.status).toBe(204);
    const charset = await api.call('POST', `${P}/iso8601`, {
      rawBody: JSON.stringify(scheduledJob('y')),
      headers: { 'Content-Type': 'application/json; charset=UTF-8' },
    });
    expect(charset.status).toBe(204);
    expect(service.jobs().map((j) => j.name)).toEqual(['x', 'y']);
  });

  it('answers another Content-Type with 415', async () => {
    for (const kind of ['iso8601', 'dependency']) {
      const res = await api.call('POST', `${P}/${kind}`, {
        rawBody: JSON.stringify(scheduledJob('x')),
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(res.status).toBe(415);
      expect(res.json.status).toBe('Unsupported Media Type');
    }
    expect(service.jobs()).toEqual([]);
  });

  it('answers bad JSON with 400 and the parser’s reason', async () => {
    const res = await api.call('POST', `${P}/iso8601`, {
      rawBody: '{"name": "x",',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json.status).toBe('Bad Request');
    expect(res.json.message).toMatch(/^Malformed job: invalid JSON/);
  });

  it('answers a body that is not a job, or an empty one, with 400', async () => {
    for (const rawBody of ['[1,2]', '"x"', '{}', '']) {
      const res = await api.call('POST', `${P}/iso8601`, {
        rawBody,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status, rawBody).toBe(400);
      expect(res.json.message, rawBody).toMatch(/^Malformed job/);
    }
  });

  it('refuses a schedule it cannot parse with Chronos’s message', async () => {
    const res = await api.call('POST', `${P}/iso8601`, { body: scheduledJob('x', { schedule: 'wtf bro' }) });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(badRequest("Cannot parse schedule 'wtf bro' (wtf bro)"));
  });

  it('refuses a new job with an invalid name, with the first line of the exception', async () => {
    const res = await api.call('POST', `${P}/iso8601`, { body: scheduledJob('no spaces please') });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      badRequest(
        "java.lang.IllegalArgumentException: requirement failed: the job's name is invalid. Allowed names: '([\\w\\.-]+)'",
      ),
    );
  });

  it('checks less when replacing a job: no name check, no start-before-1970 check', async () => {
    await load(scheduledJob('legacy name'));
    const old = scheduledJob('legacy name', { schedule: 'R/1960-01-01T00:00:00.000Z/PT1H' });
    expect((await api.call('POST', `${P}/iso8601`, { body: old })).status).toBe(204);
    expect(service.job('legacy name')?.command).toBe('echo legacy name');

    const fresh = await api.call('POST', `${P}/iso8601`, {
      body: scheduledJob('fresh', { schedule: 'R/1960-01-01T00:00:00.000Z/PT1H' }),
    });
    expect(fresh.status).toBe(400);
    expect(fresh.json.message).toMatch(/^Scheduled start date '.*' is before 1970!$/);
  });

  it('refuses both uris and fetch on a new job', async () => {
    const res = await api.call('POST', `${P}/iso8601`, {
      body: scheduledJob('both', { uris: ['http://a/x'], fetch: [{ uri: 'http://a/y' }] }),
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(badRequest('Tried to add both uri (deprecated) and fetch parameters on both'));
  });

  it('answers a dependent job whose parent does not exist with the service’s 400', async () => {
    const res = await api.call('POST', `${P}/dependency`, { body: dependentJob('orphan', ['ghost']) });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      badRequest('requirement failed: JobSchedule orphan does not have all parents defined!'),
    );
    expect(service.job('orphan')).toBeUndefined();
  });

  it('answers a dependency cycle with 400', async () => {
    await postOk('iso8601', scheduledJob('a'));
    await postOk('dependency', dependentJob('b', ['a']));
    await postOk('dependency', dependentJob('c', ['b']));
    const res = await api.call('POST', `${P}/dependency`, { body: dependentJob('b', ['c']) });
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/would form a cycle/);
  });

  it('answers a new dependent job without parents with Chronos’s 500', async () => {
    const res = await api.call('POST', `${P}/dependency`, { body: dependentJob('lonely', []) });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({
      message: 'java.lang.Exception: Error, parent does not exist',
      status: 'Internal Server Error',
    });
  });

  it('refuses a job posted to the other kind’s resource', async () => {
    await postOk('iso8601', scheduledJob('p'));
    const dependentToIso = await api.call('POST', `${P}/iso8601`, { body: dependentJob('d', ['p']) });
    expect(dependentToIso.status).toBe(400);
    const scheduledToDependency = await api.call('POST', `${P}/dependency`, { body: scheduledJob('s') });
    expect(scheduledToDependency.status).toBe(400);
  });

  it('answers a body over the limit with 413 and keeps serving', async () => {
    const small = await startApi(service, { maxBodyBytes: 1024 });
    try {
      const huge = JSON.stringify(scheduledJob('big', { description: 'x'.repeat(4096) }));
      const res = await small.call('POST', `${P}/iso8601`, {
        rawBody: huge,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(res.json.status).toBe('Payload Too Large');
      expect(service.job('big')).toBeUndefined();
      expect((await small.call('GET', '/ping')).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('counts the bytes of a body sent without a Content-Length', async () => {
    const small = await startApi(service, { maxBodyBytes: 1024 });
    try {
      const body = { headers: { 'Content-Type': 'application/json' }, chunked: true };
      const huge = JSON.stringify(scheduledJob('big', { description: 'x'.repeat(8192) }));
      expect((await small.call('POST', `${P}/iso8601`, { ...body, rawBody: huge })).status).toBe(413);
      const fits = JSON.stringify(scheduledJob('fits'));
      expect((await small.call('POST', `${P}/iso8601`, { ...body, rawBody: fits })).status).toBe(204);
      expect(service.jobs().map((j) => j.name)).toEqual(['fits']);
    } finally {
      await small.close();
    }
  });

  it('has a 1 MiB limit by default', async () => {
    const body = JSON.stringify(scheduledJob('big', { description: 'x'.repeat(1024 * 1024) }));
    const res = await api.call('POST', `${P}/iso8601`, {
      rawBody: body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(413);
  });
});

describe('GET /jobs, /job/{name}', () => {
  it('lists every job in full, filling fetch from uris and uris from fetch', async () => {
    await postOk('iso8601', scheduledJob('with-uris', { uris: ['http://a/x.tgz'] }));
    await postOk(
      'iso8601',
      scheduledJob('with-fetch', { fetch: [{ uri: 'http://a/y.sh', executable: true }] }),
    );
    const res = await api.call('GET', `${P}/jobs`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json.map((j: { name: string }) => j.name)).toEqual(['with-uris', 'with-fetch']);
    expect(res.json[0].fetch).toEqual([
      { uri: 'http://a/x.tgz', executable: false, cache: false, extract: true },
    ]);
    expect(res.json[1].uris).toEqual(['http://a/y.sh']);
    expect(Object.keys(res.json[0])).toContain('scheduleTimeZone');
  });

  it('shows one job as stored, without filling fetch', async () => {
    await postOk('iso8601', scheduledJob('with-uris', { uris: ['http://a/x.tgz'] }));
    const res = await api.call('GET', `${P}/job/with-uris`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      name: 'with-uris',
      uris: ['http://a/x.tgz'],
      fetch: [],
      schedule: SCHEDULE,
    });
  });

  it('answers an unknown job with 400, not 404', async () => {
    const res = await api.call('GET', `${P}/job/nope`);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      badRequest("java.lang.IllegalArgumentException: requirement failed: Job 'nope' not found"),
    );
  });

  it('decodes %-escapes in names and survives malformed ones', async () => {
    await postOk('iso8601', scheduledJob('a.b'));
    expect((await api.call('GET', `${P}/job/a%2Eb`)).json.name).toBe('a.b');
    const slash = await api.call('GET', `${P}/job/a%2Fb`);
    expect(slash.json).toEqual(
      badRequest("java.lang.IllegalArgumentException: requirement failed: Job 'a/b' not found"),
    );
    const malformed = await api.call('GET', `${P}/job/%zz%`);
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toContain("Job '%zz%' not found");
  });

  it('summarizes jobs with their last outcome, run state, schedule and parents', async () => {
    await load(scheduledJob('fresh'));
    await load(scheduledJob('ok', { lastSuccess: '2024-01-02T00:00:00.000Z', disabled: true }));
    await load(
      scheduledJob('bad', { lastSuccess: '2024-01-01T00:00:00.000Z', lastError: '2024-01-02T00:00:00.000Z' }),
    );
    await load(dependentJob('child', ['fresh', 'ok']));
    service.states.set('ok', 'queued');
    service.states.set('bad', '2 running');
    const res = await api.call('GET', `${P}/jobs/summary`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      jobs: [
        { name: 'fresh', status: 'fresh', state: 'idle', schedule: SCHEDULE, parents: [], disabled: false },
        { name: 'ok', status: 'success', state: 'queued', schedule: SCHEDULE, parents: [], disabled: true },
        {
          name: 'bad',
          status: 'failure',
          state: '2 running',
          schedule: SCHEDULE,
          parents: [],
          disabled: false,
        },
        {
          name: 'child',
          status: 'fresh',
          state: 'idle',
          schedule: '',
          parents: ['fresh', 'ok'],
          disabled: false,
        },
      ],
    });
  });
});

describe('GET /jobs/search', () => {
  const names = async (query: string): Promise<string[]> => {
    const res = await api.call('GET', `${P}/jobs/search${query}`);
    expect(res.status, res.text).toBe(200);
    return res.json.map((j: { name: string }) => j.name);
  };

  beforeEach(async () => {
    await load({ name: 'Backup-DB', command: 'pg_dump main', schedule: SCHEDULE });
    await load({ name: 'backup-files', command: 'tar czf /backup', schedule: SCHEDULE });
    await load({ name: 'report', command: 'python report.py --db', schedule: SCHEDULE });
  });

  it('matches name and command as case-insensitive substrings, both when both are given', async () => {
    expect(await names('?name=BACKUP')).toEqual(['Backup-DB', 'backup-files']);
    expect(await names('?command=DB')).toEqual(['report']);
    expect(await names('?name=backup&command=tar')).toEqual(['backup-files']);
  });

  it('lets `any` bring back what name or command turned down, and filter nothing alone', async () => {
    expect(await names('?name=report&any=db')).toEqual(['Backup-DB', 'report']);
    expect(await names('?any=nothing-matches')).toEqual(['Backup-DB', 'backup-files', 'report']);
  });

  it('pages with offset and limit, 10 by default', async () => {
    for (let i = 0; i < 12; i++) await load({ name: `job${i}`, schedule: SCHEDULE });
    expect(await names('')).toHaveLength(10);
    expect(await names('?limit=2')).toEqual(['Backup-DB', 'backup-files']);
    expect(await names('?limit=2&offset=1')).toEqual(['backup-files', 'report']);
    expect(await names('?offset=14')).toEqual(['job11']);
    expect(await names('?limit=-1')).toEqual([]);
    expect(await names('?name=backup&offset=1')).toEqual(['backup-files']);
  });

  it('returns full job JSON', async () => {
    const res = await api.call('GET', `${P}/jobs/search?name=report`);
    expect(res.json[0]).toMatchObject({ name: 'report', command: 'python report.py --db', cpus: 0.1 });
  });

  it('answers a limit that is not an integer with 404, as JAX-RS does', async () => {
    expect((await api.call('GET', `${P}/jobs/search?limit=ten`)).status).toBe(404);
  });
});

describe('running, deleting, marking and killing jobs', () => {
  beforeEach(async () => {
    await postOk('iso8601', scheduledJob('parent'));
    await postOk('dependency', dependentJob('child', ['parent']));
  });

  it('PUT /job/{name} runs it now, with optional arguments', async () => {
    expect((await api.call('PUT', `${P}/job/parent`)).status).toBe(204);
    expect((await api.call('PUT', `${P}/job/parent?arguments=--fast%20--verbose`)).status).toBe(204);
    expect((await api.call('PUT', `${P}/job/parent?arguments=%20`)).status).toBe(204);
    expect(service.runs).toEqual([
      { name: 'parent', args: undefined },
      { name: 'parent', args: '--fast --verbose' },
      { name: 'parent', args: undefined },
    ]);
  });

  it('PUT /job/{name} on an unknown job is a 400', async () => {
    const res = await api.call('PUT', `${P}/job/ghost`);
    expect(res.status).toBe(400);
    expect(res.json.message).toBe(
      "java.lang.IllegalArgumentException: requirement failed: Job 'ghost' not found",
    );
    expect(service.runs).toEqual([]);
  });

  it('DELETE /job/{name} deletes it (204) and the service re-wires its children', async () => {
    const res = await api.call('DELETE', `${P}/job/parent`);
    expect(res.status).toBe(204);
    expect(service.job('parent')).toBeUndefined();
    expect(service.job('child')).toMatchObject({ kind: 'iso8601', schedule: SCHEDULE });
  });

  it('DELETE /job/{name} on an unknown job is a 400 naming the JobSchedule', async () => {
    const res = await api.call('DELETE', `${P}/job/ghost`);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      badRequest("java.lang.IllegalArgumentException: requirement failed: JobSchedule 'ghost' not found"),
    );
  });

  it('PUT /job/success/{name} marks it and triggers its children', async () => {
    const res = await api.call('PUT', `${P}/job/success/parent`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('marked job parent as successful: true');
    expect(service.job('parent')).toMatchObject({ successCount: 1, lastSuccess: new Date(T0).toISOString() });
    expect(service.runs).toEqual([{ name: 'child', args: undefined }]);
  });

  it('PUT /job/success/{name} on an unknown job says false', async () => {
    const res = await api.call('PUT', `${P}/job/success/ghost`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('marked job ghost as successful: false');
  });

  it('DELETE /task/kill/{name} kills its tasks (204); 400 for an unknown job', async () => {
    expect((await api.call('DELETE', `${P}/task/kill/parent`)).status).toBe(204);
    expect(service.kills).toEqual(['parent']);
    const res = await api.call('DELETE', `${P}/task/kill/ghost`);
    expect(res.status).toBe(400);
    expect(res.json.message).toContain("JobSchedule 'ghost' not found");
  });
});

describe('graph and statistics', () => {
  it('GET /graph/csv and /graph/dot answer text/plain', async () => {
    await load(scheduledJob('a', { lastSuccess: '2024-01-02T00:00:00.000Z' }));
    await load(dependentJob('b', ['a']));
    service.states.set('b', 'running');
    const csv = await api.call('GET', `${P}/graph/csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/plain');
    expect(csv.text).toBe('node,a,success,idle\nnode,b,fresh,running\nlink,a,b\n');
    const dot = await api.call('GET', `${P}/graph/dot`);
    expect(dot.headers['content-type']).toBe('text/plain');
    expect(dot.text).toBe(service.graphDot());
  });

  it('GET /job/stat/{name} gives the run-time histogram in ms and the latest runs', async () => {
    await load(scheduledJob('a'));
    const start = Date.parse('2024-01-02T03:04:05.678Z');
    service.stats.set('a', {
      durationsMs: [5000, 1000, 3000, 2000],
      history: [
        {
          taskId: 't1',
          jobName: 'a',
          slaveId: 's1',
          startTime: start,
          endTime: start + 3_723_000,
          status: 'finished',
        },
        { taskId: 't3', jobName: 'a', slaveId: 's1', startTime: null, endTime: null, status: 'idle' },
        {
          taskId: 't2',
          jobName: 'a',
          slaveId: 's2',
          startTime: start + 7_200_000,
          endTime: null,
          status: 'running',
        },
        {
          taskId: 't0',
          jobName: 'a',
          slaveId: 's2',
          startTime: start - 60_000,
          endTime: start,
          status: 'failed',
        },
      ],
    });
    const res = await api.call('GET', `${P}/job/stat/a`);
    expect(res.status).toBe(200);
    expect(res.json.histogram).toEqual({
      '75thPercentile': 5000,
      '95thPercentile': 5000,
      '98thPercentile': 5000,
      '99thPercentile': 5000,
      median: 3000,
      mean: 3000,
      count: 4,
    });
    expect(Object.keys(res.json.histogram)).toEqual([
      '75thPercentile',
      '95thPercentile',
      '98thPercentile',
      '99thPercentile',
      'median',
      'mean',
      'count',
    ]);
    expect(res.json.taskStatHistory).toEqual([
      {
        taskId: 't2',
        jobName: 'a',
        slaveId: 's2',
        startTime: '01/02/24 05:04:05',
        endTime: 'N/A',
        status: 'Running',
      },
      {
        taskId: 't1',
        jobName: 'a',
        slaveId: 's1',
        startTime: '01/02/24 03:04:05',
        endTime: '01/02/24 04:06:08',
        duration: '1h2m3s',
        status: 'Success',
      },
      {
        taskId: 't0',
        jobName: 'a',
        slaveId: 's2',
        startTime: '01/02/24 03:03:05',
        endTime: '01/02/24 03:04:05',
        duration: '1m0s',
        status: 'Fail',
      },
      { taskId: 't3', jobName: 'a', slaveId: 's1', startTime: 'N/A', endTime: 'N/A', status: 'Idle' },
    ]);
  });

  it('lists at most 5 runs and keeps the newest 1028 run times', async () => {
    await load(scheduledJob('a'));
    const durationsMs = [
      ...Array.from({ length: 1000 }, () => 999_000),
      ...Array.from({ length: 1028 }, (_, i) => i),
    ];
    const history = Array.from({ length: 8 }, (_, i) => ({
      taskId: `t${i}`,
      jobName: 'a',
      slaveId: 's',
      startTime: T0 + i * 1000,
      endTime: T0 + i * 1000 + 500,
      status: 'finished',
    }));
    service.stats.set('a', { durationsMs, history });
    const res = await api.call('GET', `${P}/job/stat/a`);
    expect(res.json.histogram).toMatchObject({ count: 1028, median: 514, '99thPercentile': 1017 });
    expect(res.json.taskStatHistory.map((t: { taskId: string }) => t.taskId)).toEqual([
      't7',
      't6',
      't5',
      't4',
      't3',
    ]);
    expect(res.json.taskStatHistory[0].duration).toBe('0s');
  });

  it('GET /job/stat/{name} of a job that never ran is all zeros; of an unknown job a 400', async () => {
    await load(scheduledJob('a'));
    const res = await api.call('GET', `${P}/job/stat/a`);
    expect(res.json).toEqual({
      histogram: {
        '75thPercentile': 0,
        '95thPercentile': 0,
        '98thPercentile': 0,
        '99thPercentile': 0,
        median: 0,
        mean: 0,
        count: 0,
      },
      taskStatHistory: [],
    });
    const unknown = await api.call('GET', `${P}/job/stat/ghost`);
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toContain("Job 'ghost' not found");
  });

  it('GET /stats/{percentile} ranks jobs by that value in seconds, largest first', async () => {
    await load(scheduledJob('quick'));
    await load(scheduledJob('never-ran'));
    await load(scheduledJob('slow'));
    service.stats.set('quick', { durationsMs: [1500, 2500], history: [] });
    service.stats.set('slow', { durationsMs: [60_000], history: [] });
    const res = await api.call('GET', `${P}/stats/99thPercentile`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { jobNameLabel: 'slow', time: 60 },
      { jobNameLabel: 'quick', time: 2.5 },
      { jobNameLabel: 'never-ran', time: 0 },
    ]);
    expect((await api.call('GET', `${P}/stats/median`)).json[1]).toEqual({
      jobNameLabel: 'quick',
      time: 2.5,
    });
    expect((await api.call('GET', `${P}/stats/90thPercentile`)).json).toEqual([]);
  });
});

describe('routing, the small resources and failures', () => {
  it('answers unknown paths with 404 and known paths with the wrong method with 405', async () => {
    const missing = await api.call('GET', `${P}/nothing/here`);
    expect(missing.status).toBe(404);
    expect(missing.json.status).toBe('Not Found');
    expect((await api.call('GET', '/')).status).toBe(404);
    const wrong = await api.call('GET', `${P}/iso8601`);
    expect(wrong.status).toBe(405);
    expect(wrong.json.status).toBe('Method Not Allowed');
    expect((await api.call('POST', `${P}/jobs`)).status).toBe(405);
    expect((await api.call('GET', `${P}/job/success/x`)).status).toBe(405);
  });

  it('marks every answer with Access-Control-Allow-Origin: *', async () => {
    for (const path of [`${P}/jobs`, `${P}/nothing`, '/ping']) {
      expect((await api.call('GET', path)).headers['access-control-allow-origin']).toBe('*');
    }
  });

  it('treats a trailing slash and double slashes as absent, and answers HEAD like GET without a body', async () => {
    expect((await api.call('GET', `${P}/jobs/`)).status).toBe(200);
    expect((await api.call('GET', `/v1//scheduler//jobs`)).status).toBe(200);
    const head = await api.call('HEAD', `${P}/jobs`);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/json');
    expect(head.text).toBe('');
  });

  it('GET /ping, /metrics and /v1/scheduler/leader', async () => {
    const ping = await api.call('GET', '/ping');
    expect(ping.status).toBe(200);
    expect(ping.headers['content-type']).toBe('text/plain');
    expect(ping.text).toBe('pong\n');

    await load(scheduledJob('a'));
    service.stats.set('a', { durationsMs: [1000, 3000], history: [] });
    const metrics = await api.call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.json).toMatchObject({ version: '3.0.0', counters: {}, meters: {}, timers: {} });
    expect(metrics.json.histograms['jobs.run.time.a']).toMatchObject({
      count: 2,
      min: 1000,
      max: 3000,
      mean: 2000,
      p50: 3000,
    });

    const leader = await api.call('GET', `${P}/leader`);
    expect(leader.json).toEqual({ leader: '127.0.0.1:4400' });
  });

  it('answers 503 while not ready, except /ping, /metrics and the leader', async () => {
    service.ready = false;
    for (const [method, path] of [
      ['GET', `${P}/jobs`],
      ['POST', `${P}/iso8601`],
      ['GET', `${P}/nothing`],
    ] as const) {
      const res = await api.call(method, path, { body: method === 'POST' ? scheduledJob('x') : undefined });
      expect(res.status, path).toBe(503);
      expect(res.json).toEqual({
        message: expect.stringMatching(/not ready/),
        status: 'Service Unavailable',
      });
    }
    expect(service.job('x')).toBeUndefined();
    for (const path of ['/ping', '/metrics', `${P}/leader`]) {
      expect((await api.call('GET', path)).status, path).toBe(200);
    }
  });

  it('answers a service error with its status and anything else with 500 and its message', async () => {
    await load(scheduledJob('a'));
    service.runJobNow = () => {
      throw new ChronosRequestError('queue is gone', 500);
    };
    const custom = await api.call('PUT', `${P}/job/a`);
    expect(custom.status).toBe(500);
    expect(custom.json).toEqual({ message: 'queue is gone', status: 'Internal Server Error' });

    service.jobs = () => {
      throw new TypeError('store unavailable');
    };
    const res = await api.call('GET', `${P}/jobs`);
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ message: 'store unavailable', status: 'Internal Server Error' });
    expect((await api.call('GET', '/ping')).status).toBe(200);
  });
});

describe('a standby proxies to the leader', () => {
  let leaderService: FakeChronosService;
  let leaderApi: RunningApi;

  beforeEach(async () => {
    leaderService = new FakeChronosService();
    leaderApi = await startApi(leaderService, { self: '127.0.0.1:1' });
    leaderService.leader = leaderApi.hostPort;
    service.leading = false;
    service.ready = false;
    service.leader = leaderApi.hostPort;
  });

  afterEach(async () => {
    await leaderApi.close();
  });

  it('forwards method, path, query, headers and body, and relays the answer', async () => {
    const created = await api.call('POST', `${P}/iso8601`, { body: scheduledJob('via-standby') });
    expect(created.status).toBe(204);
    expect(leaderService.job('via-standby')?.command).toBe('echo via-standby');
    expect(service.jobs()).toEqual([]);

    await leaderApi.call('POST', `${P}/iso8601`, { body: scheduledJob('second') });
    const search = await api.call('GET', `${P}/jobs/search?limit=1&offset=1`);
    expect(search.status).toBe(200);
    expect(search.headers['content-type']).toBe('application/json');
    expect(search.json.map((j: { name: string }) => j.name)).toEqual(['second']);

    const leader = await api.call('GET', `${P}/leader`);
    expect(leader.json).toEqual({ leader: leaderApi.hostPort });
  });

  it('relays error answers with their bodies, and the headers that decide them', async () => {
    const unknown = await api.call('GET', `${P}/job/ghost`);
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toContain("Job 'ghost' not found");
    const unsupported = await api.call('POST', `${P}/iso8601`, {
      rawBody: JSON.stringify(scheduledJob('x')),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(unsupported.status).toBe(415);
  });

  it('answers 503 while no leader is known', async () => {
    service.leader = null;
    const res = await api.call('GET', `${P}/jobs`);
    expect(res.status).toBe(503);
    expect(res.json.message).toMatch(/no Chronos leader/);
  });

  it('answers 500 when the leader cannot be reached', async () => {
    service.leader = `127.0.0.1:${await freePort()}`;
    const res = await api.call('GET', `${P}/jobs`);
    expect(res.status).toBe(500);
    expect(res.json.message).toMatch(
      /^Error proxying request to leader \(maybe the leadership just changed\?\)\n\nError:\n\S/,
    );
  });

  it('detects two standbys that name each other as leader', async () => {
    const other = new FakeChronosService();
    other.leading = false;
    const otherApi = await startApi(other, { self: '127.0.0.1:2' });
    try {
      other.leader = api.hostPort;
      service.leader = otherApi.hostPort;
      const res = await api.call('GET', `${P}/jobs`);
      expect(res.status).toBe(503);
      expect(res.json.message).toMatch(/proxying loop/);
    } finally {
      await otherApi.close();
    }
  });

  it('serves itself when the leader it is told of is itself', async () => {
    service.ready = true;
    service.leader = '127.0.0.1:4400';
    await load(scheduledJob('local'));
    const res = await api.call('GET', `${P}/jobs`);
    expect(res.json.map((j: { name: string }) => j.name)).toEqual(['local']);
  });
});
