// The vitest matchers of mesos-sandbox/testing: their pure checks and messages against canned JSON
// of the real endpoints, the polling loop, and the matchers end to end against a canned HTTP server.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/cluster/lifecycle.js';
import {
  activeAgentsCheck,
  bulletList,
  canonicalAppId,
  deployedCheck,
  failureMessage,
  frameworkCheck,
  jobSucceededCheck,
  leaderCheck,
  runningAppCheck,
  taskCheck,
  type MarathonAppJson,
  type TasksJson,
} from '../../src/testing/vitest/checks.js';
import { clusterInfoOf, serviceUrls } from '../../src/testing/vitest/cluster-like.js';
import { failureLogDir } from '../../src/testing/vitest/index.js';
import { pollCheck, requestTimeout } from '../../src/testing/vitest/poll.js';

const slaves = {
  slaves: [
    { id: 'a1-S0', hostname: '127.0.1.1', port: 5051, active: true },
    { id: 'a1-S1', hostname: '127.0.1.2', port: 5051, active: false },
    { id: 'a1-S2', hostname: '127.0.1.3', port: 5051, active: true },
  ],
};

describe('activeAgentsCheck', () => {
  it('passes with exactly that many active agents', () => {
    expect(activeAgentsCheck(2).judge(slaves).pass).toBe(true);
    expect(activeAgentsCheck(3).judge(slaves).pass).toBe(false);
    expect(activeAgentsCheck(1).judge(slaves).pass).toBe(false);
  });

  it('shows every agent with its active flag', () => {
    const { observed } = activeAgentsCheck(3).judge(slaves);
    expect(observed).toContain('2 active of 3 agents the master knows');
    expect(observed).toContain('a1-S0 on 127.0.1.1:5051: active');
    expect(observed).toContain('a1-S1 on 127.0.1.2:5051: inactive');
    expect(activeAgentsCheck(1).judge({ slaves: [] }).observed).toContain('(no agents)');
  });
});

describe('frameworkCheck', () => {
  const frameworks = {
    frameworks: [
      { id: 'f-1', name: 'marathon', active: true },
      { id: 'f-2', name: 'chronos', active: false },
    ],
    completed_frameworks: [{ id: 'f-0', name: 'old', active: false }],
  };

  it('wants an active framework of that name or pattern', () => {
    expect(frameworkCheck('marathon').judge(frameworks).pass).toBe(true);
    expect(frameworkCheck(/^mara/).judge(frameworks).pass).toBe(true);
    expect(frameworkCheck('chronos').judge(frameworks).pass).toBe(false);
    expect(frameworkCheck('mara').judge(frameworks).pass).toBe(false);
  });

  it('lists the frameworks seen', () => {
    const { observed } = frameworkCheck('chronos').judge(frameworks);
    expect(observed).toContain('marathon (f-1): active');
    expect(observed).toContain('chronos (f-2): inactive');
    expect(observed).toContain('old (f-0): completed');
  });
});

describe('taskCheck', () => {
  const tasks: TasksJson = {
    tasks: [
      { id: 'web.1', name: 'web', state: 'TASK_RUNNING' },
      {
        id: 'web.2',
        name: 'web',
        state: 'TASK_FAILED',
        statuses: [{ state: 'TASK_FAILED', message: 'exit 1' }],
      },
      { id: 'batch-7', name: 'batch', state: 'TASK_FINISHED' },
    ],
  };

  it('matches by name, id, pattern or both', () => {
    expect(taskCheck('web', 'TASK_RUNNING').judge(tasks).pass).toBe(true);
    expect(taskCheck('web.2', 'TASK_RUNNING').judge(tasks).pass).toBe(false);
    expect(taskCheck('web.2', 'TASK_FAILED').judge(tasks).pass).toBe(true);
    expect(taskCheck(/^batch-\d+$/, 'TASK_FINISHED').judge(tasks).pass).toBe(true);
    expect(taskCheck({ name: 'web', id: /\.2$/ }, 'TASK_RUNNING').judge(tasks).pass).toBe(false);
    expect(taskCheck({ name: 'web', id: /\.1$/ }, 'TASK_RUNNING').judge(tasks).pass).toBe(true);
  });

  it('shows the matching tasks with their states and last message', () => {
    const { observed } = taskCheck('web', 'TASK_FINISHED').judge(tasks);
    expect(observed).toContain('web (web.1): TASK_RUNNING');
    expect(observed).toContain('web (web.2): TASK_FAILED (exit 1)');
    expect(observed).not.toContain('batch');
  });

  it('lists every task when none matches', () => {
    const { pass, observed } = taskCheck('db', 'TASK_RUNNING').judge(tasks);
    expect(pass).toBe(false);
    expect(observed).toContain('no task matches; the master knows 3 tasks');
    expect(observed).toContain('batch (batch-7): TASK_FINISHED');
  });
});

