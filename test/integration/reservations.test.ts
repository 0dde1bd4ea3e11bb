// Reservations and persistent volumes end to end, on a real master and agent: a static reservation
// offered to its role only; RESERVE and UNRESERVE through ACCEPT and the offers and endpoints that
// follow; a persistent volume created, written by one task, read by the next, kept across an agent
// restart (and a master restart) and destroyed; and the operations Mesos drops, which leave the
// resources as they were.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  containsResources,
  isPersistentVolume,
  persistenceIdOf,
  reservationRole,
  resourcesEqual,
  scalarOf,
  withoutAllocationInfo,
} from '../../src/mesos/protocol/resources.js';
import type {
  FrameworkInfo,
  Offer,
  OfferOperation,
  Resource,
  TaskInfo,
  TaskState,
} from '../../src/mesos/protocol/types.js';
import { SchedulerClient } from '../../src/mesos/scheduler/client.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import {
  acknowledgeUpdates,
  EventLog,
  startNode,
  testDir,
  waitForAgents,
  type TestNode,
} from '../support/nodes.js';

const AGENT_RESOURCES = 'cpus:2;mem:1024;disk:1024;ports:[31000-31009];cpus(eng):1;mem(eng):256';

const scalar = (name: string, value: number, extra: Partial<Resource> = {}): Resource => ({
  name,
  type: 'SCALAR',
  scalar: { value },
  ...extra,
});
const dynamic = (name: string, value: number, role = 'eng'): Resource =>
  scalar(name, value, { reservations: [{ type: 'DYNAMIC', role, principal: 'alice' }] });
const volume = (id: string, size: number, containerPath = 'data'): Resource => ({
  ...dynamic('disk', size),
  disk: { persistence: { id, principal: 'alice' }, volume: { container_path: containerPath, mode: 'RW' } },
});

interface OperationStatus {
  operation_id: { value: string };
  state: string;
  message?: string;
}

/** A framework the test drives by hand, one offer at a time. */
class TestFramework {
  readonly log: EventLog;
  private cursor = 0;
  private closed = false;

  private constructor(readonly client: SchedulerClient) {
    this.log = new EventLog(client);
    acknowledgeUpdates(client);
  }

  static async start(masterUrl: string, name: string, info: Partial<FrameworkInfo>): Promise<TestFramework> {
    const client = new SchedulerClient({
      master: masterUrl,
      frameworkInfo: { user: 'root', name, ...info },
      reconnect: false,
    });
    const fw = new TestFramework(client);
    await client.subscribe();
    return fw;
  }

  /** The next offer that `match` takes; others are declined so their resources come back. */
  async offer(match: (o: Offer) => boolean = () => true): Promise<Offer> {
    for (;;) {
      const event = await this.log.next('OFFERS', () => true, 20_000, this.cursor);
      this.cursor = this.log.events.indexOf(event) + 1;
      const offers = event.offers.offers;
      const found = offers.find(match);
      const rest = offers.filter((o) => o !== found).map((o) => o.id);
      if (rest.length > 0) await this.decline(rest);
      if (found) return found;
    }
  }

  async decline(offerIds: Array<{ value: string }>, refuseSeconds = 0): Promise<void> {
    await this.client.call({
      type: 'DECLINE',
      decline: { offer_ids: offerIds, filters: { refuse_seconds: refuseSeconds } },
    });
  }

  async accept(offer: Offer, operations: OfferOperation[]): Promise<void> {
    await this.client.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } },
    });
  }

  async operation(id: string): Promise<OperationStatus> {
    return waitFor(
      () => {
        for (const e of this.log.events as unknown as Array<{
          type: string;
          update_operation_status?: { status: OperationStatus };
        }>) {
          const status = e.update_operation_status?.status;
          if (e.type === 'UPDATE_OPERATION_STATUS' && status?.operation_id.value === id) return status;
        }
        return undefined;
      },
      { timeoutMs: 15_000, description: `the status of operation ${id}` },
    );
  }

  async taskState(taskId: string, states: TaskState[]): Promise<TaskState> {
    const e = await this.log.next(
      'UPDATE',
      (u) => u.update.status.task_id.value === taskId && states.includes(u.update.status.state),
      30_000,
    );
    return e.update.status.state;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    await this.client.close();
  }
}

