// Resource arithmetic as Mesos does it (src/common/resources.cpp, src/common/values.cpp), on the
// v1 JSON Resource shape. Every function is pure and returns new arrays in normalized form: one
// entry per identity (name, type, reservation stack, disk persistence/source, revocable, shared),
// ranges sorted and merged, scalars rounded to 3 decimals.
import type { Attribute, Labels, Offer, Range, ReservationInfo, Resource, ValueType } from './types.js';

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

// ---- identity: reservations and disk info ----

/** Resource.DiskInfo (mesos.proto); types.ts leaves `disk` open, this is the part Mesos interprets. */
export interface DiskInfo {
  persistence?: { id: string; principal?: string };
  volume?: { container_path: string; mode?: 'RW' | 'RO'; host_path?: string };
  source?: Record<string, unknown>;
}

export function diskInfoOf(r: Resource): DiskInfo | undefined {
  return r.disk as DiskInfo | undefined;
}

/** The persistence id of a persistent volume, else undefined. */
export function persistenceIdOf(r: Resource): string | undefined {
  const id = diskInfoOf(r)?.persistence?.id;
  return typeof id === 'string' ? id : undefined;
}

export function isPersistentVolume(r: Resource): boolean {
  return persistenceIdOf(r) !== undefined;
}

/**
 * The reservation stack in the post-refinement form, whichever form `r` uses: [] when unreserved,
 * `role` alone is a STATIC reservation, `role` + `reservation` a DYNAMIC one.
 */
export function reservationStack(r: Resource): ReservationInfo[] {
  if (r.reservations && r.reservations.length > 0) return r.reservations;
  if (r.role === undefined || r.role === '*') return [];
  if (!r.reservation) return [{ type: 'STATIC', role: r.role }];
  const entry: ReservationInfo = { type: 'DYNAMIC', role: r.role };
  if (r.reservation.principal !== undefined) entry.principal = r.reservation.principal;
  if (r.reservation.labels !== undefined) entry.labels = r.reservation.labels;
  return [entry];
}

export function isDynamicallyReserved(r: Resource): boolean {
  const stack = reservationStack(r);
  return stack.length > 0 && stack[stack.length - 1]!.type === 'DYNAMIC';
}

/** Dynamic reservations and persistent volumes: what the agent checkpoints (needCheckpointing). */
export function needsCheckpointing(r: Resource): boolean {
  return isDynamicallyReserved(r) || isPersistentVolume(r);
}

function labelsKey(labels: Labels | undefined): string {
  const list = labels?.labels ?? [];
  return list
    .map((l) => `${l.key}=${l.value ?? ''}`)
    .sort()
    .join(',');
}

function reservationEntryKey(e: ReservationInfo): string {
  let key = `${e.type === 'DYNAMIC' ? 'D' : 'S'}\u0001${e.role ?? '*'}`;
  if (e.principal !== undefined) key += `\u0001p=${e.principal}`;
  // Mesos tells "no labels" from "empty labels"; frameworks rarely mean a difference, so we do not.
  if (e.labels && e.labels.labels.length > 0) key += `\u0001l=${labelsKey(e.labels)}`;
  return key;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Resource identity as Mesos's `addable`/`subtractable` see it: the whole reservation stack (type,
 * role, principal, labels), the disk's source and persistence id (not its `volume`, which only says
 * how a task mounts it), revocable and shared. allocation_info is left out on purpose: offered and
 * requested resources compare as they are.
 */
