import { describe, expect, it } from 'vitest';
import {
  dependentToScheduled,
  JobValidationError,
  lastState,
  parseJob,
  parseJobJson,
  readJob,
  renderJob,
  rewireChildren,
  withFetchAndUris,
  type DependentJob,
  type JobKind,
  type ScheduledJob,
} from '../../src/chronos/job.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const SCHEDULE = 'R/2024-06-02T00:00:00Z/P1D';

const scheduled = (fields: Record<string, unknown> = {}): ScheduledJob =>
  parseJob({ name: 'job', command: 'true', schedule: SCHEDULE, ...fields }, 'iso8601', {
    now: NOW,
  }) as ScheduledJob;

function rejection(raw: unknown, kind: JobKind, existing = false): JobValidationError {
  try {
    parseJob(raw, kind, { now: NOW, existing });
  } catch (e) {
    if (e instanceof JobValidationError) return e;
    throw e;
  }
  throw new Error('the job was accepted');
}

describe('defaults', () => {
  it('fills every field of a minimal scheduled job and writes them in the serializer’s order', () => {
    const json = renderJob(parseJob({ name: 'hello', schedule: SCHEDULE }, 'iso8601', { now: NOW }));
    expect(Object.entries(json)).toEqual(
      Object.entries({
        name: 'hello',
        command: '',
        shell: true,
        executor: '',
        executorFlags: '',
        taskInfoData: '',
        retries: 2,
        owner: '',
        ownerName: '',
        description: '',
        successCount: 0,
        errorCount: 0,
        lastSuccess: '',
        lastError: '',
        cpus: 0.1,
        disk: 256,
        mem: 128,
        disabled: false,
        softError: false,
        dataProcessingJobType: false,
        errorsSinceLastSuccess: 0,
        fetch: [],
        uris: [],
        environmentVariables: [],
        arguments: [],
        highPriority: false,
        runAsUser: 'root',
        concurrent: false,
        maxCompletionTime: 0,
        constraints: [],
        schedule: SCHEDULE,
        scheduleTimeZone: '',
      }),
    );
  });

  it('writes parents instead of a schedule for a dependent job', () => {
    const json = renderJob(parseJob({ name: 'child', parents: ['a', 'b', 'a'] }, 'dependency', { now: NOW }));
    expect(json.parents).toEqual(['a', 'b']);
    expect(json).not.toHaveProperty('schedule');
    expect(json).not.toHaveProperty('scheduleTimeZone');
    expect(Object.keys(json).slice(-2)).toEqual(['constraints', 'parents']);
  });

  it('makes a job with neither schedule nor parents a run-once job starting now', () => {
    const job = readJob({ name: 'once', concurrent: true, scheduleTimeZone: 'PST' }, { now: NOW });
    expect(job).toMatchObject({
      kind: 'iso8601',
      schedule: 'R1/2024-06-01T12:00:00.000Z/PT24H',
      scheduleTimeZone: '',
      concurrent: false,
    });
  });

  it('takes cpus, mem and disk from the flags when missing or 0, and reads numeric strings', () => {
    expect(scheduled({ cpus: 0, mem: '0', disk: 0 })).toMatchObject({ cpus: 0.1, mem: 128, disk: 256 });
    expect(scheduled({ cpus: '0.5', mem: 64, disk: '1e3' })).toMatchObject({
      cpus: 0.5,
      mem: 64,
      disk: 1000,
    });
    const defaults = { cpus: 1, mem: 512, disk: 1024, user: 'nobody' };
    const job = parseJob({ name: 'j', schedule: SCHEDULE }, 'iso8601', { now: NOW, defaults });
    expect(job).toMatchObject({ cpus: 1, mem: 512, disk: 1024, runAsUser: 'nobody' });
  });

  it('coerces mistyped fields as Jackson does instead of refusing them', () => {
    expect(
      scheduled({
        retries: '3',
        shell: 'yes',
        disabled: 'true',
        concurrent: 1,
        command: null,
        owner: 42,
        successCount: 7.9,
        arguments: ['-v', 3, true],
        uris: 'not-a-list',
      }),
    ).toMatchObject({
      retries: 3,
      shell: false,
      disabled: true,
      concurrent: true,
      command: 'null',
      owner: '42',
      successCount: 7,
      arguments: ['-v', '3', 'true'],
      uris: [],
    });
  });

  it('ignores the 2.x fields epsilon and async', () => {
    const json = renderJob(scheduled({ epsilon: 'PT30S', async: true }));
    expect(json).not.toHaveProperty('epsilon');
    expect(json).not.toHaveProperty('async');
  });

  it('defaults fetch items to extract, not executable, not cached', () => {
    const job = scheduled({
      fetch: [{ uri: 'http://x/a.tgz' }, { uri: 'http://x/b', output_file: 'b.sh', extract: false }],
    });
    expect(renderJob(job).fetch).toEqual([
      { uri: 'http://x/a.tgz', executable: false, cache: false, extract: true },
      { uri: 'http://x/b', executable: false, cache: false, extract: false, output_file: 'b.sh' },
    ]);
  });
});

