// A real cluster for Marathon's integration tests and benchmark: the Mesos test cluster plus Marathon
// nodes, all separate processes. Plus a REST helper and an SSE reader for /v2/events.
import { request } from 'node:http';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import { startMesosTestCluster, type MesosClusterOptions, type MesosTestCluster } from './mesos-cluster.js';
import { startNode, type TestNode } from './nodes.js';
import { api } from './rest.js';

export interface MarathonTestCluster extends MesosTestCluster {
  marathons: TestNode[];
  /** Starts one more Marathon instance on the same ZooKeeper path. */
  addMarathon(extra?: Record<string, string>): Promise<TestNode>;
}

export interface ClusterOptions extends MesosClusterOptions {
  marathonFlags?: Record<string, string>;
}

export async function startMarathonCluster(opts: ClusterOptions = {}): Promise<MarathonTestCluster> {
  const mesos = await startMesosTestCluster({ ...opts, prefix: opts.prefix ?? 'marathon' });
  const marathons: TestNode[] = [];
  const addMarathon = async (extra: Record<string, string> = {}): Promise<TestNode> => {
    const node = await startNode(
      'marathon',
      {
        port: String(await freePort()),
        master: mesos.zkUrl,
        zk: `${mesos.zkBase}/marathon`,
        zk_session_timeout: '4000',
        ...opts.marathonFlags,
        ...extra,
      },
      mesos.dir,
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
    ...mesos,
    marathons,
    addMarathon,
    stop: async () => {
      for (const m of marathons) await m.stop();
      await mesos.stop();
    },
  };
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
