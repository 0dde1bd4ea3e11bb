// The one interface every way of running nodes implements (process, docker, later vagrant), as
// kind's providers do. Everything above it (readiness, rollback, info, logs export) is shared.
import type { Writable } from 'node:stream';
import type { NodeAddressing, NodePlan } from '../plan.js';
import type { ClusterSpec, DriverName, Role } from '../spec.js';

export type NodeState = 'running' | 'stopped';

export interface NodeStatus {
  id: string;
  role: Role;
  state: NodeState;
  /** host:port reachable from the machine that runs `sandbox`. */
  address: string;
  /** The address other nodes use (same as `address` for the process driver). */
  internalAddress: string;
}

export interface ClusterRecord {
  name: string;
  driver: DriverName;
  /** Set when the cluster was created; tells a re-created cluster of the same name apart. */
  runId: string;
  createdAt: string;
  spec: ClusterSpec;
}

/** A cluster being created: the driver has reserved its name and its addresses. */
export interface Provisioning {
  addressing: NodeAddressing;
  /** Starts one node (detached); resolves once it was started, not once it is ready. */
  startNode(node: NodePlan): Promise<void>;
}

export interface ExecOptions {
  /** An interactive terminal (node-pty), for `sandbox shell`. */
  tty?: boolean;
}

export class DriverUnavailableError extends Error {}
export class ClusterNameTakenError extends Error {
  constructor(name: string, driver: DriverName) {
    super(
      `a cluster named '${name}' already exists (${driver} driver): 'sandbox down --name ${name}' removes it`,
    );
  }
}
export class ClusterNotFoundError extends Error {}
export class NodeNotFoundError extends Error {}

export interface Driver {
  readonly name: DriverName;
  /** Throws DriverUnavailableError, saying what to do, when this driver cannot run here. */
  preflight(): Promise<void>;
  /** Names of this driver's clusters (complete, half-created or stopped). */
  list(): Promise<string[]>;
  /** The cluster's record, or null when this driver has no cluster of that name. */
  get(name: string): Promise<ClusterRecord | null>;
  /** Reserves the name and the cluster's addresses; throws ClusterNameTakenError. */
  create(record: ClusterRecord): Promise<Provisioning>;
  /** Every node of the cluster, in start order, with its state now. */
  nodes(name: string): Promise<NodeStatus[]>;
  stopNode(name: string, id: string): Promise<void>;
  startNode(name: string, id: string): Promise<void>;
  /** SIGKILL, for fault tests: the node dies without cleaning up. */
  killNode(name: string, id: string): Promise<void>;
  /**
   * Cuts the node off from the masters, for fault tests: it stays alive but frozen (it can neither
   * answer nor reconnect; the tasks it started keep running) and its connections to the masters are
   * reset, so the master sees it disconnect at once. healNode ends it.
   */
  partitionNode(name: string, id: string): Promise<void>;
  /** Ends partitionNode: the node runs again and reconnects by itself. A no-op for a node not cut off. */
  healNode(name: string, id: string): Promise<void>;
  /** Removes every trace of the cluster (processes and tasks, containers, networks, files). Idempotent. */
  delete(name: string): Promise<void>;
  /** The node's own log; `follow` keeps writing until the signal aborts. */
  writeLog(
    name: string,
    id: string,
    out: Writable,
    opts?: { follow?: boolean; signal?: AbortSignal },
  ): Promise<void>;
  /** Copies every node's log files into dir/<node-id>/ (for `sandbox export logs`). */
  exportLogs(name: string, dir: string): Promise<void>;
  /** Runs a command in the node's environment with inherited stdio; resolves with its exit code. */
  exec(name: string, id: string, command: string[], opts?: ExecOptions): Promise<number>;
  /** Memory of all of the cluster's processes in bytes, shared pages counted once (for the benchmark). */
  memoryBytes(name: string): Promise<number>;
  /**
   * The path under which the agents see `hostFile` (a file on this machine), for a task to fetch it
   * as a file:// URI. The process driver's agents see the host as it is; the Docker driver copies
   * the file into a directory its agents mount (removed by `down`).
   */
  shareFile(name: string, hostFile: string): Promise<string>;
}
