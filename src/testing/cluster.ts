// The cluster handle of `mesos-sandbox/testing`: boot a cluster with the code `sandbox up` runs (or
// attach to a running one), reach its APIs through typed clients, inject faults through the driver,
// and remove it again with `await using` or stop().
import { loadClusterConfig } from '../cluster/config.js';
import { ClusterNameTakenError, NodeNotFoundError, type Driver } from '../cluster/drivers/driver.js';
import { availableDrivers, createDriver, driverOf, type DriverOptions } from '../cluster/drivers/registry.js';
import {
  clusterInfo,
  clusterUp,
  type ClusterInfo,
  type InfoNode,
  type StepEvent,
} from '../cluster/lifecycle.js';
import type { Role } from '../cluster/spec.js';
import { waitFor } from '../util/wait.js';
import { ChronosClient } from './clients/chronos.js';
import { MarathonClient } from './clients/marathon.js';
import { MesosClient, type V0SlaveFull } from './clients/mesos.js';
import { specForOptions, type StartClusterOptions } from './options.js';

export interface LifecycleOptions {
  /** Where the process driver keeps its clusters (default: $SANDBOX_STATE_DIR or ~/.sandbox). */
  stateRoot?: string;
}

export interface StartOptions extends StartClusterOptions, LifecycleOptions {
  /** Progress of `up`, step by step (what `sandbox up` prints). */
  onStep?: (event: StepEvent) => void;
  /** Aborting stops the start and removes what was started. */
  signal?: AbortSignal;
  /** Keep the nodes of a failed start for debugging (they must then be removed by hand). */
  retain?: boolean;
}

export interface AgentWaitOptions {
  /** Wait for the master to list the agent as active (default) or not active (or gone). */
  active?: boolean;
  timeoutMs?: number;
}

const DEFAULT_AGENT_WAIT_MS = 60_000;

export class SandboxCluster implements AsyncDisposable {
  /** The Mesos master's operator API and the framework harness (subscribe). */
  readonly mesos: MesosClient;
  private current: ClusterInfo;
  private marathonClient: MarathonClient | undefined;
  private chronosClient: ChronosClient | undefined;
  private stopped = false;

  constructor(
    readonly driver: Driver,
    info: ClusterInfo,
    /** Whether this handle started the cluster (then stop() removes it) or attached to it. */
    readonly owned: boolean,
  ) {
    this.current = info;
    this.mesos = new MesosClient({ master: () => this.endpoint('master'), mesos: info.mesos });
  }

  get name(): string {
    return this.current.name;
  }

  /** The endpoints document (`sandbox info --json`), as of the last refresh(). */
  get info(): ClusterInfo {
    return this.current;
  }

  /** Reads the endpoints document again (node states, the leading master and Marathon). */
  async refresh(): Promise<ClusterInfo> {
    this.current = await clusterInfo(this.driver, this.name);
    return this.current;
  }

  private endpoint(key: 'master' | 'marathon' | 'chronos'): string {
    const url = this.current[key];
    if (!url) {
      throw new Error(
        key === 'master'
          ? `cluster '${this.name}' has no leading master right now (call refresh() after a failover)`
          : `cluster '${this.name}' runs no ${key === 'marathon' ? 'Marathon' : 'Chronos'}`,
      );
    }
    return url;
  }

  get marathon(): MarathonClient {
    this.endpoint('marathon');
    this.marathonClient ??= new MarathonClient(() => this.endpoint('marathon'));
    return this.marathonClient;
  }

  get chronos(): ChronosClient {
    this.endpoint('chronos');
    this.chronosClient ??= new ChronosClient(() => this.endpoint('chronos'));
    return this.chronosClient;
  }

  /** The nodes, all or of one role, as of the last refresh(). */
  nodes(role?: Role): InfoNode[] {
    return this.current.nodes.filter((n) => role === undefined || n.role === role);
  }

  node(id: string): InfoNode {
    const node = this.current.nodes.find((n) => n.id === id);
    if (!node) {
      const ids = this.current.nodes.map((n) => n.id).join(', ');
      throw new NodeNotFoundError(`cluster '${this.name}' has no node '${id}' (nodes: ${ids})`);
    }
    return node;
  }

  // ---------------------------------------------------------------- faults

  /** Stops a node (SIGTERM, or `docker stop`). */
  async stopNode(id: string): Promise<void> {
    await this.driver.stopNode(this.name, this.node(id).id);
    await this.refresh();
  }

  /** Starts a stopped node; it is started, not yet ready (see waitForAgent). */
  async startNode(id: string): Promise<void> {
    await this.driver.startNode(this.name, this.node(id).id);
    await this.refresh();
  }

