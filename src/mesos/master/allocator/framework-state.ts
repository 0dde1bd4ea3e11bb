// What the allocator keeps per framework, and the rules that follow from it: which roles it may be
// offered in, which roles a SUPPRESS/REVIVE names, and which role returned resources belong to.
import type { Resource } from '../../protocol/types.js';
import { withoutAllocationInfo } from '../../protocol/resources.js';
import type { MinAllocatable } from './min-allocatable.js';

export interface FrameworkOptions {
  roles: readonly string[];
  suppressedRoles?: readonly string[];
  /** Per-role override of the global minimum (FrameworkInfo.offer_filters). */
  minAllocatable?: Readonly<Record<string, MinAllocatable>>;
  /** MULTI_ROLE capability; without it a framework has at most one role. */
  multiRole?: boolean;
  /** Whether the framework starts active (default true). */
  active?: boolean;
}

export interface FrameworkState {
  readonly id: string;
  roles: Set<string>;
  suppressed: Set<string>;
  active: boolean;
  readonly multiRole: boolean;
  minAllocatable: Map<string, MinAllocatable>;
  /** Roles whose sorters hold this framework: its roles plus roles it still holds resources in. */
  readonly tracked: Set<string>;
}

export function newFrameworkState(id: string, options: FrameworkOptions): FrameworkState {
  const multiRole = options.multiRole ?? false;
  checkRoles(id, options.roles, multiRole);
  return {
    id,
    roles: new Set(options.roles),
    suppressed: new Set((options.suppressedRoles ?? []).filter((r) => options.roles.includes(r))),
    active: options.active ?? true,
    multiRole,
    minAllocatable: new Map(Object.entries(options.minAllocatable ?? {})),
    tracked: new Set(),
  };
}

export function checkRoles(frameworkId: string, roles: readonly string[], multiRole: boolean): void {
  if (!multiRole && roles.length > 1) {
    throw new Error(`Framework ${frameworkId} has ${roles.length} roles but no MULTI_ROLE capability`);
  }
  for (const role of roles) {
    if (role === '' || role.startsWith('/') || role.endsWith('/') || role.includes('//')) {
      throw new Error(`Framework ${frameworkId} has an invalid role '${role}'`);
    }
  }
}

/** Offers go to a framework in a role only while it is active, subscribed to it and not suppressed. */
export function wantsOffers(fw: FrameworkState, role: string): boolean {
  return fw.active && fw.roles.has(role) && !fw.suppressed.has(role);
}

/** The roles a SUPPRESS/REVIVE names, limited to the framework's roles; none named means all. */
export function targetRoles(fw: FrameworkState, roles: readonly string[] | undefined): string[] {
  if (!roles || roles.length === 0) return [...fw.roles];
  return roles.filter((r) => fw.roles.has(r));
}

/**
 * Splits resources by allocation_info.role, dropping allocation_info. Resources without it belong
 * to the framework's only role (pre-MULTI_ROLE masters and agents did not set it), else to '*'.
 */
export function byAllocationRole(
  resources: readonly Resource[],
  fw: FrameworkState | undefined,
): Map<string, Resource[]> {
  const fallback = fw && fw.roles.size === 1 ? fw.roles.values().next().value! : '*';
  const out = new Map<string, Resource[]>();
  for (const r of resources) {
    const role = r.allocation_info?.role ?? fallback;
    let list = out.get(role);
    if (!list) out.set(role, (list = []));
    list.push(r);
  }
  for (const [role, list] of out) out.set(role, withoutAllocationInfo(list));
  return out;
}
