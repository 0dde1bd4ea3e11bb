// Marathon's runtime while it leads: the root group, the instances and their tasks, the launch
// queue, the running deployments and the health checks, kept in step with Mesos (through the v1
// scheduler API) and with ZooKeeper (through MarathonStore). It implements MarathonService, which
// is all the REST layer sees.
import { newUuid } from '../../mesos/protocol/ids.js';
import type { Offer, TaskStatus } from '../../mesos/protocol/types.js';
import { isTerminalState } from '../../mesos/protocol/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { EventBus } from '../events/event-bus.js';
import type {
  AppDefinition,
  DeploymentPlan,
  Instance,
  RootGroup,
  TaskFailure,
  Timestamp,
} from '../model/types.js';
import { newInstanceId, parseTaskId } from '../model/path-id.js';
import { stampVersion } from '../model/app-validation.js';
import { affectedApps, computeDeploymentPlan, revertPlanTarget } from '../deployment/plan.js';
import { selectInstancesToKill } from '../deployment/kill-selection.js';
import {
  advanceBackoff,
  backoffExpired,
  backoffAfterFailure,
  countsAsFailure,
  launchAllowedAt,
} from '../scheduling/backoff.js';
import type { PlacementView } from '../scheduling/constraints.js';
import { HealthCheckRunner } from '../health/health-check-runner.js';
import { isInstanceHealthy } from '../health/health-state.js';
import type { MarathonStore } from '../storage/zk-store.js';
import {
  DeploymentLockedError,
  NotReadyError,
  type DeploymentStatus,
  type KillResult,
  type MarathonInfoView,
  type MarathonService,
  type QueueEntry,
} from '../service.js';
import { DeploymentRunner, type DeploymentContext } from './deployment-runner.js';
import { LaunchQueue, type ScheduledInstance } from './launch-queue.js';
import { MesosFramework } from '../../mesos/scheduler/framework.js';
import { processOffers } from './offer-processor.js';
import { instanceCondition, statusUpdateEvent } from './instance-events.js';
import { infoView, queueView } from './runtime-views.js';

export interface MarathonConfig {
  master: string;
  zk: string;
  frameworkName: string;
  mesosRole: string;
  mesosUser: string;
  hostname: string;
  httpPort: number;
  failoverTimeoutSeconds: number;
  declineOfferSeconds: number;
  maxInstancesPerOffer: number;
  zkMaxVersions: number;
  zkSessionTimeoutMs: number;
  ha: boolean;
  webuiUrl?: string;
}

export interface Leadership {
  isLeader(): boolean;
  /** host:port of the leader, or null. */
  leaderHostPort(): string | null;
  abdicate(): void;
}

export interface MarathonRuntimeOptions {
  config: MarathonConfig;
  clock: Clock;
  log: Logger;
  events: EventBus;
  store: MarathonStore;
  leadership: Leadership;
  /** The full plan of deployment events, rendered by the REST layer's group renderer. */
  planJson: (plan: DeploymentPlan) => Record<string, unknown>;
}

const EMPTY_ROOT = (version: Timestamp): RootGroup => ({
  apps: {},
  groups: { '/': { id: '/', dependencies: [], version } },
  version,
});

const HOUSEKEEPING_MS = 1000;

export class MarathonRuntime implements MarathonService {
  readonly events: EventBus;
  private rootGroup: RootGroup;
  private readonly instancesById = new Map<string, Instance>();
  private readonly instanceByTask = new Map<string, Instance>();
  private readonly failures = new Map<string, TaskFailure>();
  private readonly runners = new Map<string, DeploymentRunner>();
  private readonly launchQueue = new LaunchQueue();
  /** Instances killed for failing health checks: their TASK_KILLED counts as a failure. */
  private readonly killedUnhealthy = new Set<string>();
  private readonly health: HealthCheckRunner;
  private framework: MesosFramework | null = null;
  private loaded = false;
  private changeScheduled = false;
  private housekeeping: TimerHandle | null = null;
  private reviveTimer: TimerHandle | null = null;
  private readonly log: Logger;
  /** Stored root versions and app versions, read once at election: the REST reads are synchronous. */
  private readonly rootCache = new Map<Timestamp, RootGroup>();
  private readonly appVersionCache = new Map<string, Map<Timestamp, AppDefinition>>();

