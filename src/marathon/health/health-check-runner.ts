// Runs Marathon-level health checks (HTTP, HTTPS, TCP) from this Marathon against each running
// instance's host:port, takes Mesos-level results (COMMAND, MESOS_*) from TaskStatus.healthy, and
// keeps every instance's health results, events and health-check kills. The decisions are in
// health-state.ts; this shell owns the timers, the probes and the callbacks.
import type { Clock, TimerHandle } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/log.js';
import type { EventBus } from '../events/event-bus.js';
import type { AppDefinition, HealthCheckSpec, HealthResult, Instance } from '../model/types.js';
import {
  applyOutcome,
  firstCheckDelayMs,
  healthCheckJson,
  instanceHealthiness,
  isMarathonLevel,
  runningSinceMs,
  type HealthOutcome,
} from './health-state.js';
import { realProbe, type Probe } from './probes.js';

/** An instance to track, with the app definition it was launched with (its version's checks). */
export interface HealthTarget {
  instance: Instance;
  app: AppDefinition;
}

export interface HealthCheckRunnerOptions {
  clock: Clock;
  events: EventBus;
  /** Default: the real HTTP/HTTPS/TCP probes. */
  probe?: Probe;
  /** A Marathon-level check failed more than maxConsecutiveFailures times past the grace period. */
  onKill: (instance: Instance, reason: string) => void;
  /** The instance's health results changed (REST counts, deployments waiting for healthy). */
  onHealthChanged?: (instance: Instance) => void;
  log?: Logger;
}

interface Tracked {
  instance: Instance;
  app: AppDefinition;
  /** The app's checks as JSON: a different set of checks starts the bookkeeping over. */
  checksKey: string;
  /** Sorted by index; replaced, never mutated, since instance.healthResults shares it. */
  results: HealthResult[];
  healthiness: boolean | null;
  timers: Map<number, TimerHandle>;
  inFlight: Set<number>;
  killRequested: boolean;
}

