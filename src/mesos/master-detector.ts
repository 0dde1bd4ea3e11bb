// Finding the leading master from what a user gives: `http://host:port`, `host:port`, or
// `zk://host:port/path` (the leader's MasterInfo in the `json.info_*` znode with the lowest
// sequence number, as real Mesos tools read it). Agents, frameworks and the CLI all use this.
import { LeaderDetector } from '../zookeeper/election.js';
import { ZkClient } from '../zookeeper/client.js';
import { parseZkUrl } from '../zookeeper/url.js';
import type { MasterInfo } from './protocol/types.js';

export interface MasterDetector {
  /** The leader's base URL (`http://host:port`), or null while there is none. */
  current(): string | null;
  /** Called on every change of leader (null = none). Returns an unsubscribe function. */
  onChange(cb: (url: string | null) => void): () => void;
  stop(): Promise<void>;
}

export function masterInfoUrl(info: MasterInfo): string {
  const host = info.address?.ip ?? info.hostname ?? info.address?.hostname ?? '127.0.0.1';
  return `http://${host}:${info.address?.port ?? info.port}`;
}

export function normalizeMasterUrl(spec: string): string {
  const withScheme = /^https?:\/\//.test(spec) ? spec : `http://${spec}`;
  const url = new URL(withScheme);
  if (!url.port) url.port = '5050';
  return `${url.protocol}//${url.host}`;
}

/** `connectTimeoutMs`: as ZkConnectOptions (null: wait for ZooKeeper for ever, as nodes do). */
export async function createMasterDetector(
  spec: string,
  opts: { connectTimeoutMs?: number | null } = {},
): Promise<MasterDetector> {
  if (!spec.startsWith('zk://')) {
    const url = normalizeMasterUrl(spec);
    return { current: () => url, onChange: () => () => undefined, stop: async () => undefined };
  }
  const zk = parseZkUrl(spec);
  const client = await ZkClient.connect(zk.connectionString, {
    ...(zk.auth ? { auth: zk.auth } : {}),
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
  });
  const detector = new LeaderDetector(client, zk.path);
  const toUrl = (data: string | undefined): string | null => {
    if (data === undefined) return null;
    try {
      return masterInfoUrl(JSON.parse(data) as MasterInfo);
    } catch {
      return null;
    }
  };
  await detector.start();
  return {
    current: () => toUrl(detector.current()?.data),
    onChange: (cb) => detector.onChange((leader) => cb(toUrl(leader?.data))),
    stop: async () => {
      detector.stop();
      await client.close();
    },
  };
}
