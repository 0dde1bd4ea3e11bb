// The hierarchical DRF allocator (Mesos src/master/allocator/mesos/hierarchical.cpp) as a pure state
// machine: the master tells it about frameworks, agents and returned resources, and asks
// `allocate(nowMs)` for offers. No I/O, timers or clock reads; time arrives as `nowMs` and agent
// shuffling uses the injected `random`, so tests can replay a cycle exactly.
//
// Fairness order comes from the DRF sorters (RoleSorters); per-agent resource bookkeeping from
// AgentState; this file walks agents, asks who is next, and keeps the two consistent.
import type { Resource } from '../../protocol/types.js';
import {
  addResources,
  normalizeResources,
  withAllocationRole,
  withoutAllocationInfo,
  type ResourceConversion,
} from '../../protocol/resources.js';
import { AgentState, HoldingsIndex, RoleView } from './agent-state.js';
import { RefusalFilters, refusalDurationMs, type AgentFilters } from './filters.js';
import {
  byAllocationRole,
  checkRoles,
  newFrameworkState,
  targetRoles,
  wantsOffers,
  type FrameworkOptions,
  type FrameworkState,
} from './framework-state.js';
import {
  DEFAULT_MIN_ALLOCATABLE_TEXT,
  parseMinAllocatable,
  resourcesSatisfyMinAllocatable,
  satisfiesMinAllocatable,
  type MinAllocatable,
} from './min-allocatable.js';
import { RoleSorters } from './role-sorters.js';

import type { Allocation, AllocatorOptions, AllocatorStats, RoleSummary } from './types.js';

export { parseMinAllocatable, type MinAllocatable } from './min-allocatable.js';
export type { FrameworkOptions } from './framework-state.js';
export type { Allocation, AllocatorOptions, AllocatorStats, RoleSummary } from './types.js';

export class HierarchicalAllocator {
  private readonly intervalMs: number;
  private readonly minAllocatable: MinAllocatable;
  private readonly random: () => number;

  private readonly frameworks = new Map<string, FrameworkState>();
  private readonly agents = new Map<string, AgentState>();
  private readonly holdings = new HoldingsIndex(this.agents);
  private readonly sorters: RoleSorters;
  private readonly filters = new RefusalFilters();
  /** Frameworks with a per-role minimum; while 0, one failed global check skips a whole role. */
  private overrides = 0;
  private lastNowMs = 0;
  private counters = { allocationRuns: 0, allocationsMade: 0, lastRunCandidates: 0, lastRunAllocations: 0 };

  // What the allocation loop is looking at (the agent's filters, the role, its view); read by
  // `accept`, kept as fields so the loop does not create a closure per agent and role.
  private cycleFilters: AgentFilters | undefined = undefined;
  private cycleRole = '';
  private cycleView: RoleView | null = null;
  private cycleNowMs = 0;
  private readonly accept = (frameworkId: string): boolean => this.eligible(frameworkId);

  constructor(options: AllocatorOptions = {}) {
    this.intervalMs = options.allocationIntervalMs ?? 1000;
    this.minAllocatable =
      options.minAllocatableResources ?? parseMinAllocatable(DEFAULT_MIN_ALLOCATABLE_TEXT);
    this.random = options.random ?? Math.random;
    this.sorters = new RoleSorters(options.fairnessExcludedResourceNames ?? [], () =>
      [...this.agents.values()].map((a) => a.total),
    );
  }

  // ---- frameworks ----

  /**
   * Adds a framework. `used` lists resources it already holds (tasks recovered after failover);
   * holdings already reported by addAgent for this framework are not counted twice.
   */
  addFramework(
    frameworkId: string,
    options: FrameworkOptions,
    used: ReadonlyArray<{ agentId: string; resources: readonly Resource[] }> = [],
  ): void {
    if (this.frameworks.has(frameworkId)) throw new Error(`Framework ${frameworkId} is already added`);
    const fw = newFrameworkState(frameworkId, options);
    this.frameworks.set(frameworkId, fw);
    if (fw.minAllocatable.size > 0) this.overrides++;
    for (const role of fw.roles) this.track(fw, role);
    // Resources agents reported for this framework before it was added now count for it.
    for (const { record } of this.holdings.recordsOf(frameworkId)) {
      this.countAllocated(fw, record.role, record.resources);
    }
    for (const { agentId, resources } of used) {
      const agent = this.agents.get(agentId);
      if (!agent || agent.holds(frameworkId)) continue;
      this.claimUsed(agent, frameworkId, resources);
    }
    this.syncActivation(fw);
  }