const app = (over: Partial<MarathonAppJson> = {}): MarathonAppJson => ({
  id: '/web',
  instances: 2,
  version: '2024-01-01T00:00:10.000Z',
  versionInfo: { lastConfigChangeAt: '2024-01-01T00:00:10.000Z', lastScalingAt: '2024-01-01T00:00:10.000Z' },
  tasksStaged: 0,
  tasksRunning: 2,
  tasksHealthy: 1,
  tasksUnhealthy: 1,
  deployments: [],
  tasks: [
    {
      id: 'web.t1',
      state: 'TASK_RUNNING',
      host: '127.0.1.1',
      ports: [31000],
      version: '2024-01-01T00:00:10.000Z',
      healthCheckResults: [{ alive: true, consecutiveFailures: 0, lastFailureCause: null }],
    },
    {
      id: 'web.t2',
      state: 'TASK_RUNNING',
      host: '127.0.1.2',
      ports: [31001],
      version: '2024-01-01T00:00:10.000Z',
      healthCheckResults: [{ alive: false, consecutiveFailures: 3, lastFailureCause: 'ConnectionRefused' }],
    },
  ],
  ...over,
});

describe('runningAppCheck', () => {
  it("wants the app's instances running by default, a given count otherwise", () => {
    expect(runningAppCheck('web').judge({ found: true, app: app() }).pass).toBe(true);
    expect(runningAppCheck('/web', { instances: 3 }).judge({ found: true, app: app() }).pass).toBe(false);
    expect(runningAppCheck('web', {}).judge({ found: true, app: app({ tasksRunning: 1 }) }).pass).toBe(false);
  });

  it('wants them all healthy when asked', () => {
    expect(runningAppCheck('web', { healthy: true }).judge({ found: true, app: app() }).pass).toBe(false);
    expect(
      runningAppCheck('web', { healthy: true }).judge({ found: true, app: app({ tasksHealthy: 2 }) }).pass,
    ).toBe(true);
  });

  it('shows the counts, the tasks with their health, and the last failure', () => {
    const { observed } = runningAppCheck('web', { healthy: true }).judge({
      found: true,
      app: app({
        deployments: [{ id: 'd-1' }],
        lastTaskFailure: { taskId: 'web.t0', state: 'TASK_FAILED', message: 'exit 2', timestamp: 'T' },
      }),
    });
    expect(observed).toContain('app /web (version 2024-01-01T00:00:10.000Z): 2 instances wanted, 2 running');
    expect(observed).toContain('1 healthy, 1 unhealthy');
    expect(observed).toContain('web.t1: TASK_RUNNING on 127.0.1.1:31000, healthy');
    expect(observed).toContain('web.t2: TASK_RUNNING on 127.0.1.2:31001, unhealthy (ConnectionRefused)');
    expect(observed).toContain('deployments: d-1');
    expect(observed).toContain('last task failure: web.t0 TASK_FAILED at T: exit 2');
  });

  it('says when the app does not exist', () => {
    const verdict = runningAppCheck('nope').judge({
      found: false,
      status: 404,
      body: '{"message":"App \'/nope\' does not exist"}',
    });
    expect(verdict.pass).toBe(false);
    expect(verdict.observed).toContain('app /nope does not exist (GET /v2/apps/nope answered 404');
  });
});

