// What every `sandbox-node` role does at start, in one place: listen on its address (start-up fails
// if the port is taken), and connect to ZooKeeper, waiting for it for ever as Mesos nodes do.
import type { Server } from 'node:http';
import { ZkClient } from '../zookeeper/client.js';
import type { ZkUrl } from '../zookeeper/url.js';

export function listen(server: Server, port: number, ip: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
}

export function connectZooKeeper(url: ZkUrl, sessionTimeoutMs: number): Promise<ZkClient> {
  return ZkClient.connect(url.connectionString, {
    connectTimeoutMs: null,
    sessionTimeoutMs,
    ...(url.auth ? { auth: url.auth } : {}),
  });
}
