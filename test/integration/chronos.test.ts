// Chronos on a real cluster: ZooKeeper, a master, 3 agents and a Chronos process, driven only through
// /v1/scheduler. Jobs append lines to files in the test directory (tasks run on this host), so each
// test can see which runs happened, in which order, and when each was due (the task id says).
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZooKeeperInstalled } from '../../src/zookeeper/server.js';
import { waitFor } from '../../src/util/wait.js';
import { parseTaskId } from '../../src/chronos/task-id.js';
import {
  isoIn,
  startChronosCluster,
  waitForJob,
  type ChronosJobJson,
  type ChronosTestCluster,
} from '../support/chronos-cluster.js';
import { api } from '../support/rest.js';

const zkInstalled = isZooKeeperInstalled();
if (!zkInstalled)
  console.warn('Skipping Chronos integration tests: ZooKeeper is not installed (run ./install.sh)');

const RETRY_MS = 300;

interface MasterTask {
  id: string;
  state: string;
}

describe.skipIf(!zkInstalled)('Chronos on a real cluster', () => {
  let cluster: ChronosTestCluster;
  let base: string;

  beforeAll(async () => {
    cluster = await startChronosCluster({ chronosFlags: { failure_retry: String(RETRY_MS) } });
    base = cluster.chronos.url;
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  /** A file in the test directory the job's runs append to, one line per run. */
  const linesOf = (file: string): string[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
  const fileFor = (name: string): string => `${cluster.dir}/${name}.runs`;

  const postJob = async (kind: 'iso8601' | 'dependency', job: Record<string, unknown>): Promise<void> => {
    const res = await api(base, 'POST', `/v1/scheduler/${kind}`, job);
    expect(res.status, res.text).toBe(204);
  };

  const masterTasks = async (): Promise<MasterTask[]> =>
    (await api<{ tasks: MasterTask[] }>(cluster.master.url, 'GET', '/master/tasks?limit=10000')).body.tasks;

  it('runs a repeating job on its schedule, counts the successes and disables it when the runs are used up', async () => {
    const file = fileFor('every-second');
    const start = Date.now() + 1500;
    await postJob('iso8601', {
      name: 'every-second',
      command: `echo "$mesos_task_id $(date +%s%3N)" >> ${file}`,
      schedule: `R3/${new Date(start).toISOString()}/PT1S`,
      cpus: 0.1,
      mem: 32,
      disk: 8,
    });
    const job = await waitForJob(base, 'every-second', (j) => j.successCount === 3, 'three successes');
    expect(job).toMatchObject({ errorCount: 0, disabled: true });
    expect(job.schedule).toMatch(/^R0\//);
    expect(job.lastSuccess).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const runs = linesOf(file).map((line) => {
      const [taskId, ranAt] = line.split(' ');
      return { due: parseTaskId(taskId!)!.due, ranAt: Number(ranAt) };
    });
    // Each run is one scheduled time, one second apart, and none started before it was due.
    expect(runs.map((r) => r.due)).toEqual([start, start + 1000, start + 2000]);
    for (const r of runs) expect(r.ranAt).toBeGreaterThanOrEqual(r.due);
  });

  it('retries a failing job --failure_retry apart, then records the error', async () => {
    const file = fileFor('always-fails');
    await postJob('iso8601', {
      name: 'always-fails',
      command: `echo "$CHRONOS_JOB_RUN_ATTEMPT" >> ${file}; exit 3`,
      schedule: `R1/${isoIn(0)}/PT1H`,
      retries: 2,
      mem: 32,
    });
    const job = await waitForJob(base, 'always-fails', (j) => j.errorCount === 1, 'the error to be recorded');
    expect(job).toMatchObject({ successCount: 0, errorsSinceLastSuccess: 1 });
    expect(job.lastError).not.toBe('');
    expect(linesOf(file)).toEqual(['0', '1', '2']);
    const tasks = (await masterTasks()).filter((t) => t.id.includes(':always-fails:'));
    expect(tasks.map((t) => t.state)).toEqual(['TASK_FAILED', 'TASK_FAILED', 'TASK_FAILED']);
  });

  it('runs a parent-child chain in order, each child after its parent succeeded', async () => {
    const file = fileFor('chain');
    const append = (name: string) => `echo ${name} >> ${file}`;
    await postJob('iso8601', {
      name: 'chain-a',
      command: append('a'),
      schedule: `R/${isoIn(3_600_000)}/P1D`,
      mem: 32,
    });
    await postJob('dependency', { name: 'chain-b', command: append('b'), parents: ['chain-a'], mem: 32 });
    await postJob('dependency', { name: 'chain-c', command: append('c'), parents: ['chain-b'], mem: 32 });
    const csv = await api(base, 'GET', '/v1/scheduler/graph/csv');
    expect(csv.text).toContain('link,chain-a,chain-b\n');
    expect(csv.text).toContain('link,chain-b,chain-c\n');

    expect((await api(base, 'PUT', '/v1/scheduler/job/chain-a')).status).toBe(204);
    await waitForJob(base, 'chain-c', (j) => j.successCount === 1, 'the chain to reach chain-c');
    expect(linesOf(file)).toEqual(['a', 'b', 'c']);
  });

  it('runs a job now with PUT, passing ?arguments= to a non-shell command', async () => {
    const file = fileFor('on-demand');
    await postJob('iso8601', {
      name: 'on-demand',
      shell: false,
      command: '/bin/sh',
      arguments: ['sh', '-c', `echo "$1" >> ${file}`, 'sh'],
      schedule: `R/${isoIn(3_600_000)}/P1D`,
      mem: 32,
    });
    expect((await api(base, 'PUT', '/v1/scheduler/job/on-demand?arguments=hello')).status).toBe(204);
    await waitForJob(base, 'on-demand', (j) => j.successCount === 1, 'the manual run to succeed');
    expect(linesOf(file)).toEqual(['hello']);
    // The schedule was not touched by the manual run.
    const job = (await api<ChronosJobJson>(base, 'GET', '/v1/scheduler/job/on-demand')).body;
    expect(job.schedule).toMatch(/^R\//);
  });

  it('kills a running job’s tasks without counting an error', async () => {
    await postJob('iso8601', {
      name: 'long-runner',
      command: 'sleep 600',
      schedule: `R/${isoIn(3_600_000)}/P1D`,
      mem: 32,
    });
    await api(base, 'PUT', '/v1/scheduler/job/long-runner');
    const running = await waitFor(
      async () =>
        (await masterTasks()).find((t) => t.id.includes(':long-runner:') && t.state === 'TASK_RUNNING'),
      { description: 'long-runner to run' },
    );
    const summary = await api<{ jobs: Array<{ name: string; state: string }> }>(
      base,
      'GET',
      '/v1/scheduler/jobs/summary',
    );
    expect(summary.body.jobs.find((j) => j.name === 'long-runner')?.state).toBe('running');

    expect((await api(base, 'DELETE', '/v1/scheduler/task/kill/long-runner')).status).toBe(204);
    await waitFor(
      async () => (await masterTasks()).find((t) => t.id === running.id && t.state === 'TASK_KILLED'),
      { description: 'the task to be killed' },
    );
    const job = await waitForJob(base, 'long-runner', () => true, 'the job');
    expect(job).toMatchObject({ successCount: 0, errorCount: 0 });
    expect((await api(base, 'DELETE', '/v1/scheduler/task/kill/no-such-job')).status).toBe(400);
  });

  it('deletes a job: its running task is killed and its only child takes over its schedule', async () => {
    const schedule = `R/${isoIn(3_600_000)}/P1D`;
    await postJob('iso8601', { name: 'doomed', command: 'sleep 600', schedule, mem: 32 });
    await postJob('dependency', { name: 'orphan', command: 'true', parents: ['doomed'], mem: 32 });
    await api(base, 'PUT', '/v1/scheduler/job/doomed');
    const task = await waitFor(
      async () => (await masterTasks()).find((t) => t.id.includes(':doomed:') && t.state === 'TASK_RUNNING'),
      { description: 'doomed to run' },
    );

    expect((await api(base, 'DELETE', '/v1/scheduler/job/doomed')).status).toBe(204);
    const gone = await api<{ message: string }>(base, 'GET', '/v1/scheduler/job/doomed');
    expect(gone.status).toBe(400);
    await waitFor(
      async () => (await masterTasks()).find((t) => t.id === task.id && t.state === 'TASK_KILLED'),
      {
        description: 'the deleted job’s task to be killed',
      },
    );
    const orphan = (await api<ChronosJobJson>(base, 'GET', '/v1/scheduler/job/orphan')).body;
    expect(orphan.parents).toBeUndefined();
    expect(orphan.schedule).toBe(schedule);
    const names = (await api<Array<{ name: string }>>(base, 'GET', '/v1/scheduler/jobs')).body.map(
      (j) => j.name,
    );
    expect(names).not.toContain('doomed');
    expect(names).toContain('orphan');
  });

  it('skips a run while the job is still running unless it is concurrent, and never runs a disabled job', async () => {
    const file = fileFor('overlap');
    // Each run takes 2.5 s; the schedule asks every second.
    await postJob('iso8601', {
      name: 'overlap',
      command: `echo "start $(date +%s%3N)" >> ${file}; sleep 2.5; echo "end $(date +%s%3N)" >> ${file}`,
      schedule: `R/${isoIn(0)}/PT1S`,
      mem: 32,
    });
    await postJob('iso8601', {
      name: 'switched-off',
      command: 'true',
      schedule: `R/${isoIn(0)}/PT1S`,
      disabled: true,
      mem: 32,
    });
    await waitForJob(base, 'overlap', (j) => j.successCount >= 2, 'two runs of overlap', 30_000);
    await postJob('iso8601', {
      name: 'overlap',
      command: 'true',
      schedule: `R/${isoIn(3_600_000)}/P1D`,
      mem: 32,
    });
    const events = linesOf(file).map((l) => l.split(' ') as ['start' | 'end', string]);
    // Runs never overlap: starts and ends alternate.
    events.forEach(([kind], i) => expect(kind).toBe(i % 2 === 0 ? 'start' : 'end'));
    const off = (await api<ChronosJobJson>(base, 'GET', '/v1/scheduler/job/switched-off')).body;
    expect(off).toMatchObject({ successCount: 0, errorCount: 0, disabled: true });
    expect((await masterTasks()).some((t) => t.id.includes(':switched-off:'))).toBe(false);
  });

  it('answers 400 for bad schedules, unknown parents, cycles and unknown jobs', async () => {
    const bad = await api<{ message: string; status: string }>(base, 'POST', '/v1/scheduler/iso8601', {
      name: 'bad-schedule',
      command: 'true',
      schedule: 'every day at noon',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      message: "Cannot parse schedule 'every day at noon' (wtf bro)",
      status: 'Bad Request',
    });

    const orphan = await api<{ message: string }>(base, 'POST', '/v1/scheduler/dependency', {
      name: 'needs-ghost',
      command: 'true',
      parents: ['ghost'],
    });
    expect(orphan.status).toBe(400);
    expect(orphan.body.message).toContain('ghost');

    await postJob('iso8601', { name: 'cyc-a', command: 'true', schedule: `R/${isoIn(3_600_000)}/P1D` });
    await postJob('dependency', { name: 'cyc-b', command: 'true', parents: ['cyc-a'] });
    await postJob('dependency', { name: 'cyc-c', command: 'true', parents: ['cyc-b'] });
    const cycle = await api<{ message: string }>(base, 'POST', '/v1/scheduler/dependency', {
      name: 'cyc-b',
      command: 'true',
      parents: ['cyc-c'],
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.message).toMatch(/cycle/);

    const unknown = await api<{ message: string }>(base, 'PUT', '/v1/scheduler/job/nope');
    expect(unknown.status).toBe(400);
    expect((await api(base, 'GET', '/v1/scheduler/job/nope')).status).toBe(400);
    expect((await api(base, 'DELETE', '/v1/scheduler/job/nope')).status).toBe(400);
    // Nothing of it was stored.
    const names = (await api<Array<{ name: string }>>(base, 'GET', '/v1/scheduler/jobs')).body.map(
      (j) => j.name,
    );
    expect(names).not.toContain('bad-schedule');
    expect(names).not.toContain('needs-ghost');
  });

  it('keeps jobs and counts across a restart, finds a task that ran meanwhile, and never runs one scheduled time twice', async () => {
    const file = fileFor('survivor');
    await postJob('iso8601', {
      name: 'survivor',
      command: `echo "$mesos_task_id" >> ${file}`,
      schedule: `R/${isoIn(0)}/PT1S`,
      mem: 32,
    });
    await postJob('iso8601', {
      name: 'slow',
      command: 'sleep 3',
      schedule: `R/${isoIn(3_600_000)}/P1D`,
      mem: 32,
    });
    await api(base, 'PUT', '/v1/scheduler/job/slow');
    await waitFor(
      async () => (await masterTasks()).some((t) => t.id.includes(':slow:') && t.state === 'TASK_RUNNING'),
      { description: 'slow to run' },
    );
    const before = await waitForJob(
      base,
      'survivor',
      (j) => j.successCount >= 2,
      'two runs before the restart',
    );

    await cluster.restartChronos();
    base = cluster.chronos.url;
    const after = (await api<ChronosJobJson>(base, 'GET', '/v1/scheduler/job/survivor')).body;
    expect(after.successCount).toBeGreaterThanOrEqual(before.successCount);
    expect(after.command).toBe(before.command);
    // The task that was running when Chronos stopped is found again and its success counted.
    await waitForJob(base, 'slow', (j) => j.successCount === 1, 'slow’s success after the restart');
    await waitForJob(
      base,
      'survivor',
      (j) => j.successCount >= after.successCount + 2,
      'two runs after the restart',
    );
    await postJob('iso8601', { name: 'survivor', command: 'true', schedule: `R/${isoIn(3_600_000)}/P1D` });

    const dues = linesOf(file).map((id) => parseTaskId(id)!.due);
    expect(new Set(dues).size).toBe(dues.length);
    expect([...dues].sort((a, b) => a - b)).toEqual(dues);
  });
});