  constructor(private readonly options: MarathonRuntimeOptions) {
    this.events = options.events;
    this.log = options.log;
    this.rootGroup = EMPTY_ROOT(this.stamp());
    this.health = new HealthCheckRunner({
      clock: options.clock,
      events: options.events,
      onKill: (instance, reason) => {
        this.log.info('Killing unhealthy instance', { instanceId: instance.instanceId, reason });
        this.killedUnhealthy.add(instance.instanceId);
        this.killTask(instance);
      },
      onHealthChanged: () => this.changed(),
    });
  }

  // ---- lifecycle ----

  /** Loads the stored state and subscribes to Mesos; called when this instance is elected. */
  async startLeading(): Promise<void> {
    const { store, config } = this.options;
    await store.init();
    const state = await store.load();
    if (state.root) this.rootGroup = state.root;
    for (const version of state.rootVersions) {
      const root = await store.rootAt(version);
      if (root) this.cacheRootVersion(root);
    }
    for (const appId of new Set([...this.rootCache.values()].flatMap((r) => Object.keys(r.apps)))) {
      for (const version of await store.appVersions(appId)) {
        const app = await store.appAt(appId, version);
        if (app) this.cacheAppVersion(app);
      }
    }
    for (const instance of state.instances) {
      if (!this.rootGroup.apps[instance.appId]) {
        store.removeInstance(instance.instanceId);
        continue;
      }
      this.track(instance);
    }
    this.loaded = true;
    this.log.info('Marathon state loaded', {
      apps: Object.keys(this.rootGroup.apps).length,
      instances: this.instancesById.size,
      deployments: state.deployments.length,
    });
    for (const plan of state.deployments) this.startRunner(plan);

    this.framework = new MesosFramework({
      master: config.master,
      log: this.log,
      frameworkInfo: {
        user: config.mesosUser,
        name: config.frameworkName,
        ...(state.frameworkId ? { id: { value: state.frameworkId } } : {}),
        failover_timeout: config.failoverTimeoutSeconds,
        checkpoint: true,
        role: config.mesosRole,
        hostname: config.hostname,
        webui_url: config.webuiUrl ?? `http://${config.hostname}:${config.httpPort}`,
        capabilities: [{ type: 'TASK_KILLING_STATE' }, { type: 'PARTITION_AWARE' }],
      },
      handlers: {
        onSubscribed: (frameworkId, masterUrl) => {
          this.log.info('Subscribed to Mesos', { frameworkId, master: masterUrl });
          if (frameworkId !== state.frameworkId) {
            state.frameworkId = frameworkId;
            store.saveFrameworkId(frameworkId).catch((err: unknown) => {
              this.log.error('Could not store the framework id', { error: (err as Error).message });
            });
          }
          // Learn what became of every task while no Marathon was listening.
          this.framework?.reconcile(
            [...this.instancesById.values()].map((i) => ({ taskId: i.taskId, agentId: i.agentId })),
          );
          this.changed();
          if (!this.launchQueue.isEmpty) this.framework?.revive();
        },
        onOffers: (offers) => this.handleOffers(offers),
        onRescind: () => undefined,
        onUpdate: (status) => this.handleUpdate(status),
        onDisconnected: () => this.log.warn('Lost the connection to the Mesos master'),
      },
    });
    this.housekeeping = this.options.clock.setInterval(() => this.changed(), HOUSEKEEPING_MS);
    this.changed();
    await this.framework.start();
  }

  async stop(): Promise<void> {
    this.housekeeping?.cancel();
    this.reviveTimer?.cancel();
    this.health.stop();
    await this.options.store.flush().catch(() => undefined);
    await this.framework?.close();
  }

  // ---- MarathonService: reads ----

  now(): number {
    return this.options.clock.now();
  }

  isReady(): boolean {
    return !this.options.leadership.isLeader() || this.loaded;
  }

  isLeader(): boolean {
    return this.options.leadership.isLeader();
  }

  leaderUrl(): string | null {
    const hostPort = this.options.leadership.leaderHostPort();
    return hostPort ? `http://${hostPort}` : null;
  }

  info(): MarathonInfoView {
    return infoView(this.options.config, {
      frameworkId: this.framework?.frameworkId ?? null,
      leader: this.options.leadership.leaderHostPort(),
      elected: this.isLeader(),
      masterUrl: this.framework?.masterUrl ?? null,
    });
  }

  root(): RootGroup {
    return this.rootGroup;
  }

  rootVersions(): Timestamp[] {
    return newestFirst(this.rootCache.keys());
  }