describe('deployedCheck', () => {
  const deployment = {
    id: 'd-9',
    version: '2024-01-01T00:00:20.000Z',
    affectedApps: ['/web'],
    currentStep: 1,
    totalSteps: 2,
    currentActions: [{ action: 'RestartApplication', app: '/web' }],
  };

  it('passes once no deployment touches the app and its tasks run the latest config', () => {
    expect(deployedCheck('web').judge({ app: { found: true, app: app() }, deployments: [] }).pass).toBe(true);
    const other = { ...deployment, affectedApps: ['/db'] };
    expect(deployedCheck('web').judge({ app: { found: true, app: app() }, deployments: [other] }).pass).toBe(
      true,
    );
  });

  it('fails while a deployment of the app runs, showing its progress', () => {
    const verdict = deployedCheck('/web/').judge({
      app: { found: true, app: app() },
      deployments: [deployment],
    });
    expect(verdict.pass).toBe(false);
    expect(verdict.observed).toContain(
      'd-9 (version 2024-01-01T00:00:20.000Z): step 1 of 2, RestartApplication /web',
    );
  });

  it('fails while a task runs an older config, or the app is not at the wanted version', () => {
    const changed = app({
      versionInfo: { lastConfigChangeAt: '2024-01-01T00:00:30.000Z' },
      version: '2024-01-01T00:00:30.000Z',
    });
    const verdict = deployedCheck('web').judge({ app: { found: true, app: changed }, deployments: [] });
    expect(verdict.pass).toBe(false);
    expect(verdict.observed).toContain('2 tasks still run an older config');
    const wrong = deployedCheck('web', { version: '2024-01-01T00:00:40.000Z' });
    expect(wrong.judge({ app: { found: true, app: app() }, deployments: [] }).pass).toBe(false);
    const right = deployedCheck('web', { version: '2024-01-01T00:00:10.000Z' });
    expect(right.judge({ app: { found: true, app: app() }, deployments: [] }).pass).toBe(true);
  });

  it('fails for an app that does not exist', () => {
    const verdict = deployedCheck('web').judge({
      app: { found: false, status: 404, body: '' },
      deployments: [],
    });
    expect(verdict.pass).toBe(false);
    expect(verdict.observed).toContain('app /web does not exist');
  });
});

describe('jobSucceededCheck', () => {
  const jobs = [
    { name: 'etl', schedule: 'R/2024-01-01T00:00:00Z/PT1M', successCount: 2, errorCount: 1, lastError: 'E' },
    { name: 'etl-report', parents: ['etl'], successCount: 5 },
  ];

  it('looks at the job of exactly that name', () => {
    expect(jobSucceededCheck('etl').judge(jobs).pass).toBe(true);
    expect(jobSucceededCheck('etl', { times: 2 }).judge(jobs).pass).toBe(true);
    expect(jobSucceededCheck('etl', { times: 3 }).judge(jobs).pass).toBe(false);
    expect(jobSucceededCheck('et').judge(jobs).pass).toBe(false);
  });

  it('shows the counts, or the near names when the job is missing', () => {
    expect(jobSucceededCheck('etl', { times: 3 }).judge(jobs).observed).toBe(
      'etl: 2 successes, 1 errors, last error E, schedule R/2024-01-01T00:00:00Z/PT1M',
    );
    const missing = jobSucceededCheck('et').judge(jobs).observed;
    expect(missing).toContain("no job named 'et'");
    expect(missing).toContain('etl-report: 5 successes, 0 errors, after etl');
  });
});

describe('leaderCheck', () => {
  it('wants a leader for every service asked', () => {
    const observed = [
      { service: 'master' as const, leader: 'master@127.0.0.1:5050' },
      { service: 'marathon' as const, leader: null, why: 'GET /v2/leader answered 404' },
    ];
    expect(leaderCheck(['master']).judge(observed).pass).toBe(true);
    const both = leaderCheck(['master', 'marathon']).judge(observed);
    expect(both.pass).toBe(false);
    expect(both.observed).toContain('master: master@127.0.0.1:5050');
    expect(both.observed).toContain('marathon: no leader (GET /v2/leader answered 404)');
  });
});

