// Launch latency end to end: time from ACCEPT to TASK_RUNNING through a real master and real agents
// (separate processes, real isolation), for one task and for 200 tasks across 3 agents.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SchedulerClient } from '../../src/mesos/scheduler/client.js';
import type { Offer, SchedulerEvent, TaskInfo } from '../../src/mesos/protocol/types.js';
import { NODE_MAIN } from '../../src/node/main-path.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import type { BenchRow } from './types.js';

function node(role: string, flags: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [NODE_MAIN, role, ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function task(offer: Offer, id: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { value: 'sleep 3600' },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 8 } },
    ],
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchLaunch(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-launch-'));
  const masterPort = await freePort();
  const children: ChildProcess[] = [];
  const master = `http://127.0.0.1:${masterPort}`;
  children.push(
    node('master', { port: String(masterPort), log_file: `${dir}/master.log`, allocation_interval: '1secs' }),
  );
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    children.push(
      node('agent', {
        port: String(port),
        master,
        resources: `cpus:8;mem:4096;disk:4096;ports:[${31000 + i * 1000}-${31999 + i * 1000}]`,
        work_dir: `${dir}/agent-${i}`,
        log_file: `${dir}/agent-${i}.log`,
      }),
    );
  }
  const client = new SchedulerClient({
    master,
    frameworkInfo: { user: 'root', name: 'bench-launch' },
    reconnect: false,
  });
  const running = new Map<string, number>();
  const offers: Offer[] = [];
  client.on('event', (e: SchedulerEvent) => {
    if (e.type === 'OFFERS') offers.push(...e.offers.offers);
    if (e.type === 'UPDATE') {
      const s = e.update.status;
      if (s.state === 'TASK_RUNNING' && !running.has(s.task_id.value))
        running.set(s.task_id.value, performance.now());
      if (s.uuid)
        void client
          .call({
            type: 'ACKNOWLEDGE',
            acknowledge: { agent_id: s.agent_id!, task_id: s.task_id, uuid: s.uuid },
          })
          .catch(() => undefined);
    }
  });
  try {
    await waitFor(
      async () =>
        (
          (await (await fetch(`${master}/master/slaves`).catch(() => null))?.json()) as
            { slaves?: unknown[] } | undefined
        )?.slaves?.length === 3,
      {
        timeoutMs: 30_000,
        description: '3 agents to register',
      },
    );
    await client.subscribe();
    const takeOffers = async (n: number): Promise<Offer[]> => {
      await waitFor(() => offers.length >= n, {
        timeoutMs: 30_000,
        description: `${n} offers`,
        intervalMs: 1,
      });
      return offers.splice(0, offers.length);
    };

    // One task at a time: ACCEPT -> TASK_RUNNING, then kill it and wait for the resources to return.
    const single: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [offer, ...rest] = await takeOffers(1);
      for (const o of rest)
        await client.call({
          type: 'DECLINE',
          decline: { offer_ids: [o.id], filters: { refuse_seconds: 0 } },
        });
      const id = `single-${i}`;
      const t0 = performance.now();
      await client.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer!.id],
          operations: [{ type: 'LAUNCH', launch: { task_infos: [task(offer!, id)] } }],
          filters: { refuse_seconds: 0 },
        },
      });
      await waitFor(() => running.get(id), {
        timeoutMs: 30_000,
        intervalMs: 1,
        description: `${id} RUNNING`,
      });
      single.push(running.get(id)! - t0);
      await client.call({ type: 'KILL', kill: { task_id: { value: id } } });
    }
    await client.call({ type: 'REVIVE' });

    // 200 tasks across 3 agents: once every agent's whole resources are on offer (an agent's
    // resources may come in several offers), one ACCEPT per agent with all of its offers.
    const byAgent = await waitFor(
      () => {
        const groups = new Map<string, Offer[]>();
        for (const o of offers) groups.set(o.agent_id.value, [...(groups.get(o.agent_id.value) ?? []), o]);
        const cpus = (list: Offer[]): number =>
          list.reduce((n, o) => n + (o.resources.find((r) => r.name === 'cpus')?.scalar?.value ?? 0), 0);
        return groups.size === 3 && [...groups.values()].every((g) => cpus(g) >= 7.99)
          ? [...groups.values()]
          : null;
      },
      { timeoutMs: 30_000, description: 'all resources of every agent on offer', intervalMs: 5 },
    );
    offers.splice(0, offers.length);
    const ids: string[] = [];
    const t0 = performance.now();
    await Promise.all(
      byAgent.map((group, a) => {
        const tasks = Array.from({ length: a < 2 ? 67 : 66 }, (_, i) => task(group[0]!, `many-${a}-${i}`));
        ids.push(...tasks.map((t) => t.task_id.value));
        return client.call({
          type: 'ACCEPT',
          accept: {
            offer_ids: group.map((o) => o.id),
            operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
          },
        });
      }),
    );
    await waitFor(() => ids.every((id) => running.has(id)), {
      timeoutMs: 120_000,
      intervalMs: 5,
      description: '200 tasks RUNNING',
    });
    const many = Math.max(...ids.map((id) => running.get(id)!)) - t0;
    return [
      {
        name: 'launch: ACCEPT -> TASK_RUNNING, 1 task (median of 10)',
        value: median(single),
        unit: 'ms',
        target: 'floor ~6.5 ms per isolated process launch',
      },
      {
        name: 'launch: ACCEPT -> all TASK_RUNNING, 200 tasks on 3 agents',
        value: many,
        unit: 'ms',
        target: 'floor ~2.2 ms x 200 / 3 agents in parallel',
      },
    ];
  } finally {
    await client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    await client.close();
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null) return r();
            c.once('exit', () => r());
            c.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchLaunch();
  for (const r of rows) console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit} (${r.target ?? ''})`);
}
