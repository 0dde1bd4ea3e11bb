// Refusal filters (Mesos OfferFilter / RefusedOfferFilter in hierarchical.cpp): after a framework
// declines resources of an agent for a role, that agent's resources are not offered to it again for
// that role until the filter expires, unless more than the refused set becomes available. Time is
// passed in by the caller; nothing here reads a clock or sets a timer.
import type { Resource } from '../../protocol/types.js';
import { containsResources } from '../../protocol/resources.js';
import { quantityIn } from './min-allocatable.js';

/** `Filters.refuse_seconds` when the scheduler sends none (mesos.proto default). */
export const DEFAULT_REFUSE_SECONDS = 5;
/** Mesos caps refusals at 365 days (hierarchical.cpp, recoverResources). */
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

export interface StoredFilter extends RefusalFilter {
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

/**
 * The refusal filters on one agent, by framework. The allocation loop fetches this once per agent
 * (most agents have none, so no framework on them needs checking at all).
 */
export class AgentFilters {
  /** frameworkId -> filters (any role); usually one or two entries. */
  readonly byFramework = new Map<string, StoredFilter[]>();

  /** Whether an unexpired filter of (framework, role) holds back `available` at `nowMs`. */
  isFiltered(frameworkId: string, role: string, available: AvailableView, nowMs: number): boolean {
    const list = this.byFramework.get(frameworkId);
    if (!list) return false;
    for (const f of list) {
      if (f.role !== role || nowMs >= f.expiresAtMs) continue; // Expired ones go at the next sweep.
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
}

/** All refusal filters, keyed agent -> framework; several filters may stack on one key. */
export class RefusalFilters {
  private readonly byAgent = new Map<string, AgentFilters>();
  /** frameworkId -> agents it has filters on, so REVIVE does not scan every agent. */
  private readonly agentsOf = new Map<string, Set<string>>();
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
    let onAgent = this.byAgent.get(agentId);
    if (!onAgent) this.byAgent.set(agentId, (onAgent = new AgentFilters()));
    let list = onAgent.byFramework.get(frameworkId);
    if (!list) onAgent.byFramework.set(frameworkId, (list = []));
    list.push({ frameworkId, role, agentId, resources, expiresAtMs, checkedStamp: -1, checkedCovers: false });
    let agents = this.agentsOf.get(frameworkId);
    if (!agents) this.agentsOf.set(frameworkId, (agents = new Set()));
    agents.add(agentId);
    this.size++;
    if (expiresAtMs < this.nextExpiryMs) this.nextExpiryMs = expiresAtMs;
  }

  /** The filters on one agent, or undefined when it has none. */
  forAgent(agentId: string): AgentFilters | undefined {
    return this.byAgent.get(agentId);
  }

  /** Whether an unexpired filter of (framework, role, agent) holds back `available` at `nowMs`. */
  isFiltered(
    frameworkId: string,
    role: string,
    agentId: string,
    available: AvailableView,
    nowMs: number,
  ): boolean {
    return this.byAgent.get(agentId)?.isFiltered(frameworkId, role, available, nowMs) ?? false;
  }

  /** Drops expired filters; cheap when nothing is due. */
  expire(nowMs: number): void {
    if (nowMs < this.nextExpiryMs) return;
    let next = Infinity;
    for (const [agentId, onAgent] of this.byAgent) {
      for (const [frameworkId, list] of onAgent.byFramework) {
        const kept = list.filter((f) => nowMs < f.expiresAtMs);
        this.size -= list.length - kept.length;
        for (const f of kept) if (f.expiresAtMs < next) next = f.expiresAtMs;
        if (kept.length > 0) onAgent.byFramework.set(frameworkId, kept);
        else this.dropKey(onAgent, frameworkId, agentId);
      }
    }
    this.nextExpiryMs = next;
  }

  /** Removes a framework's filters, for the given roles or all of them (REVIVE, deactivation). */
  clearFramework(frameworkId: string, roles?: Iterable<string>): void {
    const agents = this.agentsOf.get(frameworkId);
    if (!agents) return;
    const only = roles === undefined ? undefined : new Set(roles);
    for (const agentId of [...agents]) {
      const onAgent = this.byAgent.get(agentId)!;
      const list = onAgent.byFramework.get(frameworkId)!;
      const kept = only ? list.filter((f) => !only.has(f.role)) : [];
      this.size -= list.length - kept.length;
      if (kept.length > 0) onAgent.byFramework.set(frameworkId, kept);
      else this.dropKey(onAgent, frameworkId, agentId);
    }
  }

  /** Removes every filter on an agent (the agent was removed). */
  clearAgent(agentId: string): void {
    const onAgent = this.byAgent.get(agentId);
    if (!onAgent) return;
    for (const [frameworkId, list] of onAgent.byFramework) {
      this.size -= list.length;
      this.dropKey(onAgent, frameworkId, agentId);
    }
  }

  /** Filters not yet expired at `nowMs`, optionally only those of one role. */
  activeCount(nowMs: number, role?: string): number {
    if (role === undefined && nowMs < this.nextExpiryMs) return this.size;
    return this.list(nowMs).filter((f) => role === undefined || f.role === role).length;
  }

  /** Unexpired filters at `nowMs` (for inspection and tests). */
  list(nowMs: number): RefusalFilter[] {
    const out: RefusalFilter[] = [];
    for (const onAgent of this.byAgent.values()) {
      for (const list of onAgent.byFramework.values()) {
        for (const { frameworkId, role, agentId, resources, expiresAtMs } of list) {
          if (nowMs < expiresAtMs) out.push({ frameworkId, role, agentId, resources, expiresAtMs });
        }
      }
    }
    return out;
  }

  private dropKey(onAgent: AgentFilters, frameworkId: string, agentId: string): void {
    onAgent.byFramework.delete(frameworkId);
    if (onAgent.byFramework.size === 0) this.byAgent.delete(agentId);
    const agents = this.agentsOf.get(frameworkId);
    agents?.delete(agentId);
    if (agents?.size === 0) this.agentsOf.delete(frameworkId);
  }
}

function coversQuickly(f: StoredFilter, available: AvailableView): boolean {
  // More of some quantity than was refused can never be contained: skip the full comparison.
  for (const [name, q] of available.quantities) {
    if (q > quantityIn(f.resources, name) + 1e-9) return false;
  }
  return filterCovers(f.resources, available.resources);
}