export class HealthCheckRunner {
  private readonly tracked = new Map<string, Tracked>();
  private readonly probe: Probe;
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly opts: HealthCheckRunnerOptions) {
    this.probe = opts.probe ?? realProbe;
    this.log = opts.log ?? silentLogger;
  }

  /**
   * The instances to keep health for (any state). Marathon-level checks run for those in
   * TASK_RUNNING: the first after min(intervalSeconds, 5 s), as Marathon does, then every
   * intervalSeconds. Instances in another state keep their results but are not checked; instances
   * missing from `targets` are forgotten.
   */
  sync(targets: readonly HealthTarget[]): void {
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const { instance, app } of targets) {
      seen.add(instance.instanceId);
      const entry = this.entry(instance, app);
      if (instance.state === 'TASK_RUNNING' && !entry.killRequested) this.startChecks(entry);
      else this.stopChecks(entry);
    }
    for (const [instanceId, entry] of this.tracked) {
      if (seen.has(instanceId)) continue;
      this.stopChecks(entry);
      this.tracked.delete(instanceId);
    }
  }

  /**
   * A Mesos status with `healthy` for an instance whose app has COMMAND/MESOS_* checks; the
   * instance's state must already be the status's state. Applies to every Mesos-level check of the
   * app (Marathon allows one). These never lead to a kill here: the agent kills those tasks.
   */
  mesosHealth(instance: Instance, app: AppDefinition, healthy: boolean, cause = ''): void {
    if (this.stopped) return;
    const indexes = app.healthChecks.flatMap((spec, index) => (isMarathonLevel(spec) ? [] : [index]));
    if (indexes.length === 0) return;
    instance.mesosHealthy = healthy;
    const entry = this.entry(instance, app);
    const outcome: HealthOutcome = healthy ? { outcome: 'healthy' } : { outcome: 'unhealthy', cause };
    let changed = false;
    for (const index of indexes) changed = this.record(entry, index, outcome) || changed;
    if (changed) this.notifyChanged(entry);
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.tracked.values()) this.stopChecks(entry);
    this.tracked.clear();
  }

  /** The entry of an instance, created or brought up to date with the caller's objects. */
  private entry(instance: Instance, app: AppDefinition): Tracked {
    const checksKey = JSON.stringify(app.healthChecks);
    let entry = this.tracked.get(instance.instanceId);
    if (entry !== undefined && entry.checksKey !== checksKey) {
      this.stopChecks(entry);
      entry = undefined;
    }
    if (entry === undefined) {
      // Results already on the instance (e.g. a runner restarted in this process) are kept.
      const count = app.healthChecks.length;
      const results = instance.healthResults.filter((r) => r.index < count);
      entry = {
        instance,
        app,
        checksKey,
        results,
        healthiness: instanceHealthiness(results, count),
        timers: new Map(),
        inFlight: new Set(),
        killRequested: false,
      };
      this.tracked.set(instance.instanceId, entry);
    }
    entry.instance = instance;
    entry.app = app;
    instance.healthResults = entry.results;
    return entry;
  }

  private startChecks(entry: Tracked): void {
    entry.app.healthChecks.forEach((spec, index) => {
      if (!isMarathonLevel(spec) || entry.timers.has(index)) return;
      const first = this.opts.clock.setTimeout(() => {
        entry.timers.set(
          index,
          this.opts.clock.setInterval(() => this.runCheck(entry, index), spec.intervalSeconds * 1000),
        );
        this.runCheck(entry, index);
      }, firstCheckDelayMs(spec));
      entry.timers.set(index, first);
    });
  }

  private stopChecks(entry: Tracked): void {
    for (const timer of entry.timers.values()) timer.cancel();
    entry.timers.clear();
  }

  private runCheck(entry: Tracked, index: number): void {
    // A probe slower than the interval is not doubled up.
    if (entry.inFlight.has(index)) return;
    const spec = entry.app.healthChecks[index]!;
    const port = spec.port ?? entry.instance.hostPorts[spec.portIndex ?? 0];
    if (port === undefined) {
      const cause =
        "UnsupportedOperationException: Health check failed: unable to get the task's effectivePort";
      this.complete(entry, index, { outcome: 'unhealthy', cause });
      return;
    }
    entry.inFlight.add(index);
    this.probe({
      protocol: spec.protocol as 'HTTP' | 'HTTPS' | 'TCP',
      host: entry.instance.host,
      port,
      path: spec.path ?? '/',
      timeoutMs: spec.timeoutSeconds * 1000,
      ignoreHttp1xx: spec.ignoreHttp1xx,
    })
      .catch((err: unknown): HealthOutcome => ({ outcome: 'unhealthy', cause: String(err) }))
      .then((outcome) => {
        entry.inFlight.delete(index);
        // The instance may be gone, or tracked afresh with other checks, by now.
        if (this.stopped || this.tracked.get(entry.instance.instanceId) !== entry) return;
        this.complete(entry, index, outcome);
      })
      .catch((err: unknown) => this.log.error('health check result handling failed', { err: String(err) }));
  }

  private complete(entry: Tracked, index: number, outcome: HealthOutcome): void {
    if (this.record(entry, index, outcome)) this.notifyChanged(entry);
  }

  /** Applies an outcome and publishes its events; true when the results changed. */
  private record(entry: Tracked, index: number, outcome: HealthOutcome): boolean {
    const { instance, app } = entry;
    const spec: HealthCheckSpec = app.healthChecks[index]!;
    const previous = entry.results.find((r) => r.index === index);
    const update = applyOutcome(previous, outcome, {
      spec,
      index,
      running: instance.state === 'TASK_RUNNING',
      runningSinceMs: runningSinceMs(instance),
      nowMs: this.opts.clock.now(),
    });
    const result = update.result;
    if (result === undefined || result === previous) return false;

    entry.results = [...entry.results.filter((r) => r.index !== index), result].sort(
      (a, b) => a.index - b.index,
    );
    instance.healthResults = entry.results;

    const events = this.opts.events;
    if (update.failed) {
      events.publish('failed_health_check_event', {
        appId: instance.appId,
        // Marathon 1.10 writes the instance id under this key.
        taskId: instance.instanceId,
        healthCheck: healthCheckJson(spec),
      });
    }
    if (update.aliveChanged) {
      events.publish('health_status_changed_event', {
        appId: instance.appId,
        instanceId: instance.instanceId,
        version: instance.appVersion,
        alive: result.alive,
      });
    }
    const healthiness = instanceHealthiness(entry.results, app.healthChecks.length);
    if (healthiness !== entry.healthiness) {
      entry.healthiness = healthiness;
      events.publish('instance_health_changed_event', {
        instanceId: instance.instanceId,
        runSpecId: instance.appId,
        runSpecVersion: app.version,
        healthy: healthiness,
      });
    }
    if (update.kill && !entry.killRequested) this.kill(entry, result.lastFailureCause ?? 'unknown');
    return true;
  }

  private kill(entry: Tracked, reason: string): void {
    const { instance, app } = entry;
    entry.killRequested = true;
    // The instance is on its way out: probing it further would only repeat the verdict.
    this.stopChecks(entry);
    this.opts.events.publish('unhealthy_instance_kill_event', {
      appId: instance.appId,
      taskId: instance.taskId,
      instanceId: instance.instanceId,
      version: app.version,
      reason,
      host: instance.host,
      slaveId: instance.agentId,
    });
    this.guard(() => this.opts.onKill(instance, reason));
  }

  private notifyChanged(entry: Tracked): void {
    const onHealthChanged = this.opts.onHealthChanged;
    if (onHealthChanged !== undefined) this.guard(() => onHealthChanged(entry.instance));
  }

  /** A throwing callback must not break the bookkeeping of other checks. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('health check callback failed', { err: String(err) });
    }
  }
}