  rootAt(version: Timestamp): RootGroup | undefined {
    return version === this.rootGroup.version ? this.rootGroup : this.rootCache.get(version);
  }

  appVersions(appId: string): Timestamp[] {
    return newestFirst(this.appVersionCache.get(appId)?.keys() ?? []);
  }

  appAt(appId: string, version: Timestamp): AppDefinition | undefined {
    return this.appVersionCache.get(appId)?.get(version);
  }

  instances(appId?: string): Instance[] {
    const all = [...this.instancesById.values()];
    return appId === undefined ? all : all.filter((i) => i.appId === appId);
  }

  lastTaskFailure(appId: string): TaskFailure | undefined {
    return this.failures.get(appId);
  }

  deployments(): DeploymentStatus[] {
    return [...this.runners.values()].map((r) => r.status());
  }

  queue(): QueueEntry[] {
    return queueView(this.launchQueue.entries(), this.now());
  }

  // ---- MarathonService: writes ----

  async deploy(target: RootGroup, opts: { force: boolean }): Promise<DeploymentPlan> {
    this.requireReady();
    const plan = computeDeploymentPlan(this.rootGroup, target, { id: newUuid() });
    return this.deployPlanned(plan, target, opts.force);
  }

  async killInstances(
    instanceIds: readonly string[],
    opts: { scale: boolean; wipe: boolean; force: boolean },
  ): Promise<KillResult> {
    this.requireReady();
    const killed = instanceIds
      .map((id) => this.instancesById.get(id))
      .filter((i): i is Instance => i !== undefined);
    if (!opts.scale) {
      for (const instance of killed) {
        if (opts.wipe) this.decommission(instance);
        else this.killTask(instance);
      }
      return { killed };
    }
    const toKill: Record<string, string[]> = {};
    for (const instance of killed) (toKill[instance.appId] ??= []).push(instance.instanceId);
    const version = this.stamp();
    const apps = { ...this.rootGroup.apps };
    for (const [appId, ids] of Object.entries(toKill)) {
      const app = apps[appId];
      if (app)
        apps[appId] = stampVersion(
          app,
          { ...app, instances: Math.max(0, app.instances - ids.length) },
          version,
        );
    }
    const target: RootGroup = { ...this.rootGroup, apps, version };
    const plan = computeDeploymentPlan(this.rootGroup, target, { id: newUuid(), toKill });
    return { killed, plan: await this.deployPlanned(plan, target, opts.force) };
  }

  async cancelDeployment(id: string, force: boolean): Promise<DeploymentPlan | null | undefined> {
    this.requireReady();
    const runner = this.runners.get(id);
    if (!runner) return undefined;
    runner.cancel('The deployment was cancelled');
    if (force) return null;
    const revert = revertPlanTarget(runner.plan, this.rootGroup, this.stamp());
    return this.deploy(revert, { force: true });
  }

  resetDelay(appId: string): boolean {
    if (!this.launchQueue.get(appId)) return false;
    this.launchQueue.resetBackoff(appId);
    this.framework?.revive();
    this.changed();
    return true;
  }

  abdicate(): void {
    this.options.leadership.abdicate();
  }

  // ---- deployments ----

  /** deploy() with a plan already made (kill-and-scale adds the sentenced instances to it). */
  private async deployPlanned(
    plan: DeploymentPlan,
    target: RootGroup,
    force: boolean,
  ): Promise<DeploymentPlan> {
    const affected = new Set(affectedApps(plan));
    const conflicting = [...this.runners.values()].filter((r) => r.affectedApps.some((a) => affected.has(a)));
    if (conflicting.length > 0 && !force) throw new DeploymentLockedError(conflicting.map((r) => r.plan.id));
    for (const runner of conflicting) runner.cancel('Canceled by a forced deployment');
    const original = this.rootGroup;
    const changedApps = Object.values(target.apps).filter(
      (app) => original.apps[app.id]?.version !== app.version,
    );
    // The new root is in place before the first await, so a request that arrives meanwhile builds
    // on it rather than on the root this change replaces.
    this.rootGroup = target;
    try {
      await this.options.store.saveRoot(target, changedApps);
      await this.options.store.saveDeployment(plan);
    } catch (err) {
      if (this.rootGroup === target) this.rootGroup = original;
      throw err;
    }
    this.cacheRootVersion(target);
    for (const app of changedApps) this.cacheAppVersion(app);
    for (const app of Object.values(target.apps)) this.launchQueue.updateApp(app);
    this.events.publish('group_change_success', { groupId: '/', version: target.version });
    this.startRunner(plan);
    this.changed();
    return plan;
  }

