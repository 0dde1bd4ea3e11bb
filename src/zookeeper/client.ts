// A promise wrapper over node-zookeeper-client, with the few operations the sandbox needs and
// errors that say which ZooKeeper error and which path.
import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import type { ZkAuth } from './url.js';

export type ZkCreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';
export type ZkClientEvent = 'expired' | 'disconnected' | 'connected';

export interface ZkConnectOptions {
  /** Requested session timeout; the server clamps it to [2, 20] x its tickTime. Default 10 000. */
  sessionTimeoutMs?: number;
  /**
   * How long connect() may take before it gives up. Default 10 000; null waits for ever, as a Mesos
   * node does for its ZooKeeper (so a cluster's nodes can all start at once).
   */
  connectTimeoutMs?: number | null;
  /** Digest credentials, as in zk://user:pass@... */
  auth?: ZkAuth;
}

/**
 * A ZooKeeper error; `code` is the ZooKeeper name, e.g. 'NO_NODE', 'NODE_EXISTS', or 'CLIENT_CLOSED'
 * for a call made after close().
 */
export class ZkError extends Error {
  constructor(
    readonly code: string,
    readonly op: string,
    readonly path: string,
    cause?: unknown,
  ) {
    super(`ZooKeeper ${op} ${path} failed: ${code}`, cause === undefined ? undefined : { cause });
    this.name = 'ZkError';
  }
}

const MODES: Record<ZkCreateMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

export class ZkClient {
  private readonly events = new EventEmitter();
  private closed = false;

  private constructor(
    private readonly client: zookeeper.Client,
    readonly connectionString: string,
  ) {
    // The library emits 'disconnected' while it tears down a closed session; callers asked for the
    // close, so it is not news to them.
    for (const event of ['connected', 'disconnected', 'expired'] as const) {
      client.on(event, () => {
        if (!this.closed) this.events.emit(event);
      });
    }
  }

  static connect(connectionString: string, opts: ZkConnectOptions = {}): Promise<ZkClient> {
    const connectTimeoutMs = opts.connectTimeoutMs === undefined ? 10_000 : opts.connectTimeoutMs;
    const client = zookeeper.createClient(connectionString, {
      sessionTimeout: opts.sessionTimeoutMs ?? 10_000,
      // The library waits up to spinDelay after trying every server once; 1 s by default makes a
      // restarting ensemble look slow for no reason.
      spinDelay: 200,
      // Retrying a sequential create after a connection loss could create a second znode.
      retries: 0,
    });
    if (opts.auth) client.addAuthInfo('digest', Buffer.from(`${opts.auth.user}:${opts.auth.pass}`));

    return new Promise((resolve, reject) => {
      const onConnected = (): void => {
        clearTimeout(timer);
        client.removeListener('authenticationFailed', onAuthFailed);
        resolve(new ZkClient(client, connectionString));
      };
      const onAuthFailed = (): void => {
        clearTimeout(timer);
        client.removeListener('connected', onConnected);
        client.close();
        reject(new Error(`ZooKeeper at ${connectionString} rejected the credentials`));
      };
      const timer = setTimeout(
        () => {
          if (connectTimeoutMs === null) return;
          client.removeListener('connected', onConnected);
          client.removeListener('authenticationFailed', onAuthFailed);
          client.close();
          reject(
            new Error(`could not connect to ZooKeeper at ${connectionString} within ${connectTimeoutMs} ms`),
          );
        },
        connectTimeoutMs ?? 2 ** 31 - 1,
      );
      client.once('connected', onConnected);
      client.once('authenticationFailed', onAuthFailed);
      client.connect();
    });
  }

  /** The session id as ZooKeeper's own logs print it, e.g. `0x100008a2c7e0000`. */
  get sessionId(): string {
    return `0x${BigInt(`0x${this.client.getSessionId().toString('hex')}`).toString(16)}`;
  }

  on(event: ZkClientEvent, cb: () => void): this {
    this.events.on(event, cb);
    return this;
  }

  off(event: ZkClientEvent, cb: () => void): this {
    this.events.off(event, cb);
    return this;
  }

  create(path: string, data: Buffer | string | null, mode: ZkCreateMode = 'persistent'): Promise<string> {
    const buffer = toBuffer(data);
    return this.call<string>('create', path, (cb) =>
      buffer === null
        ? this.client.create(path, MODES[mode], cb)
        : this.client.create(path, buffer, MODES[mode], cb),
    );
  }

  /** Creates `path` and any missing parents as persistent znodes; fine if it already exists. */
  async mkdirp(path: string): Promise<void> {
    await this.call<string>('mkdirp', path, (cb) => this.client.mkdirp(path, cb));
  }

