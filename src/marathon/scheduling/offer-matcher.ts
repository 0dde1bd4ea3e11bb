// Whether one instance of an app fits an offer, and which of the offer's resources it takes
// (Marathon 1.10's ResourceMatcher and PortsMatcher for normal, non-resident apps). Pure: the caller
// keeps what is left of the offer between matches of one offer cycle.
import { pieceOf, reservationRole, takeScalar, valuesToRanges } from '../../mesos/protocol/resources.js';
import type { Offer, Range, Resource } from '../../mesos/protocol/types.js';
import type { AppDefinition } from '../model/types.js';
import type { OfferRejectReason } from '../service.js';
import { constraintsAllow, offerPlacement, type PlacementView } from './constraints.js';

export interface OfferMatch {
  /** What the task takes, each piece with the role, reservation and allocation_info it was offered with. */
  resources: Resource[];
  /**
   * The host ports taken, in the order of the app's port definitions, or of its port mappings that
   * ask for a host port (mappings without a hostPort get none and have no entry here).
   */
  hostPorts: number[];
}

export type MatchResult = { ok: true; match: OfferMatch } | { ok: false; reasons: OfferRejectReason[] };

const UNRESERVED = '*';
// Reservations Marathon made for resident instances carry these labels; normal launches leave them alone.
const RESIDENT_RESERVATION_LABELS = new Set(['marathon_framework_id', 'marathon_task_id']);

/**
 * The reservation roles an app may use: its acceptedResourceRoles, or by default (Marathon's
 * --accepted_resource_roles_default_behavior 'any') unreserved resources plus those reserved for its role.
 */
export function acceptedRoles(app: AppDefinition): Set<string> {
  if (app.acceptedResourceRoles && app.acceptedResourceRoles.length > 0)
    return new Set(app.acceptedResourceRoles);
  return new Set([app.role, UNRESERVED]);
}

function reservationLabelKeys(r: Resource): string[] {
  const reservation = r.reservations?.length ? r.reservations[r.reservations.length - 1] : r.reservation;
  return (reservation?.labels?.labels ?? []).map((l) => l.key);
}

/** Marathon's ResourceSelector.any: accepted role, no persistent volume, no resident reservation. */
function selectable(r: Resource, roles: ReadonlySet<string>): boolean {
  if (r.disk && ('persistence' in r.disk || 'volume' in r.disk)) return false;
  if (r.revocable) return false;
  if (!roles.has(reservationRole(r))) return false;
  return !reservationLabelKeys(r).some((k) => RESIDENT_RESERVATION_LABELS.has(k));
}

const SCALAR_NEEDS: ReadonlyArray<{
  name: string;
  amount: (app: AppDefinition) => number;
  reason: OfferRejectReason;
}> = [
  { name: 'cpus', amount: (a) => a.cpus, reason: 'InsufficientCpus' },
  { name: 'mem', amount: (a) => a.mem, reason: 'InsufficientMemory' },
  { name: 'gpus', amount: (a) => a.gpus, reason: 'InsufficientGpus' },
  { name: 'disk', amount: (a) => a.disk, reason: 'InsufficientDisk' },
];

/** One entry per port the app declares: a fixed host port, any host port, or none at all. */
type PortRequest = { kind: 'fixed'; port: number } | { kind: 'any' } | { kind: 'none' };

function portRequests(app: AppDefinition): PortRequest[] {
  const mappings = app.container?.portMappings;
  if (mappings && mappings.length > 0) {
    // Container and bridge networking: a mapping asks for a host port only when hostPort is set.
    return mappings.map((m): PortRequest => {
      if (m.hostPort === undefined) return { kind: 'none' };
      return m.hostPort === 0 ? { kind: 'any' } : { kind: 'fixed', port: m.hostPort };
    });
  }
  return (app.portDefinitions ?? []).map((pd): PortRequest =>
    app.requirePorts && pd.port !== 0 ? { kind: 'fixed', port: pd.port } : { kind: 'any' },
  );
}

interface OfferedRange {
  source: Resource;
  range: Range;
}

