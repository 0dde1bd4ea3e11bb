// What a cluster is made of, once the config file and the flags have been merged: the one input of
// `sandbox up`, whatever the driver.

export const ROLES = ['zookeeper', 'master', 'agent', 'marathon', 'chronos'] as const;
export type Role = (typeof ROLES)[number];

export const DRIVERS = ['process', 'docker'] as const;
export type DriverName = (typeof DRIVERS)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The port each role listens on, as in real deployments. */
export const STANDARD_PORTS: Record<Role, number> = {
  zookeeper: 2181,
  master: 5050,
  agent: 5051,
  marathon: 8080,
  chronos: 4400,
};

/** A group of identical agents. */
export interface AgentGroupSpec {
  count: number;
  /** Mesos --resources without ports (the driver gives each agent its own port range), or with them. */
  resources: string;
  /** Mesos --attributes, e.g. 'rack:a;zone:west'. Empty for none. */
  attributes: string;
}

export interface FrameworkNodeSpec {
  enabled: boolean;
  /** Instances, for HA: one leads, the others stand by and proxy to it. Default 1. */
  count?: number;
  /** Extra `sandbox-node <role>` flags, without the leading dashes. */
  flags: Record<string, string>;
}

export interface ClusterSpec {
  name: string;
  driver: DriverName;
  zookeepers: number;
  masters: number;
  agents: AgentGroupSpec[];
  marathon: FrameworkNodeSpec;
  chronos: FrameworkNodeSpec;
  /** Extra flags for every master / every agent, without the leading dashes. */
  masterFlags: Record<string, string>;
  agentFlags: Record<string, string>;
  logLevel: LogLevel;
  /**
   * Host ports for the first node of a role. Process driver: the port the node listens on (on its
   * own loopback address). Docker driver: the port published on 127.0.0.1 (0 or absent = Docker
   * picks a free one).
   */
  ports: Partial<Record<Role, number>>;
  /** How long one node may take to become ready. */
  readyTimeoutMs: number;
}

export const DEFAULT_AGENT_RESOURCES = 'cpus:2;mem:2048;disk:8192';

export function defaultClusterSpec(): ClusterSpec {
  return {
    name: 'sandbox',
    driver: 'process',
    zookeepers: 1,
    masters: 1,
    agents: [{ count: 3, resources: DEFAULT_AGENT_RESOURCES, attributes: '' }],
    marathon: { enabled: true, flags: {} },
    chronos: { enabled: true, flags: {} },
    masterFlags: {},
    agentFlags: {},
    logLevel: 'info',
    ports: {},
    readyTimeoutMs: 60_000,
  };
}

/** Cluster names become directory, container and network names. */
export const CLUSTER_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

export function clusterNameError(name: string): string | null {
  return CLUSTER_NAME_PATTERN.test(name)
    ? null
    : `'${name}' is not a valid cluster name: use 1-40 lower-case letters, digits and '-', starting and ending with a letter or digit`;
}