describe('messages', () => {
  it('says what was expected, for how long, and what was seen last', () => {
    const text = failureMessage({
      subject: "cluster 'ci'",
      expectation: 'to have 3 active agents',
      isNot: true,
      attempts: 4,
      elapsedMs: 500,
      observed: '  - a',
    });
    expect(text).toBe(
      "expected cluster 'ci' not to have 3 active agents, but it did not happen within 500 ms (4 observations).\n" +
        'Last observed:\n  - a',
    );
  });

  it('caps long lists', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `t${i}`);
    const text = bulletList(lines, 'none');
    expect(text.split('\n')).toHaveLength(26);
    expect(text).toContain('... and 5 more');
  });

  it('names app ids as Marathon does', () => {
    expect(canonicalAppId('web')).toBe('/web');
    expect(canonicalAppId('/group/web/')).toBe('/group/web');
  });
});

describe('pollCheck', () => {
  it('observes until the wanted verdict and reports the observation', async () => {
    let n = 0;
    const outcome = await pollCheck(
      async () => ++n,
      (seen) => ({ pass: seen >= 3, observed: `seen ${seen}` }),
      true,
      { intervalMs: 1 },
    );
    expect(outcome).toMatchObject({ pass: true, observed: 'seen 3', attempts: 3 });
  });

  it('waits for a failing verdict under .not', async () => {
    let n = 0;
    const outcome = await pollCheck(
      async () => ++n,
      (seen) => ({ pass: seen < 2, observed: `seen ${seen}` }),
      false,
      { intervalMs: 1 },
    );
    expect(outcome).toMatchObject({ pass: false, attempts: 2 });
  });

  it('gives up with the last observation, and an unobservable cluster is neither pass nor fail', async () => {
    const outcome = await pollCheck(
      () => Promise.reject(new Error('ECONNREFUSED')),
      () => ({ pass: true, observed: '' }),
      false,
      { timeoutMs: 0 },
    );
    expect(outcome.pass).toBeNull();
    expect(outcome.attempts).toBe(1);
    expect(outcome.observed).toContain('could not observe the cluster: ECONNREFUSED');
  });

  it('bounds each request by what is left of the poll', () => {
    expect(requestTimeout(30_000)).toBe(5000);
    expect(requestTimeout(2500)).toBe(2500);
    expect(requestTimeout(-10)).toBe(1000);
  });
});

const info = (master: string): ClusterInfo => ({
  name: 'unit',
  driver: 'process',
  zookeeper: 'zk://127.0.0.1:2181',
  mesos: 'zk://127.0.0.1:2181/mesos',
  master,
  nodes: [
    { id: 'master-1', role: 'master', url: master, state: 'running', leader: true },
    { id: 'master-2', role: 'master', url: 'http://127.0.0.2:5050', state: 'running', leader: false },
    { id: 'master-3', role: 'master', url: 'http://127.0.0.3:5050', state: 'stopped', leader: false },
  ],
});

describe('cluster-like values', () => {
  it('takes a handle with info, or a ClusterInfo itself', () => {
    const i = info('http://127.0.0.1:5050');
    expect(clusterInfoOf({ info: i })).toBe(i);
    expect(clusterInfoOf(i)).toBe(i);
    expect(clusterInfoOf({ info: 3 })).toBeNull();
    expect(clusterInfoOf('sandbox')).toBeNull();
  });

  it('asks the named leader first, then the other running nodes of the role', () => {
    const i = info('http://127.0.0.1:5050');
    expect(serviceUrls(i, 'master')).toEqual(['http://127.0.0.1:5050', 'http://127.0.0.2:5050']);
    expect(serviceUrls(i, 'marathon')).toEqual([]);
  });

  it('names log directories after the test', () => {
    expect(failureLogDir('/logs', 'test/a.test.ts > agents > survive a KILL!')).toBe(
      '/logs/test-a-test-ts-agents-survive-a-kill',
    );
  });
});

