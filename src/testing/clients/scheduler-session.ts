// A framework harness on the v1 scheduler API: `cluster.mesos.subscribe({ framework_info })` gives a
// test a subscribed framework whose offers and task updates arrive as async streams, with one typed
// method per call. Built on the SchedulerClient our Marathon and Chronos use.
import {
  isTerminalState,
  type Filters,
  type FrameworkInfo,
  type KillPolicy,
  type Offer,
  type OfferID,
  type OfferOperation,
  type Resource,
  type SchedulerEvent,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
} from '../../mesos/protocol/types.js';
import { SchedulerClient } from '../../mesos/scheduler/client.js';
import { AsyncQueue, nextMatching } from './async-queue.js';

export interface SubscribeOptions {
  framework_info: FrameworkInfo;
  /**
   * Acknowledge every status update that asks for it as soon as it arrives (default true). With
   * false, the test calls acknowledge() itself, and the agent resends unacknowledged updates.
   */
  autoAcknowledge?: boolean;
  /** Re-subscribe with the same framework id when the stream breaks (default true). */
  reconnect?: boolean;
}

/** A task for launch(): the agent id is taken from the offer when left out. */
export type LaunchTask = Omit<TaskInfo, 'agent_id'> & Partial<Pick<TaskInfo, 'agent_id'>>;

/** Scalar resources (cpus, mem, disk, gpus, ...) in the form TaskInfo.resources takes. */
export function scalarResources(quantities: Record<string, number>): Resource[] {
  return Object.entries(quantities).map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value } }));
}

/** A command task sized to fit in a small part of an offer. */
export function commandTask(
  id: string,
  command: string,
  resources: Record<string, number> = { cpus: 0.1, mem: 32 },
): LaunchTask {
  return {
    name: id,
    task_id: { value: id },
    command: { value: command },
    resources: scalarResources(resources),
  };
}

const ids = (offers: ReadonlyArray<Offer | OfferID | string>): OfferID[] =>
  offers.map((o) => (typeof o === 'string' ? { value: o } : 'value' in o ? o : o.id));

export class SchedulerSession implements AsyncDisposable {
  /** Every event the master sent, in order (offers and updates included). */
  readonly events: SchedulerEvent[] = [];
  private readonly offerBatches = new AsyncQueue<Offer[]>();
  private readonly statusUpdates = new AsyncQueue<TaskStatus>();
  private readonly rescinded = new Set<string>();
  /** The latest status of every task this framework heard about. */
  readonly tasks = new Map<string, TaskStatus>();
  private closed = false;

  private constructor(
    private readonly client: SchedulerClient,
    private readonly autoAcknowledge: boolean,
  ) {
    client.on('event', (event: SchedulerEvent) => this.onEvent(event));
    // The client emits 'error' for ERROR events and connection errors; without a listener Node
    // would throw them. The events list keeps ERROR events for the test.
    client.on('error', () => {});
  }

  /** Subscribes and resolves once the master answered SUBSCRIBED. */
  static async subscribe(master: string, opts: SubscribeOptions): Promise<SchedulerSession> {
    const client = new SchedulerClient({
      master,
      frameworkInfo: opts.framework_info,
      reconnect: opts.reconnect ?? true,
    });
    const session = new SchedulerSession(client, opts.autoAcknowledge ?? true);
    try {
      await client.subscribe();
    } catch (err) {
      await client.close();
      throw err;
    }
    return session;
  }

  get frameworkId(): string {
    return this.client.frameworkId!;
  }

  private onEvent(event: SchedulerEvent): void {
    this.events.push(event);
    switch (event.type) {
      case 'OFFERS':
        if (event.offers.offers.length > 0) this.offerBatches.push(event.offers.offers);
        return;
      case 'RESCIND':
        this.rescinded.add(event.rescind.offer_id.value);
        return;
      case 'UPDATE': {
        const status = event.update.status;
        this.tasks.set(status.task_id.value, status);
        this.statusUpdates.push(status);
        if (this.autoAcknowledge && status.uuid && status.agent_id) {
          this.acknowledge(status).catch(() => {
            // The agent resends an update that was not acknowledged; nothing is lost.
          });
        }
        return;
      }
      default:
        return;
    }
  }

  /**
   * Offer batches as they arrive (each OFFERS event is one batch), for `for await`. One stream:
   * nextOffers() reads from it too, and a batch goes to one reader only.
   */
  offers(): AsyncIterable<Offer[]> {
    return this.offerBatches;
  }

  /** Task status updates as they arrive, for `for await` (shared with nextUpdate/waitForTaskState). */
  updates(): AsyncIterable<TaskStatus> {
    return this.statusUpdates;
  }

