// Where a dockerode client connects, read from its docker-modem. Without DOCKER_HOST the modem's
// socketPath is a function that looks for the default socket (~/.docker/run/docker.sock, else
// /var/run/docker.sock); its own getSocketPath() resolves it.

export interface ModemAddress {
  /** The unix socket (or Windows pipe); undefined when the daemon is reached over the network. */
  socketPath?: string | undefined;
  host?: unknown;
  port?: unknown;
  protocol?: unknown;
}

export async function modemAddress(modem: unknown): Promise<ModemAddress> {
  const m = modem as {
    socketPath?: unknown;
    getSocketPath?: () => Promise<unknown> | undefined;
  } & ModemAddress;
  const socket = typeof m.getSocketPath === 'function' ? await m.getSocketPath() : m.socketPath;
  return {
    host: m.host,
    port: m.port,
    protocol: m.protocol,
    socketPath: typeof socket === 'string' ? socket : undefined,
  };
}
