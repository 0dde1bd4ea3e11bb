// Pure: a ClusterSpec becomes the list of nodes to run, each with the `sandbox-node` flags of its
// role. How nodes reach each other (loopback IPs, container names) is the driver's answer to
// `NodeAddressing`; everything else is decided here, once, for every driver.
import { STANDARD_PORTS, type ClusterSpec, type Role } from './spec.js';

export interface NodePlan {
  /** `<role>-<n>`, n from 1: the name users type in `sandbox logs agent-2`. */
  id: string;
  role: Role;
  index: number;
  /** The port the node listens on inside its host (loopback IP or container). */
  port: number;
  /**
   * Role flags for `sandbox-node <role>`, as `--name=value`, without --ip, --port and the node's
   * file locations (--log_file, --work_dir, --data_dir), which the driver adds.
   */
  flags: string[];
}

export interface NodeAddressing {
  /** The host name or IP other nodes use to reach this node. */
  hostOf(id: string): string;
  /** The port a node listens on, when the driver does not use the role's standard one. */
  portOf?(role: Role, index: number): number;
  /** The `ports` resource of the nth agent (1-based), e.g. '[31000-31999]'. */
  agentPorts(index: number): string;
}

/** Roles `sandbox-node` can run today; the others are left out of the cluster. */
export const IMPLEMENTED_ROLES: ReadonlySet<Role> = new Set<Role>([
  'zookeeper',
  'master',
  'agent',
  'marathon',
  'chronos',
]);

export const ZK_QUORUM_PORT = 2888;
export const ZK_ELECTION_PORT = 3888;

function flagList(flags: Record<string, string>): string[] {
  return Object.entries(flags).map(([k, v]) => `--${k}=${v}`);
}

export function zookeeperConnectString(spec: ClusterSpec, addressing: NodeAddressing): string {
  const hosts: string[] = [];
  for (let i = 1; i <= spec.zookeepers; i++) {
    hosts.push(`${addressing.hostOf(`zookeeper-${i}`)}:${portOf(addressing, 'zookeeper', i)}`);
  }
  return hosts.join(',');
}

function portOf(addressing: NodeAddressing, role: Role, index: number): number {
  return addressing.portOf?.(role, index) ?? STANDARD_PORTS[role];
}

function withPorts(resources: string, ports: string): string {
  if (/(^|;)\s*ports\s*[:(]/.test(resources)) return resources;
  return resources ? `${resources};ports:${ports}` : `ports:${ports}`;
}

export function planNodes(
  spec: ClusterSpec,
  addressing: NodeAddressing,
  implemented: ReadonlySet<Role> = IMPLEMENTED_ROLES,
): NodePlan[] {
  const zk = zookeeperConnectString(spec, addressing);
  const logLevel = `--log_level=${spec.logLevel}`;
  const nodes: NodePlan[] = [];
  const add = (role: Role, index: number, flags: string[]): void => {
    nodes.push({ id: `${role}-${index}`, role, index, port: portOf(addressing, role, index), flags });
  };

  const peers = Array.from(
    { length: spec.zookeepers },
    (_, i) => `${i + 1}@${addressing.hostOf(`zookeeper-${i + 1}`)}:${ZK_QUORUM_PORT}:${ZK_ELECTION_PORT}`,
  ).join(',');
  for (let i = 1; i <= spec.zookeepers; i++) {
    add('zookeeper', i, [logLevel, ...(spec.zookeepers > 1 ? [`--server_id=${i}`, `--peers=${peers}`] : [])]);
  }
  const quorum = Math.floor(spec.masters / 2) + 1;
  for (let i = 1; i <= spec.masters; i++) {
    add('master', i, [
      `--zk=zk://${zk}/mesos`,
      `--quorum=${quorum}`,
      `--cluster=${spec.name}`,
      logLevel,
      ...flagList(spec.masterFlags),
    ]);
  }
  let agentIndex = 0;
  for (const group of spec.agents) {
    for (let n = 0; n < group.count; n++) {
      agentIndex++;
      add('agent', agentIndex, [
        `--master=zk://${zk}/mesos`,
        `--resources=${withPorts(group.resources, addressing.agentPorts(agentIndex))}`,
        ...(group.attributes ? [`--attributes=${group.attributes}`] : []),
        logLevel,
        ...flagList(spec.agentFlags),
      ]);
    }
  }
  for (const role of ['marathon', 'chronos'] as const) {
    if (!spec[role].enabled || !implemented.has(role)) continue;
    for (let i = 1; i <= (spec[role].count ?? 1); i++) {
      add(role, i, [
        `--master=zk://${zk}/mesos`,
        `--zk=zk://${zk}/${role}`,
        logLevel,
        ...flagList(spec[role].flags),
      ]);
    }
  }
  return nodes;
}

export function agentCount(spec: ClusterSpec): number {
  return spec.agents.reduce((n, g) => n + g.count, 0);
}
