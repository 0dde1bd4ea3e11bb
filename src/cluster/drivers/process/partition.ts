// Cutting one node off from others, for fault tests (Driver.partitionNode). A partition the master
// notices needs the link to break: our master learns that an agent is gone when the agent's
// subscription stream closes. So the node is frozen (SIGSTOP: it can neither answer nor reconnect,
// and the tasks it started keep running, as behind a real partition), and the far end of each of its
// TCP connections to the given peers is reset with `ss -K` (the kernel then sends the frozen side a
// RST, so it finds the link broken when it is thawed and reconnects).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TcpConnection {
  /** host:port of this end. */
  local: string;
  /** host:port of the other end. */
  peer: string;
  /** Processes that hold the socket. */
  pids: number[];
}

/**
 * Parses `ss -Htnp state established` (no header, no state column):
 * `0 0 127.0.0.1:47974 127.0.0.7:5050 users:(("node",pid=18316,fd=20))`.
 */
export function parseEstablished(text: string): TcpConnection[] {
  const out: TcpConnection[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [, , local, peer] = fields as [string, string, string, string];
    const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    out.push({ local, peer, pids });
  }
  return out;
}

/** The connections `pid` holds to any of `peers` (host:port). */
export function connectionsTo(
  connections: readonly TcpConnection[],
  pid: number,
  peers: readonly string[],
): TcpConnection[] {
  const wanted = new Set(peers);
  return connections.filter((c) => c.pids.includes(pid) && wanted.has(c.peer));
}

/** `ss` arguments that reset the peers' end of a connection: src is the peer, dst is us. */
export function killArgs(connection: TcpConnection): string[] {
  return ['-K', '-Htn', 'src', connection.peer, 'dst', connection.local];
}

/** Resets the peers' end of every connection `pid` has to `peers`; resolves with how many. */
export async function resetConnections(pid: number, peers: readonly string[]): Promise<number> {
  let listing: string;
  try {
    listing = (await run('ss', ['-Htnp', 'state', 'established'])).stdout;
  } catch (err) {
    throw new Error(`cannot list TCP connections with ss (iproute2): ${(err as Error).message}`);
  }
  const cut = connectionsTo(parseEstablished(listing), pid, peers);
  for (const c of cut) {
    const { stdout } = await run('ss', killArgs(c));
    // ss -K prints the sockets it closed; none means the kernel refused (no CAP_NET_ADMIN, or no
    // CONFIG_INET_DIAG_DESTROY) or the connection closed meanwhile.
    if (stdout.trim() === '' && (await stillEstablished(c)))
      throw new Error(
        `cannot reset the connection ${c.local} -> ${c.peer}: 'ss -K' needs root (CAP_NET_ADMIN) and a kernel with CONFIG_INET_DIAG_DESTROY`,
      );
  }
  return cut.length;
}

async function stillEstablished(c: TcpConnection): Promise<boolean> {
  const { stdout } = await run('ss', ['-Htn', 'state', 'established', 'src', c.peer, 'dst', c.local]);
  return stdout.trim() !== '';
}
