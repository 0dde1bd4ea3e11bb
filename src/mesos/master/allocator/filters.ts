// Refusal filters (Mesos OfferFilter / RefusedOfferFilter in hierarchical.cpp): after a framework
// declines resources of an agent for a role, that agent's resources are not offered to it again for
// that role until the filter expires, unless more than the refused set becomes available. Time is
// passed in by the caller; nothing here reads a clock or sets a timer.
import type { Resource } from '../../protocol/types.js';
import { containsResources } from '../../protocol/resources.js';
import { quantityIn } from './min-allocatable.js';

/** `Filters.refuse_seconds` when the scheduler sends none (mesos.proto default). */
export const DEFAULT_REFUSE_SECONDS = 5;
/** Mesos caps refusals at 365 days (Duration would overflow beyond, see master.cpp). */
export const MAX_REFUSE_SECONDS = 31_536_000;

/**
 * How long a refusal lasts, in ms; 0 means "install no filter". Absent, negative or non-finite
 * values mean the 5 s default; values above 365 days are capped; a filter never ends before the
 * next allocation cycle could have run (max with the allocation interval), as in Mesos.
 */
export function refusalDurationMs(refuseSeconds: number | undefined, allocationIntervalMs: number): number {
  let seconds = refuseSeconds;
  if (seconds === undefined || Number.isNaN(seconds) || seconds < 0) seconds = DEFAULT_REFUSE_SECONDS;
  if (seconds === 0) return 0;
  if (seconds > MAX_REFUSE_SECONDS) seconds = MAX_REFUSE_SECONDS;
  return Math.max(allocationIntervalMs, seconds * 1000);
}

/** Whether a filter over `refused` holds back `available`: only if it contains all of it. */
export function filterCovers(refused: readonly Resource[], available: readonly Resource[]): boolean {
  return containsResources(refused, available);
}

export interface RefusalFilter {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  readonly resources: readonly Resource[];
  readonly expiresAtMs: number;
}

interface StoredFilter extends RefusalFilter {
  /** Memo of the last check: the agent's availability stamp and the answer for it. */
  checkedStamp: number;
  checkedCovers: boolean;
}

/** What a filter is checked against: an agent's resources allocatable to the filter's role. */
export interface AvailableView {
  readonly resources: readonly Resource[];
  readonly quantities: ReadonlyMap<string, number>;
  /**
   * Changes whenever the agent's available resources change (unique across agents), so a filter
   * checked again against the same availability answers from memory. -1 disables the memo.
   */
  readonly stamp: number;
}

/** All refusal filters, keyed framework -> role -> agent; several filters may stack on one key. */
export class RefusalFilters {
  private readonly byFramework = new Map<string, Map<string, Map<string, StoredFilter[]>>>();
  private size = 0;
  /** Earliest expiry among stored filters (a lower bound), so sweeps are skipped until needed. */
  private nextExpiryMs = Infinity;

  /** Installs a filter lasting until `expiresAtMs`. */
  add(
    frameworkId: string,
    role: string,
    agentId: string,
    resources: readonly Resource[],
    expiresAtMs: number,
  ): void {
    let roles = this.byFramework.get(frameworkId);
    if (!roles) this.byFramework.set(frameworkId, (roles = new Map()));
    let agents = roles.get(role);
    if (!agents) roles.set(role, (agents = new Map()));
    let list = agents.get(agentId);
    if (!list) agents.set(agentId, (list = []));
    list.push({
      frameworkId,
      role,
      agentId,
      resources,
      expiresAtMs,
      checkedStamp: -1,
      checkedCovers: false,
    });
    this.size++;
    if (expiresAtMs < this.nextExpiryMs) this.nextExpiryMs = expiresAtMs;
  }

  /** Whether the framework has any filter at all (a fast pre-check for the allocation loop). */
  hasAny(frameworkId: string): boolean {
    return this.byFramework.has(frameworkId);
  }

