import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZkError, ZkClient, ZkError } from '../../src/zookeeper/client.js';
import {
  LeaderContender,
  LeaderDetector,
  leadingMember,
  type LeaderInfo,
} from '../../src/zookeeper/election.js';
import {
  fourLetterWord,
  isZooKeeperInstalled,
  startZooKeeper,
  type RunningZooKeeper,
} from '../../src/zookeeper/server.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';

const installed = isZooKeeperInstalled();
if (!installed) {
  console.warn(
    'skipping ZooKeeper integration tests: /usr/share/java/zookeeper.jar or java is missing (apt-get install zookeeper)',
  );
}

const MEMBER = /^json\.info_\d{10}$/;

describe('leadingMember', () => {
  it('picks the lowest sequence number among well-formed contenders only', () => {
    const children = [
      'json.info_0000000007',
      'log_replicas',
      'json.info_0000000003',
      'info_0000000001',
      'json.info_12',
    ];
    expect(leadingMember(children)).toBe('json.info_0000000003');
    expect(leadingMember(['log_replicas'])).toBeNull();
    expect(leadingMember(['member_0000000002', 'member_0000000001'], 'member_')).toBe('member_0000000001');
  });

  it('treats the label literally, not as a regular expression', () => {
    expect(leadingMember(['jsonXinfo_0000000001'])).toBeNull();
  });
});

