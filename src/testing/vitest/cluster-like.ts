// What the matchers and the log export accept as "a cluster": anything that carries the endpoints
// document of `sandbox info --json` (a testing handle, a shared cluster, or the document itself).
import type { ClusterInfo } from '../../cluster/lifecycle.js';
import type { Role } from '../../cluster/spec.js';

export interface ClusterLike {
  /** Read on every observation, so a handle that refreshes it (after a failover) is followed. */
  readonly info: ClusterInfo;
  /** Copies every node's log files into dir/<node-id>/. */
  exportLogs?(dir: string): Promise<void>;
}

function isClusterInfo(value: unknown): value is ClusterInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ClusterInfo>;
  return typeof v.name === 'string' && Array.isArray(v.nodes);
}

/** The ClusterInfo of a cluster handle or of a ClusterInfo itself; null for anything else. */
export function clusterInfoOf(received: unknown): ClusterInfo | null {
  if (isClusterInfo(received)) return received;
  if (typeof received === 'object' && received !== null && 'info' in received) {
    const { info } = received as { info: unknown };
    if (isClusterInfo(info)) return info;
  }
  return null;
}

/**
 * Where to ask a role: the URL the document names first (the leader for masters and Marathon), then
 * every running node of the role, since a master redirects to the leader and a standby Marathon or
 * Chronos proxies to it. Empty when the cluster has no such node.
 */
export function serviceUrls(
  info: ClusterInfo,
  role: Extract<Role, 'master' | 'marathon' | 'chronos'>,
): string[] {
  const named = info[role];
  const urls = [
    ...(named ? [named] : []),
    ...info.nodes.filter((n) => n.role === role && n.state === 'running' && n.url).map((n) => n.url!),
  ];
  return [...new Set(urls)];
}
