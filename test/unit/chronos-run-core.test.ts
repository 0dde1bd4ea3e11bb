// The pure pieces of a Chronos run: task ids, what a run's end does to its job, the run queue, and a
// job as a Mesos task.
import { describe, expect, it } from 'vitest';
import { readJob, type Job } from '../../src/chronos/job.js';
import { failureOutcome, jobAfterSuccess } from '../../src/chronos/run-outcome.js';
import { RunQueue } from '../../src/chronos/core/run-queue.js';
import { buildChronosTask, constraintsAllow, takeJobResources } from '../../src/chronos/task-builder.js';
import { formatTaskId, parseTaskId } from '../../src/chronos/task-id.js';
import type { Offer } from '../../src/mesos/protocol/types.js';
import { scalarResource } from '../../src/mesos/protocol/resources.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

function job(fields: Record<string, unknown>): Job {
  return readJob(
    { name: 'job', command: 'true', schedule: 'R/2026-11-21T00:00:00Z/PT1H', ...fields },
    { now: NOW },
  );
}

function offer(overrides: Partial<Offer> = {}): Offer {
  return {
    id: { value: 'o1' },
    framework_id: { value: 'fw' },
    agent_id: { value: 'a1' },
    hostname: 'agent-1',
    resources: [scalarResource('cpus', 2), scalarResource('mem', 1024), scalarResource('disk', 1024)],
    attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
    ...overrides,
  };
}

describe('task ids', () => {
  it('round-trips ct:<due>:<attempt>:<job>:<args>, arguments with colons included', () => {
    const id = { due: 1700000000000, attempt: 2, jobName: 'a.b-c_d', args: 'x:y z' };
    expect(formatTaskId(id)).toBe('ct:1700000000000:2:a.b-c_d:x:y z');
    expect(parseTaskId(formatTaskId(id))).toEqual(id);
  });

  it('refuses ids Chronos did not make', () => {
    for (const text of ['', 'ct:1:0:job', 'mt:1:0:job:', 'ct:x:0:job:', 'ct:1:-1:job:', 'ct:1:0::'])
      expect(parseTaskId(text)).toBeNull();
  });
});

describe('jobAfterSuccess', () => {
  it('counts the success, clears the error streak and stamps lastSuccess in UTC', () => {
    const after = jobAfterSuccess(job({ successCount: 4, errorsSinceLastSuccess: 3 }), NOW);
    expect(after).toMatchObject({
      successCount: 5,
      errorsSinceLastSuccess: 0,
      lastSuccess: '2026-11-21T12:00:00.000Z',
      disabled: false,
    });
  });

  it('disables a job whose schedule has no runs left', () => {
    expect(jobAfterSuccess(job({ schedule: 'R0/2026-11-21T00:00:00Z/PT1H' }), NOW).disabled).toBe(true);
    expect(jobAfterSuccess(job({ schedule: 'R1/2026-11-21T00:00:00Z/PT1H' }), NOW).disabled).toBe(false);
  });
});

describe('failureOutcome', () => {
  const policy = { disableAfterFailures: 0 };

  it('retries while attempts remain', () => {
    expect(failureOutcome(job({ retries: 2 }), 0, NOW, policy)).toEqual({ kind: 'retry', attempt: 1 });
    expect(failureOutcome(job({ retries: 2 }), 1, NOW, policy)).toEqual({ kind: 'retry', attempt: 2 });
  });

  it('records the error once the retries are used up', () => {
    const outcome = failureOutcome(job({ retries: 2, errorCount: 1 }), 2, NOW, policy);
    expect(outcome).toMatchObject({
      kind: 'failed',
      job: {
        errorCount: 2,
        errorsSinceLastSuccess: 1,
        lastError: '2026-11-21T12:00:00.000Z',
        disabled: false,
      },
      triggerChildren: false,
    });
  });

  it('gives no retries to a job whose last outcome was an error (as Chronos does)', () => {
    const failedBefore = job({ retries: 2, lastError: '2026-11-20T00:00:00.000Z', lastSuccess: '' });
    expect(failureOutcome(failedBefore, 0, NOW, policy).kind).toBe('failed');
    const recovered = job({
      retries: 2,
      lastError: '2026-11-20T00:00:00.000Z',
      lastSuccess: '2026-11-20T01:00:00.000Z',
    });
    expect(failureOutcome(recovered, 0, NOW, policy).kind).toBe('retry');
  });

  it('disables after --disable_after_failures errors in a row, and softError still triggers children', () => {
    const outcome = failureOutcome(job({ retries: 0, errorsSinceLastSuccess: 2, softError: true }), 0, NOW, {
      disableAfterFailures: 3,
    });
    expect(outcome).toMatchObject({ kind: 'failed', job: { disabled: true }, triggerChildren: true });
  });
});