describe.skipIf(!installed)('ZooKeeper (real server)', () => {
  let dir: string;
  let zk: RunningZooKeeper;
  const clients: ZkClient[] = [];
  let nextPath = 0;
  const uniquePath = (name: string): string => `/t${nextPath++}-${name}`;

  const connect = async (): Promise<ZkClient> => {
    const client = await ZkClient.connect(zk.connectionString, { sessionTimeoutMs: 4000 });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesos-sandbox-zk-'));
    const started = performance.now();
    zk = await startZooKeeper({
      dataDir: join(dir, 'data'),
      clientPort: await freePort(),
      logFile: join(dir, 'zookeeper.log'),
    });
    console.info(`ZooKeeper was serving ${Math.round(performance.now() - started)} ms after spawn`);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await zk?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a standalone server that answers four-letter words', async () => {
    const [host, port] = zk.connectionString.split(':');
    expect(await fourLetterWord(host!, Number(port), 'ruok')).toBe('imok');
    expect(await fourLetterWord(host!, Number(port), 'srvr')).toMatch(/^Mode: standalone$/m);
    expect(() => process.kill(zk.pid, 0)).not.toThrow();
  });

  it('refuses to start a second server on a port in use, saying so', async () => {
    const port = Number(zk.connectionString.split(':')[1]);
    await expect(
      startZooKeeper({ dataDir: join(dir, 'other'), clientPort: port, logFile: join(dir, 'other.log') }),
    ).rejects.toThrow(`${zk.connectionString} is already in use`);
  });

  it('fails to connect within the timeout, naming the servers', async () => {
    const port = await freePort();
    await expect(ZkClient.connect(`127.0.0.1:${port}`, { connectTimeoutMs: 300 })).rejects.toThrow(
      `could not connect to ZooKeeper at 127.0.0.1:${port} within 300 ms`,
    );
  });

  it('creates, reads, updates, lists and removes znodes', async () => {
    const client = await connect();
    expect(client.sessionId).toMatch(/^0x[0-9a-f]+$/);
    const base = uniquePath('crud');

    expect(await client.exists(base)).toBe(false);
    expect(await client.getData(base)).toBeNull();
    expect(await client.create(base, 'hello', 'persistent')).toBe(base);
    expect(await client.exists(base)).toBe(true);
    expect((await client.getData(base))?.toString()).toBe('hello');

    await client.setData(base, Buffer.from([1, 2, 3]));
    expect(await client.getData(base)).toEqual(Buffer.from([1, 2, 3]));
    await client.create(`${base}/empty`, null, 'persistent');
    expect(await client.getData(`${base}/empty`)).toEqual(Buffer.alloc(0));

    const duplicate = client.create(base, 'again', 'persistent');
    await expect(duplicate).rejects.toBeInstanceOf(ZkError);
    await expect(duplicate).rejects.toThrow(`ZooKeeper create ${base} failed: NODE_EXISTS`);
    await expect(client.setData(`${base}/missing`, 'x')).rejects.toSatisfy((e) => isZkError(e, 'NO_NODE'));
    await expect(client.getData('not-absolute')).rejects.toThrow('not-absolute');

    const seq = await client.create(`${base}/item_`, 'x', 'persistent_sequential');
    expect(seq).toMatch(new RegExp(`^${base}/item_\\d{10}$`));
    await client.mkdirp(`${base}/deep/er/still`);
    await client.mkdirp(`${base}/deep/er/still`);
    expect((await client.getChildren(base)).sort()).toEqual(['deep', 'empty', seq.slice(base.length + 1)]);

    await client.remove(`${base}/nothing-here`);
    await expect(client.remove(`${base}/deep`)).rejects.toSatisfy((e) => isZkError(e, 'NOT_EMPTY'));
    await client.removeRecursive(base);
    expect(await client.exists(base)).toBe(false);
    await client.removeRecursive(base);
  });

  it('fires a children watcher once, on the next change', async () => {
    const client = await connect();
    const base = uniquePath('watch');
    await client.mkdirp(base);
    let fired = 0;
    await client.getChildren(base, () => fired++);
    await client.create(`${base}/a`, null, 'persistent');
    await waitFor(() => fired === 1, { description: 'the children watcher to fire' });
    await client.create(`${base}/b`, null, 'persistent');
    // The second create must not fire it again; a round trip orders us after any notification.
    await client.getChildren(base);
    expect(fired).toBe(1);
  });

  it('deletes ephemeral znodes when the session closes', async () => {
    const owner = await connect();
    const observer = await connect();
    const base = uniquePath('ephemeral');
    await owner.mkdirp(base);
    await owner.create(`${base}/mine`, 'x', 'ephemeral');
    expect(await observer.exists(`${base}/mine`)).toBe(true);
    await owner.close();
    expect(await observer.exists(`${base}/mine`)).toBe(false);
    await expect(owner.exists(base)).rejects.toSatisfy((e) => isZkError(e, 'CLIENT_CLOSED'));
  });

  it('elects the lowest contender and fails over when its session closes', async () => {
    const [c1, c2, c3] = [await connect(), await connect(), await connect()];
    const base = uniquePath('mesos');
    const info1 = { id: 'master-1', hostname: '127.0.0.1', port: 5050 };
    const info2 = { id: 'master-2', hostname: '127.0.0.1', port: 5051 };
    const first = new LeaderContender(c1, base, JSON.stringify(info1));
    const second = new LeaderContender(c2, base, JSON.stringify(info2));

    let firstElected = 0;
    let secondElected = 0;
    first.onElected(() => firstElected++);
    second.onElected(() => secondElected++);
    const name1 = await first.contend();
    const name2 = await second.contend();
    expect(name1).toMatch(MEMBER);
    expect(name2).toMatch(MEMBER);
    expect(name1 < name2).toBe(true);

    await waitFor(() => firstElected === 1, { description: 'the first contender to be elected' });
    expect(await first.isLeader()).toBe(true);
    expect(await second.isLeader()).toBe(false);
    expect(secondElected).toBe(0);

    const detector = new LeaderDetector(c3, base);
    const seen: Array<LeaderInfo | null> = [];
    detector.onChange((leader) => seen.push(leader));
    await detector.start();
    expect(detector.current()?.name).toBe(name1);
    expect(JSON.parse(detector.current()!.data)).toEqual(info1);

    await c1.close();
    await waitFor(() => secondElected === 1, { description: 'the second contender to be elected' });
    await waitFor(() => detector.current()?.name === name2, {
      description: 'the detector to see the new leader',
    });
    expect(JSON.parse(detector.current()!.data)).toEqual(info2);
    expect(seen.map((l) => l?.name)).toEqual([name1, name2]);
    expect(firstElected).toBe(1);

    // Registered after the fact, it still runs: callers need not race the election.
    let late = false;
    second.onElected(() => (late = true));
    await waitFor(() => late, { description: 'a late onElected callback' });
    detector.stop();
  });

  it('tells a leader when it loses its znode', async () => {
    const [c1, c2] = [await connect(), await connect()];
    const base = uniquePath('lost');
    const contender = new LeaderContender(c1, base, '{}');
    let lost = false;
    contender.onLost(() => (lost = true));
    const name = await contender.contend();
    expect(await contender.isLeader()).toBe(true);
    await c2.remove(`${base}/${name}`);
    await waitFor(() => lost, { description: 'onLost after the znode was deleted' });
  });

  it('sees a leader appear under a path that did not exist when it started, and leave', async () => {
    const [c1, c2] = [await connect(), await connect()];
    const base = `${uniquePath('late')}/nested/mesos`;
    const detector = new LeaderDetector(c2, base);
    const seen: Array<string | null> = [];
    detector.onChange((leader) => seen.push(leader?.name ?? null));
    await detector.start();
    expect(detector.current()).toBeNull();

    const contender = new LeaderContender(c1, base, JSON.stringify({ id: 'late' }));
    const name = await contender.contend();
    await waitFor(() => detector.current()?.name === name, {
      description: 'the detector to see the late leader',
    });
    expect(JSON.parse(detector.current()!.data)).toEqual({ id: 'late' });

    await contender.withdraw();
    expect(await c1.exists(`${base}/${name}`)).toBe(false);
    await waitFor(() => detector.current() === null, { description: 'the detector to see no leader' });
    expect(seen).toEqual([name, null]);
    detector.stop();
  });

  it('ignores children that are not contenders', async () => {
    const [c1, c2] = [await connect(), await connect()];
    const base = uniquePath('noise');
    await c1.mkdirp(`${base}/log_replicas`);
    // Sequential, and numbered before the real contender: only the name pattern tells them apart.
    await c1.create(`${base}/info_`, 'legacy', 'ephemeral_sequential');
    await c1.create(`${base}/json.info_x`, 'not a sequence', 'persistent');
    const detector = new LeaderDetector(c2, base);
    await detector.start();
    expect(detector.current()).toBeNull();

    const contender = new LeaderContender(c1, base, '{"id":"real"}');
    const name = await contender.contend();
    await waitFor(() => detector.current()?.name === name, {
      description: 'the detector to see the real leader',
    });
    expect(await contender.isLeader()).toBe(true);
    detector.stop();
  });

  it('lets another framework use its own label', async () => {
    const [c1, c2] = [await connect(), await connect()];
    const base = uniquePath('marathon');
    const mesosDetector = new LeaderDetector(c2, base);
    const memberDetector = new LeaderDetector(c2, base, 'member_');
    await Promise.all([mesosDetector.start(), memberDetector.start()]);
    const name = await new LeaderContender(c1, base, 'marathon-1:8080', 'member_').contend();
    expect(name).toMatch(/^member_\d{10}$/);
    await waitFor(() => memberDetector.current()?.data === 'marathon-1:8080', {
      description: "the 'member_' detector to see the leader",
    });
    expect(mesosDetector.current()).toBeNull();
    mesosDetector.stop();
    memberDetector.stop();
  });
});