function keyOf(r: Resource): string {
  let key = `${r.name}\u0000${r.type}\u0000`;
  if (r.reservations && r.reservations.length > 0) key += r.reservations.map(reservationEntryKey).join('|');
  else if (r.role !== undefined && r.role !== '*') {
    key += r.reservation ? reservationEntryKey(reservationStack(r)[0]!) : `S\u0001${r.role}`;
  }
  if (r.revocable) key += '\u0000rev';
  if (r.disk) {
    const disk = r.disk as DiskInfo;
    if (disk.source) key += `\u0000src=${canonicalJson(disk.source)}`;
    if (disk.persistence) key += `\u0000pid=${disk.persistence.id}`;
  }
  if (r.shared) key += '\u0000shared';
  return key;
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
    // A persistent volume is used whole or not at all (Mesos: volumes are subtractable only if equal).
    if (isPersistentVolume(r) && !sameAmount(existing, r)) continue;
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
    if (isPersistentVolume(r) && !sameAmount(have, r)) return false;
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

function sameAmount(a: Resource, b: Resource): boolean {
  return roundScalar(a.scalar?.value ?? 0) === roundScalar(b.scalar?.value ?? 0);
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

// ---- reservation formats and conversions (src/common/resources_utils.cpp) ----

/** The post-refinement form Mesos keeps internally: only the `reservations` stack, no `role`. */
export function upgradeResource(r: Resource): Resource {
  const out = cloneResource(r);
  const stack = reservationStack(r);
  delete out.role;
  delete out.reservation;
  if (stack.length > 0) out.reservations = stack.map((e) => ({ ...e }));
  else delete out.reservations;
  return out;
}

/**
 * The pre-refinement form frameworks without RESERVATION_REFINEMENT are offered: `role` ("*" when
 * unreserved) and, for a dynamic reservation, `reservation`. A refined stack cannot be said in
 * that form and stays as it is.
 */
export function downgradeResource(r: Resource): Resource {
  const stack = reservationStack(r);
  if (stack.length > 1) return upgradeResource(r);
  const out = cloneResource(r);
  delete out.reservations;
  delete out.reservation;
  const only = stack[0];
  out.role = only?.role ?? '*';
  if (only?.type === 'DYNAMIC') {
    const reservation: ReservationInfo = {};
    if (only.principal !== undefined) reservation.principal = only.principal;
    if (only.labels !== undefined) reservation.labels = only.labels;
    out.reservation = reservation;
  }
  return out;
}

/** `r` with its last reservation removed (Resources::popReservation), in the post-refinement form. */
export function popReservation(r: Resource): Resource {
  const out = upgradeResource(r);
  const rest = (out.reservations ?? []).slice(0, -1);
  if (rest.length > 0) out.reservations = rest;
  else delete out.reservations;
  return out;
}

/** The plain disk a volume was carved from: persistence and volume gone (DiskInfo kept for a source). */
export function withoutPersistence(r: Resource): Resource {
  const out = cloneResource(r);
  const disk = diskInfoOf(r);
  if (disk?.source) {
    const rest: Record<string, unknown> = { ...(r.disk ?? {}) };
    delete rest['persistence'];
    delete rest['volume'];
    out.disk = rest;
  } else delete out.disk;
  delete out.shared;
  return out;
}

/** One step of an operation: `consumed` is replaced by `converted` (mesos::ResourceConversion). */
export interface ResourceConversion {
  consumed: Resource[];
  converted: Resource[];
}

/** Resources::apply: each conversion in turn; an error names what was not there. */
export function applyConversions(
  list: readonly Resource[],
  conversions: readonly ResourceConversion[],
): { resources: Resource[] } | { error: string } {
  let current = normalizeResources(list);
  for (const c of conversions) {
    if (!containsResources(current, c.consumed)) {
      return { error: `${describeResources(current)} does not contain ${describeResources(c.consumed)}` };
    }
    current = addResources(subtractResources(current, c.consumed), c.converted);
  }
  return { resources: current };
}

/** The checkpointed part of an agent's total: its dynamic reservations and persistent volumes. */
export function checkpointedOf(total: readonly Resource[]): Resource[] {
  return total.filter(needsCheckpointing).map((r) => {
    const c = upgradeResource(r);
    delete c.allocation_info;
    return c;
  });
}

/**
 * applyCheckpointedResources: an agent's total from its --resources and what it checkpointed. Each
 * checkpointed resource must come from what the flag gives (unreserved or statically reserved
 * plain disk), else the agent's configuration changed under its reservations.
 */
export function applyCheckpointedResources(
  base: readonly Resource[],
  checkpointed: readonly Resource[],
): { resources: Resource[] } | { error: string } {
  let total = normalizeResources(base);
  for (const r of checkpointed) {
    if (!needsCheckpointing(r))
      return { error: `Unexpected checkpointed resources ${describeResources([r])}` };
    // Only unreserved and statically reserved resources come from the flag: strip the dynamic ones.
    let stripped = upgradeResource(r);
    const first = stripped.reservations?.[0];
    if (isDynamicallyReserved(r)) {
      if (first && first.type !== 'DYNAMIC') stripped.reservations = [first];
      else delete stripped.reservations;
    }
    if (isPersistentVolume(r)) stripped = withoutPersistence(stripped);
    delete stripped.shared;
    if (!containsResources(total, [stripped])) {
      return {
        error: `Incompatible agent resources: ${describeResources(total)} does not contain ${describeResources([stripped])}`,
      };
    }
    total = addResources(subtractResources(total, [stripped]), [upgradeResource(r)]);
  }
  return { resources: total };
}

/** Mesos's text form of resources for messages: `disk(reservations: [(DYNAMIC,eng,p)])[v1:data]:64`. */
export function describeResources(list: readonly Resource[]): string {
  return list
    .map((r) => {
      let text = r.name;
      if (r.allocation_info?.role !== undefined) text += `(allocated: ${r.allocation_info.role})`;
      const stack = reservationStack(r);
      if (stack.length > 0) {
        const entries = stack.map(
          (e) => `(${e.type ?? 'STATIC'},${e.role ?? '*'}${e.principal ? `,${e.principal}` : ''})`,
        );
        text += `(reservations: [${entries.join(',')}])`;
      }
      const disk = diskInfoOf(r);
      if (disk?.persistence)
        text += `[${disk.persistence.id}${disk.volume ? `:${disk.volume.container_path}` : ''}]`;
      if (r.revocable) text += '{REV}';
      if (r.shared) text += '<SHARED>';
      const v = valueText(r);
      return `${text}:${typeof v === 'string' ? v : String(v)}`;
    })
    .join('; ');
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
    // Volumes count as disk.
    delete c.disk;
    delete c.shared;
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
