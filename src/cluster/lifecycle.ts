// Up, info and down for any driver: plan the nodes, have the driver start them, wait until every
// node is ready (ZooKeeper serves, a master leads, every agent is registered and active), and roll
// back what was started when something fails, unless asked to keep it.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { getJson, httpGet } from '../util/http-client.js';
import { splitHostPort } from '../util/net.js';
import { waitFor } from '../util/wait.js';
import { fourLetterWord } from '../zookeeper/server.js';
import type { ClusterRecord, Driver, NodeStatus } from './drivers/driver.js';
import { planNodes, type NodePlan } from './plan.js';
import type { ClusterSpec, DriverName, Role } from './spec.js';

export interface InfoNode {
  id: string;
  role: Role;
  /** host:port, for ZooKeeper (not an HTTP server). */
  address?: string;
  /** For every HTTP node. */
  url?: string;
  state: NodeStatus['state'];
  leader?: boolean;
}

/** The document of `sandbox info --json` (DESIGN.md, "The CLI contract"). */
export interface ClusterInfo {
  name: string;
  driver: DriverName;
  zookeeper: string;
  mesos: string;
  master?: string;
  marathon?: string;
  chronos?: string;
  nodes: InfoNode[];
}

export type StepEvent =
  | { type: 'start'; step: string }
  | { type: 'done'; step: string; detail?: string }
  | { type: 'fail'; step: string; detail: string };

export class NodeNotReadyError extends Error {
  constructor(
    readonly nodeId: string,
    why: string,
    /** The last lines of the node's log. */
    readonly logTail: string,
  ) {
    super(`${nodeId} did not become ready: ${why}`);
  }
}

export class UpAbortedError extends Error {}

export interface UpOptions {
  spec: ClusterSpec;
  driver: Driver;
  onStep?: (event: StepEvent) => void;
  /** Aborting (Ctrl-C) stops the wait and tears down what was started, even with retain. */
  signal?: AbortSignal;
  /** Keep the nodes of a failed `up` for debugging. */
  retain?: boolean;
}

const LOG_TAIL_LINES = 30;

/** The last `lines` lines of a node's log, through the driver (so it works for any driver). */
export async function logTail(
  driver: Driver,
  name: string,
  id: string,
  lines = LOG_TAIL_LINES,
): Promise<string> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  try {
    await driver.writeLog(name, id, sink);
  } catch (e) {
    return `(no log: ${(e as Error).message})`;
  }
  const text = Buffer.concat(chunks).toString('utf8').trimEnd();
  return text ? text.split('\n').slice(-lines).join('\n') : '(the log is empty)';
}

function httpUrl(address: string): string {
  return `http://${address}`;
}

/** Which master leads: GET /master/state without following the redirect answers 200 only there. */
async function isLeadingMaster(address: string): Promise<boolean> {
  const res = await httpGet(`${httpUrl(address)}/master/state`, 2000).catch(() => null);
  return res?.status === 200;
}

async function zookeeperServes(address: string): Promise<boolean> {
  const { host, port } = splitHostPort(address);
  // `ruok` answers before a server has loaded its data or joined a quorum; only a serving server
  // reports its Mode.
  const srvr = await fourLetterWord(host, port, 'srvr', 1000).catch(() => '');
  return /^Mode: /m.test(srvr);
}

interface AgentStateJson {
  id?: string;
}

async function agentIsActive(agent: NodeStatus, leader: NodeStatus): Promise<boolean> {
  const state = await getJson<AgentStateJson>(`${httpUrl(agent.address)}/state`, 2000);
  if (!state.id) return false;
  const slaves = await getJson<{ slaves: Array<{ id: string; active: boolean }> }>(
    `${httpUrl(leader.address)}/master/slaves`,
    2000,
  );
  return slaves.slaves.some((s) => s.id === state.id && s.active);
}

interface MarathonInfoJson {
  frameworkId?: string | null;
  elected?: boolean;
  leader?: string | null;
}

async function marathonInfo(marathon: NodeStatus): Promise<MarathonInfoJson> {
  return getJson<MarathonInfoJson>(`${httpUrl(marathon.address)}/v2/info`, 2000);
}

