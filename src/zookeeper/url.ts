// ZooKeeper URLs as Mesos, Marathon and Chronos take them: zk://[user:pass@]host:port,.../path

export const DEFAULT_ZK_PORT = 2181;

export interface ZkServer {
  host: string;
  port: number;
}

export interface ZkAuth {
  user: string;
  pass: string;
}

export interface ZkUrl {
  /** `host1:port1,host2:port2`, as ZooKeeper clients take it. */
  connectionString: string;
  servers: ZkServer[];
  /** Absolute znode path; `/` when the URL has none. */
  path: string;
  auth?: ZkAuth;
}

export function parseZkUrl(url: string): ZkUrl {
  const fail = (why: string): never => {
    throw new Error(`invalid ZooKeeper URL '${url}': ${why}`);
  };
  if (!url.startsWith('zk://')) fail("it must start with 'zk://'");

  const rest = url.slice('zk://'.length);
  const slash = rest.indexOf('/');
  let authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '/' : rest.slice(slash);

  let auth: ZkAuth | undefined;
  // The last '@' separates credentials, so a password may itself contain '@'.
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    const credentials = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = credentials.indexOf(':');
    if (colon <= 0 || colon === credentials.length - 1) {
      fail("credentials must be 'user:pass' with both parts non-empty");
    }
    auth = { user: credentials.slice(0, colon), pass: credentials.slice(colon + 1) };
  }

  if (authority === '') fail('no host given');
  const servers = authority.split(',').map((entry) => parseServer(entry, fail));
  validatePath(path, fail);

  const result: ZkUrl = { connectionString: servers.map(formatServer).join(','), servers, path };
  if (auth) result.auth = auth;
  return result;
}

/** The inverse of parseZkUrl; a root path is left off, as in `zk://127.0.0.1:2181`. */
export function formatZkUrl(url: { servers: ZkServer[]; path?: string; auth?: ZkAuth }): string {
  if (url.servers.length === 0) throw new Error('cannot format a ZooKeeper URL without servers');
  const path = url.path ?? '/';
  validatePath(path, (why) => {
    throw new Error(`cannot format a ZooKeeper URL with path '${path}': ${why}`);
  });
  const credentials = url.auth ? `${url.auth.user}:${url.auth.pass}@` : '';
  return `zk://${credentials}${url.servers.map(formatServer).join(',')}${path === '/' ? '' : path}`;
}

function parseServer(entry: string, fail: (why: string) => never): ZkServer {
  if (entry === '') return fail('empty host in the server list');
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    // IPv6 literal: [::1]:2181
    const close = entry.indexOf(']');
    if (close === -1) return fail(`unterminated '[' in '${entry}'`);
    host = entry.slice(1, close);
    const after = entry.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return fail(`unexpected '${after}' after '[${host}]'`);
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = entry.indexOf(':');
    host = colon === -1 ? entry : entry.slice(0, colon);
    portText = colon === -1 ? undefined : entry.slice(colon + 1);
  }
  if (host === '') return fail(`no host in '${entry}'`);
  if (portText === undefined) return { host, port: DEFAULT_ZK_PORT };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return fail(`bad port '${portText}' for host '${host}' (expected 1-65535)`);
  }
  return { host, port: Number(portText) };
}

function validatePath(path: string, fail: (why: string) => never): void {
  if (!path.startsWith('/')) fail(`path must start with '/'`);
  if (path === '/') return;
  if (path.endsWith('/')) fail(`path must not end with '/'`);
  // ZooKeeper itself rejects these, but with a less helpful message and only at the first request.
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') fail(`path '${path}' has an empty segment`);
    if (segment === '.' || segment === '..') fail(`path '${path}' has a relative segment '${segment}'`);
  }
}

function formatServer(server: ZkServer): string {
  return server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}