describe('containers and constraints', () => {
  it('uses a container only when it has an image, defaulting to DOCKER on the HOST network', () => {
    expect(scheduled({ container: { type: 'DOCKER' } }).container).toBeNull();
    expect(renderJob(scheduled({ container: { image: 'busybox' } })).container).toEqual({
      type: 'DOCKER',
      image: 'busybox',
      network: 'HOST',
      networkInfos: [],
      volumes: [],
      forcePullImage: false,
      parameters: [],
    });
  });

  it('reads every container field and writes port mappings as strings', () => {
    const job = scheduled({
      container: {
        type: 'mesos',
        image: 'app:1',
        network: 'USER',
        networkName: 'overlay',
        networkInfos: [
          {
            name: 'net',
            protocol: 'IPv4',
            labels: [{ key: 'k', value: 'v' }],
            portMappings: [{ hostPort: 8080, containerPort: '80', protocol: 'tcp' }],
          },
        ],
        volumes: [
          { hostPath: '/host', containerPath: '/data', mode: 'ro' },
          {
            containerPath: '/ext',
            external: { name: 'vol', provider: 'dvdi', options: [{ key: 'a', value: 'b' }] },
          },
        ],
        forcePullImage: 'TRUE',
        parameters: [{ key: 'privileged', value: 'true' }],
      },
    });
    expect(renderJob(job).container).toEqual({
      type: 'MESOS',
      image: 'app:1',
      network: 'USER',
      networkName: 'overlay',
      networkInfos: [
        {
          name: 'net',
          protocol: 'IPv4',
          labels: [{ key: 'k', value: 'v' }],
          portMappings: [{ hostPort: '8080', containerPort: '80', protocol: 'tcp' }],
        },
      ],
      volumes: [
        { hostPath: '/host', containerPath: '/data', mode: 'RO' },
        {
          containerPath: '/ext',
          external: { name: 'vol', provider: 'dvdi', options: [{ key: 'a', value: 'b' }] },
        },
      ],
      forcePullImage: true,
      parameters: [{ key: 'privileged', value: 'true' }],
    });
  });

  it('refuses a network mode in the wrong case, as Scala’s Enumeration.withName does', () => {
    expect(() => scheduled({ container: { image: 'x', network: 'host' } })).toThrow(
      "No value found for 'host'",
    );
  });

  it('keeps EQUALS, LIKE and UNLIKE constraints and silently drops the others', () => {
    const job = scheduled({
      constraints: [
        ['rack', 'EQUALS', 'rack-1'],
        ['host', 'UNIQUE'],
        ['rack', 'LIKE', 'rack-[1-3]'],
        ['host', 'GROUP_BY', '2'],
        ['host', 'UNLIKE', 'foo'],
      ],
    });
    expect(renderJob(job).constraints).toEqual([
      ['rack', 'EQUALS', 'rack-1'],
      ['rack', 'LIKE', 'rack-[1-3]'],
      ['host', 'UNLIKE', 'foo'],
    ]);
  });

  it('refuses malformed constraints and LIKE patterns that do not compile', () => {
    expect(() => scheduled({ constraints: [['rack']] })).toThrow(
      'constraints[0] must be [attribute, operator, value]',
    );
    expect(() => scheduled({ constraints: [['rack', 'EQUALS']] })).toThrow('constraints[0]');
    expect(() => scheduled({ constraints: [['rack', 'LIKE', 'rack-[']] })).toThrow(
      "constraints[0]: 'rack-[' is not a regular expression",
    );
  });

  it('refuses list items that are not objects or miss a required key', () => {
    expect(() => scheduled({ environmentVariables: ['A=1'] })).toThrow(
      'environmentVariables[0] must be an object',
    );
    expect(() => scheduled({ environmentVariables: [{ name: 'A' }] })).toThrow(
      "environmentVariables[0] needs 'value'",
    );
    expect(() => scheduled({ container: { image: 'x', volumes: [{ hostPath: '/h' }] } })).toThrow(
      "container.volumes[0] needs 'containerPath'",
    );
    expect(rejection({ name: 'j', schedule: SCHEDULE, uris: [], fetch: [1] }, 'iso8601')).toMatchObject({
      status: 400,
      message: 'Malformed job: fetch[0] must be an object',
    });
  });
});

