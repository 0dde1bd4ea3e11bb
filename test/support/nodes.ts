// Starting real `sandbox-node` processes for integration tests (the built dist/ is what runs, so
// `npm test` builds first), and small helpers to watch what they do.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_MAIN } from '../../src/node/main-path.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import { SchedulerClient } from '../../src/mesos/scheduler/client.js';
import type {
  FrameworkInfo,
  Offer,
  SchedulerEvent,
  TaskInfo,
  TaskStatus,
} from '../../src/mesos/protocol/types.js';

export interface TestNode {
  role: string;
  url: string;
  logFile: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
  logTail(): string;
}

export function testDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sandbox-test-${prefix}-`));
}

export async function startNode(
  role: 'master' | 'agent' | 'marathon' | 'chronos',
  flags: Record<string, string>,
  dir: string,
): Promise<TestNode> {
  if (!existsSync(NODE_MAIN)) throw new Error(`${NODE_MAIN} is missing: run 'npm run build' first`);
  const logFile = join(dir, `${role}-${flags.port}.log`);
  const args = [
    NODE_MAIN,
    role,
    ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`),
    `--log_file=${logFile}`,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://${flags.ip ?? '127.0.0.1'}:${flags.port}`;
  const logTail = (): string => {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
    return `${log}\n${stderr}`;
  };
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${role} exited with ${child.exitCode}: ${logTail()}`);
      const res = await fetch(`${url}${role === 'marathon' || role === 'chronos' ? '/ping' : '/health'}`);
      return res.status === 200;
    },
    { timeoutMs: 15_000, description: `${role} at ${url} to answer /health` },
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${logTail()}`);
  });
  return {
    role,
    url,
    logFile,
    child,
    logTail,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Waits until the master at `masterUrl` lists `count` registered agents. */
export async function waitForAgents(masterUrl: string, count: number): Promise<void> {
  await waitFor(
    async () =>
      ((await (await fetch(`${masterUrl}/master/slaves`)).json()) as { slaves: unknown[] }).slaves.length ===
      count,
    { description: `${count} agent(s) to register` },
  );
}

/** Collects a scheduler's events so tests can wait for the one they expect. */
export class EventLog {
  readonly events: SchedulerEvent[] = [];

  constructor(client: SchedulerClient) {
    client.on('event', (e: SchedulerEvent) => this.events.push(e));
  }

  async next<T extends SchedulerEvent['type']>(
    type: T,
    predicate: (e: Extract<SchedulerEvent, { type: T }>) => boolean = () => true,
    timeoutMs = 15_000,
    from = 0,
  ): Promise<Extract<SchedulerEvent, { type: T }>> {
    return waitFor(
      () =>
        this.events
          .slice(from)
          .find(
            (e): e is Extract<SchedulerEvent, { type: T }> =>
              e.type === type && predicate(e as Extract<SchedulerEvent, { type: T }>),
          ),
      { timeoutMs, description: `a ${type} event`, intervalMs: 5 },
    );
  }

  updates(taskId: string): Array<Extract<SchedulerEvent, { type: 'UPDATE' }>['update']['status']> {
    return this.events
      .filter((e): e is Extract<SchedulerEvent, { type: 'UPDATE' }> => e.type === 'UPDATE')
      .map((e) => e.update.status)
      .filter((s) => s.task_id.value === taskId);
  }
}

/**
 * Acknowledges every status update that needs it, as a well-behaved framework does; `only` leaves
 * the others unacknowledged.
 */
export function acknowledgeUpdates(
  client: SchedulerClient,
  only: (s: TaskStatus) => boolean = () => true,
): void {
  client.on('event', (e: SchedulerEvent) => {
    if (e.type === 'UPDATE' && e.update.status.uuid && only(e.update.status)) {
      void client.call({
        type: 'ACKNOWLEDGE',
        acknowledge: {
          agent_id: e.update.status.agent_id!,
          task_id: e.update.status.task_id,
          uuid: e.update.status.uuid,
        },
      });
    }
  });
}

/** A framework of its own that launches one task on the first offer; torn down by close(). */
export interface OneTaskFramework {
  client: SchedulerClient;
  log: EventLog;
  /** The first status of `taskId` that `match` accepts. */
  update(taskId: string, match: (s: TaskStatus) => boolean, timeoutMs?: number): Promise<TaskStatus>;
  close(): Promise<void>;
}

export async function launchOneTask(
  masterUrl: string,
  name: string,
  task: (offer: Offer) => TaskInfo,
  options: {
    frameworkInfo?: Partial<FrameworkInfo>;
    acknowledge?: (s: TaskStatus) => boolean;
    /** Declines every later offer for an hour, so other frameworks get the rest of the agent. */
    declineOtherOffers?: boolean;
  } = {},
): Promise<OneTaskFramework> {
  const client = new SchedulerClient({
    master: masterUrl,
    frameworkInfo: { user: 'root', name, ...options.frameworkInfo },
    reconnect: false,
  });
  const log = new EventLog(client);
  acknowledgeUpdates(client, options.acknowledge);
  await client.subscribe();
  const { offers } = await log.next('OFFERS', (e) => e.offers.offers.length > 0);
  const offer = offers.offers[0]!;
  if (options.declineOtherOffers) {
    client.on('event', (e: SchedulerEvent) => {
      if (e.type !== 'OFFERS') return;
      const offerIds = e.offers.offers.map((o) => o.id).filter((id) => id.value !== offer.id.value);
      if (offerIds.length === 0) return;
      void client.call({
        type: 'DECLINE',
        decline: { offer_ids: offerIds, filters: { refuse_seconds: 3600 } },
      });
    });
  }
  await client.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: [task(offer)] } }],
      filters: { refuse_seconds: 0 },
    },
  });
  return {
    client,
    log,
    update: (taskId, match, timeoutMs = 30_000) =>
      log
        .next('UPDATE', (e) => e.update.status.task_id.value === taskId && match(e.update.status), timeoutMs)
        .then((e) => e.update.status),
    close: async () => {
      await client.call({ type: 'TEARDOWN' }).catch(() => undefined);
      await client.close();
    },
  };
}

/** A master (100 ms allocations) and one registered agent in `dir`; `agentFlags` add to or override the agent's. */
export async function startMasterAndAgent(
  dir: string,
  agentFlags: Record<string, string>,
): Promise<{ master: TestNode; agent: TestNode }> {
  const master = await startNode(
    'master',
    { port: String(await freePort()), allocation_interval: '100ms' },
    dir,
  );
  const agent = await startNode(
    'agent',
    {
      port: String(await freePort()),
      master: master.url,
      work_dir: `${dir}/agent`,
      registration_backoff_factor: '50ms',
      ...agentFlags,
    },
    dir,
  );
  await waitForAgents(master.url, 1);
  return { master, agent };
}
