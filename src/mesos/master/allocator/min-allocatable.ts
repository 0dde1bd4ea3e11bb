// Minimum allocatable resources (Mesos `--min_allocatable_resources` and
// FrameworkInfo.offer_filters[role].min_allocatable_resources): an agent's leftovers are offered
// only if they hold at least one of several quantity sets, so crumbs such as 0.005 cpus are not.
import type { MinAllocatableResources } from '../../protocol/types.js';
import { parseResources, quantitiesOf, rangesCount, reservationRole } from '../../protocol/resources.js';
import type { Resource } from '../../protocol/types.js';

/** Quantities by resource name: scalars by value, ranges and sets by element count. */
export type ResourceQuantities = Readonly<Record<string, number>>;

/** Alternatives (OR); each holds quantities that must all be present (AND). Empty: no minimum. */
export type MinAllocatable = readonly ResourceQuantities[];

/** The master's default, `cpus:0.01|mem:32`. */
export const DEFAULT_MIN_ALLOCATABLE_TEXT = 'cpus:0.01|mem:32';

/**
 * Parses the flag syntax: `|` separates alternatives, `;` joins quantities within one, e.g.
 * `cpus:1;mem:512|gpus:1` or `ports:[31000-31009]` (10 ports). Throws on malformed text.
 */
export function parseMinAllocatable(text: string): MinAllocatable {
  const alternatives = text.split('|');
  if (text.trim() === '') throw new Error('Invalid min_allocatable_resources: empty');
  return alternatives.map((alternative) => {
    if (alternative.trim() === '') {
      throw new Error(`Invalid min_allocatable_resources '${text}': empty alternative`);
    }
    let resources;
    try {
      resources = parseResources(alternative);
    } catch (err) {
      throw new Error(`Invalid min_allocatable_resources '${text}': ${(err as Error).message}`);
    }
    if (resources.some((r) => reservationRole(r) !== '*')) {
      throw new Error(`Invalid min_allocatable_resources '${text}': quantities cannot name a role`);
    }
    return Object.fromEntries(quantitiesOf(resources));
  });
}

/** FrameworkInfo.offer_filters[role].min_allocatable_resources in allocator form. */
export function minAllocatableFromProto(proto: MinAllocatableResources): MinAllocatable {
  return (proto.quantities ?? []).map((set) => {
    const out: Record<string, number> = {};
    for (const [name, scalar] of Object.entries(set.quantities ?? {})) out[name] = scalar.value;
    return out;
  });
}

/**
 * Whether resources with these `quantities` may be offered under `minimum`: never when empty,
 * always when no minimum is set, else when one alternative is fully present (Mesos allocatable()).
 */
export function satisfiesMinAllocatable(
  quantities: ReadonlyMap<string, number>,
  minimum: MinAllocatable,
): boolean {
  if (quantities.size === 0) return false;
  if (minimum.length === 0) return true;
  for (const set of minimum) {
    let ok = true;
    for (const name in set) {
      if ((quantities.get(name) ?? 0) < set[name]!) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

/**
 * satisfiesMinAllocatable straight from resources, without building a quantities map: the
 * allocation loop asks this once per agent, and usually the first quantity it checks answers.
 */
export function resourcesSatisfyMinAllocatable(
  resources: readonly Resource[],
  minimum: MinAllocatable,
): boolean {
  if (resources.length === 0) return false;
  if (minimum.length === 0) return true;
  for (const set of minimum) {
    let ok = true;
    for (const name in set) {
      if (quantityIn(resources, name) < set[name]!) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

/** One entry of quantitiesOf() without building the map: scalars summed, ranges and sets counted. */
export function quantityIn(resources: readonly Resource[], name: string): number {
  let q = 0;
  for (const r of resources) {
    if (r.name !== name) continue;
    if (r.type === 'SCALAR') q += r.scalar?.value ?? 0;
    else if (r.type === 'RANGES') q += rangesCount(r.ranges?.range ?? []);
    else if (r.type === 'SET') q += r.set?.item.length ?? 0;
  }
  return q;
}