describe('parseJob checks, with Chronos’s messages', () => {
  it('needs a JSON object with a name', () => {
    expect(rejection([1, 2], 'iso8601').message).toBe('Malformed job: the body must be a JSON object');
    expect(rejection({ command: 'x', schedule: SCHEDULE }, 'iso8601').message).toBe(
      "Malformed job: 'name' is required",
    );
  });

  it('refuses a new job whose name does not match ([\\w\\.-]+)', () => {
    for (const name of ['has space', 'slash/y', 'ümlaut', '']) {
      const e = rejection({ name, schedule: SCHEDULE }, 'iso8601');
      expect(e).toMatchObject({ status: 400, javaException: 'java.lang.IllegalArgumentException' });
      expect(e.message).toBe("requirement failed: the job's name is invalid. Allowed names: '([\\w\\.-]+)'");
    }
    expect(scheduled({ name: 'a.b-c_D9' }).name).toBe('a.b-c_D9');
    // Only new jobs are checked.
    expect(
      parseJob({ name: 'has space', schedule: SCHEDULE }, 'iso8601', { now: NOW, existing: true }).name,
    ).toBe('has space');
  });

  it('refuses a schedule that does not parse, new or replaced', () => {
    for (const existing of [false, true]) {
      const e = rejection({ name: 'j', schedule: 'R/2024-13-01T00:00:00Z/P1D' }, 'iso8601', existing);
      expect(e).toMatchObject({ status: 400, javaException: null });
      expect(e.message).toBe("Cannot parse schedule 'R/2024-13-01T00:00:00Z/P1D' (wtf bro)");
    }
    expect(rejection({ name: 'j', schedule: null }, 'iso8601').message).toBe(
      "Cannot parse schedule 'null' (wtf bro)",
    );
  });

  it('refuses a new job starting before 1970-01-01T00:00:01Z', () => {
    const e = rejection({ name: 'j', schedule: 'R/1969-12-31T00:00:00Z/P1D' }, 'iso8601');
    expect(e).toMatchObject({ status: 400, javaException: null });
    expect(e.message).toBe("Scheduled start date '1969-12-31T00:00:00.000Z' is before 1970!");
    expect(rejection({ name: 'j', schedule: 'R/1970-01-01T00:00:00.999Z/P1D' }, 'iso8601').message).toContain(
      'is before 1970!',
    );
    expect(scheduled({ schedule: 'R/1970-01-01T00:00:01Z/P1D' }).schedule).toBe('R/1970-01-01T00:00:01Z/P1D');
    expect(
      parseJob({ name: 'j', schedule: 'R/1969-12-31T00:00:00Z/P1D' }, 'iso8601', { now: NOW, existing: true })
        .name,
    ).toBe('j');
  });

  it('refuses a new job with both uris and fetch', () => {
    const raw = { name: 'j', schedule: SCHEDULE, uris: ['http://a'], fetch: [{ uri: 'http://b' }] };
    expect(rejection(raw, 'iso8601').message).toBe(
      'Tried to add both uri (deprecated) and fetch parameters on j',
    );
    expect(parseJob(raw, 'iso8601', { now: NOW, existing: true }).uris).toEqual(['http://a']);
  });

  it('refuses a dependent job without parents: 500 when new, 400 when replacing', () => {
    expect(rejection({ name: 'c', parents: [] }, 'dependency')).toMatchObject({
      status: 500,
      javaException: 'java.lang.Exception',
      message: 'Error, parent does not exist',
    });
    expect(rejection({ name: 'c', parents: 'a' }, 'dependency').message).toBe('Error, parent does not exist');
    expect(rejection({ name: 'c', parents: [] }, 'dependency', true)).toMatchObject({
      status: 400,
      javaException: 'java.lang.IllegalArgumentException',
      message: 'requirement failed: Error, parent does not exist',
    });
  });

  it('refuses a job posted to the other kind’s endpoint', () => {
    expect(rejection({ name: 'c', parents: ['a'] }, 'iso8601').message).toBe(
      "Job 'c' has 'parents': post dependent jobs to /v1/scheduler/dependency",
    );
    expect(rejection({ name: 'c', schedule: SCHEDULE }, 'dependency').message).toBe(
      "Job 'c' has no 'parents': post scheduled jobs to /v1/scheduler/iso8601",
    );
  });

  it('reports bad JSON with the parser’s reason', () => {
    expect(() => parseJobJson('{"name": ', 'iso8601', { now: NOW })).toThrow(
      /^Malformed job: invalid JSON \(.+\)$/,
    );
    expect(
      parseJobJson(JSON.stringify({ name: 'j', schedule: SCHEDULE }), 'iso8601', { now: NOW }).name,
    ).toBe('j');
  });
});

