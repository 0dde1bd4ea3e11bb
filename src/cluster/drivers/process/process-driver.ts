// The process driver (the default): every node is a detached `sandbox-node <role>` process with its
// own loopback address, log file, data dir and pid file under the cluster's state directory. The
// cluster is found again from those files; `delete` kills every process the cluster owns, tasks
// included, and removes its cgroups and files.
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { destroyCgroupSubtree, detectCgroups } from '../../../mesos/agent/containerizer/cgroups.js';
import { cwdOf, listProcesses, readProcess, pssBytes, tryKill, withDescendants } from '../../../util/proc.js';
import { isPortFree } from '../../../util/net.js';
import { sleep, waitFor } from '../../../util/wait.js';
import { isZooKeeperInstalled } from '../../../zookeeper/server.js';
import { agentCount, planNodes, type NodePlan } from '../../plan.js';
import type { Role } from '../../spec.js';
import {
  ClusterNameTakenError,
  ClusterNotFoundError,
  DriverUnavailableError,
  NodeNotFoundError,
  type ClusterRecord,
  type Driver,
  type ExecOptions,
  type NodeStatus,
  type Provisioning,
} from '../driver.js';
import { runCommand } from '../terminal.js';
import {
  chooseAgentPorts,
  chooseSlot,
  processAddressing,
  type PortRange,
  type ProcessAllocation,
} from './addresses.js';
import { ClusterFiles, type ProcessNodeEntry } from './cluster-files.js';
import { resetConnections } from './partition.js';
import { removeTaskContainers, taskLabelFlag } from './task-containers.js';
import { NODE_MAIN } from '../../../node/main-path.js';

/** Every task cgroup of a cluster lives under this parent, one child per agent. */
const CGROUP_PARENT = 'mesos-sandbox';
const STOP_TIMEOUT_MS = 10_000;

export interface ProcessDriverOptions {
  stateRoot: string;
}

export class ProcessDriver implements Driver {
  readonly name = 'process' as const;
  private readonly files: ClusterFiles;

  constructor(opts: ProcessDriverOptions) {
    this.files = new ClusterFiles(opts.stateRoot);
  }

  async preflight(): Promise<void> {
    if (process.platform !== 'linux') {
      throw new DriverUnavailableError(
        `the process driver needs Linux (this is ${process.platform}): use --driver docker`,
      );
    }
    if (!isZooKeeperInstalled()) {
      throw new DriverUnavailableError(
        "ZooKeeper or Java is not installed: run ./install.sh (or 'apt-get install zookeeper default-jre-headless')",
      );
    }
  }

  list(): Promise<string[]> {
    return Promise.resolve(this.files.names());
  }

  get(name: string): Promise<ClusterRecord | null> {
    return Promise.resolve(this.files.read(name)?.record ?? null);
  }

  async create(record: ClusterRecord): Promise<Provisioning> {
    const allocation = await this.files.locked(async () => {
      const name = record.name;
      if (existsSync(this.files.clusterDir(name))) {
        throw new ClusterNameTakenError(name, 'process');
      }
      const usedSlots = new Set<number>();
      const usedPorts: PortRange[] = [];
      for (const other of this.files.names()) {
        const file = this.files.read(other);
        if (!file) continue;
        usedSlots.add(file.allocation.slot);
        usedPorts.push(...file.allocation.agentPorts);
      }
      const agentPorts = chooseAgentPorts(agentCount(record.spec), usedPorts);
      if (agentPorts === null) {
        throw new Error(
          'not enough free task port ranges for the agents: remove a cluster or use fewer agents',
        );
      }
      // Slots are only recorded under this state root; another user's (or another root's) cluster
      // may hold one, so a slot is taken only when all of its nodes' addresses can be bound.
      let slot: number | null = null;
      for (let candidate = chooseSlot(usedSlots); candidate !== null; candidate = chooseSlot(usedSlots)) {
        usedSlots.add(candidate);
        const addressing = processAddressing(record.spec, { slot: candidate, agentPorts });
        const plans = planNodes(record.spec, addressing);
        const free = await Promise.all(plans.map((p) => isPortFree(p.port, addressing.hostOf(p.id))));
        if (free.every(Boolean)) {
          slot = candidate;
          break;
        }
      }
      if (slot === null) throw new Error('every loopback slot is taken: remove a cluster first');
      const allocation: ProcessAllocation = { slot, agentPorts };
      this.files.write({ record, allocation, nodes: [] });
      return allocation;
    });
    const addressing = processAddressing(record.spec, allocation);
    return {
      addressing,
      startNode: async (plan: NodePlan): Promise<void> => {
        const entry = this.nodeEntry(record.name, plan, addressing.hostOf(plan.id));
        const file = this.files.read(record.name);
        if (!file) throw new ClusterNotFoundError(`cluster '${record.name}' was removed while starting`);
        file.nodes = [...file.nodes.filter((n) => n.id !== entry.id), entry];
        this.files.write(file);
        this.spawnNode(record.name, entry);
      },
    };
  }

