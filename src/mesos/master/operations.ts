// The offer operations that change an agent's resources without running anything (RESERVE,
// UNRESERVE, CREATE, DESTROY), validated and applied as Mesos's master does during an ACCEPT
// (src/master/master.cpp `accept`/`_accept`, src/master/validation.cpp `operation::validate`,
// src/common/resources_utils.cpp `getResourceConversions`). Pure: the master passes what it knows
// of the framework and the agent, and gets back either what is left of the offers plus the
// conversions to apply to the agent's total, or the error text Mesos drops the operation with.
import { validateId } from '../protocol/ids.js';
import {
  applyConversions,
  containsResources,
  describeResources,
  diskInfoOf,
  isDynamicallyReserved,
  isPersistentVolume,
  persistenceIdOf,
  popReservation,
  reservationRole,
  reservationStack,
  upgradeResource,
  withAllocationRole,
  withoutAllocationInfo,
  withoutPersistence,
  type ResourceConversion,
} from '../protocol/resources.js';
import type { OfferOperation, Resource } from '../protocol/types.js';
import { validateResource } from './validation.js';

export type ResourceOperationType = 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY';

/** The speculative operations this module handles; LAUNCH and LAUNCH_GROUP stay in the master. */
export function isResourceOperation(
  op: OfferOperation,
): op is OfferOperation & { type: ResourceOperationType } {
  return op.type === 'RESERVE' || op.type === 'UNRESERVE' || op.type === 'CREATE' || op.type === 'DESTROY';
}

export interface OperationContext {
  /** The roles the framework is subscribed with. */
  frameworkRoles: readonly string[];
  /** FrameworkInfo.principal, when the framework has one. */
  principal?: string;
  /** FrameworkInfo capability names (SHARED_RESOURCES...). */
  capabilities: ReadonlySet<string>;
  /** The role the accepted offers were allocated to; resources without allocation_info get it. */
  allocationRole: string;
  /** The agent's checkpointed resources (dynamic reservations and volumes) before this operation. */
  checkpointed: readonly Resource[];
  /** What the agent's tasks and executors use now. */
  used: readonly Resource[];
  /** How messages name the agent (Mesos: `<id> at slave(1)@ip:port (hostname)`). */
  agent: string;
}

export interface AppliedOperation {
  /** What is left of the offers after the operation, with allocation_info. */
  remaining: Resource[];
  /** The operation as conversions, without allocation_info, to apply to the agent's total. */
  conversions: ResourceConversion[];
}

/**
 * Validates `op` against the offers' remaining resources and applies it. Operations of one ACCEPT
 * are applied in order, each to what the previous ones left.
 */
export function applyOperation(
  remaining: readonly Resource[],
  op: OfferOperation & { type: ResourceOperationType },
  ctx: OperationContext,
): AppliedOperation | { error: string } {
  const given = operationResources(op);
  if (given === undefined) {
    const field = op.type.toLowerCase();
    const article = op.type === 'UNRESERVE' ? 'An' : 'A';
    return {
      error: `Operation attempted with invalid resources: ${article} ${op.type} offer operation must have the Offer.Operation.${field} field set.`,
    };
  }
  // validateAndUpgradeResources: the shape of every resource, then the post-refinement form.
  for (const r of given) {
    const error = validateResource(r);
    if (error) {
      return {
        error: `Operation attempted with invalid resources: Resource '${describeResources([r])}' is invalid: ${error}`,
      };
    }
  }
  if (op.type === 'RESERVE' && (op.reserve?.source ?? []).length > 0) {
    return {
      error:
        'Operation attempted with invalid resources: Reservation updates are not yet implemented for the scheduler API.',
    };
  }
  // protobuf::injectAllocationInfo: the offer's allocation role where the framework left it out.
  const resources = given.map((r) => {
    const up = upgradeResource(r);
    if (up.allocation_info?.role === undefined) up.allocation_info = { role: ctx.allocationRole };
    return up;
  });
  const invalid = validate(op.type, resources, ctx);
  if (invalid) return { error: `${invalid}; on agent ${ctx.agent}` };

  // Offered resources all carry the offer's allocation role; any other role is not in the offer.
  const foreign = resources.filter((r) => r.allocation_info?.role !== ctx.allocationRole);
  if (foreign.length > 0) {
    return { error: `${describeResources(remaining)} does not contain ${describeResources(foreign)}` };
  }
  const allocated = conversionsOf(op.type, resources);
  const applied = applyConversions(remaining, allocated);
  if ('error' in applied) return applied;
  return {
    remaining: withAllocationRole(applied.resources, ctx.allocationRole),
    conversions: allocated.map((c) => ({
      consumed: withoutAllocationInfo(c.consumed),
      converted: withoutAllocationInfo(c.converted),
    })),
  };
}