describe('round trip', () => {
  it('reads back what it writes, read-only counters included', () => {
    const job = scheduled({
      command: 'echo $X',
      shell: false,
      arguments: ['-c', '1'],
      retries: 0,
      owner: 'ops@example.com,dev@example.com',
      ownerName: 'Ops',
      description: 'nightly',
      successCount: 3,
      errorCount: 1,
      lastSuccess: '2024-05-31T00:00:01.000Z',
      lastError: '2024-05-30T00:00:01.000Z',
      errorsSinceLastSuccess: 0,
      cpus: 0.25,
      mem: 32,
      disk: 10,
      disabled: true,
      softError: true,
      dataProcessingJobType: true,
      highPriority: true,
      runAsUser: 'app',
      concurrent: true,
      maxCompletionTime: 600,
      environmentVariables: [{ name: 'X', value: '1' }],
      fetch: [{ uri: 'http://x/a', executable: true, cache: true, extract: false, output_file: 'a' }],
      executor: 'exec',
      executorFlags: '--flag',
      taskInfoData: 'data',
      scheduleTimeZone: 'Europe/Berlin',
      container: { image: 'busybox', volumes: [{ containerPath: '/c', hostPath: '/h', mode: 'RW' }] },
      constraints: [['rack', 'EQUALS', 'r1']],
    });
    const json = JSON.parse(JSON.stringify(renderJob(job)));
    expect(parseJob(json, 'iso8601', { now: NOW + 1000, existing: true })).toEqual(job);
    const child = parseJob({ name: 'child', parents: ['job'], command: 'x' }, 'dependency', { now: NOW });
    expect(readJob(JSON.parse(JSON.stringify(renderJob(child))), { now: NOW })).toEqual(child);
  });
});