  private startRunner(plan: DeploymentPlan): void {
    const runner = new DeploymentRunner(plan, this.deploymentContext, (done) => {
      this.runners.delete(done.plan.id);
      this.options.store.removeDeployment(done.plan.id).catch((err: unknown) => {
        this.log.warn('Could not remove a finished deployment', { error: (err as Error).message });
      });
      this.changed();
    });
    this.runners.set(plan.id, runner);
    runner.start();
  }

  private readonly deploymentContext: DeploymentContext = {
    app: (appId) => this.rootGroup.apps[appId],
    activeInstances: (appId) => this.activeInstances(appId),
    liveInstanceCount: (appId) => this.instances(appId).length,
    terminatingInstances: (appId) => this.instances(appId).filter((i) => i.goal !== 'Running'),
    pendingCount: (appId) => this.launchQueue.pendingCount(appId),
    schedule: (app, count) => this.schedule(app, count),
    unschedule: (appId, count) => void this.launchQueue.remove(appId, count),
    decommission: (instance) => this.decommission(instance),
    isHealthy: (instance, app) => this.isHealthy(instance, app),
    resetBackoff: (appId) => this.launchQueue.resetBackoff(appId),
    appStopped: (appId) => {
      this.launchQueue.purge(appId);
      this.failures.delete(appId);
      this.events.publish('app_terminated_event', { appId });
    },
    publish: (eventType, fields) => this.events.publish(eventType, fields),
    planJson: (plan) => this.options.planJson(plan),
  };

  // ---- instances ----

  /** Goal Running, launched, not terminal, and not unreachable past the app's inactive time. */
  private activeInstances(appId: string): Instance[] {
    const app = this.rootGroup.apps[appId];
    const now = this.now();
    return this.instances(appId).filter((i) => {
      if (i.goal !== 'Running') return false;
      if (i.unreachableSince === undefined || !app || app.unreachableStrategy === 'disabled') return true;
      return now - i.unreachableSince < app.unreachableStrategy.inactiveAfterSeconds * 1000;
    });
  }

  private isHealthy(instance: Instance, app: AppDefinition): boolean {
    if (instance.state !== 'TASK_RUNNING') return false;
    if (app.healthChecks.length === 0) return true;
    return isInstanceHealthy(instance, app) === true;
  }

  private schedule(app: AppDefinition, count: number): void {
    if (count <= 0) return;
    this.enqueue(
      app,
      Array.from({ length: count }, () => ({ instanceId: newInstanceId(app.id, newUuid()), incarnation: 1 })),
    );
  }

  /** Queues instances for launch; offers were suppressed while the queue was empty. */
  private enqueue(app: AppDefinition, instances: ScheduledInstance[]): void {
    const wasEmpty = this.launchQueue.isEmpty;
    this.launchQueue.add(app, instances, this.stamp());
    if (wasEmpty) this.framework?.revive();
  }

  private decommission(instance: Instance): void {
    instance.goal = 'Decommissioned';
    this.options.store.saveInstance(instance);
    this.killTask(instance);
  }

  private killTask(instance: Instance): void {
    const app = this.rootGroup.apps[instance.appId];
    this.framework?.kill(instance.taskId, instance.agentId, app?.taskKillGracePeriodSeconds);
  }

  private track(instance: Instance): void {
    this.instancesById.set(instance.instanceId, instance);
    this.instanceByTask.set(instance.taskId, instance);
  }

  private untrack(instance: Instance): void {
    this.instancesById.delete(instance.instanceId);
    this.instanceByTask.delete(instance.taskId);
    this.options.store.removeInstance(instance.instanceId);
  }

  private handleOffers(offers: Offer[]): void {
    const now = this.now();
    const round = processOffers({
      offers,
      queue: this.launchQueue,
      placedOf: (appId) => this.placementsOf(appId),
      now,
      maxInstancesPerOffer: this.options.config.maxInstancesPerOffer,
    });
    // Nothing left to launch: refuse offers for a while (a new launch revives them). Otherwise
    // leftovers come straight back, and declined offers soon (backoff, resources or constraints).
    const idle = this.launchQueue.isEmpty;
    const declineSeconds = this.options.config.declineOfferSeconds;
    for (const launch of round.launches) {
      for (const instance of launch.instances) {
        this.track(instance);
        this.options.store.saveInstance(instance);
        this.events.publish('instance_changed_event', instanceCondition(instance, 'Provisioned'));
      }
      this.framework?.launch(launch.offer, launch.tasks, idle ? declineSeconds : 0);
    }
    this.framework?.decline(round.declined, idle ? declineSeconds : 5);
    if (round.launches.length > 0) this.changed();
  }