  /** Removes a framework; whatever it still holds goes back to its agents. */
  removeFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    for (const agent of this.holdings.agentsOf(frameworkId)) {
      for (const h of agent.releaseAll(frameworkId)) this.countUnallocated(fw, h.role, h.resources);
    }
    this.holdings.forget(frameworkId);
    for (const role of [...fw.tracked]) this.untrack(fw, role);
    this.filters.clearFramework(frameworkId);
    if (fw.minAllocatable.size > 0) this.overrides--;
    this.frameworks.delete(frameworkId);
  }

  activateFramework(frameworkId: string): void {
    const fw = this.framework(frameworkId);
    fw.active = true;
    this.syncActivation(fw);
  }

  /** No offers while inactive; its refusal filters are dropped, as Mesos does on deactivation. */
  deactivateFramework(frameworkId: string): void {
    const fw = this.framework(frameworkId);
    fw.active = false;
    this.syncActivation(fw);
    this.filters.clearFramework(frameworkId);
  }

  /**
   * UPDATE_FRAMEWORK / re-subscription: new roles, suppressed roles and (if given) per-role minimums.
   * A dropped role keeps counting what the framework still holds in it, and its filters go.
   */
  updateFramework(
    frameworkId: string,
    roles: readonly string[],
    suppressedRoles: readonly string[] = [],
    minAllocatable?: Readonly<Record<string, MinAllocatable>>,
  ): void {
    const fw = this.framework(frameworkId);
    checkRoles(frameworkId, roles, fw.multiRole);
    const dropped = [...fw.roles].filter((r) => !roles.includes(r));
    fw.roles = new Set(roles);
    fw.suppressed = new Set(suppressedRoles.filter((r) => roles.includes(r)));
    if (minAllocatable !== undefined) {
      if (fw.minAllocatable.size > 0) this.overrides--;
      fw.minAllocatable = new Map(Object.entries(minAllocatable));
      if (fw.minAllocatable.size > 0) this.overrides++;
    }
    for (const role of fw.roles) this.track(fw, role);
    this.filters.clearFramework(frameworkId, dropped);
    for (const role of dropped) this.untrackIfIdle(fw, role);
    this.syncActivation(fw);
  }

  /** SUPPRESS: no offers for these roles (all of the framework's roles when empty or absent). */
  suppress(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.framework(frameworkId);
    for (const role of targetRoles(fw, roles)) fw.suppressed.add(role);
    this.syncActivation(fw);
  }

  /** REVIVE: offers resume for these roles and their refusal filters are cleared. */
  revive(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.framework(frameworkId);
    const targets = targetRoles(fw, roles);
    for (const role of targets) fw.suppressed.delete(role);
    this.filters.clearFramework(frameworkId, targets);
    this.syncActivation(fw);
  }

  // ---- agents ----

  /**
   * Adds an agent. `used` lists what frameworks already run there (resources carrying
   * allocation_info.role); it is unavailable at once and counts for frameworks already added.
   */
  addAgent(
    agentId: string,
    info: { hostname?: string },
    total: readonly Resource[],
    used: ReadonlyArray<{ frameworkId: string; resources: readonly Resource[] }> = [],
  ): void {
    if (this.agents.has(agentId)) throw new Error(`Agent ${agentId} is already added`);
    const agent = new AgentState(agentId, info.hostname, normalizeResources(withoutAllocationInfo(total)));
    this.agents.set(agentId, agent);
    this.sorters.addTotal(agent.total);
    for (const { frameworkId, resources } of used) this.claimUsed(agent, frameworkId, resources);
  }

  /** Removes an agent: what frameworks held there stops counting, and its filters go. */
  removeAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    const records = agent.forgetAll();
    for (const h of records) {
      this.holdings.drop(h.frameworkId, agentId, this.frameworks.has(h.frameworkId));
      const fw = this.frameworks.get(h.frameworkId);
      if (fw) this.countUnallocated(fw, h.role, h.resources);
    }
    for (const h of records) {
      const fw = this.frameworks.get(h.frameworkId);
      if (fw) this.untrackIfIdle(fw, h.role);
    }
    this.sorters.removeTotal(agent.total);
    this.filters.clearAgent(agentId);
    this.agents.delete(agentId);
  }

  activateAgent(agentId: string): void {
    this.agent(agentId).active = true;
  }

  /** No offers from a deactivated (e.g. draining or unreachable) agent. */
  deactivateAgent(agentId: string): void {
    this.agent(agentId).active = false;
  }

  // ---- resources ----

  /**
   * Resources come back (declined, unused part of an accept, task ended, offer rescinded).
   * `refuseSeconds`: a number is Filters.refuse_seconds, undefined the default 5 s filter of a
   * decline without filters, null "install no filter". Unknown agents or holdings are ignored,
   * since the master may race with agent removal. Recovery never triggers allocation (as in Mesos).
   */
  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: readonly Resource[],
    refuseSeconds: number | undefined | null,
    nowMs: number,
  ): void {
    this.lastNowMs = Math.max(this.lastNowMs, nowMs);
    const agent = this.agents.get(agentId);
    if (!agent) return;
    const fw = this.frameworks.get(frameworkId);
    for (const [role, part] of byAllocationRole(resources, fw)) {
      const back = agent.release(frameworkId, role, part);
      if (back.length === 0) continue;
      this.holdings.drop(frameworkId, agentId, fw !== undefined);
      if (!fw) continue;
      this.countUnallocated(fw, role, back);
      if (refuseSeconds !== null) {
        const duration = refusalDurationMs(refuseSeconds, this.intervalMs);
        if (duration > 0) this.filters.add(frameworkId, role, agentId, back, nowMs + duration);
      }
      this.untrackIfIdle(fw, role);
    }
  }

  /**
   * Operations of an accepted offer (RESERVE, UNRESERVE, CREATE, DESTROY) converted resources the
   * framework holds on the agent: its holding and the agent's total change alike (Mesos's
   * updateAllocation). Quantities stay, so DRF shares do too. Returns false, changing nothing, for
   * an unknown agent or holding or conversions that do not fit.
   */
  updateAllocation(
    frameworkId: string,
    agentId: string,
    role: string,
    conversions: readonly ResourceConversion[],
  ): boolean {
    const agent = this.agents.get(agentId);
    return agent !== undefined && agent.convert(frameworkId, role, conversions);
  }

  /** Sets role weights (UPDATE_WEIGHTS, PUT /weights); outstanding offers are not rebalanced. */
  updateWeights(weights: ReadonlyArray<{ role: string; weight: number }>): void {
    for (const { role, weight } of weights) this.sorters.updateWeight(role, weight);
  }

  // ---- allocation ----

  /**
   * One allocation run over `agentIds` (default: all). Active agents are shuffled; for each, roles
   * go in role-sorter order and frameworks in their role's sorter order, and the first eligible
   * framework takes everything on the agent its role may use. Resources given out count at once,
   * so the DRF order shifts during the run.
   */
  allocate(nowMs: number, agentIds?: Iterable<string>): Allocation[] {
    this.lastNowMs = Math.max(this.lastNowMs, nowMs);
    this.filters.expire(nowMs);
    const candidates: AgentState[] = [];
    if (agentIds === undefined) {
      for (const agent of this.agents.values()) if (agent.active) candidates.push(agent);
    } else {
      for (const id of new Set(agentIds)) {
        const agent = this.agents.get(id);
        if (agent?.active) candidates.push(agent);
      }
    }
    shuffle(candidates, this.random);
    this.cycleNowMs = nowMs;

    // Stage 1 (quota guarantees) would run here first, restricted to roles below their guarantee.
    // Stage 2: fair sharing.
    const out: Allocation[] = [];
    for (const agent of candidates) {
      if (agent.available.length === 0) continue;
      // A snapshot: allocating on this agent re-orders roles only for the next agent, as in Mesos.
      const roles = this.sorters.order();
      this.cycleFilters = this.filters.forAgent(agent.id);
      for (const role of roles) {
        const view = agent.viewFor(role);
        if (view.resources.length === 0) continue;
        view.globalAllocatable ??= resourcesSatisfyMinAllocatable(view.resources, this.minAllocatable);
        if (!view.globalAllocatable && this.overrides === 0) continue;
        this.cycleRole = role;
        this.cycleView = view;
        const frameworkId = this.sorters.firstFramework(role, this.accept);
        if (frameworkId === undefined) continue;
        this.give(this.frameworks.get(frameworkId)!, role, agent, view, out);
        if (agent.available.length === 0) break;
      }
    }
    this.cycleFilters = undefined;
    this.cycleView = null;
    this.counters.allocationRuns++;
    this.counters.allocationsMade += out.length;
    this.counters.lastRunCandidates = candidates.length;
    this.counters.lastRunAllocations = out.length;
    return out;
  }

  // ---- read-only views ----

  /** Roles with frameworks or a weight, by name (for /roles and metrics). */
  roles(): RoleSummary[] {
    return this.sorters.roleNames().map((name) => {
      const frameworks = this.sorters.frameworksIn(name);
      let allocated: Resource[] = [];
      for (const frameworkId of frameworks) {
        for (const { record } of this.holdings.recordsOf(frameworkId)) {
          if (record.role === name) allocated = addResources(allocated, record.resources);
        }
      }
      return { name, weight: this.sorters.weight(name), allocated, frameworks };
    });
  }

  /** What a framework holds (offered or used), per agent and role, with allocation_info set. */
  frameworkAllocated(frameworkId: string): Array<{ agentId: string; role: string; resources: Resource[] }> {
    return this.holdings.recordsOf(frameworkId).map(({ agentId, record }) => ({
      agentId,
      role: record.role,
      resources: withAllocationRole(record.resources, record.role),
    }));
  }

  /** The agent's total as the allocator sees it (after operations), or undefined for an unknown agent. */
  agentTotal(agentId: string): readonly Resource[] | undefined {
    return this.agents.get(agentId)?.total;
  }

  /** The agent's unallocated resources, or undefined for an unknown agent. */
  agentAvailable(agentId: string): readonly Resource[] | undefined {
    return this.agents.get(agentId)?.available;
  }

  /** Refusal filters in force at `nowMs` (default: the latest time the allocator was given). */
  activeFilterCount(nowMs: number = this.lastNowMs, role?: string): number {
    return this.filters.activeCount(nowMs, role);
  }

  /** Current DRF share of a role (dominant share / weight), for metrics; 0 for unknown roles. */
  roleShare(role: string): number {
    return this.sorters.share(role);
  }

  get stats(): AllocatorStats {
    return {
      ...this.counters,
      frameworks: this.frameworks.size,
      agents: this.agents.size,
      roles: this.sorters.size,
    };
  }

  // ---- internals ----

  private framework(frameworkId: string): FrameworkState {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) throw new Error(`Unknown framework ${frameworkId}`);
    return fw;
  }

  private agent(agentId: string): AgentState {
    const agent = this.agents.get(agentId);
    if (!agent) throw new Error(`Unknown agent ${agentId}`);
    return agent;
  }

  /** The allocation loop's question for one framework, about the current agent's view for `cycleRole`. */
  private eligible(frameworkId: string): boolean {
    const view = this.cycleView!;
    const fw = this.frameworks.get(frameworkId)!;
    const minimum = this.overrides === 0 ? undefined : fw.minAllocatable.get(this.cycleRole);
    if (
      minimum === undefined ? !view.globalAllocatable : !satisfiesMinAllocatable(view.quantities, minimum)
    ) {
      return false;
    }
    const filters = this.cycleFilters;
    return filters === undefined || !filters.isFiltered(frameworkId, this.cycleRole, view, this.cycleNowMs);
  }

  private give(fw: FrameworkState, role: string, agent: AgentState, view: RoleView, out: Allocation[]): void {
    agent.allocate(fw.id, role, view);
    this.holdings.add(fw.id, agent.id);
    this.countAllocated(fw, role, view.resources);
    out.push({
      frameworkId: fw.id,
      role,
      agentId: agent.id,
      resources: withAllocationRole(view.resources, role),
    });
  }

  /** Resources a framework already uses on `agent` (tasks that survived a failover). */
  private claimUsed(agent: AgentState, frameworkId: string, resources: readonly Resource[]): void {
    const fw = this.frameworks.get(frameworkId);
    for (const [role, part] of byAllocationRole(resources, fw)) {
      const taken = agent.claim(frameworkId, role, part);
      if (taken.length === 0) continue;
      this.holdings.add(frameworkId, agent.id);
      if (fw) this.countAllocated(fw, role, taken);
    }
  }

  private countAllocated(fw: FrameworkState, role: string, resources: readonly Resource[]): void {
    this.track(fw, role);
    this.sorters.allocated(fw.id, role, resources);
  }

  private countUnallocated(fw: FrameworkState, role: string, resources: readonly Resource[]): void {
    if (fw.tracked.has(role)) this.sorters.unallocated(fw.id, role, resources);
  }

  /** Puts the framework in the role's sorters (creating the role if new), active as it should be. */
  private track(fw: FrameworkState, role: string): void {
    if (fw.tracked.has(role)) return;
    this.sorters.track(fw.id, role);
    fw.tracked.add(role);
    this.sorters.setActive(fw.id, role, wantsOffers(fw, role));
  }

  private untrack(fw: FrameworkState, role: string): void {
    this.sorters.untrack(fw.id, role);
    fw.tracked.delete(role);
  }

  /** Drops a role the framework left once it holds nothing more in it. */
  private untrackIfIdle(fw: FrameworkState, role: string): void {
    if (fw.roles.has(role) || !fw.tracked.has(role)) return;
    if (!this.holdings.holdsInRole(fw.id, role)) this.untrack(fw, role);
  }

  private syncActivation(fw: FrameworkState): void {
    for (const role of fw.tracked) this.sorters.setActive(fw.id, role, wantsOffers(fw, role));
  }
}

/** Fisher-Yates with the injected random source. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
}
