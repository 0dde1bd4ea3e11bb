// startCluster's options turned into the ClusterSpec `sandbox up` would run, by the same code
// (config.ts's resolveClusterSpec): defaults < config file < `spec` overrides < the option fields.
// Pure, apart from the caller reading the config file.
import { randomBytes } from 'node:crypto';
import { resolveClusterSpec, type ClusterConfig, type ClusterFlags } from '../cluster/config.js';
import type { ClusterSpec, DriverName, LogLevel } from '../cluster/spec.js';

export interface StartClusterOptions {
  /** Cluster name; default: the config file's or spec's, else a fresh `test-<random>`. */
  name?: string;
  /** 'process' (default) or 'docker'. */
  driver?: DriverName;
  /** Number of agents (one group, with the first group's resources and attributes). */
  agents?: number;
  /** Resources of every agent, e.g. 'cpus:2;mem:2048'. */
  agentResources?: string;
  masters?: number;
  zookeepers?: number;
  /** Marathon on (default) or off. */
  marathon?: boolean;
  /** Chronos on (default) or off. */
  chronos?: boolean;
  /** A cluster config file (as `sandbox up --config`). */
  config?: string;
  /** ClusterSpec fields, applied over the config file (e.g. masterFlags, agentFlags, ports). */
  spec?: Partial<ClusterSpec>;
  /** How long each node may take to become ready: 30s, 2m (default 60s). */
  wait?: string;
  logLevel?: LogLevel;
}

/** A name nobody else's test (nor the developer's own `sandbox` cluster) uses. */
export function freshClusterName(): string {
  return `test-${randomBytes(4).toString('hex')}`;
}

/** The spec `sandbox up` runs for these options; `file` is the parsed config file, if any. */
export function specForOptions(
  options: StartClusterOptions,
  file: ClusterConfig | null,
  newName: () => string = freshClusterName,
): ClusterSpec {
  const base: ClusterConfig = { ...(file ?? {}), ...structuredClone(options.spec ?? {}) };
  const flags: ClusterFlags = {};
  flags.name = options.name ?? base.name ?? newName();
  if (options.driver !== undefined) flags.driver = options.driver;
  if (options.agents !== undefined) flags.agents = options.agents;
  if (options.agentResources !== undefined) flags.agentResources = options.agentResources;
  if (options.masters !== undefined) flags.masters = options.masters;
  if (options.zookeepers !== undefined) flags.zookeepers = options.zookeepers;
  if (options.marathon !== undefined) flags.marathon = options.marathon;
  if (options.chronos !== undefined) flags.chronos = options.chronos;
  if (options.wait !== undefined) flags.wait = options.wait;
  if (options.logLevel !== undefined) flags.logLevel = options.logLevel;
  return resolveClusterSpec(base, flags);
}
