// Launch latency of the containerizer launcher, beside the floor DESIGN.md measured on the dev
// machine (own cgroups cpu+memory and pid+mount namespaces): 6.5 ms serially, 2.2 ms in parallel.
//
// What is timed:
// - "launch": until launch() resolves: cgroups made and limited, output files open, the process
//   forked and exec'd (pid known). The task may not have joined its cgroups and exec'd yet.
// - "launch→exit": a whole `true` task: launch, join, exec, exit, namespace and cgroup teardown.
// - "parallel ... running": until every task of the batch is in its cgroup (the launcher reports
//   processes > 0), polled every 2 ms, so this can overstate by up to that much.
//
// Run: npx tsc -p tsconfig.json && node dist/test/bench/launcher.js
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { detectCgroups, removeCgroupParent } from '../../src/mesos/agent/containerizer/cgroups.js';
import {
  createLauncher,
  type LaunchSpec,
  type RunningContainer,
} from '../../src/mesos/agent/containerizer/launcher.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const SERIAL = 50;
const PARALLEL = 200;

export async function benchLauncher(): Promise<BenchResult[]> {
  const parent = `mesos-sandbox-bench-${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), 'launcher-bench-'));
  const notes: string[] = [];
  const launcher = createLauncher({ cgroupsRoot: parent, warn: (m) => notes.push(m) });
  for (const n of notes) console.warn(n);
  const kind = launcher.enforcing ? 'linux' : 'posix';
  let seq = 0;
  const spec = (value: string): LaunchSpec => {
    const id = `b${++seq}`;
    return {
      containerId: id,
      shell: false,
      value,
      arguments: value === 'sleep' ? ['sleep', '30'] : [value],
      env: { PATH: '/usr/bin:/bin' },
      cwd: dir,
      stdoutPath: join(dir, `${id}.out`),
      stderrPath: join(dir, `${id}.err`),
      cpus: 0.1,
      memMb: 32,
    };
  };
  const results: BenchResult[] = [];
  try {
    for (let i = 0; i < 5; i++) await (await launcher.launch(spec('true'))).exited; // warm-up

    let launchMs = 0;
    const cycles: number[] = [];
    for (let i = 0; i < SERIAL; i++) {
      const t0 = performance.now();
      const c = await launcher.launch(spec('true'));
      launchMs += performance.now() - t0;
      await c.exited;
      cycles.push(performance.now() - t0);
    }
    const floorSerial = 'floor 6.5 ms/launch serial';
    results.push({
      name: `${kind} serial launch (pid known), ${SERIAL} true`,
      value: launchMs / SERIAL,
      unit: 'ms/launch',
      target: floorSerial,
    });
    results.push({
      name: `${kind} serial launch→exit incl. teardown, ${SERIAL} true`,
      value: mean(cycles),
      unit: 'ms/task',
      target: floorSerial,
    });
    results.push({
      name: `${kind} serial launch→exit p95`,
      value: percentile(cycles, 0.95),
      unit: 'ms/task',
    });

    const t0 = performance.now();
    const batch = await Promise.all(Array.from({ length: PARALLEL }, () => launcher.launch(spec('sleep'))));
    const launched = performance.now() - t0;
    await waitAllRunning(batch);
    const running = performance.now() - t0;
    const floorParallel = 'floor 2.2 ms/launch parallel';
    results.push({
      name: `${kind} parallel launch (pid known), ${PARALLEL} sleep`,
      value: launched / PARALLEL,
      unit: 'ms/launch',
      target: floorParallel,
    });
    results.push({
      name: `${kind} parallel launch until all running, ${PARALLEL} sleep`,
      value: running / PARALLEL,
      unit: 'ms/launch',
      target: floorParallel,
    });
    const t1 = performance.now();
    await Promise.all(batch.map((c) => c.destroy()));
    results.push({
      name: `${kind} parallel destroy, ${PARALLEL} sleep`,
      value: (performance.now() - t1) / PARALLEL,
      unit: 'ms/container',
    });
  } finally {
    const layout = detectCgroups();
    if (layout.version !== 'none') await removeCgroupParent(layout, parent).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

async function waitAllRunning(batch: RunningContainer[]): Promise<void> {
  let pending = batch;
  while (pending.length > 0) {
    const counts = await Promise.all(pending.map(async (c) => (await c.statistics()).processes ?? 1));
    pending = pending.filter((_, i) => counts[i] === 0);
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 2));
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchLauncher()) {
    console.log(
      `${r.name.padEnd(58)} ${r.value.toFixed(2).padStart(8)} ${r.unit}${r.target ? `   (${r.target})` : ''}`,
    );
  }
}
