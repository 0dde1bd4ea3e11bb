// The agent's own publishing of a DOCKER task's port mappings, for an agent that runs in a container
// itself (the Docker driver): frameworks reach a task at the agent's address and the task's host
// port, and Docker publishes only on its real host, so the agent listens there and relays.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import type { Logger } from '../../../util/log.js';
import type { PortForward } from './docker-spec.js';

/** UDP "connections" a publisher keeps at most; the oldest is closed for a new one. */
const MAX_UDP_PEERS = 256;

/**
 * The agent's own publishing of a container's port mappings: listens on hostPort on every address
 * of the agent's network namespace and relays to the container's port at `target`, as Docker's
 * userland proxy does on Docker's host. TCP is relayed per connection; UDP per peer address.
 */
export class PortPublisher {
  /** The container's address; connections before it is known are refused. */
  target: string | null = null;
  private readonly tcp: Server[] = [];
  private readonly udp: UdpSocket[] = [];
  private readonly peers = new Map<string, UdpSocket>();
  private closed = false;

  private constructor(private readonly log: Logger | undefined) {}

  /** Binds every forward or none: rejects, naming the port, when one cannot be bound. */
  static async open(forwards: PortForward[], log: Logger | undefined): Promise<PortPublisher> {
    const publisher = new PortPublisher(log);
    try {
      for (const f of forwards) {
        if (f.protocol === 'tcp') publisher.tcp.push(await publisher.listenTcp(f));
        else publisher.udp.push(await publisher.bindUdp(f));
      }
    } catch (e) {
      publisher.close();
      throw e;
    }
    return publisher;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const server of this.tcp) server.close();
    for (const socket of [...this.udp, ...this.peers.values()]) socket.close();
    this.peers.clear();
  }

  private listenTcp(f: PortForward): Promise<Server> {
    const server = createServer((client) => {
      if (!this.target) {
        client.destroy();
        return;
      }
      const upstream = connect(f.containerPort, this.target);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
      server.once('error', (e) => reject(bindError(f, e)));
      server.listen({ port: f.hostPort, host: '0.0.0.0' }, () => resolve(server));
    });
  }

  private bindUdp(f: PortForward): Promise<UdpSocket> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, from) => this.relayUdp(socket, f, msg, from));
    return new Promise((resolve, reject) => {
      socket.once('error', (e) => {
        socket.close();
        reject(bindError(f, e));
      });
      socket.bind(f.hostPort, '0.0.0.0', () => {
        socket.removeAllListeners('error');
        socket.on('error', (e) =>
          this.log?.warn('UDP port forward failed', { port: f.hostPort, error: e.message }),
        );
        resolve(socket);
      });
    });
  }

  private relayUdp(listener: UdpSocket, f: PortForward, msg: Buffer, from: RemoteInfo): void {
    if (!this.target || this.closed) return;
    const key = `${f.hostPort}/${from.address}:${from.port}`;
    let peer = this.peers.get(key);
    if (!peer) {
      if (this.peers.size >= MAX_UDP_PEERS) {
        const [oldestKey, oldest] = this.peers.entries().next().value as [string, UdpSocket];
        this.peers.delete(oldestKey);
        oldest.close();
      }
      const created = createSocket('udp4');
      created.on('message', (reply) => {
        if (!this.closed) listener.send(reply, from.port, from.address);
      });
      created.on('error', () => {
        if (this.peers.get(key) !== created) return;
        this.peers.delete(key);
        created.close();
      });
      this.peers.set(key, created);
      peer = created;
    }
    peer.send(msg, f.containerPort, this.target);
  }
}

function bindError(f: PortForward, e: Error): Error {
  return new Error(`Bind for 0.0.0.0:${f.hostPort}/${f.protocol} on the agent failed: ${e.message}`);
}
