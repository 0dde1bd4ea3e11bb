// Marathon placement constraints (mesosphere.mesos.Constraints, 1.10): whether an agent may take one
// more instance of an app given where its instances already run, and which instances to kill first so
// that GROUP_BY spreads stay even when scaling down. Pure: callers pass placements, we decide.
import { roundScalar } from '../../mesos/protocol/resources.js';
import type { Attribute, Offer, Range } from '../../mesos/protocol/types.js';
import type { Constraint } from '../model/types.js';

/** Where an instance runs (or would run), as the constraint fields see it. */
export interface PlacementView {
  hostname: string;
  /** Agent attributes rendered as text (see `attributeText`). */
  attributes: Record<string, string>;
  region?: string;
  zone?: string;
}

/**
 * An attribute as Marathon compares it: scalars with up to 3 decimals and no trailing zeros ('5',
 * '2.5'), ranges as '[100-200,300-400]' sorted by begin, sets as '{a,b}' sorted, text as is.
 */
export function attributeText(attribute: Attribute): string {
  switch (attribute.type) {
    case 'SCALAR':
      return formatScalar(attribute.scalar?.value ?? 0);
    case 'RANGES':
      return `[${sortedRanges(attribute.ranges?.range ?? [])
        .map((r) => `${r.begin}-${r.end}`)
        .join(',')}]`;
    case 'SET':
      return `{${[...(attribute.set?.item ?? [])].sort().join(',')}}`;
    case 'TEXT':
      return attribute.text?.value ?? '';
  }
}

function sortedRanges(ranges: readonly Range[]): Range[] {
  return [...ranges].sort((a, b) => a.begin - b.begin);
}

// Marathon formats scalars with DecimalFormat("0.###"); Mesos already keeps 3 decimals, so rounding
// to 3 decimals and printing the shortest form gives the same text.
function formatScalar(value: number): string {
  return String(roundScalar(value));
}

export function offerPlacement(offer: Offer): PlacementView {
  const attributes: Record<string, string> = {};
  for (const a of offer.attributes ?? []) {
    // As Marathon's `find`: the first attribute of a name wins.
    if (!(a.name in attributes)) attributes[a.name] = attributeText(a);
  }
  const domain = offer.domain;
  const view: PlacementView = { hostname: offer.hostname, attributes };
  const region = domain?.fault_domain?.region?.name;
  const zone = domain?.fault_domain?.zone?.name;
  if (region !== undefined) view.region = region;
  if (zone !== undefined) view.zone = zone;
  return view;
}

/** The value a constraint field reads from a placement; undefined when the agent lacks it. */
export function fieldValue(field: string, placement: PlacementView): string | undefined {
  switch (field) {
    case 'hostname':
    case '@hostname':
      return placement.hostname;
    case '@region':
      return placement.region;
    case '@zone':
      return placement.zone;
    default:
      return Object.prototype.hasOwnProperty.call(placement.attributes, field)
        ? placement.attributes[field]
        : undefined;
  }
}

const SCALAR_TEXT = /^[0-9]+(?:\.[0-9]+)?$/;

/** Counts of placed instances per field value, in first-seen order; undefined collects those lacking it. */
function countByValue(field: string, placed: readonly PlacementView[]): Map<string | undefined, number> {
  const counts = new Map<string | undefined, number>();
  for (const p of placed) {
    const v = fieldValue(field, p);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/** Java's String.matches: the whole value must match. An invalid pattern matches nothing. */
function fullMatch(pattern: string, value: string): boolean | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return undefined;
  }
}

// GROUP_BY's optional value: an integer, 'inf', or anything else meaning "not given" (0).
function groupByMinimum(value: string | undefined): number {
  if (value === 'inf') return Number.MAX_SAFE_INTEGER;
  if (value !== undefined && /^[+-]?\d+$/.test(value)) return Math.max(0, Number(value));
  return 0;
}

/**
 * GROUP_BY as Marathon 1.10 releases do it: a value no instance uses yet is always acceptable; a value
 * in use is acceptable only once at least `minimum` distinct values are in use and it holds the fewest
 * instances. So with `n` given, the first n instances go to n different values, then they fill up
 * evenly. (Marathon's master branch after 1.10 changed this to allow pre-filling groups; no release
 * shipped it.)
 */
function groupByAllows(field: string, value: string, minimum: number, placed: readonly PlacementView[]) {
  const counts = countByValue(field, placed);
  const count = counts.get(value);
  if (count === undefined) return true;
  const fewest = Math.min(...counts.values());
  return counts.size >= minimum && count === fewest;
}

