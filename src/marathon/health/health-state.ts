// Pure health bookkeeping for Marathon instances: how one check outcome (a Marathon-level probe or a
// Mesos TaskStatus.healthy) changes an instance's HealthResult, what it triggers (events, a kill),
// and how results count for the REST layer and deployments. No clocks: times are passed in.
import type { AppDefinition, HealthCheckSpec, HealthResult, Instance } from '../model/types.js';

/** What one check produced. `ignored`: an HTTP 1xx with ignoreHttp1xx, which changes nothing. */
export type HealthOutcome =
  { outcome: 'healthy' } | { outcome: 'unhealthy'; cause: string } | { outcome: 'ignored' };

const MARATHON_LEVEL: ReadonlySet<HealthCheckSpec['protocol']> = new Set(['HTTP', 'HTTPS', 'TCP']);

/** HTTP, HTTPS and TCP checks, which the leading Marathon runs itself; the others run on the agent. */
export function isMarathonLevel(spec: HealthCheckSpec): boolean {
  return MARATHON_LEVEL.has(spec.protocol);
}

/** Marathon starts checking a new instance after at most this long, then every intervalSeconds. */
export const FIRST_CHECK_AFTER_MAX_MS = 5_000;

export function firstCheckDelayMs(spec: HealthCheckSpec): number {
  return Math.min(spec.intervalSeconds * 1000, FIRST_CHECK_AFTER_MAX_MS);
}

export interface HealthContext {
  spec: HealthCheckSpec;
  /** Position of the check in app.healthChecks. */
  index: number;
  /** The instance is TASK_RUNNING; failures of instances in any other state are ignored. */
  running: boolean;
  /** When the task reached TASK_RUNNING (ms since epoch): the grace period starts there. */
  runningSinceMs: number;
  nowMs: number;
}

export interface HealthUpdate {
  /** The result after the outcome; the same object as before when nothing changed. */
  result: HealthResult | undefined;
  /** A failure that counts: publish failed_health_check_event. */
  failed: boolean;
  /** `alive` flipped: publish health_status_changed_event. */
  aliveChanged: boolean;
  /** Too many consecutive failures of a Marathon-level check: kill the instance. */
  kill: boolean;
}

/**
 * Applies one outcome to the previous result of that check (undefined: no result yet).
 *
 * Failures are ignored (no result, no event) while the instance is not running, and inside the
 * grace period (counted from when it started running) until the check has passed once. The kill
 * follows Marathon 1.10's code and docs ("fails more than maxConsecutiveFailures"): the failure that
 * arrives when maxConsecutiveFailures are already counted kills, so 3 means the 4th failure kills.
 * maxConsecutiveFailures 0 never kills. Mesos-level checks never kill here: the agent kills those.
 */
export function applyOutcome(
  previous: HealthResult | undefined,
  outcome: HealthOutcome,
  ctx: HealthContext,
): HealthUpdate {
  const unchanged: HealthUpdate = { result: previous, failed: false, aliveChanged: false, kill: false };
  const wasAlive = previous?.alive ?? false;
  const now = new Date(ctx.nowMs).toISOString();
  const base: HealthResult = previous ?? {
    index: ctx.index,
    alive: false,
    consecutiveFailures: 0,
    firstSuccess: null,
    lastSuccess: null,
    lastFailure: null,
    lastFailureCause: null,
  };

  if (outcome.outcome === 'ignored') return unchanged;

  if (outcome.outcome === 'healthy') {
    const firstSuccess = base.firstSuccess ?? now;
    const result = {
      ...base,
      firstSuccess,
      lastSuccess: now,
      consecutiveFailures: 0,
      // Marathon: alive = lastSuccess newer than lastFailure, i.e. the newest outcome decides.
      alive: true,
    };
    return { result, failed: false, aliveChanged: result.alive !== wasAlive, kill: false };
  }

  if (ignoresFailure(base, ctx)) return unchanged;
  const max = ctx.spec.maxConsecutiveFailures;
  const kill = isMarathonLevel(ctx.spec) && max > 0 && base.consecutiveFailures >= max;
  const result = {
    ...base,
    lastFailure: now,
    lastFailureCause: outcome.cause,
    consecutiveFailures: base.consecutiveFailures + 1,
    alive: false,
  };
  return { result, failed: true, aliveChanged: result.alive !== wasAlive, kill };
}

function ignoresFailure(result: HealthResult, ctx: HealthContext): boolean {
  if (!ctx.running) return true;
  const inGrace = ctx.runningSinceMs + ctx.spec.gracePeriodSeconds * 1000 > ctx.nowMs;
  return result.firstSuccess === null && inGrace;
}

/** When the grace period of an instance starts: its startedAt, else (not seen running) stagedAt. */
export function runningSinceMs(instance: Instance): number {
  return Date.parse(instance.startedAt ?? instance.stagedAt);
}

/**
 * The REST layer's view (reference §1.3): true when the instance has results and all are alive,
 * false when any result is not alive, undefined without results (counted as neither). An app
 * without health checks has no health results to count.
 */
export function isInstanceHealthy(instance: Instance, app: AppDefinition): boolean | undefined {
  if (app.healthChecks.length === 0 || instance.healthResults.length === 0) return undefined;
  return instance.healthResults.every((r) => r.alive);
}

/** tasksHealthy / tasksUnhealthy of an app's instances. */
export function healthCounts(
  instances: readonly Instance[],
  app: AppDefinition,
): { healthy: number; unhealthy: number } {
  let healthy = 0;
  let unhealthy = 0;
  for (const instance of instances) {
    const state = isInstanceHealthy(instance, app);
    if (state === true) healthy++;
    else if (state === false) unhealthy++;
  }
  return { healthy, unhealthy };
}

/**
 * The instance's overall health as instance_health_changed_event reports it: true when every check
 * of the app has an alive result, null while some check has no result yet (and not all are
 * alive), false otherwise. Differs from isInstanceHealthy, which counts only existing results.
 */
export function instanceHealthiness(results: readonly HealthResult[], checkCount: number): boolean | null {
  let unknown = false;
  let allAlive = true;
  for (let index = 0; index < checkCount; index++) {
    const result = results.find((r) => r.index === index);
    if (result === undefined) unknown = true;
    if (!result?.alive) allAlive = false;
  }
  if (allAlive) return true;
  return unknown ? null : false;
}

/** A health check as Marathon 1.10 writes it in events (and in app JSON). */
export function healthCheckJson(spec: HealthCheckSpec): Record<string, unknown> {
  const json: Record<string, unknown> = {
    gracePeriodSeconds: spec.gracePeriodSeconds,
    intervalSeconds: spec.intervalSeconds,
    maxConsecutiveFailures: spec.maxConsecutiveFailures,
    protocol: spec.protocol,
    ipProtocol: 'IPv4',
    timeoutSeconds: spec.timeoutSeconds,
    delaySeconds: spec.delaySeconds,
  };
  if (spec.protocol === 'COMMAND') {
    if (spec.command !== undefined) json.command = { value: spec.command.value };
    return json;
  }
  if (spec.protocol === 'HTTP' || spec.protocol === 'HTTPS') json.ignoreHttp1xx = spec.ignoreHttp1xx;
  if (spec.protocol !== 'TCP' && spec.protocol !== 'MESOS_TCP' && spec.path !== undefined)
    json.path = spec.path;
  if (spec.port !== undefined) json.port = spec.port;
  if (spec.portIndex !== undefined) json.portIndex = spec.portIndex;
  return json;
}
