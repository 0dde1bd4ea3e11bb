// The master's core: frameworks, agents, offers and tasks, driven by scheduler calls and agent
// messages. It decides; the HTTP shells (scheduler-api.ts, agent-link.ts, http-server.ts) only parse
// and deliver. Every timer and timestamp comes from the injected clock.
import type { AgentCall, AgentEvent, AgentSubscribe } from '../protocol/agent-protocol.js';
import { MasterIdGenerator } from '../protocol/ids.js';
import {
  addResources,
  applyCheckpointedResources,
  applyConversions,
  checkpointedOf,
  downgradeResource,
  isEmptyResources,
  subtractResources,
  upgradeResource,
  withAllocationRole,
  withoutAllocationInfo,
  type ResourceConversion,
} from '../protocol/resources.js';
import {
  isTerminalState,
  type ExecutorInfo,
  type FrameworkInfo,
  type KillPolicy,
  type OfferOperation,
  type MasterInfo,
  type Offer,
  type Resource,
  type SchedulerCall,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
  type TaskStatusReason,
} from '../protocol/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { HierarchicalAllocator, parseMinAllocatable } from './allocator/index.js';
import type {
  FrameworkStream,
  MasterAgent,
  MasterCounters,
  MasterFramework,
  MasterOffer,
  MasterTask,
  MasterView,
} from './model.js';
import { v1AgentEntry, v1FrameworkEntry, v1GetState, v1Task } from './operator-api.js';
import { applyOperation, isResourceOperation, type OperationContext } from './operations.js';
import { frameworkRoles, hasCapability, validateFrameworkInfo, validateTask } from './validation.js';

export interface MasterOptions {
  info: MasterInfo;
  clock: Clock;
  logger: Logger;
  flags: Record<string, string>;
  cluster?: string;
  allocationIntervalMs: number;
  /** Offers are rescinded after this long; undefined = never (Mesos's default). */
  offerTimeoutMs?: number;
  heartbeatIntervalSeconds: number;
  /** A disconnected agent is removed (its tasks LOST) after this long (ping timeout x max pings). */
  agentRemovalTimeoutMs: number;
  minAllocatableResources: string;
  maxCompletedTasksPerFramework: number;
  maxCompletedFrameworks: number;
  random?: () => number;
}

/** The master's side of an agent's link (see protocol/agent-protocol.ts). */
export interface AgentLink {
  send(event: AgentEvent): void;
  close(): void;
}

/** An operator API SUBSCRIBE stream. */
export interface OperatorStream {
  send(event: object): void;
  close(): void;
}

const seconds = (ms: number): number => ms / 1000;
const taskKey = (frameworkId: string, taskId: string): string => `${frameworkId}\u0000${taskId}`;

export class Master implements MasterView {
  readonly info: MasterInfo;
  readonly startTime: number;
  electedTime: number | undefined;
  leader: MasterInfo | undefined;
  readonly flags: Readonly<Record<string, string>>;
  readonly cluster: string | undefined;
  readonly frameworks = new Map<string, MasterFramework>();
  readonly completedFrameworks: MasterFramework[] = [];
  readonly agents = new Map<string, MasterAgent>();
  readonly offers = new Map<string, MasterOffer>();
  readonly counters: MasterCounters = {};

  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ids: MasterIdGenerator;
  private readonly allocator: HierarchicalAllocator;
  private readonly agentLinks = new Map<string, AgentLink>();
  private readonly agentRemovalTimers = new Map<string, TimerHandle>();
  private readonly failoverTimers = new Map<string, TimerHandle>();
  private readonly offerTimers = new Map<string, TimerHandle>();
  private readonly operatorStreams = new Set<OperatorStream>();
  private readonly removedFrameworkIds = new Set<string>();
  private timers: TimerHandle[] = [];
  private pendingAllocation: Set<string> | 'all' | null = null;
  private allocationScheduled: TimerHandle | null = null;
  private elected = false;
  private allocationRuns = 0;
  private allocationRunMsTotal = 0;

  constructor(private readonly options: MasterOptions) {
    this.info = options.info;
    this.clock = options.clock;
    this.log = options.logger;
    this.flags = options.flags;
    this.cluster = options.cluster;
    this.startTime = seconds(this.clock.now());
    this.ids = new MasterIdGenerator(options.info.id);
    this.allocator = new HierarchicalAllocator({
      allocationIntervalMs: options.allocationIntervalMs,
      minAllocatableResources: parseMinAllocatable(options.minAllocatableResources),
      ...(options.random ? { random: options.random } : {}),
    });
  }

  // ---------------------------------------------------------------- lifecycle and leadership

  now(): number {
    return seconds(this.clock.now());
  }

  isLeader(): boolean {
    return this.elected;
  }

  /** Called when the election (or standalone start) makes this master the leader. */
  becomeLeader(): void {
    if (this.elected) return;
    this.elected = true;
    this.electedTime = this.now();
    this.leader = this.info;
    this.timers.push(this.clock.setInterval(() => this.allocate('all'), this.options.allocationIntervalMs));
    this.timers.push(
      this.clock.setInterval(() => this.heartbeat(), this.options.heartbeatIntervalSeconds * 1000),
    );
    this.log.info('Elected as the leading master', { id: this.info.id });
  }

  setLeader(leader: MasterInfo | undefined): void {
    if (!this.elected) this.leader = leader;
  }

  stop(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.allocationScheduled?.cancel();
    for (const t of [
      ...this.agentRemovalTimers.values(),
      ...this.failoverTimers.values(),
      ...this.offerTimers.values(),
    ]) {
      t.cancel();
    }
    for (const fw of this.frameworks.values()) fw.stream?.close();
    for (const link of this.agentLinks.values()) link.close();
    for (const s of this.operatorStreams) s.close();
  }

  private heartbeat(): void {
    for (const fw of this.frameworks.values()) fw.stream?.send({ type: 'HEARTBEAT' });
    for (const s of this.operatorStreams) s.send({ type: 'HEARTBEAT' });
    for (const link of this.agentLinks.values()) link.send({ type: 'PING' });
  }

  private count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  /** Role weights for DRF (Mesos's --weights flag, UPDATE_WEIGHTS). */
  updateWeights(weights: Array<{ role: string; weight: number }>): void {
    this.allocator.updateWeights(weights);
  }