  /** Whether an unexpired filter of (framework, role, agent) holds back `available` at `nowMs`. */
  isFiltered(
    frameworkId: string,
    role: string,
    agentId: string,
    available: AvailableView,
    nowMs: number,
  ): boolean {
    const list = this.byFramework.get(frameworkId)?.get(role)?.get(agentId);
    if (!list) return false;
    for (const f of list) {
      if (nowMs >= f.expiresAtMs) continue; // Expired; the next sweep drops it.
      if (available.stamp >= 0 && f.checkedStamp === available.stamp) {
        if (f.checkedCovers) return true;
        continue;
      }
      const covers = coversQuickly(f, available);
      f.checkedStamp = available.stamp;
      f.checkedCovers = covers;
      if (covers) return true;
    }
    return false;
  }

  /** Drops expired filters; cheap when nothing is due. */
  expire(nowMs: number): void {
    if (nowMs < this.nextExpiryMs) return;
    let next = Infinity;
    for (const [frameworkId, roles] of this.byFramework) {
      for (const [role, agents] of roles) {
        for (const [agentId, list] of agents) {
          const kept = list.filter((f) => nowMs < f.expiresAtMs);
          this.size -= list.length - kept.length;
          for (const f of kept) if (f.expiresAtMs < next) next = f.expiresAtMs;
          if (kept.length === 0) agents.delete(agentId);
          else agents.set(agentId, kept);
        }
        if (agents.size === 0) roles.delete(role);
      }
      if (roles.size === 0) this.byFramework.delete(frameworkId);
    }
    this.nextExpiryMs = next;
  }

  /** Removes a framework's filters, for the given roles or all of them (REVIVE, deactivation). */
  clearFramework(frameworkId: string, roles?: Iterable<string>): void {
    const byRole = this.byFramework.get(frameworkId);
    if (!byRole) return;
    const targets = roles === undefined ? [...byRole.keys()] : [...roles];
    for (const role of targets) {
      const agents = byRole.get(role);
      if (!agents) continue;
      for (const list of agents.values()) this.size -= list.length;
      byRole.delete(role);
    }
    if (byRole.size === 0) this.byFramework.delete(frameworkId);
  }

  /** Removes every filter on an agent (the agent was removed). */
  clearAgent(agentId: string): void {
    for (const [frameworkId, roles] of this.byFramework) {
      for (const [role, agents] of roles) {
        const list = agents.get(agentId);
        if (!list) continue;
        this.size -= list.length;
        agents.delete(agentId);
        if (agents.size === 0) roles.delete(role);
      }
      if (roles.size === 0) this.byFramework.delete(frameworkId);
    }
  }

  /** Filters not yet expired at `nowMs`, optionally only those of one role. */
  activeCount(nowMs: number, role?: string): number {
    if (role === undefined && nowMs < this.nextExpiryMs) return this.size;
    let n = 0;
    for (const roles of this.byFramework.values()) {
      for (const [r, agents] of roles) {
        if (role !== undefined && r !== role) continue;
        for (const list of agents.values()) for (const f of list) if (nowMs < f.expiresAtMs) n++;
      }
    }
    return n;
  }

  /** Unexpired filters at `nowMs` (for inspection and tests). */
  list(nowMs: number): RefusalFilter[] {
    const out: RefusalFilter[] = [];
    for (const roles of this.byFramework.values()) {
      for (const agents of roles.values()) {
        for (const list of agents.values()) {
          for (const f of list) {
            if (nowMs < f.expiresAtMs) {
              out.push({
                frameworkId: f.frameworkId,
                role: f.role,
                agentId: f.agentId,
                resources: f.resources,
                expiresAtMs: f.expiresAtMs,
              });
            }
          }
        }
      }
    }
    return out;
  }
}

function coversQuickly(f: StoredFilter, available: AvailableView): boolean {
  // More of some quantity than was refused can never be contained: skip the full comparison.
  for (const [name, q] of available.quantities) {
    if (q > quantityIn(f.resources, name) + 1e-9) return false;
  }
  return filterCovers(f.resources, available.resources);
}