  /** Kills a node with SIGKILL: it gets no chance to clean up. */
  async killNode(id: string): Promise<void> {
    await this.driver.killNode(this.name, this.node(id).id);
    await this.refresh();
  }

  async restartNode(id: string): Promise<void> {
    await this.driver.stopNode(this.name, this.node(id).id);
    await this.driver.startNode(this.name, id);
    await this.refresh();
  }

  /**
   * Cuts an agent off from the masters: it is frozen and its links are reset, so the master marks it
   * inactive at once (its tasks keep running). healAgent() ends it. See Driver.partitionNode.
   */
  async partitionAgent(id: string): Promise<void> {
    const node = this.node(id);
    if (node.role !== 'agent') throw new Error(`${id} is a ${node.role}, not an agent`);
    await this.driver.partitionNode(this.name, id);
  }

  /** Ends partitionAgent(): the agent runs again and re-registers by itself. */
  async healAgent(id: string): Promise<void> {
    await this.driver.healNode(this.name, this.node(id).id);
  }

  // ---------------------------------------------------------------- agents as the master sees them

  /** The master's entry for an agent node, or null when the master does not list it. */
  async masterAgent(id: string): Promise<V0SlaveFull | null> {
    const node = this.node(id);
    if (node.role !== 'agent') throw new Error(`${id} is a ${node.role}, not an agent`);
    // The master names an agent by the address it registered from: `slave(1)@<ip>:<port>`.
    const status = (await this.driver.nodes(this.name)).find((n) => n.id === id);
    if (!status) throw new NodeNotFoundError(`cluster '${this.name}' has no node '${id}'`);
    const agents = (await this.mesos.agents()).filter((a) => a.pid.endsWith(`@${status.internalAddress}`));
    return agents.find((a) => a.active) ?? agents[0] ?? null;
  }

  /**
   * Waits until the master lists the agent node as active (or, with `active: false`, as inactive or
   * not at all) and resolves with its entry (null when it is gone).
   */
  async waitForAgent(id: string, opts: AgentWaitOptions = {}): Promise<V0SlaveFull | null> {
    const active = opts.active ?? true;
    let last: string = 'nothing yet';
    try {
      const found = await waitFor(
        async () => {
          const agent = await this.masterAgent(id);
          last = agent ? `active=${agent.active}` : 'not listed';
          if (active) return agent?.active ? agent : null;
          return !agent || !agent.active ? { agent } : null;
        },
        {
          timeoutMs: opts.timeoutMs ?? DEFAULT_AGENT_WAIT_MS,
          intervalMs: 100,
          description: `the master to list ${id} as ${active ? 'active' : 'inactive'}`,
        },
      );
      return 'agent' in found ? found.agent : found;
    } catch (err) {
      throw new Error(`${(err as Error).message}; last seen: ${last}`, { cause: err });
    }
  }

  // ---------------------------------------------------------------- logs and lifecycle

  /** Copies every node's log into dir/<node-id>/ (as `sandbox export logs`). */
  exportLogs(dir: string): Promise<void> {
    return this.driver.exportLogs(this.name, dir);
  }

  /**
   * Removes the cluster if this handle started it; a handle from attachCluster leaves the cluster
   * running. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.owned) await this.driver.delete(this.name);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Boots a cluster exactly as `sandbox up` does and resolves once every node is ready (a master
 * leads, agents are active, Marathon and Chronos subscribed). The handle removes it on stop() or at
 * the end of an `await using` block.
 */
export async function startCluster(options: StartOptions = {}): Promise<SandboxCluster> {
  const file = options.config ? loadClusterConfig(options.config) : null;
  const spec = specForOptions(options, file);
  const driverOptions: DriverOptions = options.stateRoot ? { stateRoot: options.stateRoot } : {};
  // Names are unique across drivers, as for `sandbox up`: down must know which cluster it removes.
  for (const other of await availableDrivers(driverOptions)) {
    if (other.name !== spec.driver && (await other.list()).includes(spec.name))
      throw new ClusterNameTakenError(spec.name, other.name);
  }
  const driver = await createDriver(spec.driver, driverOptions);
  const info = await clusterUp({
    spec,
    driver,
    retain: options.retain ?? false,
    ...(options.onStep ? { onStep: options.onStep } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return new SandboxCluster(driver, info, true);
}

/** A handle on a running cluster (any driver); its stop() leaves the cluster running. */
export async function attachCluster(name: string, options: LifecycleOptions = {}): Promise<SandboxCluster> {
  const driver = await driverOf(name, options.stateRoot ? { stateRoot: options.stateRoot } : {});
  return new SandboxCluster(driver, await clusterInfo(driver, name), false);
}