function meetsConstraint(
  constraint: Constraint,
  candidate: PlacementView,
  placed: readonly PlacementView[],
): boolean {
  const [field, operator] = constraint;
  const value = constraint[2];
  const offered = fieldValue(field, candidate);
  // An agent without the field satisfies only UNLIKE.
  if (offered === undefined) return operator === 'UNLIKE';
  switch (operator) {
    case 'UNIQUE':
      return placed.every((p) => fieldValue(field, p) !== offered);
    case 'CLUSTER':
      if (value === undefined || value === '') {
        // The first instance fixes the value for all later ones.
        return placed.length === 0 || fieldValue(field, placed[0]!) === offered;
      }
      return offered === value;
    case 'GROUP_BY':
      return groupByAllows(field, offered, groupByMinimum(value), placed);
    case 'LIKE':
      return value !== undefined && value !== '' && fullMatch(value, offered) === true;
    case 'UNLIKE':
      return value !== undefined && value !== '' && fullMatch(value, offered) === false;
    case 'MAX_PER': {
      if (value === undefined || !/^[+-]?\d+$/.test(value)) return false;
      return (countByValue(field, placed).get(offered) ?? 0) < Number(value);
    }
    case 'IS':
      // A numeric value compares as the scalar text, so IS 5.0 matches the scalar attribute 5.
      return (
        offered === (value !== undefined && SCALAR_TEXT.test(value) ? formatScalar(Number(value)) : value)
      );
  }
}

/** The constraints the candidate agent fails, in the app's order. */
export function unmetConstraints(
  constraints: readonly Constraint[],
  candidate: PlacementView,
  placed: readonly PlacementView[],
): Constraint[] {
  return constraints.filter((c) => !meetsConstraint(c, candidate, placed));
}

/**
 * Whether one more instance may go to `candidate`. `placed` are the app's other instances that hold an
 * agent (launched, not lost); Marathon counts only those of the current config (version >=
 * lastConfigChangeAt), so a new instance may land beside an old one it is about to replace.
 */
export function constraintsAllow(
  constraints: readonly Constraint[],
  candidate: PlacementView,
  placed: readonly PlacementView[],
): boolean {
  return unmetConstraints(constraints, candidate, placed).length === 0;
}

// ---- scale-down ----

/** One GROUP_BY constraint's groups: indexes into the running list, per field value. */
class GroupByDistribution {
  constructor(private readonly groups: readonly number[][]) {}

  /** Largest minus smallest group size once `without` are gone (emptied groups count as 0). */
  difference(without: ReadonlySet<number>): number {
    const sizes = this.groups.map((g) => g.filter((i) => !without.has(i)).length);
    return Math.max(...sizes) - Math.min(...sizes);
  }

  isMoreEvenWithout(without: ReadonlySet<number>): boolean {
    const after = this.difference(without);
    return after <= 1 || this.difference(new Set()) > after;
  }

  /** The members of the largest groups, unless all groups are the same size. */
  candidates(without: ReadonlySet<number>): number[] {
    const remaining = this.groups.map((g) => g.filter((i) => !without.has(i)));
    const sizes = new Set(remaining.map((g) => g.length));
    if (sizes.size <= 1) return [];
    const largest = Math.max(...sizes);
    return remaining.filter((g) => g.length === largest).flat();
  }
}

/**
 * Which running instances to kill first when scaling down by `toKillCount`, so that every GROUP_BY
 * constraint stays as even as possible (Constraints.selectInstancesToKill). Returns at most
 * `toKillCount` instances, possibly fewer, and none when the app has no GROUP_BY constraint; the
 * caller picks the rest by killSelection. Ties keep the order of `running`, so pass it sorted by the
 * kill preference.
 */
export function instancesToKillForConstraints<T>(
  constraints: readonly Constraint[],
  running: readonly T[],
  placementOf: (instance: T) => PlacementView,
  toKillCount: number,
): T[] {
  if (toKillCount >= running.length) return [...running];
  const placements = running.map(placementOf);
  const distributions = constraints
    .filter((c) => c[1] === 'GROUP_BY')
    .map((c) => {
      const groups = new Map<string | undefined, number[]>();
      placements.forEach((p, i) => {
        const v = fieldValue(c[0], p);
        const g = groups.get(v);
        if (g) g.push(i);
        else groups.set(v, [i]);
      });
      return new GroupByDistribution([...groups.values()]);
    });
  if (distributions.length === 0) return [];

  const chosen = new Set<number>();
  while (chosen.size < toKillCount) {
    const byUnevenness = [...distributions].sort((a, b) => b.difference(chosen) - a.difference(chosen));
    const tried = [
      ...byUnevenness.flatMap((d) => d.candidates(chosen)),
      ...running.map((_, i) => i).filter((i) => !chosen.has(i)),
    ];
    const next = tried.find((i) => distributions.every((d) => d.isMoreEvenWithout(new Set([...chosen, i]))));
    if (next === undefined) break;
    chosen.add(next);
  }
  return [...chosen].map((i) => running[i]!);
}