  async exists(path: string): Promise<boolean> {
    const stat = await this.call<zookeeper.Stat | null>('exists', path, (cb) => this.client.exists(path, cb));
    return Boolean(stat);
  }

  /** Like exists(), and `watcher` fires once on the next creation, deletion or data change of `path`. */
  async existsWatch(path: string, watcher: () => void): Promise<boolean> {
    const stat = await this.call<zookeeper.Stat | null>('exists', path, (cb) =>
      this.client.exists(path, watcher, cb),
    );
    return Boolean(stat);
  }

  /** The znode's data (empty when it has none), or null when the znode does not exist. */
  async getData(path: string): Promise<Buffer | null> {
    try {
      const data = await this.call<Buffer | null>('getData', path, (cb) => this.client.getData(path, cb));
      return data ?? Buffer.alloc(0);
    } catch (err) {
      if (isZkError(err, 'NO_NODE')) return null;
      throw err;
    }
  }

  async setData(path: string, data: Buffer | string | null): Promise<void> {
    const buffer = toBuffer(data);
    await this.call<zookeeper.Stat>('setData', path, (cb) => this.client.setData(path, buffer, cb));
  }

  /** Sets the data of `path`, creating it (and missing parents) as a persistent znode when absent. */
  async put(path: string, data: Buffer | string): Promise<void> {
    try {
      await this.setData(path, data);
    } catch (err) {
      if (!isZkError(err, 'NO_NODE')) throw err;
      await this.mkdirp(path.slice(0, path.lastIndexOf('/')) || '/');
      try {
        await this.create(path, data);
      } catch (createErr) {
        if (!isZkError(createErr, 'NODE_EXISTS')) throw createErr;
        await this.setData(path, data);
      }
    }
  }

  /**
   * Child names (not paths), unsorted. `watcher` fires once, on the next change to the list or the
   * znode's deletion; ZooKeeper watches are one-shot, so re-arm by calling again.
   */
  getChildren(path: string, watcher?: () => void): Promise<string[]> {
    return this.call<string[]>('getChildren', path, (cb) =>
      // Passed as is, not wrapped: the library drops a second registration of the same function for
      // the same path, so a caller that re-reads before the watch fired is not notified twice.
      watcher ? this.client.getChildren(path, watcher, cb) : this.client.getChildren(path, cb),
    );
  }

  /** Removes a znode; a missing one is not an error. */
  async remove(path: string): Promise<void> {
    try {
      await this.call<void>('remove', path, (cb) => this.client.remove(path, (err) => cb(err)));
    } catch (err) {
      if (!isZkError(err, 'NO_NODE')) throw err;
    }
  }

  /** Removes a znode and everything under it. */
  async removeRecursive(path: string): Promise<void> {
    let children: string[];
    try {
      children = await this.getChildren(path);
    } catch (err) {
      if (isZkError(err, 'NO_NODE')) return;
      throw err;
    }
    const prefix = path === '/' ? '/' : `${path}/`;
    await Promise.all(children.map((child) => this.removeRecursive(`${prefix}${child}`)));
    if (path === '/') return;
    try {
      await this.remove(path);
    } catch (err) {
      // Someone added a child meanwhile (an ephemeral contender, say): go round once more.
      if (isZkError(err, 'NOT_EMPTY')) await this.removeRecursive(path);
      else throw err;
    }
  }

  /**
   * Closes the session, which deletes its ephemeral znodes at once (no session-timeout wait).
   * Resolves when the server has closed the connection, or after 2 s regardless.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.removeListener('disconnected', done);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      this.client.once('disconnected', done);
      this.client.close();
    });
  }

  private call<T>(
    op: string,
    path: string,
    start: (cb: (err: Error | zookeeper.Exception | null, result?: T) => void) => void,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new ZkError('CLIENT_CLOSED', op, path));
    return new Promise<T>((resolve, reject) => {
      // The library validates paths and arguments by throwing synchronously.
      try {
        start((err, result) => (err ? reject(toError(err, op, path)) : resolve(result as T)));
      } catch (err) {
        reject(new Error(`ZooKeeper ${op} ${path}: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }
}

export function isZkError(err: unknown, code?: string): err is ZkError {
  return err instanceof ZkError && (code === undefined || err.code === code);
}

function toError(err: Error | zookeeper.Exception, op: string, path: string): Error {
  if (err instanceof zookeeper.Exception) return new ZkError(err.getName(), op, path, err);
  return new Error(`ZooKeeper ${op} ${path} failed: ${err.message}`, { cause: err });
}

function toBuffer(data: Buffer | string | null): Buffer | null {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
