// The cluster as a testcontainers-style container: `new MesosSandboxContainer().withAgents(2).start()`
// boots it with startCluster (the code `sandbox up` runs) on the Docker driver, and the started
// object answers the getters a testcontainers user expects (host, mapped ports, network) plus the
// cluster's URLs and its SandboxCluster handle. It is not a StartedTestContainer: a cluster is many
// containers, so container-level calls (exec, copy*, logs, commit) are left to getCluster().
import { realpathSync } from 'node:fs';
import { getContainerRuntimeClient, StartedNetwork, type ContainerRuntimeClient } from 'testcontainers';
import { containerName, LABEL_CLUSTER, networkName } from '../../cluster/drivers/docker/container-spec.js';
import type { LogLevel } from '../../cluster/spec.js';
import { startCluster, type SandboxCluster } from '../cluster.js';
import { modemAddress } from '../../cluster/drivers/docker/modem-address.js';
import { canonicalEndpoint, dockerHostMismatch, modemEndpoint } from './docker-endpoint.js';
import { ClusterEndpoints, nodeEndpoints, parsePort, type NodeEndpoint } from './endpoints.js';
import { startOptionsFor, type MesosSandboxContainerOptions } from './options.js';

export class MesosSandboxContainer {
  private readonly options: MesosSandboxContainerOptions;

  constructor(options: MesosSandboxContainerOptions = {}) {
    this.options = { ...options };
  }

  /** The cluster's name (container and network names derive from it); default a fresh `test-<hex>`. */
  withName(name: string): this {
    this.options.name = name;
    return this;
  }

  withAgents(count: number): this {
    this.options.agents = count;
    return this;
  }

  /** Every agent's resources, e.g. 'cpus:2;mem:2048'. */
  withAgentResources(resources: string): this {
    this.options.agentResources = resources;
    return this;
  }

  withMasters(count: number): this {
    this.options.masters = count;
    return this;
  }

  withZookeepers(count: number): this {
    this.options.zookeepers = count;
    return this;
  }

  withMarathon(enabled = true): this {
    this.options.marathon = enabled;
    return this;
  }

  withChronos(enabled = true): this {
    this.options.chronos = enabled;
    return this;
  }

  /** A cluster config file, as `sandbox up --config`; the other with* calls apply over it. */
  withConfig(file: string): this {
    this.options.config = file;
    return this;
  }

  /** How long each node may take to become ready (default 60 s). */
  withStartupTimeout(ms: number): this {
    this.options.startupTimeoutMs = ms;
    return this;
  }

  withLogLevel(level: LogLevel): this {
    this.options.logLevel = level;
    return this;
  }

  /** See MesosSandboxContainerOptions.checkDockerHost. */
  withDockerHostCheck(enabled: boolean): this {
    this.options.checkDockerHost = enabled;
    return this;
  }

  /** Boots the cluster and resolves once every node is ready; a failed start removes what it started. */
  async start(): Promise<StartedMesosSandboxContainer> {
    const startOptions = startOptionsFor(this.options);
    const runtime = await getContainerRuntimeClient();
    if (this.options.checkDockerHost ?? true) await assertSameDockerHost(runtime);
    const cluster = await startCluster(startOptions);
    try {
      const nodes = nodeEndpoints(await cluster.driver.nodes(cluster.name));
      const name = networkName(cluster.name);
      const inspected = (await runtime.network.getById(name).inspect()) as { Id: string };
      const network = new StartedNetwork(runtime, name, runtime.network.getById(inspected.Id));
      return new StartedMesosSandboxContainer(cluster, nodes, network);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }
}

/** Throws when testcontainers and the Docker driver would use different daemons (docker-endpoint.ts). */
async function assertSameDockerHost(runtime: ContainerRuntimeClient): Promise<void> {
  // The driver's own client, made as startCluster makes it (DOCKER_HOST, else the default socket).
  const { DockerDriver } = await import('../../cluster/drivers/docker/docker-driver.js');
  const endpoint = async (modem: unknown): Promise<string> =>
    canonicalEndpoint(modemEndpoint(await modemAddress(modem)), realpathSync);
  const mismatch = dockerHostMismatch(
    await endpoint(runtime.container.dockerode.modem),
    await endpoint(new DockerDriver().docker.modem),
  );
  if (mismatch) throw new Error(mismatch);
}

export class StartedMesosSandboxContainer implements AsyncDisposable {
  private stopped: StoppedMesosSandboxContainer | undefined;

  constructor(
    private readonly cluster: SandboxCluster,
    private readonly nodeList: readonly NodeEndpoint[],
    private readonly network: StartedNetwork,
  ) {}

  // Built on every call: the cluster handle's endpoints document follows failovers on refresh().
  private get endpoints(): ClusterEndpoints {
    return new ClusterEndpoints(this.cluster.info, this.nodeList);
  }

