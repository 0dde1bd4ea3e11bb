// The two levels of DRF the allocator walks (Mesos: roleSorter + frameworkSorters in
// hierarchical.cpp): one sorter over roles, and per role one sorter over the frameworks in it. This
// keeps them consistent (a role exists while some framework is in it; every sorter measures
// shares against the same cluster total) so the allocation loop only asks for orders.
import type { Resource } from '../../protocol/types.js';
import { DrfSorter } from './drf-sorter.js';

export class RoleSorters {
  private readonly roleSorter: DrfSorter;
  private readonly frameworkSorters = new Map<string, DrfSorter>();
  /** Weights set by the operator, also for roles without frameworks (shown by /roles). */
  private readonly weights = new Map<string, number>();

  constructor(
    private readonly excluded: readonly string[],
    /** Every agent's total, to seed the framework sorter of a new role. */
    private readonly agentTotals: () => Iterable<readonly Resource[]>,
  ) {
    this.roleSorter = new DrfSorter({ excludedResourceNames: excluded });
  }

  addTotal(total: readonly Resource[]): void {
    this.roleSorter.addTotal(total);
    for (const sorter of this.frameworkSorters.values()) sorter.addTotal(total);
  }

  removeTotal(total: readonly Resource[]): void {
    this.roleSorter.removeTotal(total);
    for (const sorter of this.frameworkSorters.values()) sorter.removeTotal(total);
  }

  /** Puts an (inactive) framework in a role, creating the role if it is new. */
  track(frameworkId: string, role: string): void {
    let sorter = this.frameworkSorters.get(role);
    if (!sorter) {
      sorter = new DrfSorter({ excludedResourceNames: this.excluded });
      // Framework shares within a role are measured against the whole cluster, as in Mesos 1.7.
      for (const total of this.agentTotals()) sorter.addTotal(total);
      this.frameworkSorters.set(role, sorter);
      this.roleSorter.add(role);
      this.roleSorter.activate(role);
    }
    sorter.add(frameworkId);
  }

  /** Takes a framework out of a role; the role goes when its last framework does. */
  untrack(frameworkId: string, role: string): void {
    const sorter = this.frameworkSorters.get(role);
    if (!sorter?.contains(frameworkId)) return;
    sorter.remove(frameworkId);
    if (sorter.size === 0) {
      this.frameworkSorters.delete(role);
      this.roleSorter.remove(role);
    }
  }

  setActive(frameworkId: string, role: string, active: boolean): void {
    const sorter = this.frameworkSorters.get(role)!;
    if (active) sorter.activate(frameworkId);
    else sorter.deactivate(frameworkId);
  }

  allocated(frameworkId: string, role: string, resources: readonly Resource[]): void {
    this.roleSorter.allocated(role, resources);
    this.frameworkSorters.get(role)!.allocated(frameworkId, resources);
  }

  unallocated(frameworkId: string, role: string, resources: readonly Resource[]): void {
    this.roleSorter.unallocated(role, resources);
    this.frameworkSorters.get(role)!.unallocated(frameworkId, resources);
  }

  /** Roles in DRF order; the array is a snapshot that later allocations do not change. */
  order(): string[] {
    return this.roleSorter.sort();
  }

  /** The first active framework of `role`, in DRF order, that `accept` takes. */
  firstFramework(role: string, accept: (frameworkId: string) => boolean): string | undefined {
    return this.frameworkSorters.get(role)?.first(accept);
  }

  updateWeight(role: string, weight: number): void {
    this.roleSorter.updateWeight(role, weight);
    this.weights.set(role, weight);
  }

  weight(role: string): number {
    return this.weights.get(role) ?? 1;
  }

  /** Roles with frameworks or a weight, by name. */
  roleNames(): string[] {
    return [...new Set([...this.roleSorter.clientNames(), ...this.weights.keys()])].sort();
  }

  /** Frameworks in a role (active or not), by id. */
  frameworksIn(role: string): string[] {
    return this.frameworkSorters.get(role)?.clientNames().sort() ?? [];
  }

  /** A role's dominant share divided by its weight; 0 for roles without frameworks. */
  share(role: string): number {
    return this.roleSorter.contains(role) ? this.roleSorter.share(role) : 0;
  }

  /** Roles with frameworks. */
  get size(): number {
    return this.roleSorter.size;
  }
}
