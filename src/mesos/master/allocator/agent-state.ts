// What the allocator knows about one agent: its total, what is still available, who holds the rest
// (resources only move between `available` and `held`, so their sum stays the total), and a cache
// of "available resources this role may use" that stays valid until availability changes. The
// cache is what keeps the allocation loop from rebuilding Resource[] per framework.
import type { Resource } from '../../protocol/types.js';
import {
  addResources,
  allocatableTo,
  applyConversions,
  containsResources,
  normalizeResources,
  quantitiesOf,
  reservationRole,
  subtractResources,
  type ResourceConversion,
} from '../../protocol/resources.js';
import type { AvailableView } from './filters.js';

export interface HeldRecord {
  readonly frameworkId: string;
  readonly role: string;
  readonly resources: readonly Resource[];
}

const NO_RESOURCES: readonly Resource[] = Object.freeze([]);

/**
 * Available resources one role may be offered (see filters.AvailableView). Quantities are worked
 * out only when a refusal filter or a framework's own minimum asks: most offers never need them.
 */
export class RoleView implements AvailableView {
  /** Memo of the global min-allocatable check (undefined until asked). */
  globalAllocatable: boolean | undefined = undefined;
  private quantitiesMemo: Map<string, number> | null = null;

  constructor(
    readonly resources: readonly Resource[],
    readonly stamp: number,
    /** True when the view is all of the agent's available resources (nothing reserved for others). */
    readonly whole: boolean,
  ) {}

  get quantities(): ReadonlyMap<string, number> {
    return (this.quantitiesMemo ??= quantitiesOf(this.resources));
  }
}

/** Stamps are unique across agents so a refusal filter's memo can never match another agent. */
let nextStamp = 0;

export class AgentState {
  /** Resource arrays are treated as values: replaced, never mutated, so they can be shared. */
  available: readonly Resource[];
  active = true;
  /**
   * What frameworks hold here (offered or used), one record per (framework, role), without
   * allocation_info. A short array rather than nested maps: an agent rarely hosts more than a few
   * frameworks, and the allocation loop creates one record per offer.
   */
  readonly held: HeldRecord[] = [];
  private stampValue = nextStamp++;
  private viewsStamp = -1;
  private hasReserved = false;
  private wholeView: RoleView | null = null;
  private readonly views = new Map<string, RoleView>();

  private totalValue: readonly Resource[];

  constructor(
    readonly id: string,
    readonly hostname: string | undefined,
    total: readonly Resource[],
  ) {
    this.totalValue = total;
    this.available = total;
  }

  /** Everything the agent has; operations (RESERVE, CREATE...) change its identities, never amounts. */
  get total(): readonly Resource[] {
    return this.totalValue;
  }

  get stamp(): number {
    return this.stampValue;
  }

  setAvailable(resources: readonly Resource[]): void {
    this.available = resources.length === 0 ? NO_RESOURCES : resources;
    this.stampValue = nextStamp++;
  }

  /** The available resources `role` may use (Resources::allocatableTo), cached until they change. */
  viewFor(role: string): RoleView {
    if (this.viewsStamp !== this.stampValue) {
      this.viewsStamp = this.stampValue;
      this.views.clear();
      this.wholeView = null;
      this.hasReserved = this.available.some((r) => reservationRole(r) !== '*');
    }
    // Without reservations every role sees the same thing: one view serves all roles.
    if (!this.hasReserved) return (this.wholeView ??= this.makeView(this.available, true));
    let view = this.views.get(role);
    if (!view) {
      const part = allocatableTo(this.available, role);
      view = this.makeView(part, part.length === this.available.length);
      this.views.set(role, view);
    }
    return view;
  }

  heldBy(frameworkId: string, role: string): readonly Resource[] | undefined {
    for (const h of this.held) if (h.frameworkId === frameworkId && h.role === role) return h.resources;
    return undefined;
  }

  holds(frameworkId: string): boolean {
    for (const h of this.held) if (h.frameworkId === frameworkId) return true;
    return false;
  }

  /** Hands a view's resources (from viewFor) to (framework, role). */
  allocate(frameworkId: string, role: string, view: RoleView): void {
    this.setAvailable(view.whole ? NO_RESOURCES : subtractResources(this.available, view.resources));
    const held = this.heldBy(frameworkId, role);
    this.setHeld(frameworkId, role, held ? addResources(held, view.resources) : view.resources);
  }

  /**
   * Marks resources (without allocation_info) a framework already uses as held, clamped to what is
   * available so a bad report cannot create resources; returns what was claimed.
   */
  claim(frameworkId: string, role: string, resources: readonly Resource[]): Resource[] {
    const taken = intersect(this.available, resources);
    if (taken.length === 0) return taken;
    this.setAvailable(subtractResources(this.available, taken));
    const held = this.heldBy(frameworkId, role);
    this.setHeld(frameworkId, role, held ? addResources(held, taken) : taken);
    return taken;
  }

