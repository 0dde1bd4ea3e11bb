// Resource arithmetic as Mesos does it (src/common/resources.cpp, src/common/values.cpp), on the
// v1 JSON Resource shape. Every function is pure and returns new arrays in normalized form: one
// entry per (name, type, reservation role), ranges sorted and merged, scalars rounded to 3 decimals.
import type { Attribute, Offer, Range, Resource, ValueType } from './types.js';

const SCALAR_PRECISION = 1000;

/** Mesos keeps scalars as fixed-point with 3 decimal digits. */
export function roundScalar(value: number): number {
  return Math.round(value * SCALAR_PRECISION) / SCALAR_PRECISION;
}

/** The role a resource is reserved for, or '*' when unreserved (both pre- and post-refinement formats). */
export function reservationRole(r: Resource): string {
  const stack = r.reservations;
  if (stack && stack.length > 0) return stack[stack.length - 1]!.role ?? '*';
  return r.role ?? '*';
}

function keyOf(r: Resource): string {
  return `${r.name}\u0000${r.type}\u0000${reservationRole(r)}${r.revocable ? '\u0000rev' : ''}`;
}

// ---- ranges ----

export function normalizeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges.map((r) => ({ begin: r.begin, end: r.end })).sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}

export function subtractRanges(from: readonly Range[], remove: readonly Range[]): Range[] {
  let current = normalizeRanges(from);
  for (const cut of normalizeRanges(remove)) {
    const next: Range[] = [];
    for (const r of current) {
      if (cut.end < r.begin || cut.begin > r.end) {
        next.push(r);
        continue;
      }
      if (cut.begin > r.begin) next.push({ begin: r.begin, end: cut.begin - 1 });
      if (cut.end < r.end) next.push({ begin: cut.end + 1, end: r.end });
    }
    current = next;
  }
  return current;
}

export function rangesContain(outer: readonly Range[], inner: readonly Range[]): boolean {
  const o = normalizeRanges(outer);
  return normalizeRanges(inner).every((r) => o.some((x) => x.begin <= r.begin && r.end <= x.end));
}

export function rangesCount(ranges: readonly Range[]): number {
  return ranges.reduce((n, r) => n + (r.end - r.begin + 1), 0);
}

/** The first `count` values of the ranges, as ranges (used to hand out task ports). */
export function takeFromRanges(ranges: readonly Range[], count: number): number[] {
  const out: number[] = [];
  for (const r of normalizeRanges(ranges)) {
    for (let v = r.begin; v <= r.end && out.length < count; v++) out.push(v);
    if (out.length >= count) break;
  }
  return out;
}

export function valuesToRanges(values: readonly number[]): Range[] {
  return normalizeRanges(values.map((v) => ({ begin: v, end: v })));
}

// ---- resource lists ----

function cloneResource(r: Resource): Resource {
  const out: Resource = { ...r };
  if (r.scalar) out.scalar = { value: r.scalar.value };
  if (r.ranges) out.ranges = { range: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })) };
  if (r.set) out.set = { item: [...r.set.item] };
  return out;
}

function isEmptyResource(r: Resource): boolean {
  switch (r.type) {
    case 'SCALAR':
      return !r.scalar || roundScalar(r.scalar.value) <= 0;
    case 'RANGES':
      return !r.ranges || r.ranges.range.length === 0;
    case 'SET':
      return !r.set || r.set.item.length === 0;
    default:
      return true;
  }
}

/** Merges entries with the same identity and drops empty ones. */
export function normalizeResources(list: readonly Resource[]): Resource[] {
  return addResources([], list);
}

export function addResources(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const byKey = new Map<string, Resource>();
  for (const r of [...a, ...b]) {
    const key = keyOf(r);
    const existing = byKey.get(key);
    if (!existing) {
      byKey.set(key, cloneResource(r));
      continue;
    }
    if (r.type === 'SCALAR') {
      existing.scalar = { value: roundScalar((existing.scalar?.value ?? 0) + (r.scalar?.value ?? 0)) };
    } else if (r.type === 'RANGES') {
      existing.ranges = {
        range: normalizeRanges([...(existing.ranges?.range ?? []), ...(r.ranges?.range ?? [])]),
      };
    } else if (r.type === 'SET') {
      existing.set = { item: [...new Set([...(existing.set?.item ?? []), ...(r.set?.item ?? [])])].sort() };
    }
  }
  const out: Resource[] = [];
  for (const r of byKey.values()) {
    if (r.type === 'SCALAR' && r.scalar) r.scalar.value = roundScalar(r.scalar.value);
    if (r.type === 'RANGES' && r.ranges) r.ranges.range = normalizeRanges(r.ranges.range);
    if (!isEmptyResource(r)) out.push(r);
  }
  return out;
}

