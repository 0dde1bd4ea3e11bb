// test/bench/up: wall time of the real `sandbox up` to ready and of `sandbox down` to done, and the
// resident memory of the whole default cluster, per driver (Docker only when its daemon answers,
// with the image already built: building it is a one-time cost, measured separately).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDriver } from '../../src/cluster/drivers/registry.js';
import type { DriverName } from '../../src/cluster/spec.js';
import type { BenchRow } from './types.js';

const CLI = resolve(import.meta.dirname, '../../cli/sandbox.js');
const RUNS = 3;

function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`sandbox ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function dockerAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
}

async function benchDriver(driverName: DriverName): Promise<BenchRow[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'sandbox-bench-up-'));
  const env = { SANDBOX_STATE_DIR: stateDir, CI: '1' };
  const name = `bench-${driverName}`;
  const ups: number[] = [];
  const downs: number[] = [];
  const memory: number[] = [];
  try {
    if (driverName === 'docker') timed(['image', 'build'], env);
    for (let i = 0; i < RUNS; i++) {
      ups.push(timed(['up', '--name', name, '--driver', driverName], env));
      const driver = await createDriver(driverName, { stateRoot: stateDir });
      memory.push((await driver.memoryBytes(name)) / 2 ** 20);
      downs.push(timed(['down', '--name', name], env));
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'down', '--name', name], { env: { ...process.env, ...env } });
    rmSync(stateDir, { recursive: true, force: true });
  }
  const aim = driverName === 'process' ? 3000 : 10_000;
  return [
    {
      name: `sandbox up to ready, ${driverName} driver (median of ${RUNS})`,
      value: median(ups),
      unit: 'ms',
      target: `kind ~33 s, k3d ~20 s, minimesos up to 60 s; aim < ${aim / 1000} s`,
    },
    { name: `sandbox down, ${driverName} driver (median of ${RUNS})`, value: median(downs), unit: 'ms' },
    {
      name: `memory of the default cluster (process: PSS; docker: cgroup usage), ${driverName}`,
      value: median(memory),
      unit: 'MiB',
      target: 'k3s server ~1.6 GB + ~275 MB per agent; minikube needs 2 GB free',
    },
  ];
}

export async function benchUp(): Promise<BenchRow[]> {
  const rows = await benchDriver('process');
  if (dockerAnswers()) rows.push(...(await benchDriver('docker')));
  else
    process.stderr.write('bench up: skipping the Docker driver: `docker info` fails (no dockerd running)\n');
  return rows;
}
