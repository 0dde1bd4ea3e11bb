// Launch latency of the containerizer launcher, beside the floor DESIGN.md measured on the dev
// machine (own cgroups cpu+memory and pid+mount namespaces): 6.5 ms serially, 2.2 ms in parallel.
//
// What is timed:
// - "launch": until launch() resolves: cgroups made and limited, output files open, the process
//   forked and exec'd (pid known). The task may not have joined its cgroups and exec'd yet.
// - "launch→exit": a whole `true` task: launch, join, exec, exit, namespace and cgroup teardown.
//   This bounds "until running" from above.
// - "parallel ... running": until every task of the batch is in its cgroup (the launcher reports
//   processes > 0), polled every 2 ms, so this can overstate by up to that much.
// The posix launcher (one exec, nothing enforced) runs too, as the reference for what isolation costs.
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
  type ContainerLauncher,
  type LaunchSpec,
  type RunningContainer,
} from '../../src/mesos/agent/containerizer/launcher.js';
import type { BenchRow } from './types.js';

export type BenchResult = BenchRow;

const SERIAL = 50;
const PARALLEL = 200;
const SERIAL_FLOOR = 'floor 6.5 ms/launch serial';
const PARALLEL_FLOOR = 'floor 2.2 ms/launch parallel';

export async function benchLauncher(): Promise<BenchResult[]> {
  const parent = `mesos-sandbox-bench-${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), 'launcher-bench-'));
  const launcher = createLauncher({ cgroupsRoot: parent, warn: (m) => console.warn(m) });
  try {
    const results = await benchOne(launcher, dir, true);
    if (launcher.enforcing)
      results.push(...(await benchOne(createLauncher({ isolation: 'posix' }), dir, false)));
    return results;
  } finally {
    const layout = detectCgroups();
    if (layout.version !== 'none') await removeCgroupParent(layout, parent).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchOne(
  launcher: ContainerLauncher,
  dir: string,
  withTargets: boolean,
): Promise<BenchResult[]> {
  const kind = launcher.enforcing ? 'linux' : 'posix';
  let seq = 0;
  const spec = (shell: boolean, command: string[]): LaunchSpec => {
    const id = `${kind}${++seq}`;
    return {
      containerId: id,
      shell,
      value: shell ? command.join(' ') : command[0],
      arguments: command,
      env: { PATH: '/usr/bin:/bin' },
      cwd: dir,
      stdoutPath: join(dir, `${id}.out`),
      stderrPath: join(dir, `${id}.err`),
      runtimeDir: join(dir, `${id}.run`),
      cpus: 0.1,
      memMb: 32,
    };
  };
  const results: BenchResult[] = [];
  const report = (name: string, value: number, unit: string, target?: string): void => {
    results.push({ name: `${kind} ${name}`, value, unit, ...(withTargets && target ? { target } : {}) });
  };

  for (let i = 0; i < 5; i++) await (await launcher.launch(spec(false, ['true']))).exited; // warm-up
  for (const shell of [false, true]) {
    let launchMs = 0;
    const cycles: number[] = [];
    for (let i = 0; i < SERIAL; i++) {
      const t0 = performance.now();
      const c = await launcher.launch(spec(shell, ['true']));
      launchMs += performance.now() - t0;
      await c.exited;
      cycles.push(performance.now() - t0);
    }
    const what = `${SERIAL} ${shell ? "'sh -c true'" : 'true'}`;
    report(`serial launch (pid known), ${what}`, launchMs / SERIAL, 'ms/launch', SERIAL_FLOOR);
    report(`serial launch→exit incl. teardown, ${what}`, mean(cycles), 'ms/task', SERIAL_FLOOR);
    report(`serial launch→exit p95, ${what}`, percentile(cycles, 0.95), 'ms/task');
  }

  const t0 = performance.now();
  const batch = await Promise.all(
    Array.from({ length: PARALLEL }, () => launcher.launch(spec(false, ['sleep', '30']))),
  );
  const launched = performance.now() - t0;
  await waitAllRunning(batch);
  const running = performance.now() - t0;
  report(`parallel launch (pid known), ${PARALLEL} sleep`, launched / PARALLEL, 'ms/launch', PARALLEL_FLOOR);
  report(
    `parallel launch until all running, ${PARALLEL} sleep`,
    running / PARALLEL,
    'ms/launch',
    PARALLEL_FLOOR,
  );
  const t1 = performance.now();
  await Promise.all(batch.map((c) => c.destroy()));
  report(`parallel destroy, ${PARALLEL} sleep`, (performance.now() - t1) / PARALLEL, 'ms/container');
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
    const target = r.target ? `   (${r.target})` : '';
    console.log(`${r.name.padEnd(62)} ${r.value.toFixed(2).padStart(7)} ${r.unit}${target}`);
  }
}
