// A framework's side of the v1 scheduler API, shared by Marathon and Chronos: it subscribes like any
// third-party framework (finding the leading master through ZooKeeper), keeps its framework id, and
// turns the runtime's decisions into ACCEPT / DECLINE / KILL / ACKNOWLEDGE / RECONCILE / REVIVE / SUPPRESS.
import { SchedulerClient } from './client.js';
import type {
  FrameworkInfo,
  Offer,
  SchedulerCall,
  SchedulerEvent,
  TaskInfo,
  TaskStatus,
} from '../protocol/types.js';
import type { Logger } from '../../util/log.js';

export interface MesosFrameworkHandlers {
  onSubscribed(frameworkId: string, masterUrl: string | undefined): void;
  onOffers(offers: Offer[]): void;
  onRescind(offerId: string): void;
  onUpdate(status: TaskStatus): void;
  onDisconnected(): void;
}

export interface MesosFrameworkOptions {
  master: string;
  frameworkInfo: FrameworkInfo;
  log: Logger;
  handlers: MesosFrameworkHandlers;
}

export class MesosFramework {
  private readonly client: SchedulerClient;
  private suppressed = false;
  private closed = false;

  constructor(private readonly options: MesosFrameworkOptions) {
    this.client = new SchedulerClient({ master: options.master, frameworkInfo: options.frameworkInfo });
    this.client.on('event', (event: SchedulerEvent) => this.dispatch(event));
    this.client.on('subscribed', (id: string) => {
      this.suppressed = false;
      options.handlers.onSubscribed(id, this.client.masterUrl);
    });
    this.client.on('disconnected', () => options.handlers.onDisconnected());
    this.client.on('error', () => undefined);
  }

  get frameworkId(): string | undefined {
    return this.client.frameworkId;
  }

  get masterUrl(): string | undefined {
    return this.client.masterUrl;
  }

  get connected(): boolean {
    return this.client.streamId !== undefined;
  }

  /** Subscribes, retrying until a master answers (masters may still be electing). */
  async start(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.client.subscribe();
        return;
      } catch (err) {
        if (attempt % 20 === 0)
          this.options.log.warn('Subscribing to Mesos failed; retrying', { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  launch(offer: Offer, tasks: TaskInfo[], refuseSeconds: number): void {
    this.send({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
        filters: { refuse_seconds: refuseSeconds },
      },
    });
  }

  decline(offers: Offer[], refuseSeconds: number): void {
    if (offers.length === 0) return;
    this.send({
      type: 'DECLINE',
      decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: refuseSeconds } },
    });
  }

  kill(taskId: string, agentId: string | undefined, gracePeriodSeconds?: number): void {
    this.send({
      type: 'KILL',
      kill: {
        task_id: { value: taskId },
        ...(agentId ? { agent_id: { value: agentId } } : {}),
        ...(gracePeriodSeconds !== undefined
          ? { kill_policy: { grace_period: { nanoseconds: Math.round(gracePeriodSeconds * 1e9) } } }
          : {}),
      },
    });
  }

  acknowledge(status: TaskStatus): void {
    if (!status.uuid || !status.agent_id) return;
    this.send({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
    });
  }

  /** Explicit reconciliation for the given tasks, or implicit (all of this framework's) when empty. */
  reconcile(tasks: Array<{ taskId: string; agentId?: string }>): void {
    this.send({
      type: 'RECONCILE',
      reconcile: {
        tasks: tasks.map((t) => ({
          task_id: { value: t.taskId },
          ...(t.agentId ? { agent_id: { value: t.agentId } } : {}),
        })),
      },
    });
  }

  /** Asks for offers again (clears decline filters); a no-op while offers are wanted anyway. */
  revive(): void {
    if (!this.connected) return;
    this.suppressed = false;
    this.send({ type: 'REVIVE' });
  }

  suppress(): void {
    if (this.suppressed || !this.connected) return;
    this.suppressed = true;
    this.send({ type: 'SUPPRESS' });
  }

  /** Closes the stream; the master keeps the tasks for the failover timeout. */
  async close(): Promise<void> {
    this.closed = true;
    await this.client.close();
  }

  /** Ends the framework at the master: every task is killed (used when Marathon's state is wiped). */
  async teardown(): Promise<void> {
    await this.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    await this.close();
  }

  private send(call: Omit<SchedulerCall, 'framework_id'>): void {
    this.client.call(call).catch((err: unknown) => {
      this.options.log.warn('Scheduler call failed', { type: call.type, error: (err as Error).message });
    });
  }

  private dispatch(event: SchedulerEvent): void {
    const { handlers } = this.options;
    switch (event.type) {
      case 'OFFERS':
        handlers.onOffers(event.offers.offers);
        break;
      case 'RESCIND':
        handlers.onRescind(event.rescind.offer_id.value);
        break;
      case 'UPDATE':
        handlers.onUpdate(event.update.status);
        break;
      case 'ERROR':
        this.options.log.error('Mesos sent an error', { message: event.error.message });
        break;
      default:
        break;
    }
  }
}