  /**
   * Gives back resources (without allocation_info) held by (framework, role); only what is held
   * comes back, so a duplicate or stale recovery is harmless. Returns what came back.
   */
  release(frameworkId: string, role: string, resources: readonly Resource[]): Resource[] {
    const held = this.heldBy(frameworkId, role);
    if (!held) return [];
    const back = containsResources(held, resources)
      ? normalizeResources(resources)
      : intersect(held, resources);
    if (back.length === 0) return back;
    this.setHeld(frameworkId, role, subtractResources(held, back));
    // `back` is a fresh normalized array, so an empty agent can take it as is.
    this.setAvailable(this.available.length === 0 ? back : addResources(this.available, back));
    return back;
  }

  /**
   * Applies an accepted offer's operations to what (framework, role) holds here and to the total
   * (Mesos's updateAllocation). Returns false, changing nothing, if they do not fit.
   */
  convert(frameworkId: string, role: string, conversions: readonly ResourceConversion[]): boolean {
    const held = this.heldBy(frameworkId, role);
    if (!held) return false;
    const heldAfter = applyConversions(held, conversions);
    const totalAfter = applyConversions(this.totalValue, conversions);
    if ('error' in heldAfter || 'error' in totalAfter) return false;
    this.setHeld(frameworkId, role, heldAfter.resources);
    this.totalValue = totalAfter.resources;
    return true;
  }

  /** Gives back everything the framework holds here; returns the records released. */
  releaseAll(frameworkId: string): HeldRecord[] {
    const mine = this.held.filter((h) => h.frameworkId === frameworkId);
    if (mine.length === 0) return mine;
    const rest = this.held.filter((h) => h.frameworkId !== frameworkId);
    this.held.length = 0;
    this.held.push(...rest);
    let back = this.available;
    for (const h of mine) back = addResources(back, h.resources);
    this.setAvailable(back);
    return mine;
  }

  /** Forgets every record (the agent is going away); returns them. */
  forgetAll(): HeldRecord[] {
    return this.held.splice(0);
  }

  /** Sets what (framework, role) holds here; an empty list drops the record. */
  private setHeld(frameworkId: string, role: string, resources: readonly Resource[]): void {
    const held = this.held;
    let i = 0;
    while (i < held.length && (held[i]!.frameworkId !== frameworkId || held[i]!.role !== role)) i++;
    if (resources.length === 0) {
      if (i < held.length) held.splice(i, 1);
    } else if (i < held.length) {
      held[i] = { frameworkId, role, resources };
    } else {
      held.push({ frameworkId, role, resources });
    }
  }

  private makeView(resources: readonly Resource[], whole: boolean): RoleView {
    return new RoleView(resources, this.stampValue, whole);
  }
}

/** a ∩ b with the existing arithmetic: a - (a - b) (scalars take the minimum, ranges intersect). */
function intersect(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  return subtractResources(a, subtractResources(a, b));
}

/**
 * Which agents each framework holds resources on, so framework-wide operations (removal, /roles,
 * "does it still hold anything in this role?") visit those agents instead of the whole cluster.
 * Entries may name frameworks not (yet) added: agents report their tasks before the framework
 * re-subscribes after a master failover.
 */
export class HoldingsIndex {
  private readonly byFramework = new Map<string, Set<string>>();

  constructor(private readonly agents: ReadonlyMap<string, AgentState>) {}

  add(frameworkId: string, agentId: string): void {
    let set = this.byFramework.get(frameworkId);
    if (!set) this.byFramework.set(frameworkId, (set = new Set()));
    set.add(agentId);
  }

  /** Call when `agentId` may no longer hold anything of the framework. */
  drop(frameworkId: string, agentId: string, keepEmpty: boolean): void {
    const set = this.byFramework.get(frameworkId);
    if (!set || this.agents.get(agentId)?.holds(frameworkId)) return;
    set.delete(agentId);
    // A known framework keeps its empty set: it is refilled on its next offer, every cycle.
    if (set.size === 0 && !keepEmpty) this.byFramework.delete(frameworkId);
  }

  forget(frameworkId: string): void {
    this.byFramework.delete(frameworkId);
  }

  agentsOf(frameworkId: string): AgentState[] {
    return [...(this.byFramework.get(frameworkId) ?? [])].map((id) => this.agents.get(id)!);
  }

  /** Every record of the framework, with its agent. */
  recordsOf(frameworkId: string): Array<{ agentId: string; record: HeldRecord }> {
    const out: Array<{ agentId: string; record: HeldRecord }> = [];
    for (const agent of this.agentsOf(frameworkId)) {
      for (const record of agent.held)
        if (record.frameworkId === frameworkId) out.push({ agentId: agent.id, record });
    }
    return out;
  }

  holdsInRole(frameworkId: string, role: string): boolean {
    return this.agentsOf(frameworkId).some((agent) => agent.heldBy(frameworkId, role) !== undefined);
  }
}
