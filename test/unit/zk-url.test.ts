import { describe, expect, it } from 'vitest';
import { formatZkUrl, parseZkUrl } from '../../src/zookeeper/url.js';

describe('parseZkUrl', () => {
  it('parses a single server with a path', () => {
    expect(parseZkUrl('zk://127.0.0.1:2181/mesos')).toEqual({
      connectionString: '127.0.0.1:2181',
      servers: [{ host: '127.0.0.1', port: 2181 }],
      path: '/mesos',
    });
  });

  it('parses several servers, credentials and a nested path', () => {
    expect(parseZkUrl('zk://jo:s3cret@zk1:2181,zk2:2182,zk3:2183/a/b/c')).toEqual({
      connectionString: 'zk1:2181,zk2:2182,zk3:2183',
      servers: [
        { host: 'zk1', port: 2181 },
        { host: 'zk2', port: 2182 },
        { host: 'zk3', port: 2183 },
      ],
      path: '/a/b/c',
      auth: { user: 'jo', pass: 's3cret' },
    });
  });

  it('defaults the port to 2181', () => {
    const url = parseZkUrl('zk://zk1,zk2:2888/mesos');
    expect(url.servers).toEqual([
      { host: 'zk1', port: 2181 },
      { host: 'zk2', port: 2888 },
    ]);
    expect(url.connectionString).toBe('zk1:2181,zk2:2888');
  });

  it('defaults the path to / and accepts an explicit /', () => {
    expect(parseZkUrl('zk://localhost').path).toBe('/');
    expect(parseZkUrl('zk://localhost:2181/').path).toBe('/');
  });

  it('keeps a password containing @ and :', () => {
    expect(parseZkUrl('zk://u:p@ss:w@h:1/x').auth).toEqual({ user: 'u', pass: 'p@ss:w' });
  });

  it('accepts bracketed IPv6 hosts', () => {
    const url = parseZkUrl('zk://[::1]:2182,[fe80::1]/m');
    expect(url.servers).toEqual([
      { host: '::1', port: 2182 },
      { host: 'fe80::1', port: 2181 },
    ]);
    expect(url.connectionString).toBe('[::1]:2182,[fe80::1]:2181');
  });

  it.each([
    ['http://127.0.0.1:2181/mesos', "must start with 'zk://'"],
    ['127.0.0.1:2181/mesos', "must start with 'zk://'"],
    ['ZK://127.0.0.1/mesos', "must start with 'zk://'"],
    ['zk:///mesos', 'no host'],
    ['zk://', 'no host'],
    ['zk://user:pass@/mesos', 'no host'],
    ['zk://h1,,h2/mesos', 'empty host'],
    ['zk://:2181/mesos', "no host in ':2181'"],
    ['zk://h:abc/mesos', "bad port 'abc'"],
    ['zk://h:0/mesos', "bad port '0'"],
    ['zk://h:65536/mesos', "bad port '65536'"],
    ['zk://h:/mesos', "bad port ''"],
    ['zk://h:2181:2182/mesos', "bad port '2181:2182'"],
    ['zk://h:2181/mesos/', "must not end with '/'"],
    ['zk://h:2181/a//b', 'empty segment'],
    ['zk://h:2181/a/../b', "relative segment '..'"],
    ['zk://nopass@h:2181/mesos', "'user:pass'"],
    ['zk://:pass@h:2181/mesos', "'user:pass'"],
    ['zk://user:@h:2181/mesos', "'user:pass'"],
    ['zk://[::1/mesos', "unterminated '['"],
  ])('rejects %s', (input, why) => {
    expect(() => parseZkUrl(input)).toThrow(why);
    expect(() => parseZkUrl(input)).toThrow(`invalid ZooKeeper URL '${input}'`);
  });
});

describe('formatZkUrl', () => {
  it('formats what parseZkUrl parses', () => {
    for (const url of [
      'zk://127.0.0.1:2181/mesos',
      'zk://jo:s3cret@zk1:2181,zk2:2182/a/b',
      'zk://127.0.0.1:2181',
      'zk://[::1]:2181/m',
    ]) {
      expect(formatZkUrl(parseZkUrl(url))).toBe(url);
    }
  });

  it('always writes the port and leaves a root path off', () => {
    expect(formatZkUrl({ servers: [{ host: 'a', port: 2181 }] })).toBe('zk://a:2181');
    expect(formatZkUrl(parseZkUrl('zk://a/'))).toBe('zk://a:2181');
  });

  it('rejects an empty server list and bad paths', () => {
    expect(() => formatZkUrl({ servers: [], path: '/x' })).toThrow('without servers');
    expect(() => formatZkUrl({ servers: [{ host: 'a', port: 1 }], path: 'x' })).toThrow(
      "must start with '/'",
    );
    expect(() => formatZkUrl({ servers: [{ host: 'a', port: 1 }], path: '/x/' })).toThrow(
      "must not end with '/'",
    );
  });
});
