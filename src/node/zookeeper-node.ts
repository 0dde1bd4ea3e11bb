// `sandbox-node zookeeper`: the real Apache ZooKeeper (Java) as a child of this process, so every
// node of a cluster is started, logged and stopped the same way.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isZooKeeperInstalled, writeZooKeeperConfig, zookeeperJavaCommand } from '../zookeeper/server.js';
import type { Logger } from '../util/log.js';
import { FlagError, intFlag, type FlagSpecs } from './flags.js';

export const ZOOKEEPER_FLAGS: FlagSpecs = {
  ip: { help: 'IP address to listen on', default: '127.0.0.1' },
  port: { help: 'Client port', default: '2181' },
  data_dir: { help: 'Data directory (default: <tmpdir>/mesos-sandbox-zookeeper-<ip>-<port>)' },
  server_log: { help: "Where ZooKeeper's own output goes (default: <data_dir>/zookeeper.out)" },
  log_file: { help: 'Write the structured log here (stderr otherwise)' },
  log_level: { help: 'debug, info, warn or error', default: 'info' },
};

export function runZooKeeperNode(flags: Record<string, string>, log: Logger): Promise<number> {
  if (!isZooKeeperInstalled()) {
    throw new FlagError("ZooKeeper is not installed: run ./install.sh (or 'apt-get install zookeeper')");
  }
  const ip = flags.ip!;
  const port = intFlag(flags, 'port');
  const dataDir = flags.data_dir ?? join(tmpdir(), `mesos-sandbox-zookeeper-${ip}-${port}`);
  mkdirSync(dataDir, { recursive: true });
  const configFile = writeZooKeeperConfig({ dataDir, clientPort: port, clientHost: ip });
  const { command, args } = zookeeperJavaCommand({ configFile });
  const out = openSync(flags.server_log ?? join(dataDir, 'zookeeper.out'), 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out] });
  log.info('ZooKeeper started', { pid: child.pid, address: `${ip}:${port}`, dataDir });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      log.info('ZooKeeper exited', { code, signal });
      resolve(code ?? 1);
    });
  });
}