  private nodeEntry(name: string, plan: NodePlan, ip: string): ProcessNodeEntry {
    const dir = this.files.nodeDir(name, plan.id);
    const log = this.files.logFile(name, plan.id);
    const own: Record<Role, string[]> = {
      zookeeper: [`--data_dir=${join(dir, 'data')}`, `--server_log=${log}`],
      master: [],
      agent: [
        `--work_dir=${join(dir, 'work')}`,
        `--cgroups_root=${CGROUP_PARENT}/${name}/${plan.id}`,
        taskLabelFlag(this.files.clusterDir(name)),
      ],
      marathon: [],
      chronos: [],
    };
    return {
      id: plan.id,
      role: plan.role,
      ip,
      port: plan.port,
      argv: [
        plan.role,
        ...plan.flags,
        `--ip=${ip}`,
        `--port=${plan.port}`,
        `--log_file=${log}`,
        ...own[plan.role],
      ],
    };
  }

  private spawnNode(name: string, entry: ProcessNodeEntry): void {
    const dir = this.files.nodeDir(name, entry.id);
    mkdirSync(dir, { recursive: true });
    // The node's stdout and stderr (a crash before its logger is up) go to its log file too.
    const out = openSync(this.files.logFile(name, entry.id), 'a');
    try {
      const child = spawn(process.execPath, [NODE_MAIN, ...entry.argv], {
        cwd: dir,
        detached: true,
        stdio: ['ignore', out, out],
        env: { ...process.env, SANDBOX_CLUSTER: name, SANDBOX_NODE: entry.id },
      });
      child.unref();
      if (child.pid === undefined) throw new Error(`cannot start ${entry.id}: spawn failed`);
      const proc = readProcess(child.pid);
      this.files.writePid(name, entry.id, { pid: child.pid, startTime: proc?.startTime ?? 0 });
    } finally {
      closeSync(out);
    }
  }

  /** The node's pid while it runs (the pid file names a live process that is not a zombie). */
  private livePid(name: string, id: string): number | null {
    const pid = this.files.readPid(name, id);
    if (!pid) return null;
    const proc = readProcess(pid.pid);
    return proc && proc.startTime === pid.startTime && proc.state !== 'Z' ? pid.pid : null;
  }

  private entries(name: string): ProcessNodeEntry[] {
    const file = this.files.read(name);
    if (!file) throw new ClusterNotFoundError(`no cluster named '${name}'`);
    return file.nodes;
  }

  private entry(name: string, id: string): ProcessNodeEntry {
    const entry = this.entries(name).find((n) => n.id === id);
    if (!entry) {
      const ids = this.entries(name).map((n) => n.id);
      throw new NodeNotFoundError(`cluster '${name}' has no node '${id}' (nodes: ${ids.join(', ')})`);
    }
    return entry;
  }

  nodes(name: string): Promise<NodeStatus[]> {
    return Promise.resolve(
      this.entries(name).map((n) => ({
        id: n.id,
        role: n.role,
        state: this.livePid(name, n.id) === null ? 'stopped' : 'running',
        address: `${n.ip}:${n.port}`,
        internalAddress: `${n.ip}:${n.port}`,
      })),
    );
  }

  async stopNode(name: string, id: string): Promise<void> {
    this.entry(name, id);
    const pid = this.livePid(name, id);
    if (pid === null) return;
    tryKill(pid, 'SIGTERM');
    // A node frozen by partitionNode gets the SIGTERM only once it runs again.
    tryKill(pid, 'SIGCONT');
    try {
      await waitFor(() => this.livePid(name, id) === null, {
        timeoutMs: STOP_TIMEOUT_MS,
        intervalMs: 20,
        description: `${id} to stop`,
      });
    } catch {
      // A node that ignores SIGTERM for this long is killed, with whatever it started.
      for (const p of withDescendants([pid], listProcesses())) tryKill(p, 'SIGKILL');
    }
  }

  async startNode(name: string, id: string): Promise<void> {
    const entry = this.entry(name, id);
    if (this.livePid(name, id) !== null) return;
    this.spawnNode(name, entry);
  }

  async killNode(name: string, id: string): Promise<void> {
    this.entry(name, id);
    const pid = this.livePid(name, id);
    if (pid !== null) tryKill(pid, 'SIGKILL');
    await waitFor(() => this.livePid(name, id) === null, {
      timeoutMs: STOP_TIMEOUT_MS,
      intervalMs: 10,
      description: `${id} to die`,
    });
  }