describe('RunQueue', () => {
  const id = (jobName: string, due = 1) => ({ due, attempt: 0, jobName, args: '' });

  it('serves high-priority runs first, each queue in arrival order, and drops duplicates', () => {
    const q = new RunQueue();
    expect(q.enqueue(id('a'), false)).toBe(true);
    expect(q.enqueue(id('b'), true)).toBe(true);
    expect(q.enqueue(id('c'), false)).toBe(true);
    expect(q.enqueue(id('a'), false)).toBe(false);
    const seen: string[] = [];
    q.drain((run) => {
      seen.push(run.id.jobName);
      return run.id.jobName === 'c' ? 'keep' : 'take';
    });
    expect(seen).toEqual(['b', 'a', 'c']);
    expect(q.size).toBe(1);
    expect(q.countOf('c')).toBe(1);
    // A taken run may be queued again.
    expect(q.enqueue(id('a'), false)).toBe(true);
  });

  it('removes every run of a job', () => {
    const q = new RunQueue();
    q.enqueue(id('a', 1), false);
    q.enqueue(id('a', 2), true);
    q.enqueue(id('b'), false);
    expect(q.removeJob('a')).toBe(2);
    expect(q.size).toBe(1);
  });
});

describe('offers and tasks', () => {
  it('takes the job’s cpus, mem and disk, or nothing when the offer is short', () => {
    const taken = takeJobResources(job({ cpus: 0.5, mem: 64, disk: 10 }), offer().resources, offer());
    expect(taken?.map((r) => [r.name, r.scalar?.value])).toEqual([
      ['cpus', 0.5],
      ['mem', 64],
      ['disk', 10],
    ]);
    expect(takeJobResources(job({ cpus: 4 }), offer().resources, offer())).toBeUndefined();
  });

  it('checks EQUALS, LIKE and UNLIKE against attributes and the hostname', () => {
    const c = (attribute: string, operator: 'EQUALS' | 'LIKE' | 'UNLIKE', value: string) => [
      { attribute, operator, value },
    ];
    expect(constraintsAllow(c('hostname', 'EQUALS', 'agent-1'), offer())).toBe(true);
    expect(constraintsAllow(c('hostname', 'EQUALS', 'agent-2'), offer())).toBe(false);
    expect(constraintsAllow(c('rack', 'LIKE', 'r[0-9]'), offer())).toBe(true);
    expect(constraintsAllow(c('rack', 'LIKE', 'r'), offer())).toBe(false);
    expect(constraintsAllow(c('rack', 'UNLIKE', 'r1'), offer())).toBe(false);
    expect(constraintsAllow(c('zone', 'UNLIKE', 'x'), offer())).toBe(true);
    expect(constraintsAllow(c('zone', 'EQUALS', 'x'), offer())).toBe(false);
  });

  it('builds a shell task with Chronos’s environment and the user’s variables', () => {
    const j = job({
      owner: 'ops@example.com',
      environmentVariables: [{ name: 'A', value: '1' }],
      runAsUser: 'nobody',
    });
    const id = { due: NOW, attempt: 1, jobName: 'job', args: '' };
    const task = buildChronosTask(j, id, offer(), []);
    expect(task.name).toBe('ChronosTask:job');
    expect(task.task_id.value).toBe(`ct:${NOW}:1:job:`);
    expect(task.command).toMatchObject({ shell: true, value: 'true', user: 'nobody' });
    const env = Object.fromEntries(task.command!.environment!.variables.map((v) => [v.name, v.value]));
    expect(env).toMatchObject({
      mesos_task_id: `ct:${NOW}:1:job:`,
      CHRONOS_JOB_NAME: 'job',
      CHRONOS_JOB_OWNER: 'ops@example.com',
      HOST: 'agent-1',
      CHRONOS_RESOURCE_CPU: '0.1',
      CHRONOS_RESOURCE_MEM: '128',
      CHRONOS_RESOURCE_DISK: '256',
      CHRONOS_JOB_RUN_TIME: '2026-11-21T12:00:00.000Z',
      CHRONOS_JOB_RUN_ATTEMPT: '1',
      A: '1',
    });
  });

  it('passes arguments (then a manual run’s) to a non-shell command, and fetch URIs, container and max time', () => {
    const j = job({
      shell: false,
      command: '/bin/echo',
      arguments: ['echo', 'hi'],
      fetch: [{ uri: 'http://x/y.tgz' }],
      container: { type: 'DOCKER', image: 'busybox' },
      maxCompletionTime: 30,
    });
    const task = buildChronosTask(j, { due: NOW, attempt: 0, jobName: 'job', args: 'a b' }, offer(), []);
    expect(task.command).toMatchObject({
      shell: false,
      value: '/bin/echo',
      arguments: ['echo', 'hi', 'a', 'b'],
      uris: [{ value: 'http://x/y.tgz', extract: true, executable: false, cache: false }],
    });
    expect(task.container).toMatchObject({ type: 'DOCKER', docker: { image: 'busybox', network: 'HOST' } });
    expect(task.max_completion_time).toEqual({ nanoseconds: 30e9 });
  });
});