/** a - b. Subtracting what is not there leaves a unchanged for that part (callers check contains first). */
export function subtractResources(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const out = normalizeResources(a);
  const byKey = new Map(out.map((r) => [keyOf(r), r] as const));
  for (const r of b) {
    const existing = byKey.get(keyOf(r));
    if (!existing) continue;
    if (r.type === 'SCALAR') {
      existing.scalar = { value: roundScalar((existing.scalar?.value ?? 0) - (r.scalar?.value ?? 0)) };
    } else if (r.type === 'RANGES') {
      existing.ranges = { range: subtractRanges(existing.ranges?.range ?? [], r.ranges?.range ?? []) };
    } else if (r.type === 'SET') {
      const remove = new Set(r.set?.item ?? []);
      existing.set = { item: (existing.set?.item ?? []).filter((x) => !remove.has(x)) };
    }
  }
  return out.filter((r) => !isEmptyResource(r));
}

/** Whether `outer` holds all of `inner`, entry by entry with matching reservations. */
export function containsResources(outer: readonly Resource[], inner: readonly Resource[]): boolean {
  const o = new Map(normalizeResources(outer).map((r) => [keyOf(r), r] as const));
  for (const r of normalizeResources(inner)) {
    const have = o.get(keyOf(r));
    if (!have) return false;
    if (r.type === 'SCALAR') {
      if (roundScalar((have.scalar?.value ?? 0) - (r.scalar?.value ?? 0)) < 0) return false;
    } else if (r.type === 'RANGES') {
      if (!rangesContain(have.ranges?.range ?? [], r.ranges?.range ?? [])) return false;
    } else if (r.type === 'SET') {
      const items = new Set(have.set?.item ?? []);
      if (!(r.set?.item ?? []).every((x) => items.has(x))) return false;
    }
  }
  return true;
}

export function resourcesEqual(a: readonly Resource[], b: readonly Resource[]): boolean {
  return containsResources(a, b) && containsResources(b, a);
}

export function isEmptyResources(list: readonly Resource[]): boolean {
  return list.every(isEmptyResource);
}

/** Total scalar amount of `name` across all reservations. */
export function scalarOf(list: readonly Resource[], name: string): number {
  let sum = 0;
  for (const r of list) if (r.name === name && r.type === 'SCALAR') sum += r.scalar?.value ?? 0;
  return roundScalar(sum);
}

/** All ranges of `name` (e.g. 'ports') across reservations, merged. */
export function rangesOf(list: readonly Resource[], name: string): Range[] {
  const all: Range[] = [];
  for (const r of list) if (r.name === name && r.type === 'RANGES') all.push(...(r.ranges?.range ?? []));
  return normalizeRanges(all);
}

/**
 * Quantities by name: scalars summed, ranges and sets counted by elements (as
 * min_allocatable_resources and quota count them).
 */
export function quantitiesOf(list: readonly Resource[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of list) {
    let q = 0;
    if (r.type === 'SCALAR') q = r.scalar?.value ?? 0;
    else if (r.type === 'RANGES') q = rangesCount(r.ranges?.range ?? []);
    else if (r.type === 'SET') q = r.set?.item.length ?? 0;
    out.set(r.name, roundScalar((out.get(r.name) ?? 0) + q));
  }
  return out;
}

/** Whether `role` may use resources reserved for `reserved` (unreserved, same role, or an ancestor). */
export function roleMayUse(role: string, reserved: string): boolean {
  return reserved === '*' || reserved === role || role.startsWith(reserved + '/');
}

/** The part of `list` that `role` may be offered (Resources::allocatableTo). */
export function allocatableTo(list: readonly Resource[], role: string): Resource[] {
  return list.filter((r) => roleMayUse(role, reservationRole(r)));
}

export function withAllocationRole(list: readonly Resource[], role: string): Resource[] {
  return list.map((r) => ({ ...cloneResource(r), allocation_info: { role } }));
}

export function withoutAllocationInfo(list: readonly Resource[]): Resource[] {
  return list.map((r) => {
    const c = cloneResource(r);
    delete c.allocation_info;
    return c;
  });
}

// ---- text formats ----

