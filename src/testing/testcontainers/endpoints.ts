// Where each node of a Docker cluster answers, from the host (127.0.0.1 and the port published for
// it) and from inside the cluster's network (its node id, a network alias, and its own port), and
// the URLs the started container's getters return. Pure: built from the endpoints document and
// the driver's node list.
import type { NodeStatus } from '../../cluster/drivers/driver.js';
import type { ClusterInfo } from '../../cluster/lifecycle.js';
import type { Role } from '../../cluster/spec.js';
import { splitHostPort } from '../../util/net.js';

export interface NodeEndpoint {
  id: string;
  role: Role;
  /** The name other containers on the cluster's network reach the node by (its node id). */
  alias: string;
  /** The port the node listens on inside its container (5050 for a master, ...). */
  containerPort: number;
  /** Where the host reaches it: 127.0.0.1 and the published port. */
  host: string;
  mappedPort: number;
}

export function nodeEndpoints(nodes: readonly NodeStatus[]): NodeEndpoint[] {
  return nodes.map((n) => {
    const published = splitHostPort(n.address);
    return {
      id: n.id,
      role: n.role,
      alias: n.id,
      containerPort: splitHostPort(n.internalAddress).port,
      host: published.host,
      mappedPort: published.port,
    };
  });
}

const PORT_WITH_PROTOCOL = /^(\d+)\/(tcp|udp)$/;

/** A port as testcontainers writes it: 5050, or '5050/tcp'. Null for anything else (a node id). */
export function parsePort(port: number | string): number | null {
  if (typeof port === 'number') return port;
  const m = PORT_WITH_PROTOCOL.exec(port);
  if (!m) return null;
  if (m[2] !== 'tcp') throw new Error(`the cluster's nodes publish tcp ports only, not '${port}'`);
  return Number(m[1]);
}

export class ClusterEndpoints {
  constructor(
    readonly info: ClusterInfo,
    readonly nodes: readonly NodeEndpoint[],
  ) {}

  /** The host every published port is on. */
  get host(): string {
    return this.nodes[0]?.host ?? '127.0.0.1';
  }

  node(id: string): NodeEndpoint {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) {
      const ids = this.nodes.map((n) => n.id).join(', ');
      throw new Error(`cluster '${this.info.name}' has no node '${id}' (nodes: ${ids})`);
    }
    return node;
  }

  /**
   * The node a role's URL means: the leading master, the leading Marathon (the endpoints
   * document's `master` and `marathon`), else the first node of the role. Null when there is none.
   */
  primary(role: Role): NodeEndpoint | null {
    const ofRole = this.nodes.filter((n) => n.role === role);
    const url = role === 'master' || role === 'marathon' || role === 'chronos' ? this.info[role] : undefined;
    const current = url ? ofRole.find((n) => url === `http://${n.host}:${n.mappedPort}`) : undefined;
    if (role === 'master') return current ?? null;
    return current ?? ofRole[0] ?? null;
  }

  /** The host port of the primary node listening on this container port (see primary()). */
  mappedPort(containerPort: number): number {
    const roles = [
      ...new Set(this.nodes.filter((n) => n.containerPort === containerPort).map((n) => n.role)),
    ];
    const node = roles.length > 0 ? (this.primary(roles[0]!) ?? this.firstOf(roles[0]!)) : undefined;
    if (!node) {
      const ports = [...new Set(this.nodes.map((n) => n.containerPort))].join(', ');
      throw new Error(
        `no node of cluster '${this.info.name}' listens on port ${containerPort} (ports: ${ports})`,
      );
    }
    return node.mappedPort;
  }

  /** The host port of one node; `containerPort`, when given, must be the port it listens on. */
  nodeMappedPort(id: string, containerPort?: number): number {
    const node = this.node(id);
    if (containerPort !== undefined && containerPort !== node.containerPort)
      throw new Error(`${id} listens on port ${node.containerPort}, not ${containerPort}`);
    return node.mappedPort;
  }

  private firstOf(role: Role): NodeEndpoint | undefined {
    return this.nodes.find((n) => n.role === role);
  }

  private required(role: 'master' | 'marathon' | 'chronos'): NodeEndpoint {
    const node = this.primary(role);
    if (node) return node;
    throw new Error(
      role === 'master'
        ? `cluster '${this.info.name}' has no leading master right now (getCluster().refresh() after a failover)`
        : `cluster '${this.info.name}' runs no ${role === 'marathon' ? 'Marathon' : 'Chronos'} (withMarathon/withChronos)`,
    );
  }

  url(role: 'master' | 'marathon' | 'chronos'): string {
    const node = this.required(role);
    return `http://${node.host}:${node.mappedPort}`;
  }

  internalUrl(role: 'master' | 'marathon' | 'chronos'): string {
    const node = this.required(role);
    return `http://${node.alias}:${node.containerPort}`;
  }

  /** `host:port,host:port` of the ZooKeeper ensemble, from the host. */
  zookeeperConnectString(): string {
    return this.zookeepers()
      .map((n) => `${n.host}:${n.mappedPort}`)
      .join(',');
  }

  /** `zookeeper-1:2181,...`, from a container on the cluster's network. */
  internalZookeeperConnectString(): string {
    return this.zookeepers()
      .map((n) => `${n.alias}:${n.containerPort}`)
      .join(',');
  }

  /** The masters' ZooKeeper URL (what a framework's --master takes), from the host. */
  mesosZkUrl(): string {
    return `zk://${this.zookeeperConnectString()}${this.mesosZkPath()}`;
  }

  mesosInternalZkUrl(): string {
    return `zk://${this.internalZookeeperConnectString()}${this.mesosZkPath()}`;
  }

  private mesosZkPath(): string {
    const afterScheme = this.info.mesos.replace(/^zk:\/\//, '');
    const slash = afterScheme.indexOf('/');
    return slash >= 0 ? afterScheme.slice(slash) : '/mesos';
  }

  private zookeepers(): NodeEndpoint[] {
    const zks = this.nodes.filter((n) => n.role === 'zookeeper');
    if (zks.length === 0) throw new Error(`cluster '${this.info.name}' lists no ZooKeeper node`);
    return zks;
  }
}