const engInfo: Partial<FrameworkInfo> = {
  roles: ['eng'],
  principal: 'alice',
  capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
};

function reservedFor(offer: Offer, role: string): Resource[] {
  return offer.resources.filter((r) => reservationRole(r) === role);
}

function commandTask(offer: Offer, id: string, cmd: string, extra: Resource[] = []): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { value: cmd },
    resources: [scalar('cpus', 0.1), scalar('mem', 32), ...extra],
  };
}

describe('reservations and persistent volumes', () => {
  let dir: string;
  let master: TestNode;
  let agent: TestNode;
  let masterFlags: Record<string, string>;
  let agentFlags: Record<string, string>;
  const frameworks: TestFramework[] = [];

  const start = async (name: string, info: Partial<FrameworkInfo>): Promise<TestFramework> => {
    const fw = await TestFramework.start(master.url, name, info);
    frameworks.push(fw);
    return fw;
  };

  const getJson = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;

  beforeAll(async () => {
    dir = testDir('reservations');
    masterFlags = { port: String(await freePort()), allocation_interval: '100ms' };
    master = await startNode('master', masterFlags, dir);
    agentFlags = {
      port: String(await freePort()),
      master: master.url,
      work_dir: `${dir}/agent`,
      resources: AGENT_RESOURCES,
      registration_backoff_factor: '50ms',
    };
    agent = await startNode('agent', agentFlags, dir);
    await waitForAgents(master.url, 1);
  });

  afterEach(async () => {
    for (const fw of frameworks.splice(0)) await fw.close();
  });

  afterAll(async () => {
    await agent?.stop();
    await master?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('offers a static reservation to its role only and shows it on the endpoints', async () => {
    const slaves = await getJson<{ slaves: Array<Record<string, unknown>> }>(`${master.url}/master/slaves`);
    expect(slaves.slaves[0]).toMatchObject({
      reserved_resources: { eng: { cpus: 1, mem: 256 } },
      unreserved_resources: { cpus: 2, mem: 1024, disk: 1024 },
      reserved_resources_full: {
        eng: expect.arrayContaining([
          expect.objectContaining({
            name: 'cpus',
            role: 'eng',
            reservations: [{ type: 'STATIC', role: 'eng' }],
          }),
        ]),
      },
    });
    const state = await getJson<{ slaves: Array<Record<string, unknown>> }>(`${master.url}/master/state`);
    expect(state.slaves[0]).toMatchObject({ reserved_resources: { eng: { cpus: 1, mem: 256 } } });
    const agentState = await getJson<Record<string, unknown>>(`${agent.url}/state`);
    expect(agentState).toMatchObject({
      reserved_resources: { eng: { cpus: 1, mem: 256 } },
      unreserved_resources: { cpus: 2 },
    });

    const ops = await start('ops', { role: 'ops' });
    const opsOffer = await ops.offer();
    // Pre-refinement format for a framework without RESERVATION_REFINEMENT: every resource has a role.
    expect(opsOffer.resources.every((r) => r.role === '*')).toBe(true);
    expect(scalarOf(opsOffer.resources, 'cpus')).toBe(2);
    await ops.close();

    const eng = await start('eng', engInfo);
    const engOffer = await eng.offer();
    expect(scalarOf(reservedFor(engOffer, 'eng'), 'cpus')).toBe(1);
    expect(scalarOf(engOffer.resources, 'cpus')).toBe(3);
  });

  it('RESERVE is offered back to the reserving role only, UNRESERVE gives it back to everyone', async () => {
    const eng = await start('eng', engInfo);
    const first = await eng.offer();
    await eng.accept(first, [
      {
        type: 'RESERVE',
        id: { value: 'reserve-1' },
        reserve: { resources: [dynamic('cpus', 1), dynamic('mem', 128)] },
      },
    ]);
    expect(await eng.operation('reserve-1')).toMatchObject({ state: 'OPERATION_FINISHED' });
    const second = await eng.offer();
    expect(containsResources(second.resources, [dynamic('cpus', 1), dynamic('mem', 128)])).toBe(true);
    expect(scalarOf(second.resources, 'cpus')).toBe(3);

    const slaves = await getJson<{ slaves: Array<Record<string, unknown>> }>(`${master.url}/master/slaves`);
    expect(slaves.slaves[0]).toMatchObject({
      reserved_resources: { eng: { cpus: 2, mem: 384 } },
      unreserved_resources: { cpus: 1, mem: 896 },
    });
    await waitFor(
      async () =>
        ((await getJson<{ reserved_resources: { eng?: { cpus: number } } }>(`${agent.url}/state`))
          .reserved_resources.eng?.cpus ?? 0) === 2,
      { description: "the agent's /state to show the new reservation" },
    );
    // Declined for long enough that ops is offered what it may use; REVIVE ends the refusal.
    await eng.decline([second.id], 3600);

    const ops = await start('ops', { role: 'ops' });
    const opsOffer = await ops.offer();
    expect(reservationRole(opsOffer.resources[0]!)).toBe('*');
    expect(scalarOf(opsOffer.resources, 'cpus')).toBe(1);
    await ops.close();

    await eng.client.call({ type: 'REVIVE' });
    const third = await eng.offer();
    await eng.accept(third, [
      { type: 'UNRESERVE', unreserve: { resources: [dynamic('cpus', 1), dynamic('mem', 128)] } },
    ]);
    const fourth = await eng.offer();
    expect(scalarOf(reservedFor(fourth, 'eng'), 'cpus')).toBe(1);
    await eng.close();

    const opsAgain = await start('ops-again', { role: 'ops' });
    expect(scalarOf((await opsAgain.offer()).resources, 'cpus')).toBe(2);
  });

  it('drops invalid operations and leaves the offered resources as they were', async () => {
    const eng = await start('eng', engInfo);
    const before = await eng.offer();
    await eng.accept(before, [
      { type: 'RESERVE', id: { value: 'for-star' }, reserve: { resources: [dynamic('cpus', 1, '*')] } },
      { type: 'RESERVE', id: { value: 'for-ops' }, reserve: { resources: [dynamic('cpus', 1, 'ops')] } },
      {
        type: 'CREATE',
        id: { value: 'unreserved-disk' },
        create: {
          volumes: [
            scalar('disk', 10, {
              disk: { persistence: { id: 'x' }, volume: { container_path: 'x', mode: 'RW' } },
            }),
          ],
        },
      },
      {
        type: 'UNRESERVE',
        id: { value: 'static' },
        unreserve: { resources: [scalar('cpus', 1, { role: 'eng' })] },
      },
    ]);
    expect((await eng.operation('for-star')).message).toMatch(/role "\*" cannot be reserved/);
    expect((await eng.operation('for-ops')).message).toMatch(/allocated to role 'eng'/);
    expect((await eng.operation('unreserved-disk')).message).toMatch(
      /^Invalid resources: Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources/,
    );
    expect((await eng.operation('static')).message).toMatch(/is not dynamically reserved/);
    for (const id of ['for-star', 'for-ops', 'unreserved-disk', 'static']) {
      expect((await eng.operation(id)).state).toBe('OPERATION_ERROR');
    }
    const after = await eng.offer();
    expect(
      resourcesEqual(withoutAllocationInfo(after.resources), withoutAllocationInfo(before.resources)),
    ).toBe(true);
  });

  it('keeps a volume across tasks and agent and master restarts until it is destroyed', async () => {
    const workDir = agentFlags.work_dir!;
    const volumeDir = `${workDir}/volumes/roles/eng/v1`;
    let eng = await start('eng', engInfo);
    // RESERVE, CREATE and LAUNCH in one ACCEPT: the task already runs on the new volume.
    let offer = await eng.offer();
    await eng.accept(offer, [
      { type: 'RESERVE', reserve: { resources: [dynamic('disk', 64)] } },
      { type: 'CREATE', id: { value: 'create-v1' }, create: { volumes: [volume('v1', 64)] } },
      {
        type: 'LAUNCH',
        launch: { task_infos: [commandTask(offer, 'writer', 'echo kept > data/file', [volume('v1', 64)])] },
      },
    ]);
    expect(await eng.operation('create-v1')).toMatchObject({ state: 'OPERATION_FINISHED' });
    expect(await eng.taskState('writer', ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR'])).toBe(
      'TASK_FINISHED',
    );
    expect(readFileSync(`${volumeDir}/file`, 'utf8')).toBe('kept\n');

    // The volume is offered back to its role; a second task reads what the first wrote.
    offer = await eng.offer((o) => o.resources.some(isPersistentVolume));
    expect(offer.resources.filter(isPersistentVolume).map(persistenceIdOf)).toEqual(['v1']);
    await eng.accept(offer, [
      { type: 'CREATE', id: { value: 'duplicate' }, create: { volumes: [volume('v1', 10)] } },
      {
        type: 'LAUNCH',
        launch: {
          task_infos: [commandTask(offer, 'reader', 'test "$(cat data/file)" = kept', [volume('v1', 64)])],
        },
      },
    ]);
    expect((await eng.operation('duplicate')).message).toMatch(/^Persistence ID 'v1' is not unique/);
    expect(await eng.taskState('reader', ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR'])).toBe(
      'TASK_FINISHED',
    );

    offer = await eng.offer((o) => o.resources.some(isPersistentVolume));
    await eng.accept(offer, [
      {
        type: 'LAUNCH',
        launch: { task_infos: [commandTask(offer, 'holder', 'sleep 60', [volume('v1', 64)])] },
      },
    ]);
    expect(await eng.taskState('holder', ['TASK_RUNNING', 'TASK_FAILED', 'TASK_ERROR'])).toBe('TASK_RUNNING');

    // While a task uses it, the volume can neither be destroyed nor its disk unreserved.
    offer = await eng.offer();
    await eng.accept(offer, [
      { type: 'DESTROY', id: { value: 'destroy-in-use' }, destroy: { volumes: [volume('v1', 64)] } },
      {
        type: 'UNRESERVE',
        id: { value: 'unreserve-in-use' },
        unreserve: { resources: [dynamic('disk', 64)] },
      },
    ]);
    expect((await eng.operation('destroy-in-use')).message).toMatch(/^Persistent volumes in use/);
    expect((await eng.operation('unreserve-in-use')).state).toBe('OPERATION_ERROR');
    await eng.client.call({ type: 'KILL', kill: { task_id: { value: 'holder' } } });
    expect(await eng.taskState('holder', ['TASK_KILLED', 'TASK_FAILED', 'TASK_FINISHED'])).toBe(
      'TASK_KILLED',
    );
    await eng.close();

    // The agent restarts on the same work_dir: the reservation and the volume come back in offers.
    await agent.stop('SIGTERM');
    agent = await startNode('agent', agentFlags, dir);
    eng = await start('eng-after-restart', engInfo);
    offer = await eng.offer((o) => o.resources.some(isPersistentVolume));
    expect(containsResources(offer.resources, [volume('v1', 64)])).toBe(true);
    expect(readFileSync(`${volumeDir}/file`, 'utf8')).toBe('kept\n');

    // A restarted master knows nothing of the agent: it takes the agent's checkpointed resources.
    await eng.close();
    await master.stop();
    master = await startNode('master', masterFlags, dir);
    await waitForAgents(master.url, 1);
    eng = await start('eng-after-master-restart', engInfo);
    offer = await eng.offer((o) => o.resources.some(isPersistentVolume));
    expect(containsResources(offer.resources, [volume('v1', 64)])).toBe(true);

    // DESTROY deletes the directory and leaves the reserved disk, which UNRESERVE gives back.
    await eng.accept(offer, [
      { type: 'DESTROY', id: { value: 'destroy' }, destroy: { volumes: [volume('v1', 64)] } },
    ]);
    expect(await eng.operation('destroy')).toMatchObject({ state: 'OPERATION_FINISHED' });
    await waitFor(() => !existsSync(volumeDir), { description: 'the volume directory to be deleted' });
    offer = await eng.offer((o) => containsResources(o.resources, [dynamic('disk', 64)]));
    expect(offer.resources.some(isPersistentVolume)).toBe(false);
    await eng.accept(offer, [{ type: 'UNRESERVE', unreserve: { resources: [dynamic('disk', 64)] } }]);
    offer = await eng.offer();
    expect(reservedFor(offer, 'eng').filter((r) => r.name === 'disk')).toEqual([]);
    expect(scalarOf(offer.resources, 'disk')).toBe(1024);
  });
});
