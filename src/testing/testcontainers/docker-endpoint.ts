// Which Docker daemon a dockerode client talks to, as one comparable string: testcontainers and
// mesos-sandbox's Docker driver each make their own client, and the cluster is only reachable from
// the user's containers when both talk to the same daemon. Pure.
import type { ModemAddress } from '../../cluster/drivers/docker/modem-address.js';

/** `unix:///var/run/docker.sock`, `npipe:////./pipe/docker_engine`, `tcp://host:2375`, `ssh://host:22`. */
export function modemEndpoint(modem: ModemAddress): string {
  const socket = modem.socketPath;
  if (socket) return socket.startsWith('//./pipe/') ? `npipe://${socket}` : `unix://${socket}`;
  const host = typeof modem.host === 'string' && modem.host ? modem.host : 'localhost';
  const scheme = modem.protocol === 'ssh' ? 'ssh' : 'tcp';
  const port = String(modem.port ?? '') || (scheme === 'ssh' ? '22' : '2375');
  return `${scheme}://${host}:${port}`;
}

/**
 * The endpoint with a unix socket's symlinks resolved (Docker Desktop's ~/.docker/run/docker.sock
 * and /var/run/docker.sock are one daemon); `realpath` throws for a path it cannot resolve.
 */
export function canonicalEndpoint(endpoint: string, realpath: (path: string) => string): string {
  if (!endpoint.startsWith('unix://')) return endpoint;
  try {
    return `unix://${realpath(endpoint.slice('unix://'.length))}`;
  } catch {
    return endpoint;
  }
}

/** Why the two clients cannot share a cluster, or null when they use the same daemon. */
export function dockerHostMismatch(testcontainers: string, sandbox: string): string | null {
  if (testcontainers === sandbox) return null;
  return (
    `testcontainers uses the Docker daemon at ${testcontainers} but mesos-sandbox's Docker driver uses ` +
    `${sandbox}, so your containers could not join the cluster's network: set DOCKER_HOST=${testcontainers} ` +
    `(mesos-sandbox honours DOCKER_HOST), or turn the check off with withDockerHostCheck(false)`
  );
}