function* ascendingPorts(offered: readonly OfferedRange[]): Generator<{ port: number; source: Resource }> {
  for (const { source, range } of offered) {
    for (let port = range.begin; port <= range.end; port++) yield { port, source };
  }
}

/**
 * Picks host ports. Dynamic ports are the lowest free ones across the offered ranges (Marathon picks a
 * random start instead; lowest-first is deterministic and keeps ranges unfragmented), skipping ports
 * that a fixed request names.
 */
function takePorts(
  requests: readonly PortRequest[],
  pool: readonly Resource[],
  offer: Offer,
): { hostPorts: number[]; resources: Resource[] } | undefined {
  if (requests.every((r) => r.kind === 'none')) return { hostPorts: [], resources: [] };
  const offered: OfferedRange[] = pool
    .flatMap((source) => (source.ranges?.range ?? []).map((range) => ({ source, range })))
    .sort((a, b) => a.range.begin - b.range.begin);
  const fixed = new Set(requests.flatMap((r) => (r.kind === 'fixed' ? [r.port] : [])));
  const used = new Set<number>();
  const ascending = ascendingPorts(offered);
  const nextDynamic = (): { port: number; source: Resource } | undefined => {
    for (let next = ascending.next(); !next.done; next = ascending.next()) {
      if (!fixed.has(next.value.port) && !used.has(next.value.port)) return next.value;
    }
    return undefined;
  };

  const hostPorts: number[] = [];
  const bySource = new Map<Resource, number[]>();
  for (const request of requests) {
    if (request.kind === 'none') continue;
    let taken: { port: number; source: Resource } | undefined;
    if (request.kind === 'fixed') {
      const hit = offered.find((o) => o.range.begin <= request.port && request.port <= o.range.end);
      taken = hit && { port: request.port, source: hit.source };
    } else {
      taken = nextDynamic();
    }
    if (!taken) return undefined;
    used.add(taken.port);
    hostPorts.push(taken.port);
    bySource.set(taken.source, [...(bySource.get(taken.source) ?? []), taken.port]);
  }
  const resources = [...bySource].map(([source, ports]) =>
    pieceOf(source, offer, { ranges: { range: valuesToRanges(ports) } }),
  );
  return { hostPorts, resources };
}

/**
 * Matches one instance of `app` against `remaining`, what is left of `offer` after earlier matches in
 * this offer cycle (offer.resources at first); the caller subtracts match.resources afterwards.
 * `placed` are the app's instances for constraint checks (see constraintsAllow).
 *
 * As Marathon, the reasons list every unmet scalar, role and constraint; ports are only tried when
 * everything else fits, so InsufficientPorts appears alone.
 */
export function matchOffer(
  app: AppDefinition,
  offer: Offer,
  remaining: Resource[],
  placed: readonly PlacementView[],
): MatchResult {
  const roles = acceptedRoles(app);
  const usable = remaining.filter((r) => selectable(r, roles));
  const reasons: OfferRejectReason[] = [];

  const resources: Resource[] = [];
  for (const need of SCALAR_NEEDS) {
    const amount = need.amount(app);
    if (amount <= 0) continue;
    const pool = usable.filter(
      (r) => r.name === need.name && r.type === 'SCALAR' && !(need.name === 'disk' && r.disk?.source),
    );
    const pieces = takeScalar(pool, amount, offer);
    if (pieces) resources.push(...pieces);
    else reasons.push(need.reason);
  }
  if (!offer.resources.some((r) => selectable(r, roles))) reasons.push('UnfulfilledRole');
  if (!constraintsAllow(app.constraints, offerPlacement(offer), placed))
    reasons.push('UnfulfilledConstraint');
  if (reasons.length > 0) return { ok: false, reasons };

  const portPool = usable.filter((r) => r.name === 'ports' && r.type === 'RANGES');
  const ports = takePorts(portRequests(app), portPool, offer);
  if (!ports) return { ok: false, reasons: ['InsufficientPorts'] };
  return { ok: true, match: { resources: [...resources, ...ports.resources], hostPorts: ports.hostPorts } };
}