  /** Where the app's current-config instances run: what its constraints are checked against. */
  private placementsOf(appId: string): PlacementView[] {
    const config = this.rootGroup.apps[appId]?.versionInfo.lastConfigChangeAt;
    return this.activeInstances(appId)
      .filter((i) => i.configVersion === config)
      .map((i) => ({
        hostname: i.host,
        attributes: i.attributes,
        ...(i.region ? { region: i.region } : {}),
        ...(i.zone ? { zone: i.zone } : {}),
      }));
  }

  private handleUpdate(status: TaskStatus): void {
    this.framework?.acknowledge(status);
    const instance = this.instanceByTask.get(status.task_id.value);
    if (!instance) {
      // A task we do not know (its instance was expunged while it ran): it must not keep running.
      if (!isTerminalState(status.state)) {
        const parsed = parseTaskId(status.task_id.value);
        this.log.info('Killing an unknown task', { taskId: status.task_id.value });
        this.events.publish('unknown_instance_terminated_event', {
          instanceId: parsed?.instanceId ?? status.task_id.value,
          runSpecId: parsed?.appId ?? '',
          condition: 'Killed',
        });
        this.framework?.kill(status.task_id.value, status.agent_id?.value);
      }
      return;
    }
    const now = this.now();
    const stamp = new Date(now).toISOString();
    const previous = instance.state;
    instance.state = status.state;
    if (status.state === 'TASK_RUNNING' && !instance.startedAt) instance.startedAt = stamp;
    if (status.state === 'TASK_RUNNING') {
      this.launchQueue.setBackoff(
        instance.appId,
        advanceBackoff(this.launchQueue.backoffOf(instance.appId), now),
      );
    }
    if (status.state === 'TASK_UNREACHABLE') instance.unreachableSince ??= now;
    else if (!isTerminalState(status.state)) delete instance.unreachableSince;
    const ips = status.container_status?.network_infos?.flatMap(
      (n) => (n['ip_addresses'] as Array<{ ip_address?: string; protocol?: string }> | undefined) ?? [],
    );
    if (ips && ips.length > 0) {
      instance.ipAddresses = ips
        .filter((ip) => ip.ip_address)
        .map((ip) => ({ ipAddress: ip.ip_address!, protocol: ip.protocol === 'IPv6' ? 'IPv6' : 'IPv4' }));
    } else if (instance.ipAddresses.length === 0) {
      instance.ipAddresses = [{ ipAddress: instance.host, protocol: 'IPv4' }];
    }
    const app = this.rootGroup.apps[instance.appId];
    if (status.healthy !== undefined && app) {
      this.health.mesosHealth(
        instance,
        this.appAt(instance.appId, instance.appVersion) ?? app,
        status.healthy,
      );
    }
    if (previous !== status.state) {
      this.events.publish('status_update_event', statusUpdateEvent(instance, status));
      this.events.publish('instance_changed_event', instanceCondition(instance));
    }

    if (isTerminalState(status.state)) {
      this.untrack(instance);
      const failed =
        countsAsFailure(status.state, status.reason, status.message) ||
        this.killedUnhealthy.delete(instance.instanceId);
      if (failed && instance.goal === 'Running') {
        this.failures.set(instance.appId, {
          appId: instance.appId,
          host: instance.host,
          message: status.message ?? '',
          state: status.state,
          taskId: instance.taskId,
          instanceId: instance.instanceId,
          slaveId: instance.agentId,
          timestamp: stamp,
          version: instance.appVersion,
        });
        if (app)
          this.launchQueue.setBackoff(
            app.id,
            backoffAfterFailure(app, this.launchQueue.backoffOf(app.id), now),
          );
      }
      if (instance.goal === 'Running' && app) {
        // The same instance comes back as its next incarnation (Marathon 1.9+ task ids).
        this.enqueue(app, [{ instanceId: instance.instanceId, incarnation: instance.incarnation + 1 }]);
      }
    } else {
      this.options.store.saveInstance(instance);
    }
    this.changed();
  }