  roles(): Array<{ name: string; weight: number; frameworks: string[] }> {
    return this.allocator.roles().map((r) => ({ name: r.name, weight: r.weight, frameworks: r.frameworks }));
  }

  allocatorMetrics(): Record<string, number> {
    return {
      'allocator/mesos/allocation_runs': this.allocationRuns,
      'allocator/mesos/allocation_run_ms':
        this.allocationRuns === 0 ? 0 : this.allocationRunMsTotal / this.allocationRuns,
      'allocator/mesos/offer_filters/active': this.allocator.activeFilterCount(),
    };
  }

  // ---------------------------------------------------------------- operator stream

  subscribeOperator(stream: OperatorStream): () => void {
    this.operatorStreams.add(stream);
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        get_state: v1GetState(this),
        heartbeat_interval_seconds: this.options.heartbeatIntervalSeconds,
      },
    });
    return () => this.operatorStreams.delete(stream);
  }

  private publish(event: object): void {
    for (const s of this.operatorStreams) s.send(event);
  }

  // ---------------------------------------------------------------- allocation

  /** Coalesces allocation requests into one run on the next turn of the event loop. */
  private scheduleAllocation(agentIds: Iterable<string> | 'all'): void {
    if (!this.elected) return;
    if (agentIds === 'all' || this.pendingAllocation === 'all') this.pendingAllocation = 'all';
    else {
      this.pendingAllocation ??= new Set();
      for (const id of agentIds) this.pendingAllocation.add(id);
    }
    if (this.allocationScheduled) return;
    this.allocationScheduled = this.clock.setTimeout(() => {
      this.allocationScheduled = null;
      const pending = this.pendingAllocation;
      this.pendingAllocation = null;
      if (pending) this.allocate(pending);
    }, 0);
  }

  private allocate(agentIds: Set<string> | 'all'): void {
    if (!this.elected) return;
    const started = performance.now();
    const allocations = this.allocator.allocate(this.clock.now(), agentIds === 'all' ? undefined : agentIds);
    this.allocationRuns++;
    this.allocationRunMsTotal += performance.now() - started;
    const byFramework = new Map<string, Offer[]>();
    for (const a of allocations) {
      const fw = this.frameworks.get(a.frameworkId);
      const agent = this.agents.get(a.agentId);
      if (!fw || !agent || !fw.stream) {
        this.allocator.recoverResources(a.frameworkId, a.agentId, a.resources, null, this.clock.now());
        continue;
      }
      const offer = this.makeOffer(fw, agent, a.role, a.resources);
      const list = byFramework.get(fw.id) ?? [];
      list.push(offer);
      byFramework.set(fw.id, list);
    }
    for (const [frameworkId, offers] of byFramework) {
      this.frameworks.get(frameworkId)?.stream?.send({ type: 'OFFERS', offers: { offers } });
    }
  }

  private makeOffer(fw: MasterFramework, agent: MasterAgent, role: string, resources: Resource[]): Offer {
    const id = this.ids.offer();
    const multiRole = fw.capabilities.has('MULTI_ROLE');
    // Frameworks without RESERVATION_REFINEMENT get the pre-refinement format (`role`, `reservation`).
    const wire = fw.capabilities.has('RESERVATION_REFINEMENT')
      ? resources.map(upgradeResource)
      : resources.map(downgradeResource);
    const executorIds = [...(fw.executors.get(agent.id)?.keys() ?? [])].map((value) => ({ value }));
    const offer: Offer = {
      id: { value: id },
      framework_id: { value: fw.id },
      agent_id: { value: agent.id },
      hostname: agent.hostname,
      url: {
        scheme: 'http',
        address: { hostname: agent.hostname, ip: agent.ip, port: agent.port },
        path: '/slave(1)',
      },
      resources: multiRole ? wire : withoutAllocationInfo(wire),
      attributes: agent.info.attributes ?? [],
      ...(executorIds.length > 0 ? { executor_ids: executorIds } : {}),
      ...(multiRole ? { allocation_info: { role } } : {}),
    };
    const record: MasterOffer = { offer, role, resources };
    this.offers.set(id, record);
    fw.offers.set(id, record);
    agent.offers.add(id);
    if (this.options.offerTimeoutMs !== undefined) {
      this.offerTimers.set(
        id,
        this.clock.setTimeout(() => this.rescindOffer(id, true), this.options.offerTimeoutMs),
      );
    }
    return offer;
  }

  /** Removes an offer from the books; returns it (its resources are NOT yet recovered). */
  private takeOffer(offerId: string): MasterOffer | undefined {
    const record = this.offers.get(offerId);
    if (!record) return undefined;
    this.offers.delete(offerId);
    this.frameworks.get(record.offer.framework_id.value)?.offers.delete(offerId);
    this.agents.get(record.offer.agent_id.value)?.offers.delete(offerId);
    this.offerTimers.get(offerId)?.cancel();
    this.offerTimers.delete(offerId);
    return record;
  }

  /** Rescinds an outstanding offer: RESCIND to its framework (if asked) and resources recovered. */
  private rescindOffer(offerId: string, notify: boolean): void {
    const record = this.takeOffer(offerId);
    if (!record) return;
    const frameworkId = record.offer.framework_id.value;
    if (notify) {
      this.frameworks
        .get(frameworkId)
        ?.stream?.send({ type: 'RESCIND', rescind: { offer_id: { value: offerId } } });
    }
    this.allocator.recoverResources(
      frameworkId,
      record.offer.agent_id.value,
      record.resources,
      null,
      this.clock.now(),
    );
    this.scheduleAllocation([record.offer.agent_id.value]);
  }

  // ---------------------------------------------------------------- frameworks

  /**
   * SUBSCRIBE: a new framework, a failover of a connected one, or a reconnect within its failover
   * timeout. The stream gets SUBSCRIBED or ERROR first.
   */
  subscribe(call: SchedulerCall, stream: FrameworkStream): string | null {
    const sub = call.subscribe!;
    const info = sub.framework_info;
    const invalid = validateFrameworkInfo(info);
    if (invalid) {
      stream.send({ type: 'ERROR', error: { message: invalid } });
      stream.close();
      return null;
    }
    const requestedId = info.id?.value;
    if (requestedId && this.removedFrameworkIds.has(requestedId)) {
      stream.send({ type: 'ERROR', error: { message: 'Framework has been removed' } });
      stream.close();
      return null;
    }
    const roles = frameworkRoles(info);
    const suppressed = sub.suppressed_roles ?? [];
    const notSubscribed = suppressed.filter((r) => !roles.includes(r));
    if (notSubscribed.length > 0) {
      stream.send({
        type: 'ERROR',
        error: {
          message: `Suppressed roles ${JSON.stringify(notSubscribed)} are not contained in the list of roles`,
        },
      });
      stream.close();
      return null;
    }

    let fw = requestedId ? this.frameworks.get(requestedId) : undefined;
    const known = fw !== undefined;
    if (fw) {
      this.count('messages_reregister_framework');
      // A failover: the old connection learns it was replaced, its offers are rescinded.
      if (fw.stream) {
        fw.stream.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
        const old = fw.stream;
        fw.stream = undefined;
        old.close();
      }
      for (const offerId of [...fw.offers.keys()]) this.rescindOffer(offerId, false);
      this.failoverTimers.get(fw.id)?.cancel();
      this.failoverTimers.delete(fw.id);
      // user and checkpoint cannot change on re-subscription (silently kept).
      fw.info = {
        ...info,
        id: { value: fw.id },
        user: fw.info.user,
        checkpoint: fw.info.checkpoint ?? false,
      };
      fw.reregisteredTime = this.now();
      fw.recovered = false;
      delete fw.unregisteredTime;
      this.setFrameworkRoles(fw, roles, suppressed);
    } else {
      const id = requestedId ?? this.ids.framework();
      if (requestedId) this.count('messages_reregister_framework');
      else this.count('messages_register_framework');
      fw = this.addFramework(id, { ...info, id: { value: id } }, suppressed, false);
      if (requestedId) fw.reregisteredTime = fw.registeredTime;
    }
    fw.capabilities = new Set((fw.info.capabilities ?? []).map((c) => c.type));
    fw.stream = stream;
    fw.connected = true;
    fw.active = true;
    this.allocator.activateFramework(fw.id);
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: fw.id },
        heartbeat_interval_seconds: this.options.heartbeatIntervalSeconds,
        master_info: this.info,
      },
    });
    this.publish(
      known
        ? { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: v1FrameworkEntry(fw) } }
        : { type: 'FRAMEWORK_ADDED', framework_added: { framework: v1FrameworkEntry(fw) } },
    );
    this.log.info('Framework subscribed', { framework: fw.id, name: fw.info.name });
    this.scheduleAllocation('all');
    return fw.id;
  }

  /** A new framework record, known to the allocator (inactive until it subscribes if recovered). */
  private addFramework(
    id: string,
    info: FrameworkInfo,
    suppressed: string[],
    recovered: boolean,
  ): MasterFramework {
    const roles = frameworkRoles(info);
    const fw: MasterFramework = {
      id,
      info,
      roles,
      suppressedRoles: new Set(suppressed),
      active: !recovered,
      connected: !recovered,
      recovered,
      registeredTime: this.now(),
      tasks: new Map(),
      completedTasks: [],
      unreachableTasks: new Map(),
      offers: new Map(),
      executors: new Map(),
      capabilities: new Set((info.capabilities ?? []).map((c) => c.type)),
    };
    this.frameworks.set(id, fw);
    this.allocator.addFramework(
      id,
      { roles, suppressedRoles: suppressed, multiRole: hasCapability(info, 'MULTI_ROLE') },
      [],
    );
    return fw;
  }

  private setFrameworkRoles(fw: MasterFramework, roles: string[], suppressed: string[]): void {
    fw.roles = roles;
    fw.suppressedRoles = new Set(suppressed);
    this.allocator.updateFramework(fw.id, roles, suppressed);
  }

  /** The SUBSCRIBE stream broke: deactivate, rescind offers, start the failover timeout. */
  frameworkDisconnected(frameworkId: string, stream: FrameworkStream): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw || fw.stream !== stream) return;
    fw.stream = undefined;
    fw.connected = false;
    fw.active = false;
    fw.unregisteredTime = this.now();
    this.allocator.deactivateFramework(fw.id);
    for (const offerId of [...fw.offers.keys()]) this.rescindOffer(offerId, false);
    const timeoutMs = Math.max(0, (fw.info.failover_timeout ?? 0) * 1000);
    this.log.info('Framework disconnected', { framework: fw.id, failover_timeout_ms: timeoutMs });
    this.publish({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: v1FrameworkEntry(fw) } });
    this.startFailoverTimer(fw, 0, 'failover timeout elapsed');
  }

  /** TEARDOWN or failover timeout: kill its tasks, forget its offers, keep it as completed. */
  removeFramework(frameworkId: string, why: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    this.log.info('Removing framework', { framework: fw.id, why });
    for (const offerId of [...fw.offers.keys()]) this.rescindOffer(offerId, false);
    for (const agentId of new Set([...fw.tasks.values()].map((t) => t.agentId))) {
      this.agentLinks.get(agentId)?.send({ type: 'SHUTDOWN_FRAMEWORK', framework_id: fw.id });
    }
    for (const task of [...fw.tasks.values()]) {
      const agent = this.agents.get(task.agentId);
      agent?.tasks.delete(taskKey(fw.id, task.info.task_id.value));
      task.state = 'TASK_KILLED';
      fw.completedTasks.push(task);
      this.allocator.recoverResources(
        fw.id,
        task.agentId,
        withAllocationRole(task.resources, task.role),
        null,
        this.clock.now(),
      );
    }
    fw.tasks.clear();
    fw.active = false;
    fw.connected = false;
    fw.unregisteredTime = this.now();
    const stream = fw.stream;
    fw.stream = undefined;
    stream?.close();
    this.failoverTimers.get(fw.id)?.cancel();
    this.failoverTimers.delete(fw.id);
    this.allocator.removeFramework(fw.id);
    this.frameworks.delete(fw.id);
    this.removedFrameworkIds.add(fw.id);
    this.completedFrameworks.push(fw);
    while (this.completedFrameworks.length > this.options.maxCompletedFrameworks)
      this.completedFrameworks.shift();
    this.publish({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: fw.info } });
    this.scheduleAllocation('all');
  }

  /** Every non-SUBSCRIBE call, already checked against the framework's stream. */
  handleCall(fw: MasterFramework, call: SchedulerCall): void {
    switch (call.type) {
      case 'TEARDOWN':
        this.count('messages_unregister_framework');
        this.removeFramework(fw.id, 'TEARDOWN');
        return;
      case 'ACCEPT':
        this.accept(fw, call.accept!);
        return;
      case 'DECLINE':
        this.count('messages_decline_offers');
        this.recoverOffers(
          fw,
          call.decline!.offer_ids.map((o) => o.value),
          call.decline!.filters?.refuse_seconds,
        );
        return;
      case 'REVIVE': {
        this.count('messages_revive_offers');
        const roles = call.revive?.roles?.length ? call.revive.roles : fw.roles;
        for (const r of roles) fw.suppressedRoles.delete(r);
        this.allocator.revive(fw.id, roles);
        this.scheduleAllocation('all');
        return;
      }
      case 'SUPPRESS': {
        this.count('messages_suppress_offers');
        const roles = call.suppress?.roles?.length ? call.suppress.roles : fw.roles;
        for (const r of roles) fw.suppressedRoles.add(r);
        this.allocator.suppress(fw.id, roles);
        return;
      }
      case 'KILL':
        this.count('messages_kill_task');
        this.killTask(fw, call.kill!.task_id.value, call.kill!.agent_id?.value, call.kill!.kill_policy);
        return;
      case 'SHUTDOWN':
        this.agentLinks.get(call.shutdown!.agent_id.value)?.send({
          type: 'SHUTDOWN_EXECUTOR',
          framework_id: fw.id,
          executor_id: call.shutdown!.executor_id.value,
        });
        return;
      case 'ACKNOWLEDGE':
        this.count('messages_status_update_acknowledgement');
        this.acknowledge(fw, call.acknowledge!);
        return;
      case 'RECONCILE':
        this.count('messages_reconcile_tasks');
        this.reconcile(fw, call.reconcile?.tasks ?? []);
        return;
      case 'MESSAGE':
        this.count('messages_framework_to_executor');
        this.agentLinks.get(call.message!.agent_id.value)?.send({
          type: 'FRAMEWORK_MESSAGE',
          framework_id: fw.id,
          executor_id: call.message!.executor_id.value,
          data: call.message!.data,
        });
        return;
      case 'UPDATE_FRAMEWORK': {
        const info = call.update_framework!.framework_info;
        fw.info = {
          ...info,
          id: { value: fw.id },
          user: fw.info.user,
          checkpoint: fw.info.checkpoint ?? false,
        };
        fw.capabilities = new Set((info.capabilities ?? []).map((c) => c.type));
        this.setFrameworkRoles(fw, frameworkRoles(info), call.update_framework!.suppressed_roles ?? []);
        this.scheduleAllocation('all');
        return;
      }
      default:
        // REQUEST is ignored by the built-in allocator; inverse offers and operation feedback are
        // not produced by this master, so their calls have nothing to act on.
        return;
    }
  }

  private recoverOffers(fw: MasterFramework, offerIds: string[], refuseSeconds: number | undefined): void {
    const agents = new Set<string>();
    for (const id of offerIds) {
      const record = this.offers.get(id);
      if (!record || record.offer.framework_id.value !== fw.id) continue;
      this.takeOffer(id);
      this.allocator.recoverResources(
        fw.id,
        record.offer.agent_id.value,
        record.resources,
        refuseSeconds,
        this.clock.now(),
      );
      agents.add(record.offer.agent_id.value);
    }
    // Freed resources go to other frameworks right away instead of waiting for the next tick.
    if (agents.size > 0) this.scheduleAllocation(agents);
  }

  // ---------------------------------------------------------------- ACCEPT

  private accept(fw: MasterFramework, accept: NonNullable<SchedulerCall['accept']>): void {
    this.count('messages_accept_offers');
    const offerIds = (accept.offer_ids ?? []).map((o) => o.value);
    const operations = accept.operations ?? [];
    const invalid = this.validateOffers(fw, offerIds);
    if (invalid) {
      this.log.warn('ACCEPT with invalid offers', { framework: fw.id, error: invalid });
      // Valid ones among them are discarded (recovered) without a RESCIND, as Mesos does.
      for (const id of offerIds) {
        const record = this.offers.get(id);
        if (record && record.offer.framework_id.value === fw.id) {
          this.takeOffer(id);
          this.allocator.recoverResources(
            fw.id,
            record.offer.agent_id.value,
            record.resources,
            null,
            this.clock.now(),
          );
        }
      }
      const state: TaskState = fw.capabilities.has('PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
      for (const op of operations) {
        if (isResourceOperation(op)) {
          this.dropOperation(fw, op, `Operation attempted with invalid offers: ${invalid}`);
          continue;
        }
        const tasks =
          op.type === 'LAUNCH'
            ? (op.launch?.task_infos ?? [])
            : op.type === 'LAUNCH_GROUP'
              ? (op.launch_group?.task_group?.tasks ?? [])
              : [];
        for (const t of tasks) {
          this.sendMasterUpdate(
            fw,
            t.task_id.value,
            t.agent_id?.value,
            state,
            'REASON_INVALID_OFFERS',
            invalid,
          );
        }
      }
      return;
    }
    const records = offerIds.map((id) => this.takeOffer(id)!);
    const agentId = records[0]!.offer.agent_id.value;
    const role = records[0]!.role;
    const agent = this.agents.get(agentId)!;
    const offered = records.reduce<Resource[]>((acc, r) => addResources(acc, r.resources), []);
    let available = offered;
    const conversions: ResourceConversion[] = [];

    for (const op of operations) {
      if (op.type === 'LAUNCH') {
        for (const task of op.launch?.task_infos ?? []) {
          const error = validateTask(
            task,
            agentId,
            available,
            (id) => fw.tasks.has(id) || fw.unreachableTasks.has(id),
          );
          if (error) {
            this.sendMasterUpdate(
              fw,
              task.task_id?.value ?? '',
              agentId,
              'TASK_ERROR',
              'REASON_TASK_INVALID',
              error,
            );
            continue;
          }
          const used = [...(task.resources ?? []), ...(task.executor?.resources ?? [])];
          available = subtractResources(available, used);
          this.launchTask(fw, agent, role, task, task.executor?.executor_id.value ?? '', used, task.executor);
          this.agentLinks.get(agentId)?.send({ type: 'RUN_TASK', framework_info: fw.info, task });
        }
      } else if (op.type === 'LAUNCH_GROUP') {
        available = this.launchGroup(fw, agent, role, op.launch_group, available);
      } else if (isResourceOperation(op)) {
        const result = applyOperation(available, op, this.operationContext(fw, agent, role));
        if ('error' in result) {
          this.dropOperation(fw, op, result.error);
          continue;
        }
        available = result.remaining;
        conversions.push(...result.conversions);
        this.applyToAgent(fw, agent, op, result.conversions);
      } else {
        this.log.warn('Offer operation not supported yet; ignored', { framework: fw.id, type: op.type });
      }
    }
    // The framework's offers now hold the converted resources (Mesos's updateAllocation).
    if (conversions.length > 0 && !this.allocator.updateAllocation(fw.id, agentId, role, conversions)) {
      this.log.error('The allocator could not apply accepted operations', {
        framework: fw.id,
        agent: agentId,
      });
    }
    // What operations converted comes back without the refusal filter, so the framework is offered
    // its new reservation or volume right away; the unused rest is declined with the filter.
    const converted = subtractResources(available, offered);
    const declined = subtractResources(available, converted);
    for (const [part, filter] of [
      [converted, null],
      [declined, accept.filters?.refuse_seconds],
    ] as const) {
      if (isEmptyResources(part)) continue;
      this.allocator.recoverResources(
        fw.id,
        agentId,
        withAllocationRole(part, role),
        filter,
        this.clock.now(),
      );
    }
    this.scheduleAllocation([agentId]);
  }

  /** What the pure operation rules need to know of the framework and agent. */
  private operationContext(fw: MasterFramework, agent: MasterAgent, role: string): OperationContext {
    return {
      frameworkRoles: fw.roles,
      ...(fw.info.principal !== undefined ? { principal: fw.info.principal } : {}),
      capabilities: fw.capabilities,
      allocationRole: role,
      checkpointed: checkpointedOf(agent.total),
      used: this.agentUsed(agent),
      agent: `${agent.id} at ${agent.pid} (${agent.hostname})`,
    };
  }

  /** Resources the agent's live tasks and their executors use. */
  private agentUsed(agent: MasterAgent): Resource[] {
    let used: Resource[] = [];
    for (const key of agent.tasks) {
      const [frameworkId, taskId] = key.split('\u0000') as [string, string];
      const task = this.frameworks.get(frameworkId)?.tasks.get(taskId);
      if (task && !isTerminalState(task.state)) used = addResources(used, task.resources);
    }
    for (const fw of this.frameworks.values()) {
      for (const executor of fw.executors.get(agent.id)?.values() ?? []) {
        used = addResources(used, withoutAllocationInfo(executor.resources ?? []));
      }
    }
    return used;
  }

  /**
   * An accepted RESERVE/UNRESERVE/CREATE/DESTROY changes the agent's total at once (the operations
   * are speculative) and the agent learns its new checkpointed resources, before any task of the
   * same ACCEPT reaches it.
   */
  private applyToAgent(
    fw: MasterFramework,
    agent: MasterAgent,
    op: OfferOperation,
    conversions: ResourceConversion[],
  ): void {
    const next = applyConversions(agent.total, conversions);
    if ('error' in next) {
      this.log.error('An accepted operation does not fit the agent', { agent: agent.id, error: next.error });
      return;
    }
    agent.total = next.resources;
    this.log.info(`Applied ${op.type} operation`, { framework: fw.id, agent: agent.id });
    this.agentLinks
      .get(agent.id)
      ?.send({ type: 'CHECKPOINT_RESOURCES', resources: checkpointedOf(agent.total) });
    // Operation feedback: the agent applies these without failing, so it is final at once. It has
    // no uuid, so frameworks need not (and cannot) acknowledge it.
    if (op.id) {
      fw.stream?.send({
        type: 'UPDATE_OPERATION_STATUS',
        update_operation_status: {
          status: {
            operation_id: op.id,
            state: 'OPERATION_FINISHED',
            agent_id: { value: agent.id },
            converted_resources: conversions.flatMap((c) => c.converted),
          },
        },
      });
    }
  }

  /**
   * An invalid operation is dropped, the rest of the ACCEPT goes on; a framework that gave the
   * operation an id learns why through OPERATION_ERROR (Master::drop).
   */
  private dropOperation(fw: MasterFramework, op: OfferOperation, message: string): void {
    this.log.warn(`Dropping ${op.type} operation`, { framework: fw.id, error: message });
    if (!op.id) return;
    fw.stream?.send({
      type: 'UPDATE_OPERATION_STATUS',
      update_operation_status: { status: { operation_id: op.id, state: 'OPERATION_ERROR', message } },
    });
  }

  private validateOffers(fw: MasterFramework, offerIds: string[]): string | null {
    if (offerIds.length === 0) return 'No offers specified';
    if (new Set(offerIds).size !== offerIds.length) return 'Duplicate offers specified';
    let agentId: string | undefined;
    let role: string | undefined;
    for (const id of offerIds) {
      const record = this.offers.get(id);
      if (!record) return `Offer ${id} is no longer valid`;
      if (record.offer.framework_id.value !== fw.id)
        return `Offer ${id} has invalid framework ${record.offer.framework_id.value} while framework ${fw.id} is expected`;
      agentId ??= record.offer.agent_id.value;
      role ??= record.role;
      if (record.offer.agent_id.value !== agentId) return 'Aggregated offers must belong to one single agent';
      if (record.role !== role) return 'Aggregated offers must be allocated to the same role';
    }
    if (!this.agents.get(agentId!)?.connected) return `Agent ${agentId} is not available`;
    return null;
  }

  private launchGroup(
    fw: MasterFramework,
    agent: MasterAgent,
    role: string,
    group: OfferOperation['launch_group'],
    available: Resource[],
  ): Resource[] {
    const tasks = group?.task_group?.tasks ?? [];
    const executor = group?.executor;
    let error: string | null = null;
    if (!executor?.executor_id?.value) error = "'LaunchGroup.executor' must have 'executor_id'";
    else if (executor.type !== 'DEFAULT' && executor.type !== 'CUSTOM')
      error = "'ExecutorInfo.type' must be set";
    else if (tasks.length === 0) error = 'Task group must have at least one task';
    const known = fw.executors.get(agent.id)?.has(executor?.executor_id?.value ?? '') ?? false;
    let remaining = available;
    if (!error && !known) {
      remaining = subtractResources(remaining, executor!.resources ?? []);
    }
    const seen = new Set<string>();
    if (!error) {
      for (const t of tasks) {
        const e = validateTask(
          { ...t, command: t.command ?? {}, executor: undefined },
          agent.id,
          remaining,
          (id) => seen.has(id) || fw.tasks.has(id),
        );
        if (e) {
          error = e;
          break;
        }
        seen.add(t.task_id.value);
        remaining = subtractResources(remaining, t.resources ?? []);
      }
    }
    if (error) {
      for (const t of tasks) {
        this.sendMasterUpdate(
          fw,
          t.task_id?.value ?? '',
          agent.id,
          'TASK_ERROR',
          'REASON_TASK_GROUP_INVALID',
          error,
        );
      }
      return available;
    }
    const execInfo: ExecutorInfo = { ...executor!, framework_id: { value: fw.id } };
    if (!known) {
      const map = fw.executors.get(agent.id) ?? new Map<string, ExecutorInfo>();
      map.set(execInfo.executor_id.value, execInfo);
      fw.executors.set(agent.id, map);
    }
    for (const t of tasks)
      this.launchTask(fw, agent, role, t, execInfo.executor_id.value, t.resources ?? [], undefined);
    this.agentLinks.get(agent.id)?.send({
      type: 'RUN_TASK_GROUP',
      framework_info: fw.info,
      executor: execInfo,
      task_group: { tasks },
    });
    return remaining;
  }

  private launchTask(
    fw: MasterFramework,
    agent: MasterAgent,
    role: string,
    info: TaskInfo,
    executorId: string,
    resources: Resource[],
    executor: ExecutorInfo | undefined,
  ): void {
    this.count('messages_launch_tasks');
    if (executor) {
      const map = fw.executors.get(agent.id) ?? new Map<string, ExecutorInfo>();
      map.set(executor.executor_id.value, { ...executor, framework_id: { value: fw.id } });
      fw.executors.set(agent.id, map);
    }
    const task: MasterTask = {
      info,
      frameworkId: fw.id,
      agentId: agent.id,
      executorId,
      role,
      resources: withoutAllocationInfo(resources),
      state: 'TASK_STAGING',
      statuses: [],
      user: info.command?.user ?? fw.info.user,
    };
    fw.tasks.set(info.task_id.value, task);
    agent.tasks.add(taskKey(fw.id, info.task_id.value));
    this.publish({ type: 'TASK_ADDED', task_added: { task: v1Task(task) } });
  }

  // ---------------------------------------------------------------- kill, ack, reconcile

  private killTask(
    fw: MasterFramework,
    taskId: string,
    agentId: string | undefined,
    killPolicy: KillPolicy | undefined,
  ): void {
    const task = fw.tasks.get(taskId);
    if (!task) {
      // Unknown to this master: the framework learns so through a TASK_LOST (Master::kill).
      this.sendMasterUpdate(
        fw,
        taskId,
        agentId,
        'TASK_LOST',
        'REASON_TASK_UNKNOWN',
        'Attempted to kill an unknown task',
      );
      return;
    }
    const link = this.agentLinks.get(task.agentId);
    if (!link) {
      this.log.warn('Cannot kill a task on a disconnected agent yet', { task: taskId, agent: task.agentId });
      return;
    }
    link.send({
      type: 'KILL_TASK',
      framework_id: fw.id,
      task_id: taskId,
      ...(killPolicy ? { kill_policy: killPolicy } : {}),
    });
  }

  private acknowledge(fw: MasterFramework, ack: NonNullable<SchedulerCall['acknowledge']>): void {
    const taskId = ack.task_id.value;
    const task = fw.tasks.get(taskId);
    if (task && task.statusUpdateUuid === ack.uuid) {
      delete task.statusUpdateState;
      delete task.statusUpdateUuid;
      if (isTerminalState(task.state)) this.completeTask(fw, task);
    }
    this.agentLinks
      .get(ack.agent_id.value)
      ?.send({ type: 'ACKNOWLEDGE', framework_id: fw.id, task_id: taskId, uuid: ack.uuid });
  }

  private reconcile(
    fw: MasterFramework,
    tasks: Array<{ task_id: { value: string }; agent_id?: { value: string } }>,
  ): void {
    const partitionAware = fw.capabilities.has('PARTITION_AWARE');
    if (tasks.length === 0) {
      for (const t of fw.tasks.values()) {
        this.sendMasterUpdate(
          fw,
          t.info.task_id.value,
          t.agentId,
          t.statusUpdateState ?? t.state,
          'REASON_RECONCILIATION',
          'Reconciliation: Latest task state',
          t,
        );
      }
      for (const t of fw.unreachableTasks.values()) {
        this.sendMasterUpdate(
          fw,
          t.info.task_id.value,
          t.agentId,
          partitionAware ? 'TASK_UNREACHABLE' : 'TASK_LOST',
          'REASON_RECONCILIATION',
          'Reconciliation: Task is unreachable',
          t,
        );
      }
      return;
    }
    for (const { task_id, agent_id } of tasks) {
      const id = task_id.value;
      const known = fw.tasks.get(id);
      if (known) {
        this.sendMasterUpdate(
          fw,
          id,
          known.agentId,
          known.statusUpdateState ?? known.state,
          'REASON_RECONCILIATION',
          'Reconciliation: Latest task state',
          known,
        );
        continue;
      }
      const unreachable = fw.unreachableTasks.get(id);
      if (unreachable) {
        this.sendMasterUpdate(
          fw,
          id,
          unreachable.agentId,
          partitionAware ? 'TASK_UNREACHABLE' : 'TASK_LOST',
          'REASON_RECONCILIATION',
          'Reconciliation: Task is unreachable',
          unreachable,
        );
        continue;
      }
      const agentKnown = agent_id ? this.agents.has(agent_id.value) : false;
      const state: TaskState = agentKnown ? 'TASK_GONE' : 'TASK_UNKNOWN';
      this.sendMasterUpdate(
        fw,
        id,
        agent_id?.value,
        partitionAware ? state : 'TASK_LOST',
        'REASON_RECONCILIATION',
        agentKnown ? 'Reconciliation: Task is unknown to the agent' : 'Reconciliation: Task is unknown',
      );
    }
  }

  /** Master-generated updates carry no uuid: the framework must not acknowledge them. */
  private sendMasterUpdate(
    fw: MasterFramework,
    taskId: string,
    agentId: string | undefined,
    state: TaskState,
    reason: TaskStatusReason,
    message: string,
    task?: MasterTask,
  ): void {
    const last = task?.statuses[task.statuses.length - 1];
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      message,
      source: 'SOURCE_MASTER',
      reason,
      timestamp: this.now(),
      ...(agentId ? { agent_id: { value: agentId } } : {}),
      ...(task && task.executorId ? { executor_id: { value: task.executorId } } : {}),
      ...(last?.healthy !== undefined ? { healthy: last.healthy } : {}),
      ...(last?.container_status ? { container_status: last.container_status } : {}),
    };
    fw.stream?.send({ type: 'UPDATE', update: { status } });
  }

  private completeTask(fw: MasterFramework, task: MasterTask): void {
    fw.tasks.delete(task.info.task_id.value);
    this.agents.get(task.agentId)?.tasks.delete(taskKey(fw.id, task.info.task_id.value));
    fw.completedTasks.push(task);
    while (fw.completedTasks.length > this.options.maxCompletedTasksPerFramework) fw.completedTasks.shift();
  }

  // ---------------------------------------------------------------- agents

  /** An agent (re-)registered over its link. Returns the agent id it must use. */
  registerAgent(sub: AgentSubscribe, link: AgentLink, remoteIp: string): string {
    const reregister = sub.type === 'REREGISTER' && !!sub.agent_id?.value;
    const id = reregister ? sub.agent_id!.value : this.ids.agent();
    const existing = this.agents.get(id);
    const hostname = sub.agent_info.hostname;
    const port = sub.agent_info.port ?? 5051;
    const ip = /^\d+\.\d+\.\d+\.\d+$/.test(hostname) ? hostname : remoteIp;
    const total = this.agentTotal(sub);
    this.agentRemovalTimers.get(id)?.cancel();
    this.agentRemovalTimers.delete(id);
    const oldLink = this.agentLinks.get(id);
    if (oldLink && oldLink !== link) oldLink.close();
    this.agentLinks.set(id, link);
    let reconcile: ReturnType<Master['unreportedTasks']> = [];
    if (existing) {
      this.count('slave_reregistrations');
      existing.connected = true;
      existing.active = true;
      existing.reregisteredTime = this.now();
      this.allocator.activateAgent(id);
      reconcile = this.unreportedTasks(existing, sub);
    } else {
      this.count(reregister ? 'slave_reregistrations' : 'slave_registrations');
      const agent: MasterAgent = {
        id,
        info: { ...sub.agent_info, id: { value: id }, port },
        pid: `slave(1)@${ip}:${port}`,
        ip,
        port,
        hostname,
        version: sub.version,
        capabilities: sub.capabilities,
        total,
        registeredTime: this.now(),
        ...(reregister ? { reregisteredTime: this.now() } : {}),
        active: true,
        connected: true,
        offers: new Set(),
        tasks: new Set(),
      };
      this.agents.set(id, agent);
      // After a master failover the agent tells us the frameworks and tasks it runs.
      const used = this.recoverAgentTasks(agent, sub);
      this.allocator.addAgent(id, { hostname }, total, used);
      this.publish({ type: 'AGENT_ADDED', agent_added: { agent: v1AgentEntry(agent, this) } });
    }
    link.send({
      type: 'REGISTERED',
      agent_id: { value: id },
      master_info: this.info,
      ...(reconcile.length > 0 ? { reconcile } : {}),
    });
    // A known agent may have missed operations (or remember destroyed ones): this master's view wins.
    if (existing) link.send({ type: 'CHECKPOINT_RESOURCES', resources: checkpointedOf(existing.total) });
    this.log.info(reregister ? 'Agent re-registered' : 'Agent registered', { agent: id, hostname });
    this.scheduleAllocation([id]);
    return id;
  }

  /** Tasks this master has on the agent that its re-registration did not list (reconcileKnownSlave). */
  private unreportedTasks(
    agent: MasterAgent,
    sub: AgentSubscribe,
  ): Array<{ framework_id: string; partition_aware: boolean; task_ids: string[] }> {
    const reported = new Set(sub.tasks.map((t) => taskKey(t.framework_id, t.task.task_id.value)));
    const byFramework = new Map<string, string[]>();
    for (const key of agent.tasks) {
      if (reported.has(key)) continue;
      const [frameworkId, taskId] = key.split('\u0000') as [string, string];
      const ids = byFramework.get(frameworkId);
      if (ids) ids.push(taskId);
      else byFramework.set(frameworkId, [taskId]);
    }
    return [...byFramework].map(([frameworkId, taskIds]) => ({
      framework_id: frameworkId,
      partition_aware: this.frameworks.get(frameworkId)?.capabilities.has('PARTITION_AWARE') ?? false,
      task_ids: taskIds,
    }));
  }

  /**
   * A new agent's total: its --resources with the reservations and volumes it checkpointed, which
   * a master that does not know the agent (a new one, or after failover) takes as they are.
   */
  private agentTotal(sub: AgentSubscribe): Resource[] {
    const base = sub.agent_info.resources ?? [];
    const checkpointed = sub.checkpointed_resources ?? [];
    if (checkpointed.length === 0) return base;
    const applied = applyCheckpointedResources(base, checkpointed);
    if ('error' in applied) {
      this.log.warn("Ignoring the agent's checkpointed resources", {
        hostname: sub.agent_info.hostname,
        error: applied.error,
      });
      return base;
    }
    return applied.resources;
  }

  private recoverAgentTasks(
    agent: MasterAgent,
    sub: AgentSubscribe,
  ): Array<{ frameworkId: string; resources: Resource[] }> {
    const used: Array<{ frameworkId: string; resources: Resource[] }> = [];
    const infos = new Map(sub.frameworks.map((f) => [f.id?.value ?? '', f] as const));
    for (const report of sub.tasks) {
      if (isTerminalState(report.state)) continue;
      let fw = this.frameworks.get(report.framework_id);
      if (!fw) {
        if (this.removedFrameworkIds.has(report.framework_id)) continue;
        const info: FrameworkInfo = infos.get(report.framework_id) ?? {
          user: 'root',
          name: 'recovered',
          id: { value: report.framework_id },
        };
        fw = this.addFramework(report.framework_id, info, [], true);
        this.allocator.deactivateFramework(fw.id);
        // A restarted master must not kill the tasks of a framework whose failover_timeout is 0
        // before it had a chance to reconnect.
        this.startFailoverTimer(
          fw,
          this.options.agentRemovalTimeoutMs,
          'failover timeout elapsed after master failover',
        );
      }
      const role =
        report.resources.find((r) => r.allocation_info?.role)?.allocation_info?.role ?? fw.roles[0] ?? '*';
      const task: MasterTask = {
        info: report.task,
        frameworkId: fw.id,
        agentId: agent.id,
        executorId: report.executor_id,
        role,
        resources: withoutAllocationInfo(report.resources),
        state: report.state,
        statuses: report.statuses,
      };
      fw.tasks.set(report.task.task_id.value, task);
      agent.tasks.add(taskKey(fw.id, report.task.task_id.value));
      used.push({ frameworkId: fw.id, resources: withAllocationRole(task.resources, role) });
      this.publish({ type: 'TASK_ADDED', task_added: { task: v1Task(task) } });
    }
    return used;
  }

  /**
   * Removes the framework unless it re-subscribes within its failover_timeout (at least
   * `minimumMs`).
   */
  private startFailoverTimer(fw: MasterFramework, minimumMs: number, why: string): void {
    const timeoutMs = Math.max(minimumMs, (fw.info.failover_timeout ?? 0) * 1000);
    this.failoverTimers.set(
      fw.id,
      this.clock.setTimeout(() => {
        this.failoverTimers.delete(fw.id);
        if (!fw.connected) this.removeFramework(fw.id, why);
      }, timeoutMs),
    );
  }

  /** The agent's link broke: no offers from it; removed (tasks LOST) if it does not come back. */
  agentDisconnected(agentId: string, link: AgentLink): void {
    if (this.agentLinks.get(agentId) !== link) return;
    this.agentLinks.delete(agentId);
    const agent = this.agents.get(agentId);
    if (!agent) return;
    agent.connected = false;
    agent.active = false;
    this.allocator.deactivateAgent(agentId);
    for (const offerId of [...agent.offers]) this.rescindOffer(offerId, true);
    this.log.warn('Agent disconnected', {
      agent: agentId,
      removal_in_ms: this.options.agentRemovalTimeoutMs,
    });
    this.agentRemovalTimers.set(
      agentId,
      this.clock.setTimeout(() => {
        this.agentRemovalTimers.delete(agentId);
        this.removeAgent(agentId, 'REASON_AGENT_REMOVED', 'Agent did not reconnect in time');
      }, this.options.agentRemovalTimeoutMs),
    );
  }

  private removeAgent(agentId: string, reason: TaskStatusReason, message: string): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    this.count('slave_removals');
    for (const offerId of [...agent.offers]) this.rescindOffer(offerId, true);
    for (const key of agent.tasks) {
      const [frameworkId, taskId] = key.split('\u0000') as [string, string];
      const fw = this.frameworks.get(frameworkId);
      const task = fw?.tasks.get(taskId);
      if (!fw || !task) continue;
      const state: TaskState = fw.capabilities.has('PARTITION_AWARE') ? 'TASK_GONE' : 'TASK_LOST';
      task.state = state;
      this.sendMasterUpdate(fw, taskId, agentId, state, reason, message, task);
      this.completeTask(fw, task);
    }
    for (const fw of this.frameworks.values()) {
      fw.executors.delete(agentId);
      fw.stream?.send({ type: 'FAILURE', failure: { agent_id: { value: agentId } } });
    }
    this.agents.delete(agentId);
    this.allocator.removeAgent(agentId);
    this.agentLinks.get(agentId)?.close();
    this.agentLinks.delete(agentId);
    this.publish({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agentId } } });
    this.log.warn('Agent removed', { agent: agentId, why: message });
  }

  /** Messages an agent sends over `POST /master/internal/agent/call`. */
  handleAgentCall(agentId: string, call: AgentCall): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    switch (call.type) {
      case 'STATUS_UPDATE':
        this.statusUpdate(agent, call.framework_id, call.status);
        return;
      case 'EXECUTOR_MESSAGE':
        this.count('messages_executor_to_framework');
        this.frameworks.get(call.framework_id)?.stream?.send({
          type: 'MESSAGE',
          message: {
            agent_id: { value: agentId },
            executor_id: { value: call.executor_id },
            data: call.data,
          },
        });
        return;
      case 'EXITED_EXECUTOR': {
        const fw = this.frameworks.get(call.framework_id);
        fw?.executors.get(agentId)?.delete(call.executor_id);
        fw?.stream?.send({
          type: 'FAILURE',
          failure: {
            agent_id: { value: agentId },
            executor_id: { value: call.executor_id },
            status: call.status,
          },
        });
        return;
      }
      case 'UNREGISTER':
        this.removeAgent(agentId, 'REASON_AGENT_REMOVED', 'Agent unregistered');
        return;
    }
  }

  private statusUpdate(agent: MasterAgent, frameworkId: string, status: TaskStatus): void {
    this.count('messages_status_update');
    const fw = this.frameworks.get(frameworkId);
    const taskId = status.task_id?.value;
    const task = fw?.tasks.get(taskId ?? '');
    if (!fw || !task) {
      this.count('invalid_status_updates');
      // Still forward it so the agent's retries stop once the framework acknowledges.
      fw?.stream?.send({ type: 'UPDATE', update: { status: { ...status, agent_id: { value: agent.id } } } });
      return;
    }
    this.count('valid_status_updates');
    const wasTerminal = isTerminalState(task.state);
    task.state = status.state;
    task.statuses.push(status);
    if (status.uuid) {
      task.statusUpdateState = status.state;
      task.statusUpdateUuid = status.uuid;
    }
    if (isTerminalState(status.state) && !wasTerminal) {
      // Resources are free as soon as the master sees a terminal state, not after the ack.
      this.allocator.recoverResources(
        fw.id,
        agent.id,
        withAllocationRole(task.resources, task.role),
        null,
        this.clock.now(),
      );
      this.scheduleAllocation([agent.id]);
      if (!fw.stream && !status.uuid) this.completeTask(fw, task);
    }
    this.publish({
      type: 'TASK_UPDATED',
      task_updated: { framework_id: { value: fw.id }, status, state: status.state },
    });
    fw.stream?.send({ type: 'UPDATE', update: { status: { ...status, agent_id: { value: agent.id } } } });
  }
}
