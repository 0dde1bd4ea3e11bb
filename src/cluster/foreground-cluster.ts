// A whole cluster (ZooKeeper, one master, N agents) as child processes of the caller, until it is
// stopped. Each node gets its own loopback address and its role's standard port, and agents get
// task port ranges that do not overlap, since tasks share the host's network.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getJson } from '../util/http-client.js';
import { waitFor } from '../util/wait.js';
import { fourLetterWord } from '../zookeeper/server.js';

const NODE_MAIN = resolve(import.meta.dirname, '../node/main.js');

export interface ForegroundClusterOptions {
  stateDir: string;
  agents: number;
  /** Per-agent resources without ports (ports are assigned per agent). */
  agentResources: string;
  logLevel: string;
  readyTimeoutMs: number;
}

export interface ClusterNode {
  id: string;
  role: 'zookeeper' | 'master' | 'agent';
  address: string;
  url?: string;
  logFile: string;
  child: ChildProcess;
}

export interface ForegroundCluster {
  zookeeper: string;
  mesos: string;
  master: string;
  nodes: ClusterNode[];
  stop(): Promise<void>;
}

export class NodeNotReadyError extends Error {
  constructor(
    readonly node: ClusterNode,
    why: string,
  ) {
    super(`${node.id} did not become ready: ${why}`);
  }
}

function startNode(
  role: ClusterNode['role'],
  id: string,
  ip: string,
  port: number,
  flags: string[],
  dir: string,
): ClusterNode {
  const logFile = join(dir, `${id}.log`);
  const child = spawn(
    process.execPath,
    [NODE_MAIN, role, `--ip=${ip}`, `--port=${port}`, `--log_file=${logFile}`, ...flags],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return {
    id,
    role,
    address: `${ip}:${port}`,
    ...(role !== 'zookeeper' ? { url: `http://${ip}:${port}` } : {}),
    logFile,
    child,
  };
}

async function stopAll(nodes: ClusterNode[]): Promise<void> {
  // Agents first so their tasks end cleanly, then masters, then ZooKeeper.
  for (const role of ['agent', 'master', 'zookeeper'] as const) {
    await Promise.all(
      nodes
        .filter((n) => n.role === role && n.child.exitCode === null && n.child.signalCode === null)
        .map(
          (n) =>
            new Promise<void>((r) => {
              n.child.once('exit', () => r());
              n.child.kill('SIGTERM');
            }),
        ),
    );
  }
}

export async function startForegroundCluster(opts: ForegroundClusterOptions): Promise<ForegroundCluster> {
  mkdirSync(opts.stateDir, { recursive: true });
  const nodes: ClusterNode[] = [];
  const ready = async (node: ClusterNode, check: () => Promise<boolean>): Promise<void> => {
    await waitFor(
      async () => {
        if (node.child.exitCode !== null)
          throw new NodeNotReadyError(node, `exited with ${node.child.exitCode}`);
        return check();
      },
      { timeoutMs: opts.readyTimeoutMs, description: `${node.id} to be ready` },
    ).catch((err: unknown) => {
      throw err instanceof NodeNotReadyError ? err : new NodeNotReadyError(node, (err as Error).message);
    });
  };
  try {
    const zk = startNode(
      'zookeeper',
      'zookeeper-1',
      '127.0.0.1',
      2181,
      [`--data_dir=${join(opts.stateDir, 'zookeeper-1')}`, `--log_level=${opts.logLevel}`],
      opts.stateDir,
    );
    nodes.push(zk);
    const zkUrl = 'zk://127.0.0.1:2181/mesos';
    await ready(zk, async () => (await fourLetterWord('127.0.0.1', 2181, 'ruok').catch(() => '')) === 'imok');

    const master = startNode(
      'master',
      'master-1',
      '127.0.0.1',
      5050,
      [`--zk=${zkUrl}`, `--log_level=${opts.logLevel}`],
      opts.stateDir,
    );
    nodes.push(master);
    await ready(
      master,
      async () =>
        (await getJson<{ leader_info?: { id: string } }>(`${master.url}/master/state`).catch(() => null))
          ?.leader_info !== undefined,
    );

    for (let i = 1; i <= opts.agents; i++) {
      const base = 31000 + (i - 1) * 1000;
      const agent = startNode(
        'agent',
        `agent-${i}`,
        `127.0.1.${i}`,
        5051,
        [
          `--master=${zkUrl}`,
          `--resources=${opts.agentResources};ports:[${base}-${base + 999}]`,
          `--work_dir=${join(opts.stateDir, `agent-${i}`)}`,
          `--log_level=${opts.logLevel}`,
        ],
        opts.stateDir,
      );
      nodes.push(agent);
    }
    for (const agent of nodes.filter((n) => n.role === 'agent')) {
      await ready(agent, async () => {
        const slaves = await getJson<{ slaves: Array<{ hostname: string; active: boolean }> }>(
          `${master.url}/master/slaves`,
        ).catch(() => null);
        return slaves?.slaves.some((s) => `${s.hostname}:5051` === agent.address && s.active) ?? false;
      });
    }
    return {
      zookeeper: 'zk://127.0.0.1:2181',
      mesos: zkUrl,
      master: master.url!,
      nodes,
      stop: () => stopAll(nodes),
    };
  } catch (err) {
    await stopAll(nodes);
    throw err;
  }
}