function operationResources(op: OfferOperation): Resource[] | undefined {
  switch (op.type) {
    case 'RESERVE':
      return op.reserve?.resources;
    case 'UNRESERVE':
      return op.unreserve?.resources;
    case 'CREATE':
      return op.create?.volumes;
    case 'DESTROY':
      return op.destroy?.volumes;
    default:
      return undefined;
  }
}

/** getResourceConversions for the four operations (resources without allocation_info). */
export function conversionsOf(
  type: ResourceOperationType,
  resources: readonly Resource[],
): ResourceConversion[] {
  switch (type) {
    case 'RESERVE':
      // Without a `source`, RESERVE pushes one reservation on what it pops off.
      return [{ consumed: resources.map(popReservation), converted: [...resources] }];
    case 'UNRESERVE':
      return resources.map((r) => ({ consumed: [r], converted: [popReservation(r)] }));
    case 'CREATE':
      return resources.map((v) => ({ consumed: [withoutPersistence(v)], converted: [v] }));
    case 'DESTROY':
      return resources.map((v) => ({ consumed: [v], converted: [withoutPersistence(v)] }));
  }
}

function validate(type: ResourceOperationType, resources: Resource[], ctx: OperationContext): string | null {
  // resource::validate: DiskInfo and reservation rules beyond the shape.
  const resourceError = validateDiskAndReservations(resources);
  if (resourceError) return `Invalid resources: ${resourceError}`;
  switch (type) {
    case 'RESERVE':
      return validateReserve(resources, ctx);
    case 'UNRESERVE':
      return validateUnreserve(resources);
    case 'CREATE':
      return validateCreate(resources, ctx);
    case 'DESTROY':
      return validateDestroy(resources, ctx);
  }
}

/** resource::validate's validateDiskInfo and validateDynamicReservationInfo. */
function validateDiskAndReservations(resources: readonly Resource[]): string | null {
  for (const r of resources) {
    if (isDynamicallyReserved(r) && r.revocable) {
      return `Invalid ReservationInfo: Dynamically reserved resource ${describeResources([r])} cannot be created from revocable resources`;
    }
    const disk = diskInfoOf(r);
    if (!disk) continue;
    if (disk.persistence) {
      if (r.revocable)
        return 'Invalid DiskInfo: Persistent volumes cannot be created from revocable resources';
      if (reservationStack(r).length === 0) {
        return 'Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources';
      }
      if (!disk.volume) return "Invalid DiskInfo: Expecting 'volume' to be set for persistent volume";
      if (disk.volume.host_path !== undefined) {
        return "Invalid DiskInfo: Expecting 'host_path' to be unset for persistent volume";
      }
      const idError = validateId(String(disk.persistence.id ?? ''));
      if (idError) return `Invalid DiskInfo: Invalid persistence ID for persistent volume: ${idError}`;
    } else if (disk.volume) {
      return 'Invalid DiskInfo: Non-persistent volume not supported';
    } else if (!disk.source) {
      return 'Invalid DiskInfo: DiskInfo is set but empty';
    }
  }
  return null;
}

function rolesText(roles: readonly string[]): string {
  return `{ ${roles.join(', ')} }`;
}

function validateReserve(resources: readonly Resource[], ctx: OperationContext): string | null {
  for (const r of resources) {
    if (!isDynamicallyReserved(r)) return `Resource ${describeResources([r])} is not dynamically reserved`;
    const stack = reservationStack(r);
    const reservation = stack[stack.length - 1]!;
    if (ctx.principal !== undefined) {
      if (reservation.principal === undefined) {
        return (
          `A reserve operation was attempted by principal '${ctx.principal}', but there is a ` +
          'reserved resource in the request with no principal set'
        );
      }
      if (reservation.principal !== ctx.principal) {
        return (
          `A reserve operation was attempted by authenticated principal '${ctx.principal}', which does not ` +
          `match a reserved resource in the request with principal '${reservation.principal}'`
        );
      }
    }
    const role = reservationRole(r);
    const allocated = r.allocation_info?.role;
    if (allocated === undefined) {
      return (
        `A reserve operation was attempted on unallocated resource ${describeResources([r])}, but ` +
        'frameworks can only perform reservations on allocated resources'
      );
    }
    if (allocated !== role) {
      return (
        `A reserve operation was attempted for a resource with role '${role}', but the resource was ` +
        `allocated to role '${allocated}'`
      );
    }
    if (!ctx.frameworkRoles.includes(allocated)) {
      return (
        `A reserve operation was attempted for a resource allocated to role '${allocated}', but the ` +
        `framework only has roles '${rolesText(ctx.frameworkRoles)}'`
      );
    }
  }
  const single = validateAllocatedToSingleRole(resources);
  return single ? `Invalid reservation resources: ${single}` : null;
}

