// A real cluster for Marathon's integration tests and benchmark: ZooKeeper, one master, agents on
// their own loopback addresses (so hostnames differ, as constraints need) and Marathon nodes, all
// separate processes. Plus a REST helper and an SSE reader for /v2/events.
import { request } from 'node:http';
import { rm } from 'node:fs/promises';
import { startZooKeeper, type RunningZooKeeper } from '../../src/zookeeper/server.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import { startNode, testDir, waitForAgents, type TestNode } from './nodes.js';

export interface MarathonTestCluster {
  dir: string;
  zkUrl: string;
  master: TestNode;
  agents: TestNode[];
  marathons: TestNode[];
  /** Starts one more Marathon instance on the same ZooKeeper path. */
  addMarathon(extra?: Record<string, string>): Promise<TestNode>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  agents?: number;
  agentResources?: string;
  marathonFlags?: Record<string, string>;
  prefix?: string;
}

export async function startMarathonCluster(opts: ClusterOptions = {}): Promise<MarathonTestCluster> {
  const dir = testDir(opts.prefix ?? 'marathon');
  const zkPort = await freePort();
  const zk: RunningZooKeeper = await startZooKeeper({
    dataDir: `${dir}/zk`,
    clientPort: zkPort,
    logFile: `${dir}/zk.log`,
  });
  const zkBase = `zk://127.0.0.1:${zkPort}`;
  const zkUrl = `${zkBase}/mesos`;
  const master = await startNode(
    'master',
    { port: String(await freePort()), zk: zkUrl, allocation_interval: '100ms', zk_session_timeout: '4secs' },
    dir,
  );
  const agentCount = opts.agents ?? 3;
  // Each agent gets its own loopback IP (its hostname) and its own 100-port range: tasks bind all
  // interfaces, so two agents must not hand out the same port.
  const portBase = 32000 + (process.pid % 20) * 1000;
  const agents = await Promise.all(
    Array.from({ length: agentCount }, async (_, i) =>
      startNode(
        'agent',
        {
          ip: `127.0.${100 + (process.pid % 100)}.${i + 1}`,
          port: String(await freePort()),
          master: zkUrl,
          resources: `${opts.agentResources ?? 'cpus:4;mem:4096;disk:4096'};ports:[${portBase + i * 100}-${portBase + i * 100 + 99}]`,
          attributes: `rack:r${(i % 3) + 1}`,
          work_dir: `${dir}/agent-${i + 1}`,
          registration_backoff_factor: '50ms',
        },
        dir,
      ),
    ),
  );
  await waitForAgents(master.url, agentCount);
  const marathons: TestNode[] = [];
  const addMarathon = async (extra: Record<string, string> = {}): Promise<TestNode> => {
    const node = await startNode(
      'marathon',
      {
        port: String(await freePort()),
        master: zkUrl,
        zk: `${zkBase}/marathon`,
        zk_session_timeout: '4000',
        ...opts.marathonFlags,
        ...extra,
      },
      dir,
    );
    marathons.push(node);
    return node;
  };
  await addMarathon();
  await waitFor(
    async () => {
      const info = (await (await fetch(`${marathons[0]!.url}/v2/info`)).json()) as { frameworkId?: string };
      return Boolean(info.frameworkId);
    },
    { description: 'Marathon to subscribe' },
  );
  return {
    dir,
    zkUrl,
    master,
    agents,
    marathons,
    addMarathon,
    stop: async () => {
      for (const m of marathons) await m.stop();
      await Promise.all(agents.map((a) => a.stop()));
      await master.stop();
      await zk.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** One REST call; the body is parsed when it is JSON. */
export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    redirect: 'manual',
  });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads /v2/events as text/event-stream, keeping every event for later assertions. */
export class MarathonEventStream {
  readonly events: SseEvent[] = [];
  private req: ReturnType<typeof request> | null = null;

  static async open(base: string, query = ''): Promise<MarathonEventStream> {
    const stream = new MarathonEventStream();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${base}/v2/events${query}`,
        { headers: { Accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`/v2/events answered ${res.statusCode}`));
            return;
          }
          let buffer = '';
          let event = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let nl: number;
            while ((nl = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, nl).replace(/\r$/, '');
              buffer = buffer.slice(nl + 1);
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) {
                stream.events.push({
                  event,
                  data: JSON.parse(line.slice(5).trim()) as Record<string, unknown>,
                });
              }
            }
          });
          resolve();
        },
      );
      req.on('error', reject);
      req.end();
      stream.req = req;
    });
    await waitFor(() => stream.events.some((e) => e.event === 'event_stream_attached'), {
      description: 'event_stream_attached',
    });
    return stream;
  }

  of(type: string): SseEvent[] {
    return this.events.filter((e) => e.event === type);
  }

  async next(
    type: string,
    predicate: (data: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 30_000,
  ) {
    return waitFor(() => this.events.find((e) => e.event === type && predicate(e.data)), {
      timeoutMs,
      description: `a ${type} event`,
    });
  }

  close(): void {
    this.req?.destroy();
  }
}

export interface AppJson {
  id: string;
  instances: number;
  tasksRunning: number;
  tasksHealthy: number;
  tasksUnhealthy: number;
  tasksStaged: number;
  version: string;
  deployments: Array<{ id: string }>;
  tasks: Array<{
    id: string;
    host: string;
    state: string;
    ports: number[];
    version: string;
    slaveId: string;
    healthCheckResults?: Array<{ alive: boolean }>;
  }>;
  lastTaskFailure?: { message: string; state: string };
  [key: string]: unknown;
}

/** Waits until GET /v2/apps/{id} satisfies `ready` and returns that app. */
export async function waitForApp(
  base: string,
  id: string,
  ready: (app: AppJson) => boolean,
  description: string,
  timeoutMs = 30_000,
): Promise<AppJson> {
  let last: AppJson | undefined;
  try {
    return await waitFor(
      async () => {
        const res = await api<{ app: AppJson }>(base, 'GET', `/v2/apps${id}`);
        if (res.status !== 200) return undefined;
        last = res.body.app;
        return ready(last) ? last : undefined;
      },
      { timeoutMs, description, intervalMs: 50 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`);
  }
}

/** Waits until no deployment is running. */
export async function waitForNoDeployments(base: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await api<unknown[]>(base, 'GET', '/v2/deployments')).body.length === 0, {
    timeoutMs,
    description: 'every deployment to finish',
    intervalMs: 50,
  });
}
