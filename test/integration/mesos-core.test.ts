// The Mesos core end to end: real ZooKeeper, master and agent processes, driven through the public
// v1 scheduler API exactly as a framework would.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { SchedulerClient } from '../../src/mesos/scheduler/client.js';
import type { Offer, TaskInfo, TaskStatus } from '../../src/mesos/protocol/types.js';
import { RecordIODecoder } from '../../src/mesos/protocol/recordio.js';
import { ZkClient } from '../../src/zookeeper/client.js';
import { isZooKeeperInstalled, startZooKeeper, type RunningZooKeeper } from '../../src/zookeeper/server.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import {
  acknowledgeUpdates,
  EventLog,
  startNode,
  testDir,
  type TestNode,
  waitForAgents,
} from '../support/nodes.js';

const haveZk = isZooKeeperInstalled();
if (!haveZk)
  console.warn('Skipping Mesos core integration tests: ZooKeeper is not installed (run ./install.sh)');

const AGENT_RESOURCES = 'cpus:4;mem:2048;disk:4096;ports:[31000-31099]';

describe.skipIf(!haveZk)('Mesos core: master + agent + ZooKeeper', () => {
  let dir: string;
  let zk: RunningZooKeeper;
  let zkUrl: string;
  let master: TestNode;
  let agent: TestNode;
  let masterPort: number;
  let agentPort: number;
  const clients: SchedulerClient[] = [];

  beforeAll(async () => {
    dir = testDir('core');
    const zkPort = await freePort();
    zk = await startZooKeeper({ dataDir: `${dir}/zk`, clientPort: zkPort, logFile: `${dir}/zk.log` });
    zkUrl = `zk://127.0.0.1:${zkPort}/mesos`;
    masterPort = await freePort();
    agentPort = await freePort();
    master = await startNode(
      'master',
      { port: String(masterPort), zk: zkUrl, allocation_interval: '100ms', zk_session_timeout: '4secs' },
      dir,
    );
    agent = await startNode(
      'agent',
      {
        port: String(agentPort),
        master: zkUrl,
        resources: AGENT_RESOURCES,
        attributes: 'rack:r1;level:3',
        work_dir: `${dir}/agent`,
        status_update_retry_interval: '300ms',
        registration_backoff_factor: '50ms',
      },
      dir,
    );
    await waitForAgents(master.url, 1);
  });

  // A framework that holds offers starves the next test (offers are whole-agent): every test's
  // frameworks are torn down after it, pass or fail.
  afterEach(async () => {
    for (const c of clients.splice(0)) {
      await c.call({ type: 'TEARDOWN' }).catch(() => undefined);
      await c.close();
    }
  });

  afterAll(async () => {
    await agent?.stop();
    await master?.stop();
    await zk?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function framework(
    name: string,
    extra: Record<string, unknown> = {},
    autoAck = true,
  ): Promise<{ client: SchedulerClient; log: EventLog }> {
    const client = new SchedulerClient({
      master: zkUrl,
      frameworkInfo: { user: 'root', name, ...extra },
      reconnect: false,
    });
    clients.push(client);
    const log = new EventLog(client);
    if (autoAck) acknowledgeUpdates(client);
    await client.subscribe();
    return { client, log };
  }

  function commandTask(
    offer: Offer,
    id: string,
    cmd: string,
    res = { cpus: 0.1, mem: 32 },
    extra: Partial<TaskInfo> = {},
  ): TaskInfo {
    return {
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      command: { value: cmd },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: res.cpus } },
        { name: 'mem', type: 'SCALAR', scalar: { value: res.mem } },
      ],
      ...extra,
    };
  }

  async function launch(
    client: SchedulerClient,
    log: EventLog,
    tasks: (offer: Offer) => TaskInfo[],
  ): Promise<Offer> {
    const { offers } = await log.next('OFFERS', (e) => e.offers.offers.length > 0);
    const offer = offers.offers[0]!;
    await client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: tasks(offer) } }],
        filters: { refuse_seconds: 0 },
      },
    });
    return offer;
  }

  const terminal = (log: EventLog, taskId: string): Promise<TaskStatus> =>
    log
      .next(
        'UPDATE',
        (e) =>
          e.update.status.task_id.value === taskId &&
          ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST'].includes(
            e.update.status.state,
          ),
      )
      .then((e) => e.update.status);

  it('advertises the leader in ZooKeeper as a json.info_ znode holding MasterInfo', async () => {
    const client = await ZkClient.connect(`127.0.0.1:${new URL(zkUrl.replace('zk://', 'http://')).port}`);
    try {
      const children = (await client.getChildren('/mesos')).filter((c) => c.startsWith('json.info_'));
      expect(children).toHaveLength(1);
      expect(children[0]).toMatch(/^json\.info_\d{10}$/);
      const info = JSON.parse((await client.getData(`/mesos/${children[0]}`))!.toString()) as Record<
        string,
        unknown
      >;
      expect(info).toMatchObject({
        ip: 16777343,
        port: masterPort,
        address: { ip: '127.0.0.1', port: masterPort },
        version: '1.11.0',
      });
      expect(info.pid).toBe(`master@127.0.0.1:${masterPort}`);
    } finally {
      await client.close();
    }
  });

  it('subscribes a framework and offers the whole agent with its attributes and url', async () => {
    const { log, client } = await framework('offers');
    expect(client.frameworkId).toMatch(/^[0-9a-f-]{36}-\d{4}$/);
    const subscribed = await log.next('SUBSCRIBED');
    expect(subscribed.subscribed.heartbeat_interval_seconds).toBe(15);
    const { offers } = await log.next('OFFERS');
    const offer = offers.offers[0]!;
    expect(offer.url?.address.ip).toBe('127.0.0.1');
    expect(offer.url?.address.port).toBe(agentPort);
    const byName = Object.fromEntries(offer.resources.map((r) => [r.name, r]));
    expect(byName.cpus?.scalar?.value).toBe(4);
    expect(byName.mem?.scalar?.value).toBe(2048);
    expect(byName.ports?.ranges?.range).toEqual([{ begin: 31000, end: 31099 }]);
    expect(offer.attributes).toEqual(
      expect.arrayContaining([
        { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
        { name: 'level', type: 'SCALAR', scalar: { value: 3 } },
      ]),
    );
    await client.call({ type: 'TEARDOWN' });
  });

  it('runs a command task through STARTING, RUNNING, FINISHED with its environment and sandbox', async () => {
    const { client, log } = await framework('lifecycle');
    await launch(client, log, (offer) => [
      commandTask(
        offer,
        'env-task',
        'echo "id=$MESOS_TASK_ID port=$PORT0 ports=$PORTS host=$HOST"; echo "$MESOS_SANDBOX" ; echo oops >&2',
        { cpus: 0.1, mem: 32 },
        {
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
            { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31005, end: 31006 }] } },
          ],
        },
      ),
    ]);
    const end = await terminal(log, 'env-task');
    expect(end.state).toBe('TASK_FINISHED');
    expect(end.source).toBe('SOURCE_EXECUTOR');
    expect(end.message).toBe('Command exited with status 0');
    const states = log.updates('env-task').map((s) => s.state);
    expect(states).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(log.updates('env-task').every((s) => s.uuid && Buffer.from(s.uuid, 'base64').length === 16)).toBe(
      true,
    );

    const sandbox = `/frameworks/${client.frameworkId}/executors/env-task/runs/latest`;
    const stdout = (await (
      await fetch(`${agent.url}/files/read?path=${encodeURIComponent(sandbox + '/stdout')}&offset=0`)
    ).json()) as { data: string };
    expect(stdout.data).toContain('id=env-task port=31005 ports=31005,31006 host=127.0.0.1');
    const stderr = (await (
      await fetch(`${agent.url}/files/read?path=${encodeURIComponent(sandbox + '/stderr')}&offset=0`)
    ).json()) as { data: string };
    expect(stderr.data).toContain('oops');
    await client.call({ type: 'TEARDOWN' });
  });

  it('reports a failing command as TASK_FAILED with its exit status', async () => {
    const { client, log } = await framework('failing');
    await launch(client, log, (offer) => [commandTask(offer, 'fail-task', 'exit 3')]);
    const end = await terminal(log, 'fail-task');
    expect(end).toMatchObject({
      state: 'TASK_FAILED',
      source: 'SOURCE_EXECUTOR',
      message: 'Command exited with status 3',
    });
    await client.call({ type: 'TEARDOWN' });
  });

  it('rejects an invalid task with TASK_ERROR from the master and keeps the rest of the offer usable', async () => {
    const { client, log } = await framework('invalid');
    await launch(client, log, (offer) => [
      {
        name: 'bad',
        task_id: { value: 'bad' },
        agent_id: offer.agent_id,
        command: { value: 'true' },
        resources: [],
      },
      commandTask(offer, 'too-big', 'true', { cpus: 100, mem: 32 }),
    ]);
    const bad = await terminal(log, 'bad');
    expect(bad).toMatchObject({
      state: 'TASK_ERROR',
      source: 'SOURCE_MASTER',
      reason: 'REASON_TASK_INVALID',
      message: 'Task uses no resources',
    });
    expect(bad.uuid).toBeUndefined();
    const big = await terminal(log, 'too-big');
    expect(big.state).toBe('TASK_ERROR');
    expect(big.message).toMatch(/more resources/);
    // The resources come straight back (refuse_seconds 0).
    await log.next(
      'OFFERS',
      () => true,
      5000,
      log.events.findIndex((e) => e.type === 'UPDATE'),
    );
    await client.call({ type: 'TEARDOWN' });
  });

  it('kills a task with SIGTERM, and with SIGKILL after the grace period when it ignores TERM', async () => {
    const { client, log } = await framework('kill', { capabilities: [{ type: 'TASK_KILLING_STATE' }] });
    await launch(client, log, (offer) => [
      commandTask(offer, 'polite', 'sleep 300'),
      commandTask(
        offer,
        'stubborn',
        "trap '' TERM; while true; do sleep 0.05; done",
        { cpus: 0.1, mem: 32 },
        { kill_policy: { grace_period: { nanoseconds: 300e6 } } },
      ),
    ]);
    await log.next(
      'UPDATE',
      (e) => e.update.status.task_id.value === 'polite' && e.update.status.state === 'TASK_RUNNING',
    );
    await log.next(
      'UPDATE',
      (e) => e.update.status.task_id.value === 'stubborn' && e.update.status.state === 'TASK_RUNNING',
    );
    await client.call({ type: 'KILL', kill: { task_id: { value: 'polite' } } });
    await client.call({ type: 'KILL', kill: { task_id: { value: 'stubborn' } } });
    const polite = await terminal(log, 'polite');
    expect(polite.state).toBe('TASK_KILLED');
    const stubborn = await terminal(log, 'stubborn');
    expect(stubborn.state).toBe('TASK_KILLED');
    expect(stubborn.message).toMatch(/signal.*(KILL|Killed)/i);
    expect(log.updates('polite').map((s) => s.state)).toContain('TASK_KILLING');
    await client.call({ type: 'TEARDOWN' });
  });

  it('answers explicit and implicit reconciliation from the master', async () => {
    const { client, log } = await framework('reconcile');
    await launch(client, log, (offer) => [commandTask(offer, 'long', 'sleep 300')]);
    await log.next(
      'UPDATE',
      (e) => e.update.status.task_id.value === 'long' && e.update.status.state === 'TASK_RUNNING',
    );
    const mark = log.events.length;
    await client.call({
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 'long' } }, { task_id: { value: 'nope' } }] },
    });
    const known = await log.next('UPDATE', (e) => e.update.status.task_id.value === 'long', 5000, mark);
    expect(known.update.status).toMatchObject({
      state: 'TASK_RUNNING',
      source: 'SOURCE_MASTER',
      reason: 'REASON_RECONCILIATION',
    });
    expect(known.update.status.uuid).toBeUndefined();
    const unknown = await log.next('UPDATE', (e) => e.update.status.task_id.value === 'nope', 5000, mark);
    expect(unknown.update.status.state).toBe('TASK_LOST');
    const mark2 = log.events.length;
    await client.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
    const implicit = await log.next('UPDATE', (e) => e.update.status.task_id.value === 'long', 5000, mark2);
    expect(implicit.update.status.reason).toBe('REASON_RECONCILIATION');
    await client.call({ type: 'TEARDOWN' });
    // Teardown kills the framework's tasks on the agent.
    await waitFor(async () => {
      const state = (await (await fetch(`${master.url}/master/state`)).json()) as {
        completed_frameworks: Array<{ id: string }>;
      };
      return state.completed_frameworks.some((f) => f.id === client.frameworkId);
    });
  });

  it('retries an unacknowledged status update until it is acknowledged, in order', async () => {
    const { client, log } = await framework('retry', {}, false);
    await launch(client, log, (offer) => [commandTask(offer, 'quick', 'true')]);
    // Without an ACK, TASK_STARTING is sent again (same uuid) and nothing later is sent.
    await waitFor(() => log.updates('quick').length >= 2, { description: 'a retried update' });
    const seen = log.updates('quick');
    expect(seen.map((s) => s.state).slice(0, 2)).toEqual(['TASK_STARTING', 'TASK_STARTING']);
    expect(seen[1]!.uuid).toBe(seen[0]!.uuid);
    // Acknowledge everything from now on: RUNNING then FINISHED follow, in order.
    acknowledgeUpdates(client);
    await client.call({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: seen[0]!.agent_id!, task_id: { value: 'quick' }, uuid: seen[0]!.uuid! },
    });
    await terminal(log, 'quick');
    const states = [...new Set(log.updates('quick').map((s) => s.state))];
    expect(states).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    await client.call({ type: 'TEARDOWN' });
  });

  it('answers bad scheduler calls with the real status codes and texts', async () => {
    // A Uint8Array body, so fetch adds no Content-Type of its own.
    const post = (body: string, headers: Record<string, string>): Promise<Response> =>
      fetch(`${master.url}/api/v1/scheduler`, {
        method: 'POST',
        body: new TextEncoder().encode(body),
        headers,
      });
    let res = await post('{}', {});
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("Expecting 'Content-Type' to be present");
    res = await post('{', { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Failed to parse body into JSON/);
    res = await post('{}', { 'Content-Type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(415);
    res = await post(
      JSON.stringify({ type: 'DECLINE', framework_id: { value: 'nope' }, decline: { offer_ids: [] } }),
      { 'Content-Type': 'application/json' },
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Framework cannot be found');
    res = await post(JSON.stringify({ type: 'ACCEPT', framework_id: { value: 'x' } }), {
      'Content-Type': 'application/json',
    });
    expect(await res.text()).toBe("Failed to validate scheduler::Call: Expecting 'accept' to be present");
    expect((await fetch(`${master.url}/api/v1/scheduler`)).status).toBe(405);

    const { client } = await framework('errors');
    res = await post(JSON.stringify({ type: 'REVIVE', framework_id: { value: client.frameworkId } }), {
      'Content-Type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    res = await post(JSON.stringify({ type: 'REVIVE', framework_id: { value: client.frameworkId } }), {
      'Content-Type': 'application/json',
      'Mesos-Stream-Id': 'wrong',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^The stream ID 'wrong' included in this request didn't match/);
    res = await post(JSON.stringify({ type: 'REVIVE', framework_id: { value: client.frameworkId } }), {
      'Content-Type': 'application/json',
      'Mesos-Stream-Id': client.streamId!,
    });
    expect(res.status).toBe(202);
    // null fields are "absent" (npm mesos-framework sends them).
    res = await post(
      JSON.stringify({
        type: 'SUPPRESS',
        framework_id: { value: client.frameworkId },
        suppress: null,
        filters: null,
      }),
      {
        'Content-Type': 'application/json',
        'Mesos-Stream-Id': client.streamId!,
      },
    );
    expect(res.status).toBe(202);
    await client.call({ type: 'TEARDOWN' });
  });

  it('serves /master/state and the operator API with the launched task', async () => {
    const { client, log } = await framework('state');
    const opStream = await fetch(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'SUBSCRIBE' }),
    });
    expect(opStream.status).toBe(200);
    const opEvents: Array<{ type: string }> = [];
    const decoder = new RecordIODecoder();
    const reader = opStream.body!.getReader();
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const r of decoder.push(Buffer.from(value))) opEvents.push(JSON.parse(r) as { type: string });
      }
    })().catch(() => undefined);
    await waitFor(() => opEvents.some((e) => e.type === 'SUBSCRIBED'));

    await launch(client, log, (offer) => [commandTask(offer, 'visible', 'sleep 300')]);
    await log.next(
      'UPDATE',
      (e) => e.update.status.task_id.value === 'visible' && e.update.status.state === 'TASK_RUNNING',
    );
    await waitFor(
      () => opEvents.some((e) => e.type === 'TASK_ADDED') && opEvents.some((e) => e.type === 'TASK_UPDATED'),
    );

    const state = (await (await fetch(`${master.url}/master/state`)).json()) as {
      frameworks: Array<{
        id: string;
        tasks: Array<{ id: string; state: string; slave_id: string; resources: Record<string, unknown> }>;
      }>;
      slaves: Array<{ id: string; resources: Record<string, unknown>; attributes: Record<string, unknown> }>;
    };
    const fw = state.frameworks.find((f) => f.id === client.frameworkId)!;
    expect(fw.tasks).toHaveLength(1);
    expect(fw.tasks[0]).toMatchObject({ id: 'visible', state: 'TASK_RUNNING' });
    expect(fw.tasks[0]!.resources).toMatchObject({ cpus: 0.1, mem: 32, disk: 0, gpus: 0 });
    expect(state.slaves[0]!.resources).toMatchObject({ cpus: 4, mem: 2048, ports: '[31000-31099]' });
    expect(state.slaves[0]!.attributes).toEqual({ rack: 'r1', level: 3 });

    const tasks = await fetch(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'GET_TASKS' }),
    });
    const body = (await tasks.json()) as {
      type: string;
      get_tasks: { tasks: Array<{ task_id: { value: string }; state: string }> };
    };
    expect(body.type).toBe('GET_TASKS');
    expect(body.get_tasks.tasks.find((t) => t.task_id.value === 'visible')?.state).toBe('TASK_RUNNING');

    const agentState = (await (await fetch(`${agent.url}/state`)).json()) as {
      frameworks: Array<{ executors: Array<{ tasks: Array<{ id: string }> }> }>;
      flags: { isolation: string };
    };
    expect(
      agentState.frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks.map((t) => t.id))),
    ).toContain('visible');
    expect(agentState.flags.isolation).toEqual(
      process.getuid?.() === 0 ? expect.stringContaining('cgroups') : 'posix/cpu,posix/mem',
    );
    await reader.cancel();
    await client.call({ type: 'TEARDOWN' });
  });

  it('honours DECLINE filters: a declined agent is not re-offered before refuse_seconds', async () => {
    const { client, log } = await framework('decline');
    const first = await log.next('OFFERS');
    const mark = log.events.length;
    await client.call({
      type: 'DECLINE',
      decline: { offer_ids: [first.offers.offers[0]!.id], filters: { refuse_seconds: 2 } },
    });
    const startedAt = Date.now();
    const again = await log.next('OFFERS', () => true, 10_000, mark);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1800);
    expect(again.offers.offers[0]!.agent_id.value).toBe(first.offers.offers[0]!.agent_id.value);
    // SUPPRESS stops offers; REVIVE brings them back at once.
    await client.call({ type: 'SUPPRESS' });
    await client.call({
      type: 'DECLINE',
      decline: { offer_ids: [again.offers.offers[0]!.id], filters: { refuse_seconds: 0 } },
    });
    const mark2 = log.events.length;
    await client.call({ type: 'REVIVE' });
    await log.next('OFFERS', () => true, 5000, mark2);
    await client.call({ type: 'TEARDOWN' });
  });

  it('launches a task group and kills the group when one task fails', async () => {
    const { client, log } = await framework('groups');
    const { offers } = await log.next('OFFERS');
    const offer = offers.offers[0]!;
    const res = (cpus: number, mem: number): TaskInfo['resources'] => [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
    ];
    await client.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH_GROUP',
            launch_group: {
              executor: { type: 'DEFAULT', executor_id: { value: 'group-exec' }, resources: res(0.1, 32) },
              task_group: {
                tasks: [
                  {
                    name: 'a',
                    task_id: { value: 'group-a' },
                    agent_id: offer.agent_id,
                    command: { value: 'sleep 300' },
                    resources: res(0.1, 32),
                  },
                  {
                    name: 'b',
                    task_id: { value: 'group-b' },
                    agent_id: offer.agent_id,
                    command: { value: 'sleep 0.3; exit 1' },
                    resources: res(0.1, 32),
                  },
                ],
              },
            },
          },
        ],
      },
    });
    expect((await terminal(log, 'group-b')).state).toBe('TASK_FAILED');
    expect((await terminal(log, 'group-a')).state).toBe('TASK_KILLED');
    await client.call({ type: 'TEARDOWN' });
  });

  it.skipIf(process.getuid?.() !== 0)(
    'fails a task over its memory limit with REASON_CONTAINER_LIMITATION_MEMORY (root only)',
    async () => {
      const { client, log } = await framework('oom');
      await launch(client, log, (offer) => [
        commandTask(offer, 'hog', 'head -c 300m /dev/zero | tail > /dev/null', { cpus: 0.1, mem: 32 }),
      ]);
      const end = await terminal(log, 'hog');
      expect(end).toMatchObject({
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
        source: 'SOURCE_AGENT',
      });
      await client.call({ type: 'TEARDOWN' });
    },
  );

  it('redirects from a non-leading master with 307 and a protocol-relative Location', async () => {
    const standbyPort = await freePort();
    const standby = await startNode('master', { port: String(standbyPort), zk: zkUrl }, dir);
    try {
      const res = await fetch(`${standby.url}/api/v1/scheduler`, {
        method: 'POST',
        redirect: 'manual',
        body: '{}',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(307);
      expect(res.headers.get('location')).toBe(`//127.0.0.1:${masterPort}/api/v1/scheduler`);
      const redirect = await fetch(`${standby.url}/master/redirect`, { redirect: 'manual' });
      expect(redirect.headers.get('location')).toBe(`//127.0.0.1:${masterPort}`);
    } finally {
      await standby.stop();
    }
  });

  it('keeps running tasks across a master restart: the agent re-registers, the framework re-subscribes', async () => {
    const { client, log } = await framework('failover', { failover_timeout: 60 });
    await launch(client, log, (offer) => [commandTask(offer, 'survivor', 'sleep 300')]);
    await log.next(
      'UPDATE',
      (e) => e.update.status.task_id.value === 'survivor' && e.update.status.state === 'TASK_RUNNING',
    );
    const frameworkId = client.frameworkId!;
    await client.close();

    await master.stop('SIGKILL');
    master = await startNode(
      'master',
      { port: String(masterPort), zk: zkUrl, allocation_interval: '100ms', zk_session_timeout: '4secs' },
      dir,
    );
    await waitFor(
      async () => {
        const state = (await (await fetch(`${master.url}/master/state`)).json()) as {
          slaves: unknown[];
          frameworks: Array<{ id: string; tasks: Array<{ id: string }> }>;
        };
        return (
          state.slaves.length === 1 &&
          state.frameworks.some((f) => f.id === frameworkId && f.tasks.some((t) => t.id === 'survivor'))
        );
      },
      { timeoutMs: 20_000, description: 'the agent to re-register with its task' },
    );

    const again = new SchedulerClient({
      master: zkUrl,
      frameworkInfo: { user: 'root', name: 'failover', failover_timeout: 60, id: { value: frameworkId } },
      reconnect: false,
    });
    clients.push(again);
    const againLog = new EventLog(again);
    expect(await again.subscribe()).toBe(frameworkId);
    await again.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'survivor' } }] } });
    const status = await againLog.next('UPDATE', (e) => e.update.status.task_id.value === 'survivor');
    expect(status.update.status.state).toBe('TASK_RUNNING');
    await again.call({ type: 'TEARDOWN' });
    expect(readFileSync(agent.logFile, 'utf8')).toContain('Re-registered with master');
  });
});