  async partitionNode(name: string, id: string): Promise<void> {
    this.entry(name, id);
    const pid = this.livePid(name, id);
    if (pid === null) throw new Error(`${id} is not running: start it before cutting it off`);
    const masters = this.entries(name)
      .filter((n) => n.role === 'master' && n.id !== id)
      .map((n) => `${n.ip}:${n.port}`);
    tryKill(pid, 'SIGSTOP');
    try {
      await resetConnections(pid, masters);
    } catch (err) {
      tryKill(pid, 'SIGCONT');
      throw err;
    }
  }

  async healNode(name: string, id: string): Promise<void> {
    this.entry(name, id);
    const pid = this.livePid(name, id);
    if (pid !== null) tryKill(pid, 'SIGCONT');
  }

  /**
   * Every live process of the cluster: its nodes and their descendants, and whatever runs in the
   * cluster's directory (tasks run in their sandbox there, and outlive an agent that was killed).
   */
  private clusterProcesses(name: string): Set<number> {
    const dir = this.files.clusterDir(name) + '/';
    const procs = listProcesses().filter((p) => p.state !== 'Z');
    const roots: number[] = [];
    for (const id of (this.files.read(name)?.nodes ?? []).map((n) => n.id)) {
      const pid = this.livePid(name, id);
      if (pid !== null) roots.push(pid);
    }
    for (const p of procs) {
      if (p.pid === process.pid) continue;
      const cwd = cwdOf(p.pid);
      if (cwd !== null && (cwd + '/').startsWith(dir)) roots.push(p.pid);
    }
    const all = withDescendants(roots, procs);
    // Never this command, nor the shell or test runner that started it.
    for (let p = readProcess(process.pid); p && p.pid > 1; p = readProcess(p.ppid)) all.delete(p.pid);
    return all;
  }

  async delete(name: string): Promise<void> {
    const layout = detectCgroups();
    for (let round = 0; ; round++) {
      const pids = this.clusterProcesses(name);
      if (pids.size === 0) break;
      if (round > 200)
        throw new Error(`cannot kill the processes of '${name}': ${[...pids].join(' ')} remain`);
      for (const pid of pids) tryKill(pid, 'SIGKILL');
      await sleep(10);
    }
    if (layout.version !== 'none') await destroyCgroupSubtree(layout, `${CGROUP_PARENT}/${name}`);
    await removeTaskContainers(this.files.clusterDir(name));
    this.files.removeCluster(name);
  }

  async writeLog(
    name: string,
    id: string,
    out: Writable,
    opts: { follow?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    this.entry(name, id);
    const path = this.files.logFile(name, id);
    let offset = 0;
    const pump = (): void => {
      let size = 0;
      try {
        size = statSync(path).size;
      } catch {
        return;
      }
      if (size < offset) offset = 0;
      if (size === offset) return;
      const fd = openSync(path, 'r');
      try {
        const buf = Buffer.alloc(Math.min(size - offset, 1 << 20));
        const n = readSync(fd, buf, 0, buf.length, offset);
        offset += n;
        out.write(buf.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    };
    for (;;) {
      const before = offset;
      pump();
      if (offset !== before) continue;
      if (!opts.follow || opts.signal?.aborted) return;
      // Following a file is polling it; 200 ms is quick enough for a human watching a log.
      await sleep(200);
    }
  }

  exportLogs(name: string, dir: string): Promise<void> {
    for (const n of this.entries(name)) {
      const src = this.files.logFile(name, n.id);
      mkdirSync(join(dir, n.id), { recursive: true });
      if (existsSync(src)) copyFileSync(src, join(dir, n.id, 'node.log'));
    }
    return Promise.resolve();
  }

  exec(name: string, id: string, command: string[], opts: ExecOptions = {}): Promise<number> {
    const entry = this.entry(name, id);
    return runCommand(command, {
      cwd: this.files.nodeDir(name, id),
      tty: opts.tty ?? false,
      env: {
        ...process.env,
        SANDBOX_CLUSTER: name,
        SANDBOX_NODE: id,
        SANDBOX_NODE_ADDRESS: `${entry.ip}:${entry.port}`,
      },
    });
  }

  memoryBytes(name: string): Promise<number> {
    let total = 0;
    for (const pid of this.clusterProcesses(name)) total += pssBytes(pid);
    return Promise.resolve(total);
  }

  /** Agents are processes on this machine: they see the file where it is. */
  shareFile(_name: string, hostFile: string): Promise<string> {
    return Promise.resolve(hostFile);
  }
}
