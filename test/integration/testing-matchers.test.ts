// The vitest matchers of mesos-sandbox/testing against a real cluster booted by the real `sandbox up`
// (process driver: ZooKeeper, a master, two agents, Marathon, Chronos): they pass on the real state,
// and a failing one shows what it last observed.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../src/cluster/lifecycle.js';
import { exportClusterLogs } from '../../src/testing/vitest/index.js';
import { findExecutable } from '../../src/util/executables.js';
import { isZooKeeperInstalled } from '../../src/zookeeper/server.js';
import { api } from '../support/rest.js';
import { runSandbox } from '../support/sandbox-cli.js';

const python = findExecutable('python3');
const unavailable = !isZooKeeperInstalled()
  ? 'ZooKeeper is not installed (run ./install.sh)'
  : !python
    ? 'python3 is not installed (the test app serves HTTP with it)'
    : null;
if (unavailable) console.warn(`Skipping the testing-matchers integration tests: ${unavailable}`);

const APP = '/matchers/web';

describe.skipIf(unavailable !== null)('vitest matchers on a real cluster', () => {
  const name = `matchers-${process.pid}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'sandbox-matchers-'));
  const env = { SANDBOX_STATE_DIR: stateDir, CI: '1' };
  let cluster: { info: ClusterInfo };
  let marathon: string;
  let chronos: string;

  beforeAll(async () => {
    // The real CLI (dist/, built by `npm run test:integration`): node processes run from dist too.
    const up = await runSandbox(['up', '--name', name, '--agents', '2', '--json'], env);
    expect(up.code, up.stderr).toBe(0);
    const info = JSON.parse(up.stdout.trim().split('\n').at(-1)!) as ClusterInfo;
    cluster = { info };
    marathon = info.marathon!;
    chronos = info.chronos!;
  }, 180_000);

  afterAll(async () => {
    await runSandbox(['down', '--name', name], env);
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('see the leaders, the agents and the frameworks', async () => {
    await expect(cluster).toHaveLeader({ of: ['master', 'marathon', 'chronos'] });
    await expect(cluster).toHaveActiveAgents(2);
    await expect(cluster).toHaveFramework('marathon');
    await expect(cluster).toHaveFramework(/^chronos$/);
    await expect(cluster).not.toHaveFramework('no-such-framework', { timeoutMs: 500 });
  });

  it('fail with the agents they observed', async () => {
    const { slaves } = (
      await api<{ slaves: Array<{ id: string }> }>(cluster.info.master!, 'GET', '/master/slaves')
    ).body;
    const failure = await expect(cluster)
      .toHaveActiveAgents(5, { timeoutMs: 500 })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(failure?.message).toContain(`expected cluster '${name}' to have 5 active agents`);
    expect(failure?.message).toContain('2 active of 2 agents the master knows');
    for (const agent of slaves) expect(failure?.message).toMatch(new RegExp(`${agent.id} on \\S+: active`));
  });

  it('follow a Marathon app from deployment to healthy tasks, and its removal', async () => {
    const created = await api<{ version: string }>(marathon, 'POST', '/v2/apps', {
      id: APP,
      cmd: `${python} -m http.server $PORT0 --bind 0.0.0.0`,
      cpus: 0.05,
      mem: 32,
      instances: 2,
      healthChecks: [
        {
          protocol: 'HTTP',
          path: '/',
          portIndex: 0,
          gracePeriodSeconds: 10,
          intervalSeconds: 1,
          timeoutSeconds: 1,
        },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await expect(cluster).toHaveDeployed(APP, { version: created.body.version });
    await expect(cluster).toBeRunningApp(APP, { instances: 2, healthy: true });
    await expect(cluster).toHaveTask({ id: /^matchers_web\./ }, 'TASK_RUNNING');

    const failure = await expect(cluster)
      .toBeRunningApp(APP, { instances: 3, timeoutMs: 500 })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(failure?.message).toContain(`to run app ${APP} with 3 instances`);
    expect(failure?.message).toContain('2 instances wanted, 2 running');
    expect(failure?.message.match(/matchers_web\.\S+: TASK_RUNNING on \S+, healthy/g)).toHaveLength(2);

    expect((await api(marathon, 'DELETE', `/v2/apps${APP}`)).status).toBe(200);
    await expect(cluster).not.toBeRunningApp(APP);
    await expect(cluster).not.toHaveTask({ id: /^matchers_web\./ }, 'TASK_RUNNING');
  });

  it('see a Chronos job succeed', async () => {
    const res = await api(chronos, 'POST', '/v1/scheduler/iso8601', {
      name: 'matchers-once',
      command: 'true',
      schedule: `R1/${new Date().toISOString()}/PT1H`,
      cpus: 0.05,
      mem: 32,
    });
    expect(res.status).toBe(204);
    await expect(cluster).toHaveJobSucceeded('matchers-once');
    const failure = await expect(cluster)
      .toHaveJobSucceeded('matchers', { timeoutMs: 300 })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(failure?.message).toContain("no job named 'matchers'");
    expect(failure?.message).toContain('matchers-once: 1 successes, 0 errors');
  });

  it("export every node's logs through the cluster's driver when the handle has no exportLogs", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-matchers-logs-'));
    const before = process.env.SANDBOX_STATE_DIR;
    process.env.SANDBOX_STATE_DIR = stateDir;
    try {
      await exportClusterLogs(cluster.info, dir);
      expect(readdirSync(dir).sort()).toEqual(cluster.info.nodes.map((n) => n.id).sort());
    } finally {
      if (before === undefined) delete process.env.SANDBOX_STATE_DIR;
      else process.env.SANDBOX_STATE_DIR = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