  /** Whether the master rescinded this offer. */
  isRescinded(offer: Offer | OfferID): boolean {
    return this.rescinded.has('value' in offer ? offer.value : offer.id.value);
  }

  /** The next batch of offers with at least one offer `match` accepts (not rescinded). */
  async nextOffers(opts: { timeoutMs?: number; match?: (offer: Offer) => boolean } = {}): Promise<Offer[]> {
    const match = opts.match ?? ((): boolean => true);
    const batch = await nextMatching(
      this.offerBatches,
      (b) => b.some((o) => !this.isRescinded(o) && match(o)),
      opts.timeoutMs ?? 30_000,
      'offers',
    );
    return batch.filter((o) => !this.isRescinded(o) && match(o));
  }

  /** The next update of `taskId` (any task when omitted), optionally in one of `states`. */
  nextUpdate(taskId?: string, opts: { states?: TaskState[]; timeoutMs?: number } = {}): Promise<TaskStatus> {
    const states = opts.states;
    return nextMatching(
      this.statusUpdates,
      (s) => (taskId === undefined || s.task_id.value === taskId) && (!states || states.includes(s.state)),
      opts.timeoutMs ?? 30_000,
      `an update of ${taskId ?? 'a task'}${states ? ` in ${states.join('|')}` : ''}`,
    );
  }

  /** Waits for the task to reach `state` (or a terminal state, which then rejects unless wanted). */
  async waitForTaskState(taskId: string, state: TaskState, timeoutMs = 30_000): Promise<TaskStatus> {
    const current = this.tasks.get(taskId);
    if (current?.state === state) return current;
    const status = await nextMatching(
      this.statusUpdates,
      (s) => s.task_id.value === taskId && (s.state === state || isTerminalState(s.state)),
      timeoutMs,
      `${taskId} to be ${state}`,
    );
    if (status.state !== state)
      throw new Error(`${taskId} became ${status.state} (${status.message ?? 'no message'}), not ${state}`);
    return status;
  }

  accept(
    offers: ReadonlyArray<Offer | OfferID | string>,
    operations: OfferOperation[],
    filters?: Filters,
  ): Promise<number> {
    return this.client.call({
      type: 'ACCEPT',
      accept: { offer_ids: ids(offers), operations, ...(filters ? { filters } : {}) },
    });
  }

  /** Launches the tasks on the offer's agent (one LAUNCH operation); the rest of the offer is declined. */
  async launch(offer: Offer, tasks: LaunchTask[], filters?: Filters): Promise<void> {
    const taskInfos: TaskInfo[] = tasks.map((t) => ({ ...t, agent_id: t.agent_id ?? offer.agent_id }));
    await this.accept([offer], [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }], filters);
  }

  decline(offers: ReadonlyArray<Offer | OfferID | string>, filters?: Filters): Promise<number> {
    return this.client.call({
      type: 'DECLINE',
      decline: { offer_ids: ids(offers), ...(filters ? { filters } : {}) },
    });
  }

  kill(taskId: string, agentId?: string, killPolicy?: KillPolicy): Promise<number> {
    const known = agentId ?? this.tasks.get(taskId)?.agent_id?.value;
    return this.client.call({
      type: 'KILL',
      kill: {
        task_id: { value: taskId },
        ...(known ? { agent_id: { value: known } } : {}),
        ...(killPolicy ? { kill_policy: killPolicy } : {}),
      },
    });
  }

  /** Acknowledges one status update (it must carry a uuid and an agent id). */
  acknowledge(status: TaskStatus): Promise<number> {
    if (!status.uuid || !status.agent_id)
      return Promise.reject(new Error(`the update of ${status.task_id.value} needs no acknowledgement`));
    return this.client.call({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
    });
  }

  /** Asks the master for the state of these tasks (all of the framework's when empty). */
  reconcile(tasks: Array<{ taskId: string; agentId?: string }> = []): Promise<number> {
    return this.client.call({
      type: 'RECONCILE',
      reconcile: {
        tasks: tasks.map((t) => ({
          task_id: { value: t.taskId },
          ...(t.agentId ? { agent_id: { value: t.agentId } } : {}),
        })),
      },
    });
  }

  revive(roles?: string[]): Promise<number> {
    return this.client.call({ type: 'REVIVE', revive: roles ? { roles } : {} });
  }

  suppress(roles?: string[]): Promise<number> {
    return this.client.call({ type: 'SUPPRESS', suppress: roles ? { roles } : {} });
  }

  /**
   * Ends the session. With teardown (default true) the framework is removed and its tasks killed;
   * without, the stream just closes and the master keeps the framework for its failover timeout.
   */
  async close(opts: { teardown?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (opts.teardown ?? true) await this.client.call({ type: 'TEARDOWN' }).catch(() => 0);
    await this.client.close();
    this.offerBatches.close();
    this.statusUpdates.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
