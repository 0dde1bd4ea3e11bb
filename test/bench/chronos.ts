// Chronos end to end on a real cluster (ZooKeeper, master, 3 agents, Chronos; each its own process):
// how late a 1-second repeating job starts after each scheduled time (median and p99 over 100 runs),
// and how many jobs per second Chronos starts when 200 jobs fall due at once. "Starts" is when the
// task's shell runs `date`; the scheduled time is in the task id (ct:<due>:...).
import { existsSync, readFileSync } from 'node:fs';
import { parseTaskId } from '../../src/chronos/task-id.js';
import { waitFor } from '../../src/util/wait.js';
import { startChronosCluster } from '../support/chronos-cluster.js';
import { api } from '../support/rest.js';
import type { BenchRow } from './types.js';

const RUNS = 100;
const BURST = 200;
const SMALL = { cpus: 0.01, mem: 8, disk: 1 };

function startsIn(file: string): Array<{ due: number; ranAt: number }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [taskId, ranAt] = line.split(' ');
      return { due: parseTaskId(taskId!)!.due, ranAt: Number(ranAt) };
    });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function benchChronos(): Promise<BenchRow[]> {
  const cluster = await startChronosCluster({
    prefix: 'bench-chronos',
    agentResources: 'cpus:8;mem:8192;disk:4096',
  });
  const base = cluster.chronos.url;
  const post = async (job: Record<string, unknown>): Promise<void> => {
    const res = await api(base, 'POST', '/v1/scheduler/iso8601', job);
    if (res.status !== 204) throw new Error(`POST /iso8601 answered ${res.status}: ${res.text}`);
  };
  try {
    const lateFile = `${cluster.dir}/every-second.runs`;
    await post({
      name: 'every-second',
      command: `echo "$mesos_task_id $(date +%s%3N)" >> ${lateFile}`,
      schedule: `R${RUNS}/${new Date(Date.now() + 2000).toISOString()}/PT1S`,
      ...SMALL,
    });
    await waitFor(() => startsIn(lateFile).length >= RUNS, {
      timeoutMs: (RUNS + 60) * 1000,
      intervalMs: 200,
      description: `${RUNS} runs`,
    });
    const lateness = startsIn(lateFile)
      .map((r) => r.ranAt - r.due)
      .sort((a, b) => a - b);

    const burstFile = `${cluster.dir}/burst.runs`;
    const due = Date.now() + 5000;
    for (let i = 0; i < BURST; i++) {
      await post({
        name: `burst-${i}`,
        command: `echo "$mesos_task_id $(date +%s%3N)" >> ${burstFile}`,
        schedule: `R1/${new Date(due).toISOString()}/PT1H`,
        ...SMALL,
      });
    }
    await waitFor(() => startsIn(burstFile).length >= BURST, {
      timeoutMs: 120_000,
      intervalMs: 100,
      description: `${BURST} burst runs`,
    });
    const burst = startsIn(burstFile);
    const lastStart = Math.max(...burst.map((r) => r.ranAt));
    const seconds = (lastStart - due) / 1000;
    return [
      {
        name: `chronos: start lateness, 1 s job, median of ${RUNS}`,
        value: percentile(lateness, 50),
        unit: 'ms',
      },
      {
        name: `chronos: start lateness, 1 s job, p99 of ${RUNS}`,
        value: percentile(lateness, 99),
        unit: 'ms',
      },
      { name: `chronos: ${BURST} jobs due at once, all started`, value: seconds, unit: 's' },
      { name: 'chronos: jobs started per second', value: BURST / seconds, unit: 'jobs/s' },
    ];
  } finally {
    await cluster.stop();
  }
}