  /** The SandboxCluster handle: typed Mesos/Marathon/Chronos clients, fault injection, logs. */
  getCluster(): SandboxCluster {
    return this.cluster;
  }

  /** The cluster's name (what `sandbox ls` lists and `sandbox down --name` takes). */
  getName(): string {
    return this.cluster.name;
  }

  /** The host the mapped ports are published on (127.0.0.1). */
  getHost(): string {
    return this.endpoints.host;
  }

  /**
   * The host port for a container port (5050 or '5050/tcp') of the node that port stands for: the
   * leading master (5050), the leading Marathon (8080), else the first node listening on it
   * (zookeeper-1 for 2181, agent-1 for 5051, chronos-1 for 4400). With a node id, that node's
   * (`getMappedPort('agent-2')`, or `getMappedPort('agent-2', 5051)` to check its port too).
   */
  getMappedPort(port: number | `${number}/tcp`): number;
  getMappedPort(nodeId: string, port?: number): number;
  getMappedPort(portOrNode: number | string, port?: number): number {
    const containerPort = parsePort(portOrNode);
    if (containerPort !== null) return this.endpoints.mappedPort(containerPort);
    return this.endpoints.nodeMappedPort(portOrNode as string, port);
  }

  /** The leading master's host port. */
  getFirstMappedPort(): number {
    return this.getMappedPort(5050);
  }

  /** Every node: its id (also its alias on the network), role, container port and host port. */
  getNodes(): readonly NodeEndpoint[] {
    return this.nodeList;
  }

  /** The cluster's Docker network: `new GenericContainer(image).withNetworkMode(name)` joins it. */
  getNetworkName(): string {
    return this.network.getName();
  }

  getNetworkNames(): string[] {
    return [this.getNetworkName()];
  }

  getNetworkId(): string {
    return this.network.getId();
  }

  /**
   * The network as testcontainers' StartedNetwork, for `GenericContainer.withNetwork()`. It is the
   * cluster's: stop() of this container removes it, do not stop it yourself.
   */
  getNetwork(): StartedNetwork {
    return this.network;
  }

  /** The names the nodes have on the network: master-1, agent-1, zookeeper-1, marathon-1, ... */
  getNetworkAliases(): string[] {
    return this.nodeList.map((n) => n.alias);
  }

  /** The Docker container of a node (for `docker logs`, `docker exec`). */
  getContainerName(nodeId: string): string {
    return containerName(this.cluster.name, this.endpoints.node(nodeId).id);
  }

  /** The label every container and the network of the cluster carry (also the agents' tasks). */
  getLabels(): Record<string, string> {
    return { [LABEL_CLUSTER]: this.cluster.name };
  }

  /** The leading master, from the host: http://127.0.0.1:<port>. */
  getMesosUrl(): string {
    return this.endpoints.url('master');
  }

  /** The leading master, from a container on the cluster's network: http://master-1:5050. */
  getInternalMesosUrl(): string {
    return this.endpoints.internalUrl('master');
  }

  getMarathonUrl(): string {
    return this.endpoints.url('marathon');
  }

  getInternalMarathonUrl(): string {
    return this.endpoints.internalUrl('marathon');
  }

  getChronosUrl(): string {
    return this.endpoints.url('chronos');
  }

  getInternalChronosUrl(): string {
    return this.endpoints.internalUrl('chronos');
  }

  /** 127.0.0.1:<port>[,...]: for a ZooKeeper client on the host. */
  getZookeeperConnectString(): string {
    return this.endpoints.zookeeperConnectString();
  }

  /** zookeeper-1:2181[,...]: for a ZooKeeper client on the cluster's network. */
  getInternalZookeeperConnectString(): string {
    return this.endpoints.internalZookeeperConnectString();
  }

  /** zk://127.0.0.1:<port>/mesos: a framework's --master, on the host. */
  getMesosZkUrl(): string {
    return this.endpoints.mesosZkUrl();
  }

  /** zk://zookeeper-1:2181/mesos: a framework's --master, on the cluster's network. */
  getInternalMesosZkUrl(): string {
    return this.endpoints.mesosInternalZkUrl();
  }

  /** Removes the cluster: every node and task container, the network, the agents' files. Idempotent. */
  async stop(): Promise<StoppedMesosSandboxContainer> {
    if (!this.stopped) {
      await this.cluster.stop();
      this.stopped = new StoppedMesosSandboxContainer(this.cluster.name, this.getNetworkName());
    }
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export class StoppedMesosSandboxContainer {
  constructor(
    private readonly name: string,
    private readonly network: string,
  ) {}

  getName(): string {
    return this.name;
  }

  /** The network that was removed. */
  getNetworkName(): string {
    return this.network;
  }
}