function validateUnreserve(resources: readonly Resource[]): string | null {
  for (const r of resources) {
    if (!isDynamicallyReserved(r)) return `Resource ${describeResources([r])} is not dynamically reserved`;
    if (isPersistentVolume(r)) {
      return (
        `A dynamically reserved persistent volume ${describeResources([r])} cannot be unreserved ` +
        'directly. Please destroy the persistent volume first then unreserve the resource'
      );
    }
  }
  return null;
}

/** validatePersistentVolume: every resource is a RW persistent volume. */
function validatePersistentVolumes(volumes: readonly Resource[]): string | null {
  for (const v of volumes) {
    const disk = diskInfoOf(v);
    let error: string | null = null;
    if (!disk) error = `Resource ${describeResources([v])} does not have DiskInfo`;
    else if (!disk.persistence) error = "'persistence' is not set in DiskInfo";
    else if (!disk.volume) error = "Expecting 'volume' to be set for persistent volume";
    else if (disk.volume.mode === 'RO') error = 'Read-only persistent volume not supported';
    if (error) return `Not a persistent volume: ${error}`;
  }
  return null;
}

function validateCreate(volumes: readonly Resource[], ctx: OperationContext): string | null {
  const notVolume = validatePersistentVolumes(volumes);
  if (notVolume) return notVolume;
  // Persistence ids are unique per role on an agent, counting the volumes it already has.
  const seen = new Set<string>();
  for (const v of [...ctx.checkpointed, ...volumes]) {
    const id = persistenceIdOf(v);
    if (id === undefined) continue;
    const key = `${reservationRole(v)}\u0000${id}`;
    if (seen.has(key)) return `Persistence ID '${id}' is not unique`;
    seen.add(key);
  }
  for (const v of volumes) {
    if (v.shared) {
      if (!ctx.capabilities.has('SHARED_RESOURCES')) {
        return (
          `Create volume operation for '${describeResources([v])}' has been attempted by a framework ` +
          'with no SHARED_RESOURCES capability'
        );
      }
      // Shared volumes may be used by several tasks at once; this master does not count copies.
      return `Create volume operation for '${describeResources([v])}': shared persistent volumes are not supported`;
    }
    const principal = diskInfoOf(v)?.persistence?.principal;
    if (ctx.principal !== undefined) {
      if (principal === undefined) {
        return (
          `Create volume operation attempted by principal '${ctx.principal}', but there is a volume in ` +
          "the operation with no principal set in 'disk.persistence'"
        );
      }
      if (principal !== ctx.principal) {
        return (
          `Create volume operation attempted by authenticated principal '${ctx.principal}', which does ` +
          `not match a volume in the operation with principal '${principal}' set in 'disk.persistence'`
        );
      }
    }
  }
  const single = validateAllocatedToSingleRole(volumes);
  return single ? `Invalid volume resources: ${single}` : null;
}

function validateDestroy(volumes: readonly Resource[], ctx: OperationContext): string | null {
  const plain = withoutAllocationInfo(volumes);
  const notVolume = validatePersistentVolumes(plain);
  if (notVolume) return notVolume;
  for (const v of plain) {
    if (!containsResources(ctx.checkpointed, [v])) return 'Persistent volumes not found';
  }
  const used = withoutAllocationInfo(ctx.used);
  for (const v of plain) if (containsResources(used, [v])) return 'Persistent volumes in use';
  return null;
}

function validateAllocatedToSingleRole(resources: readonly Resource[]): string | null {
  let role: string | undefined;
  for (const r of resources) {
    const allocated = r.allocation_info?.role;
    if (allocated === undefined) return 'The resources are not allocated to a role';
    if (role !== undefined && allocated !== role) {
      return (
        `The resources have multiple allocation roles ('${allocated}' and '${role}') but only one ` +
        'allocation role is allowed'
      );
    }
    role = allocated;
  }
  return null;
}