describe('the matchers against a canned master', () => {
  let server: Server;
  let cluster: { info: ClusterInfo };

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/master/slaves') res.end(JSON.stringify(slaves));
      else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    cluster = { info: { ...info(`http://127.0.0.1:${port}`), nodes: [] } };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('passes, fails with the observed agents, and negates', async () => {
    await expect(cluster).toHaveActiveAgents(2);
    await expect(cluster).not.toHaveActiveAgents(3, { timeoutMs: 200 });
    await expect(expect(cluster).toHaveActiveAgents(3, { timeoutMs: 200, intervalMs: 50 })).rejects.toThrow(
      /expected cluster 'unit' to have 3 active agents[\s\S]*a1-S1 on 127\.0\.1\.2:5051: inactive/,
    );
  });

  it('fails under .not too when nothing answers', async () => {
    const gone = { info: { ...cluster.info, master: 'http://127.0.0.1:1' } };
    await expect(expect(gone).not.toHaveActiveAgents(3, { timeoutMs: 0 })).rejects.toThrow(
      /could not observe the cluster/,
    );
  });

  it('refuses what is not a cluster', async () => {
    await expect(expect('sandbox').toHaveLeader()).rejects.toThrow(/expected a sandbox cluster/);
  });
});

const REPO = resolve(import.meta.dirname, '../..');

/** Runs vitest on its own in `dir` (a user's project, in short); resolves with its exit code and output. */
function runVitest(dir: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((done, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(REPO, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--root',
        dir,
        '--config',
        join(dir, 'vitest.config.mjs'),
      ],
      { cwd: dir, env: { ...process.env, ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => done({ code: code ?? -1, output }));
  });
}

describe('the globalSetup, shared cluster and log export helpers in a vitest run', () => {
  it('provide the cluster to test files, stop it at the end, and export logs for the failed test only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-vitest-user-'));
    try {
      const src = join(REPO, 'src/testing/vitest');
      writeFileSync(
        join(dir, 'vitest.config.mjs'),
        "export default { test: { globalSetup: ['./global-setup.ts'], include: ['shared.test.ts'] } };\n",
      );
      // The fake cluster's stop() leaves a file, so the test sees the teardown ran.
      writeFileSync(
        join(dir, 'global-setup.ts'),
        `import { writeFileSync } from 'node:fs';
import { sandboxGlobalSetup } from '${src}/global-setup.ts';
const info = { name: 'fake-shared', driver: 'process', zookeeper: 'zk://x', mesos: 'zk://x/mesos', nodes: [] };
export default sandboxGlobalSetup(async () => ({ info, stop: async () => writeFileSync('${dir}/stopped', '') }));
`,
      );
      writeFileSync(
        join(dir, 'shared.test.ts'),
        `import { mkdirSync, writeFileSync } from 'node:fs';
import { expect, it } from '${REPO}/node_modules/vitest/dist/index.js';
import { exportLogsOnFailure, useSharedCluster } from '${src}/index.ts';
const shared = useSharedCluster();
exportLogsOnFailure(
  { info: shared.info, exportLogs: async (d: string) => { mkdirSync(d, { recursive: true }); writeFileSync(d + '/master-1.log', 'log'); } },
  { dir: '${dir}/logs' },
);
it('sees the shared cluster', () => { expect(shared.info.name).toBe('fake-shared'); });
it('fails on purpose', () => { expect(1).toBe(2); });
`,
      );
      const { code, output } = await runVitest(dir, {});
      expect(code, output).toBe(1);
      expect(output).toMatch(/1 failed \| 1 passed/);
      expect(existsSync(join(dir, 'stopped'))).toBe(true);
      const exported = readdirSync(join(dir, 'logs'));
      expect(exported).toEqual(['shared-test-ts-fails-on-purpose']);
      expect(readFileSync(join(dir, 'logs', exported[0]!, 'master-1.log'), 'utf8')).toBe('log');
      expect(output).toContain(
        `logs of cluster 'fake-shared' for the failed test "fails on purpose": ${join(dir, 'logs', exported[0]!)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// Type-level: the matchers are typed on vitest's expect (checked by tsc, never run).
export function typeChecks(c: { info: ClusterInfo }): Array<Promise<void>> {
  return [
    expect(c).toHaveLeader({ of: ['master', 'marathon'], timeoutMs: 5000 }),
    expect(c).toHaveTask({ name: /web/ }, 'TASK_FINISHED'),
    expect(c).toBeRunningApp('/web', { instances: 2, healthy: true }),
    // @ts-expect-error a count, not a string
    expect(c).toHaveActiveAgents('3'),
    // @ts-expect-error not a task state
    expect(c).toHaveTask('web', 'RUNNING'),
  ];
}
