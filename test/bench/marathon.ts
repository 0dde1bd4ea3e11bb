// Marathon end to end: time from POST /v2/apps to every instance TASK_RUNNING for 1, 100 and 1,000
// instances of `sleep 3600` (cpus 0.01, mem 8) across 3 agents, and the latency of GET /v2/apps with
// 1,000 running tasks. Real ZooKeeper, master, agents and Marathon, each its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startZooKeeper } from '../../src/zookeeper/server.js';
import { NODE_MAIN } from '../../src/node/main-path.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import type { BenchRow } from './types.js';

function node(role: string, flags: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [NODE_MAIN, role, ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { headers: { 'Content-Type': 'application/json' }, ...init });
  return (await res.json()) as T;
}

interface AppStatus {
  app: { tasksRunning: number };
}

/** Resolves when the first task is running and when all are, in ms after the POST. */
async function deploy(
  marathon: string,
  id: string,
  instances: number,
): Promise<{ first: number; all: number }> {
  const start = performance.now();
  const res = await fetch(`${marathon}/v2/apps`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id, cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances, portDefinitions: [] }),
  });
  if (res.status !== 201) throw new Error(`POST /v2/apps answered ${res.status}: ${await res.text()}`);
  let first = 0;
  await waitFor(
    async () => {
      const running = (await json<AppStatus>(`${marathon}/v2/apps/${id}`)).app.tasksRunning;
      if (running > 0 && first === 0) first = performance.now() - start;
      return running === instances;
    },
    { timeoutMs: 120_000, intervalMs: 5, description: `${instances} instances running` },
  );
  return { first, all: performance.now() - start };
}

export async function benchMarathon(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-marathon-'));
  const children: ChildProcess[] = [];
  const zkPort = await freePort();
  const zk = await startZooKeeper({ dataDir: `${dir}/zk`, clientPort: zkPort, logFile: `${dir}/zk.log` });
  const zkBase = `zk://127.0.0.1:${zkPort}`;
  try {
    const masterPort = await freePort();
    children.push(
      node('master', { port: String(masterPort), zk: `${zkBase}/mesos`, log_file: `${dir}/master.log` }),
    );
    for (let i = 0; i < 3; i++) {
      children.push(
        node('agent', {
          ip: `127.0.77.${i + 1}`,
          port: String(await freePort()),
          master: `${zkBase}/mesos`,
          resources: `cpus:8;mem:8192;disk:1024;ports:[${33000 + i * 100}-${33000 + i * 100 + 99}]`,
          work_dir: `${dir}/agent-${i}`,
          log_file: `${dir}/agent-${i}.log`,
        }),
      );
    }
    const marathonPort = await freePort();
    const marathon = `http://127.0.0.1:${marathonPort}`;
    children.push(
      node('marathon', {
        port: String(marathonPort),
        master: `${zkBase}/mesos`,
        zk: `${zkBase}/marathon`,
        log_file: `${dir}/marathon.log`,
      }),
    );
    await waitFor(
      async () => {
        const slaves = await json<{ slaves: unknown[] }>(`http://127.0.0.1:${masterPort}/master/slaves`);
        const info = await json<{ frameworkId: string | null }>(`${marathon}/v2/info`);
        return slaves.slaves.length === 3 && Boolean(info.frameworkId);
      },
      { timeoutMs: 60_000, description: 'the cluster and Marathon' },
    );

    const one = await deploy(marathon, 'one', 1);
    const hundred = await deploy(marathon, 'hundred', 100);
    await fetch(`${marathon}/v2/apps/hundred`, { method: 'DELETE' });
    await fetch(`${marathon}/v2/apps/one`, { method: 'DELETE' });
    await waitFor(async () => (await json<{ tasks: unknown[] }>(`${marathon}/v2/tasks`)).tasks.length === 0, {
      timeoutMs: 60_000,
      description: 'the first apps gone',
    });
    const thousand = await deploy(marathon, 'thousand', 1000);

    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      await json(`${marathon}/v2/apps`);
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    const embedded: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      await json(`${marathon}/v2/apps?embed=apps.tasks`);
      embedded.push(performance.now() - start);
    }
    embedded.sort((a, b) => a - b);
    return [
      {
        name: 'marathon: POST -> first task running',
        value: one.first,
        unit: 'ms',
        target: '< 100 ms (Marathon: ≥ 1 s)',
      },
      { name: 'marathon: 100 instances running', value: hundred.all / 1000, unit: 's' },
      { name: 'marathon: 1,000 instances running', value: thousand.all / 1000, unit: 's', target: '< 10 s' },
      { name: 'marathon: GET /v2/apps, 1,000 tasks (median)', value: latencies[10]!, unit: 'ms' },
      { name: 'marathon: GET /v2/apps?embed=apps.tasks (median)', value: embedded[10]!, unit: 'ms' },
    ];
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
    );
    await zk.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
