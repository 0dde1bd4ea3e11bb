// The builder's options turned into startCluster's: always the Docker driver (a testcontainers user
// wants containers on the daemon their other containers use), and a startup timeout in ms as
// testcontainers counts it, which is how long each node may take to become ready (`sandbox up --wait`).
// Pure.
import type { StartOptions } from '../cluster.js';

export interface MesosSandboxContainerOptions extends Omit<StartOptions, 'driver' | 'stateRoot'> {
  /** How long each node may take to become ready, in ms (overrides `wait`); default 60 s. */
  startupTimeoutMs?: number;
  /**
   * Refuse to start when testcontainers would use another Docker daemon than mesos-sandbox's Docker
   * driver (default true), so that the user's own containers can join the cluster's network.
   */
  checkDockerHost?: boolean;
}

/** The startCluster options for a MesosSandboxContainer. */
export function startOptionsFor(options: MesosSandboxContainerOptions): StartOptions {
  // Its own fields are not startCluster's.
  const { startupTimeoutMs, checkDockerHost, ...rest } = options;
  const start: StartOptions = { ...rest, driver: 'docker' };
  if (startupTimeoutMs !== undefined) {
    if (!Number.isFinite(startupTimeoutMs) || startupTimeoutMs <= 0)
      throw new RangeError(`startup timeout must be a positive number of ms, not ${startupTimeoutMs}`);
    start.wait = `${Math.ceil(startupTimeoutMs)}ms`;
  }
  return start;
}
