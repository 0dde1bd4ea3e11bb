// The arithmetic of Marathon's rolling restart (TaskReplaceActor), as one stateless decision made from
// the current state. The runtime calls it again after every change (a new instance healthy and ready,
// an old one terminated, a new one failed, ...) and applies the answer; applying it and calling again
// with nothing changed yields no further kills or launches.
import type { UpgradeStrategy } from '../model/types.js';

export interface RestartInstanceView {
  instanceId: string;
  /** Considered healthy: running, passing its health checks (if any) and ready (if readiness checks). */
  healthy: boolean;
  /* terminal or being killed => not listed */
}

export interface RestartState {
  /** n: the target app's instances. */
  instances: number;
  /** The target app's. */
  upgradeStrategy: UpgradeStrategy;
  /** Old-config instances whose goal is Running, in the order to prefer for killing among equals. */
  oldActive: RestartInstanceView[];
  /** New-config instances launched or queued, goal Running, not terminal. */
  newActive: number;
  /** New-config instances healthy (and ready). */
  newHealthy: number;
  /** Resident app (persistent volumes): never over capacity, kill one more instead. */
  resident?: boolean;
  /**
   * Old instances already told to die but not terminal yet. Optional: when given (even 0), killed
   * instances, these and the ones this decision kills, keep taking up capacity until they are terminal
   * (Marathon launches replacements only once an old instance has terminated), and the restart is not
   * done until they are gone. When omitted, a kill frees its capacity at once.
   */
  oldTerminating?: number;
}

export interface RestartDecision {
  /** Old instances to kill now (unhealthy ones first). */
  kill: string[];
  /** New-config instances to launch now. */
  launch: number;
  /** n new instances are healthy and no old one remains. */
  done: boolean;
}

/** Floating-point slack so that e.g. 0.35 * 20 counts as exactly 7. */
const EPSILON = 1e-9;

/** minHealthy = ceil(n * minimumHealthCapacity): healthy instances the restart must keep. */
export function minimumHealthy(n: number, strategy: UpgradeStrategy): number {
  return Math.max(0, Math.ceil(n * strategy.minimumHealthCapacity - EPSILON));
}

/** maxCapacity = floor(n * (1 + maximumOverCapacity)): old plus new instances allowed at once. */
export function maximumCapacity(n: number, strategy: UpgradeStrategy): number {
  return Math.floor(n * (1 + strategy.maximumOverCapacity) + EPSILON);
}

export function decideRollingRestart(s: RestartState): RestartDecision {
  const n = s.instances;
  const terminating = s.oldTerminating ?? 0;
  const unhealthyOld = s.oldActive.filter((i) => !i.healthy);
  const healthyOld = s.oldActive.filter((i) => i.healthy);
  const healthyNow = healthyOld.length + s.newHealthy;

  const minHealthy = minimumHealthy(n, s.upgradeStrategy);
  let maxCapacity = maximumCapacity(n, s.upgradeStrategy);
  // With no room either way (e.g. 1 / 0) nothing could ever be replaced: a non-resident app may go
  // one over capacity, a resident one (whose reservations cannot be doubled) one under minHealthy.
  let healthyFloor = minHealthy;
  if (minHealthy === maxCapacity && maxCapacity <= healthyNow) {
    if (s.resident) healthyFloor = minHealthy - 1;
    else maxCapacity += 1;
  }

  // Unhealthy old instances add nothing to health, so they may always go; healthy ones only while
  // enough healthy instances remain.
  const healthyKills = Math.min(healthyOld.length, Math.max(0, healthyNow - healthyFloor));
  let killCount = unhealthyOld.length + healthyKills;
  // Leftovers of a forced deployment may exceed the capacity: at least the excess goes. (Marathon
  // compares with n, but only once at the start; called throughout, n would kill the 1 / 1 surplus.)
  const excess = s.oldActive.length + s.newActive - maxCapacity;
  killCount = Math.min(s.oldActive.length, Math.max(killCount, excess));
  const kill = [...unhealthyOld, ...healthyOld].slice(0, killCount).map((i) => i.instanceId);

  // Old instances still holding capacity after this decision: with termination tracked, the ones
  // killed now keep theirs until they are gone.
  const oldHolding =
    s.oldTerminating === undefined ? s.oldActive.length - kill.length : s.oldActive.length + terminating;
  const launch = Math.max(0, Math.min(n - s.newActive, maxCapacity - oldHolding - s.newActive));
  const done = s.newHealthy >= n && s.oldActive.length === 0 && terminating === 0;
  return { kill, launch, done };
}