describe('helpers for the REST layer', () => {
  it('fills fetch from uris, or uris from fetch, for the job listing', () => {
    expect(withFetchAndUris(scheduled({ uris: ['http://a'] })).fetch).toEqual([
      { uri: 'http://a', executable: false, cache: false, extract: true, outputFile: '' },
    ]);
    expect(withFetchAndUris(scheduled({ fetch: [{ uri: 'http://b' }] })).uris).toEqual(['http://b']);
  });

  it('turns a dependent child of a deleted scheduled job into a scheduled job with some of its fields', () => {
    const parent = scheduled({ name: 'parent', scheduleTimeZone: 'PST' });
    const child = parseJob(
      {
        name: 'child',
        parents: ['parent'],
        command: 'run',
        retries: 5,
        description: 'lost',
        arguments: ['lost'],
        errorsSinceLastSuccess: 2,
        uris: ['http://u'],
      },
      'dependency',
      { now: NOW },
    ) as DependentJob;
    expect(dependentToScheduled(child, parent)).toMatchObject({
      kind: 'iso8601',
      name: 'child',
      schedule: SCHEDULE,
      scheduleTimeZone: 'PST',
      command: 'run',
      retries: 5,
      uris: ['http://u'],
      description: '',
      arguments: [],
      errorsSinceLastSuccess: 0,
      runAsUser: '',
    });
    expect(dependentToScheduled(child, parent)).not.toHaveProperty('parents');
  });

  it('rewires the children of a deleted job', () => {
    const dependent = (name: string, parents: string[]): DependentJob =>
      parseJob({ name, command: 'true', parents }, 'dependency', { now: NOW }) as DependentJob;
    const root = scheduled({ name: 'root' });
    const middle = dependent('middle', ['root', 'other']);
    const [onlyChild, sharedChild, unrelated] = [
      dependent('only', ['root']),
      dependent('shared', ['root', 'other']),
      dependent('unrelated', ['other']),
    ];
    const afterRoot = rewireChildren(root, [onlyChild, sharedChild, unrelated]);
    expect(afterRoot.map((j) => [j.name, j.kind, j.kind === 'dependency' ? j.parents : j.schedule])).toEqual([
      ['only', 'iso8601', SCHEDULE],
      ['shared', 'dependency', ['other']],
    ]);
    // Children of a dependent job inherit its parents, once each.
    const grandchild = dependent('grandchild', ['middle', 'other']);
    expect(rewireChildren(middle, [grandchild])).toMatchObject([
      { name: 'grandchild', parents: ['other', 'root'] },
    ]);
  });

  it('derives the last state from lastSuccess and lastError', () => {
    expect(lastState({ lastSuccess: '', lastError: '' })).toBe('fresh');
    expect(lastState({ lastSuccess: '', lastError: '2024-01-01T00:00:00.000Z' })).toBe('failure');
    expect(lastState({ lastSuccess: '2024-01-01T00:00:00.000Z', lastError: '' })).toBe('success');
    expect(
      lastState({ lastSuccess: '2024-01-02T00:00:00.000Z', lastError: '2024-01-01T00:00:00.000Z' }),
    ).toBe('success');
    expect(
      lastState({ lastSuccess: '2024-01-01T00:00:00.000Z', lastError: '2024-01-01T01:00:00.000+02:00' }),
    ).toBe('success');
    expect(
      lastState({ lastSuccess: '2024-01-01T00:00:00.000Z', lastError: '2024-01-01T00:00:00.000Z' }),
    ).toBe('failure');
    expect(lastState({ lastSuccess: 'garbage', lastError: '2024-01-01T00:00:00.000Z' })).toBe('failure');
  });
});