/**
 * Chronos answers /v1/scheduler/leader with itself once it leads; it has no endpoint with its
 * framework id, so the master is asked for an active framework of Chronos's name and web UI.
 */
async function chronosSubscribed(chronos: NodeStatus, leader: NodeStatus): Promise<boolean> {
  const url = httpUrl(chronos.address);
  const { leader: leading } = await getJson<{ leader?: string }>(`${url}/v1/scheduler/leader`, 2000);
  if (!leading) return false;
  const frameworks = await getJson<{
    frameworks: Array<{ name: string; active: boolean; webui_url?: string }>;
  }>(`${httpUrl(leader.address)}/master/frameworks`, 2000);
  return frameworks.frameworks.some((f) => f.active && f.webui_url === `http://${leading}`);
}

async function marathonSubscribed(marathon: NodeStatus, leader: NodeStatus): Promise<boolean> {
  const info = await marathonInfo(marathon);
  if (!info.elected || !info.frameworkId) return false;
  const frameworks = await getJson<{ frameworks: Array<{ id: string; active: boolean }> }>(
    `${httpUrl(leader.address)}/master/frameworks`,
    2000,
  );
  return frameworks.frameworks.some((f) => f.id === info.frameworkId && f.active);
}

export async function clusterUp(opts: UpOptions): Promise<ClusterInfo> {
  const { spec, driver } = opts;
  const step = opts.onStep ?? ((): void => {});
  const name = spec.name;
  const record: ClusterRecord = {
    name,
    driver: driver.name,
    runId: randomUUID(),
    createdAt: new Date().toISOString(),
    spec,
  };

  let current = `Checking the ${driver.name} driver`;
  step({ type: 'start', step: current });
  await driver.preflight();
  step({ type: 'done', step: current });

  current = 'Creating the cluster';
  step({ type: 'start', step: current });
  const provisioning = await driver.create(record);
  const abort = (): void => {
    if (opts.signal?.aborted) throw new UpAbortedError('interrupted');
  };
  try {
    const plans = planNodes(spec, provisioning.addressing);
    step({ type: 'done', step: current, detail: `${plans.length} nodes planned` });
    const ofRole = (role: Role): NodePlan[] => plans.filter((p) => p.role === role);
    let statuses = new Map<string, NodeStatus>();
    const refresh = async (): Promise<void> => {
      statuses = new Map((await driver.nodes(name)).map((n) => [n.id, n]));
    };
    const status = (plan: NodePlan): NodeStatus => {
      const s = statuses.get(plan.id);
      if (!s) throw new Error(`the driver does not know node ${plan.id}`);
      return s;
    };

    const ready = async <T>(id: string, what: string, check: () => Promise<T>): Promise<NonNullable<T>> => {
      try {
        return await waitFor(check, {
          timeoutMs: spec.readyTimeoutMs,
          intervalMs: 25,
          description: what,
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      } catch (err) {
        if (err instanceof UpAbortedError || opts.signal?.aborted) throw new UpAbortedError('interrupted');
        const nodes = await driver.nodes(name).catch(() => []);
        const exited = nodes.find((n) => n.id === id)?.state === 'stopped';
        throw new NodeNotReadyError(
          id,
          exited ? 'it exited' : `not ready within ${spec.readyTimeoutMs} ms (${what})`,
          await logTail(driver, name, id),
        );
      }
    };

    // ZooKeeper first: a client that connects while the server is still loading gets a connection
    // that is closed at once, and some clients never recover from that. Everything else then starts
    // at once: masters elect a leader and agents find it by themselves.
    const zks = ofRole('zookeeper');
    current = `Starting ZooKeeper (${zks.length} node${zks.length > 1 ? 's' : ''})`;
    step({ type: 'start', step: current });
    await Promise.all(zks.map((p) => provisioning.startNode(p)));
    await refresh();
    await Promise.all(
      zks.map((z) => ready(z.id, `${z.id} to serve`, () => zookeeperServes(status(z).address))),
    );
    step({ type: 'done', step: current });

    const rest = plans.filter((p) => p.role !== 'zookeeper');
    current = 'Starting the other nodes';
    step({ type: 'start', step: current });
    await Promise.all(rest.map((p) => provisioning.startNode(p)));
    await refresh();
    step({ type: 'done', step: current, detail: `${rest.length} nodes started` });
    abort();

    const masters = ofRole('master');
    current = `Electing a leading master (${masters.length} master${masters.length > 1 ? 's' : ''})`;
    step({ type: 'start', step: current });
    let leader: NodeStatus | undefined;
    await ready(masters[0]!.id, 'a leading master', async () => {
      for (const m of masters) if (await isLeadingMaster(status(m).address)) leader = status(m);
      return leader !== undefined;
    });
    step({ type: 'done', step: current, detail: leader!.id });

    const agents = ofRole('agent');
    if (agents.length > 0) {
      current = `Registering ${agents.length} agent${agents.length > 1 ? 's' : ''}`;
      step({ type: 'start', step: current });
      await Promise.all(
        agents.map((a) =>
          ready(a.id, `${a.id} to be registered and active`, () => agentIsActive(status(a), leader!)),
        ),
      );
      step({ type: 'done', step: current });
    }

    // Marathon is ready once one instance leads and the master lists it as subscribed.
    const marathons = ofRole('marathon');
    if (marathons.length > 0) {
      current = 'Subscribing Marathon';
      step({ type: 'start', step: current });
      await ready(marathons[0]!.id, 'Marathon to lead and subscribe with the master', async () => {
        for (const m of marathons) if (await marathonSubscribed(status(m), leader!)) return true;
        return false;
      });
      step({ type: 'done', step: current });
    }

    // Chronos is ready once one instance leads and the master lists its framework as active.
    const chronoses = ofRole('chronos');
    if (chronoses.length > 0) {
      current = 'Subscribing Chronos';
      step({ type: 'start', step: current });
      await ready(chronoses[0]!.id, 'Chronos to lead and subscribe with the master', async () => {
        for (const c of chronoses) if (await chronosSubscribed(status(c), leader!)) return true;
        return false;
      });
      step({ type: 'done', step: current });
    }
  } catch (err) {
    step({ type: 'fail', step: current, detail: (err as Error).message });
    if (!opts.retain || err instanceof UpAbortedError) {
      step({ type: 'start', step: 'Removing what was started' });
      await driver.delete(name);
      step({ type: 'done', step: 'Removing what was started' });
    }
    throw err;
  }
  return clusterInfo(driver, name);
}

export async function clusterInfo(driver: Driver, name: string): Promise<ClusterInfo> {
  const nodes = await driver.nodes(name);
  const leaders = new Set<string>();
  await Promise.all(
    nodes
      .filter((n) => n.role === 'master' && n.state === 'running')
      .map(async (n) => {
        if (await isLeadingMaster(n.address)) leaders.add(n.id);
      }),
  );
  const zookeeper = `zk://${nodes
    .filter((n) => n.role === 'zookeeper')
    .map((n) => n.address)
    .join(',')}`;
  const info: ClusterInfo = {
    name,
    driver: driver.name,
    zookeeper,
    mesos: `${zookeeper}/mesos`,
    nodes: nodes.map((n) => ({
      id: n.id,
      role: n.role,
      ...(n.role === 'zookeeper' ? { address: n.address } : { url: httpUrl(n.address) }),
      state: n.state,
      ...(n.role === 'master' ? { leader: leaders.has(n.id) } : {}),
    })),
  };
  const leader = nodes.find((n) => leaders.has(n.id));
  if (leader) info.master = httpUrl(leader.address);
  for (const role of ['marathon', 'chronos'] as const) {
    const node = nodes.find((n) => n.role === role);
    if (node) info[role] = httpUrl(node.address);
  }
  // With several Marathons, `marathon` is the leading one.
  const marathons = nodes.filter((n) => n.role === 'marathon' && n.state === 'running');
  if (marathons.length > 1) {
    const elected = await Promise.all(
      marathons.map((m) => marathonInfo(m).catch(() => ({}) as MarathonInfoJson)),
    );
    const i = elected.findIndex((e) => e.elected);
    if (i >= 0) info.marathon = httpUrl(marathons[i]!.address);
  }
  return info;
}