export function scalarResource(name: string, value: number, role?: string): Resource {
  const r: Resource = { name, type: 'SCALAR', scalar: { value: roundScalar(value) } };
  if (role && role !== '*') r.role = role;
  return r;
}

export function rangesResource(name: string, ranges: Range[], role?: string): Resource {
  const r: Resource = { name, type: 'RANGES', ranges: { range: normalizeRanges(ranges) } };
  if (role && role !== '*') r.role = role;
  return r;
}

function parseRangeList(text: string, where: string): Range[] {
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  return inner.split(',').map((part) => {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`Invalid range '${part.trim()}' in ${where}: expected begin-end`);
    const begin = Number(m[1]);
    const end = Number(m[2]);
    if (begin > end) throw new Error(`Invalid range '${part.trim()}' in ${where}: begin is after end`);
    return { begin, end };
  });
}

/**
 * Parses the agent's `--resources` flag: `name(role):value;...` with scalar, `[a-b,c-d]` or `{x,y}`
 * values, or a JSON array of Resource objects.
 */
export function parseResources(text: string, defaultRole = '*'): Resource[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') && trimmed.includes('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`Invalid resources JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new Error('Invalid resources JSON: expected an array of Resource');
    const list = (parsed as Array<Record<string, unknown>>).map((r, i) =>
      validateJsonResource(r, i, defaultRole),
    );
    return checkOneTypePerName(normalizeResources(list));
  }
  const out: Resource[] = [];
  for (const item of trimmed.split(';')) {
    if (item.trim() === '') continue;
    const m = /^\s*([A-Za-z0-9_.\-/]+)(?:\(([^)]*)\))?\s*:\s*(.+?)\s*$/.exec(item);
    if (!m) throw new Error(`Invalid resource '${item.trim()}': expected name(role):value`);
    const [, name, roleText, value] = m as unknown as [string, string, string | undefined, string];
    const role = roleText ?? defaultRole;
    if (role === '') throw new Error(`Invalid resource '${item.trim()}': empty role`);
    const base: Pick<Resource, 'name' | 'role'> = role === '*' ? { name } : { name, role };
    if (value.startsWith('[') && value.endsWith(']')) {
      out.push({ ...base, type: 'RANGES', ranges: { range: parseRangeList(value, `resource '${name}'`) } });
    } else if (value.startsWith('{') && value.endsWith('}')) {
      const items = value
        .slice(1, -1)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      out.push({ ...base, type: 'SET', set: { item: items } });
    } else {
      const n = Number(value);
      if (!Number.isFinite(n) || value === '') {
        throw new Error(`Invalid resource '${item.trim()}': '${value}' is not a number, [ranges] or {set}`);
      }
      if (n < 0) throw new Error(`Invalid resource '${item.trim()}': negative value`);
      if (n > 0 && roundScalar(n) === 0) {
        throw new Error(`Invalid resource '${item.trim()}': scalars have 3 decimal digits at most`);
      }
      out.push({ ...base, type: 'SCALAR', scalar: { value: roundScalar(n) } });
    }
  }
  return checkOneTypePerName(normalizeResources(out));
}

function checkOneTypePerName(list: Resource[]): Resource[] {
  const types = new Map<string, ValueType>();
  for (const r of list) {
    const seen = types.get(r.name);
    if (seen && seen !== r.type) {
      throw new Error(`Resources with the same name ('${r.name}') but different types are not allowed`);
    }
    types.set(r.name, r.type);
  }
  return list;
}

function validateJsonResource(r: Record<string, unknown>, index: number, defaultRole: string): Resource {
  const bad = (why: string): Error =>
    new Error(`Some JSON resources were not formatted properly: resource ${index}: ${why}`);
  if (typeof r !== 'object' || r === null) throw bad('expected an object');
  const missing = ['name', 'type'].filter((f) => r[f] === undefined || r[f] === null);
  if (missing.length > 0) throw bad(`Missing required fields: ${missing.join(', ')}`);
  const res = r as unknown as Resource;
  if (!['SCALAR', 'RANGES', 'SET'].includes(res.type)) throw bad(`invalid type '${String(res.type)}'`);
  if (res.type === 'SCALAR' && !(typeof res.scalar?.value === 'number' && res.scalar.value >= 0)) {
    throw bad(`'${res.name}' needs a non-negative scalar value`);
  }
  if (res.type === 'RANGES' && !Array.isArray(res.ranges?.range))
    throw bad(`'${res.name}' needs ranges.range`);
  if (res.type === 'SET' && !Array.isArray(res.set?.item)) throw bad(`'${res.name}' needs set.item`);
  if (res.role === undefined && res.reservations === undefined && defaultRole !== '*')
    return { ...res, role: defaultRole };
  return res;
}

/** `--attributes` syntax: `rack:abc;zone:west;level:10;keys:[1000-1500]` (scalar, ranges or text). */
export function parseAttributes(text: string): Attribute[] {
  const out: Attribute[] = [];
  for (const item of text.split(';')) {
    if (item.trim() === '') continue;
    const idx = item.indexOf(':');
    if (idx <= 0) throw new Error(`Invalid attribute '${item.trim()}': expected name:value`);
    const name = item.slice(0, idx).trim();
    const value = item.slice(idx + 1).trim();
    if (value.startsWith('[') && value.endsWith(']')) {
      out.push({ name, type: 'RANGES', ranges: { range: parseRangeList(value, `attribute '${name}'`) } });
    } else if (/^\d+(\.\d+)?$/.test(value)) {
      // As Mesos's value parser: only unsigned decimals are scalars; '-5' is text.
      out.push({ name, type: 'SCALAR', scalar: { value: Number(value) } });
    } else {
      if (!/^[A-Za-z0-9_/.-]+$/.test(value)) {
        throw new Error(`Invalid attribute '${item.trim()}': text may hold only [a-zA-Z0-9_/.-]`);
      }
      out.push({ name, type: 'TEXT', text: { value } });
    }
  }
  return out;
}

function formatRanges(ranges: readonly Range[]): string {
  return `[${ranges.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
}

function valueText(v: {
  type: ValueType;
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  text?: { value: string };
}): string | number {
  switch (v.type) {
    case 'SCALAR':
      return roundScalar(v.scalar?.value ?? 0);
    case 'RANGES':
      return formatRanges(v.ranges?.range ?? []);
    case 'SET':
      return `{${(v.set?.item ?? []).join(', ')}}`;
    case 'TEXT':
      return v.text?.value ?? '';
  }
}

/** The `--resources` text form, e.g. `cpus:2;mem:1024;ports:[31000-31999]`. */
export function formatResources(list: readonly Resource[]): string {
  return normalizeResources(list)
    .map((r) => {
      const role = reservationRole(r);
      const v = valueText(r);
      return `${r.name}${role === '*' ? '' : `(${role})`}:${typeof v === 'string' ? v.replace(/, /g, ',') : v}`;
    })
    .join(';');
}

/**
 * The v0 "resmap" of /state: always cpus, gpus, mem and disk (0 if absent), other scalars by name,
 * ranges and sets as strings like "[31000-32000]".
 */
export function toResmap(list: readonly Resource[]): Record<string, number | string> {
  const out: Record<string, number | string> = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  // Reservations are summed together: the resmap has one entry per name.
  const unreserved = list.map((r) => {
    const c = cloneResource(r);
    delete c.role;
    delete c.reservation;
    delete c.reservations;
    if (c.revocable) c.name = `${c.name}_revocable`;
    delete c.revocable;
    return c;
  });
  for (const r of normalizeResources(unreserved)) out[r.name] = valueText(r);
  return out;
}

/** v0 /state form of attributes: `{name: value}` with ranges as "[a-b]" text. */
export function toAttributeMap(list: readonly Attribute[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const a of list) out[a.name] = valueText(a);
  return out;
}

/** A piece of an offered resource: same identity (role, reservation, allocation), another amount. */
export function pieceOf(
  source: Resource,
  offer: Offer,
  value: Pick<Resource, 'scalar' | 'ranges'>,
): Resource {
  const piece: Resource = { ...source, ...value };
  const allocation = source.allocation_info ?? offer.allocation_info;
  if (allocation) piece.allocation_info = { ...allocation };
  return piece;
}

/** Takes `amount` from the pool in offer order, possibly from several reservations; undefined if short. */
export function takeScalar(pool: readonly Resource[], amount: number, offer: Offer): Resource[] | undefined {
  const pieces: Resource[] = [];
  let left = roundScalar(amount);
  for (const r of pool) {
    if (left <= 0) break;
    const take = roundScalar(Math.min(left, r.scalar?.value ?? 0));
    if (take <= 0) continue;
    pieces.push(pieceOf(r, offer, { scalar: { value: take } }));
    left = roundScalar(left - take);
  }
  return left <= 0 ? pieces : undefined;
}