  // ---- the change loop ----

  /** Re-evaluates deployments, the scale check and health checks once per turn of the event loop. */
  private changed(): void {
    if (this.changeScheduled || !this.loaded) return;
    this.changeScheduled = true;
    setImmediate(() => {
      this.changeScheduled = false;
      try {
        this.reevaluate();
      } catch (err) {
        this.log.error('Re-evaluating the cluster failed', {
          error: (err as Error).message,
          stack: (err as Error).stack,
        });
      }
    });
  }

  private reevaluate(): void {
    const now = this.now();
    for (const entry of this.launchQueue.entries()) {
      if (backoffExpired(entry.app, entry.backoff, now)) this.launchQueue.resetBackoff(entry.app.id);
    }
    for (const runner of [...this.runners.values()]) runner.evaluate();
    this.scaleCheck();
    // Each instance is checked with the health checks of the version it was launched with.
    this.health.sync(
      this.instances()
        .filter((i) => this.rootGroup.apps[i.appId])
        .map((instance) => ({
          instance,
          app: this.appAt(instance.appId, instance.appVersion) ?? this.rootGroup.apps[instance.appId]!,
        })),
    );
    this.manageOfferFlow();
  }

  /** Apps outside any deployment keep exactly `instances` active instances (Marathon's scale check). */
  private scaleCheck(): void {
    const locked = new Set([...this.runners.values()].flatMap((r) => r.affectedApps));
    for (const app of Object.values(this.rootGroup.apps)) {
      if (locked.has(app.id)) continue;
      const active = this.activeInstances(app.id);
      const pending = this.launchQueue.pendingCount(app.id);
      const diff = app.instances - active.length - pending;
      if (diff > 0) this.schedule(app, diff);
      else if (diff < 0) {
        const extra = -diff - this.launchQueue.remove(app.id, -diff);
        if (extra <= 0) continue;
        const kill = new Set(
          selectInstancesToKill(
            active.map((i) => ({
              instanceId: i.instanceId,
              state: i.state,
              stagedAt: i.stagedAt,
              startedAt: i.startedAt,
            })),
            extra,
            app.killSelection,
          ),
        );
        for (const instance of active) if (kill.has(instance.instanceId)) this.decommission(instance);
      }
    }
    // Instances of apps that no longer exist (e.g. left after a forced deployment) are killed.
    for (const instance of this.instancesById.values()) {
      if (!this.rootGroup.apps[instance.appId] && instance.goal === 'Running' && !locked.has(instance.appId))
        this.decommission(instance);
    }
  }

  /** Suppress offers while nothing waits; revive when the earliest backoff ends. */
  private manageOfferFlow(): void {
    if (!this.framework) return;
    if (this.launchQueue.isEmpty) {
      this.framework.suppress();
      return;
    }
    const now = this.now();
    const nextAllowed = Math.min(...this.launchQueue.entries().map((e) => launchAllowedAt(e.backoff)));
    if (nextAllowed > now && !this.reviveTimer) {
      this.reviveTimer = this.options.clock.setTimeout(() => {
        this.reviveTimer = null;
        this.framework?.revive();
      }, nextAllowed - now);
    }
  }

  private cacheRootVersion(root: RootGroup): void {
    keepVersion(this.rootCache, root.version, root, this.options.config.zkMaxVersions);
  }

  private cacheAppVersion(app: AppDefinition): void {
    let versions = this.appVersionCache.get(app.id);
    if (!versions) this.appVersionCache.set(app.id, (versions = new Map()));
    keepVersion(versions, app.version, app, this.options.config.zkMaxVersions);
  }

  private requireReady(): void {
    if (!this.isLeader() || !this.loaded)
      throw new NotReadyError('Marathon is not the leader or not ready yet');
  }

  private stamp(): Timestamp {
    return new Date(this.options.clock.now()).toISOString();
  }
}

function newestFirst(versions: Iterable<Timestamp>): Timestamp[] {
  return [...versions].sort().reverse();
}

/** Adds a version, dropping the oldest beyond `max`, as the store keeps only --zk_max_versions. */
function keepVersion<T>(versions: Map<Timestamp, T>, version: Timestamp, value: T, max: number): void {
  versions.set(version, value);
  for (const old of newestFirst(versions.keys()).slice(max)) versions.delete(old);
}
