// RESERVE, UNRESERVE, CREATE and DESTROY as the master validates and applies them to an ACCEPT's
// offered resources, the resource identity they rely on (reservation stacks, persistence ids), the
// agent's total rebuilt from checkpointed resources, and the allocator following the conversions.
import { describe, expect, it } from 'vitest';
import { HierarchicalAllocator } from '../../src/mesos/master/allocator/index.js';
import {
  applyOperation,
  type AppliedOperation,
  type OperationContext,
} from '../../src/mesos/master/operations.js';
import {
  addResources,
  applyCheckpointedResources,
  checkpointedOf,
  containsResources,
  downgradeResource,
  normalizeResources,
  parseResources,
  reservationRole,
  resourcesEqual,
  scalarOf,
  subtractResources,
  toResmap,
  upgradeResource,
  withAllocationRole,
} from '../../src/mesos/protocol/resources.js';
import type { OfferOperation, ReservationInfo, Resource } from '../../src/mesos/protocol/types.js';

const scalar = (name: string, value: number, extra: Partial<Resource> = {}): Resource => ({
  name,
  type: 'SCALAR',
  scalar: { value },
  ...extra,
});
const dynamic = (role: string, more: Partial<ReservationInfo> = {}): ReservationInfo[] => [
  { type: 'DYNAMIC', role, ...more },
];
const reserved = (name: string, value: number, role: string, more: Partial<ReservationInfo> = {}): Resource =>
  scalar(name, value, { reservations: dynamic(role, more) });
const volume = (id: string, size: number, role = 'eng', path = 'data'): Resource =>
  scalar('disk', size, {
    reservations: dynamic(role),
    disk: { persistence: { id }, volume: { container_path: path, mode: 'RW' } },
  });

/** An offer of `text` allocated to `role`, as the master holds it. */
const offer = (text: string, role = 'eng'): Resource[] => withAllocationRole(parseResources(text), role);

function context(overrides: Partial<OperationContext> = {}): OperationContext {
  return {
    frameworkRoles: ['eng'],
    capabilities: new Set(),
    allocationRole: 'eng',
    checkpointed: [],
    used: [],
    agent: 'S0 at slave(1)@127.0.0.1:5051 (localhost)',
    ...overrides,
  };
}

function apply(
  remaining: Resource[],
  op: OfferOperation,
  ctx = context(),
): AppliedOperation | { error: string } {
  return applyOperation(remaining, op as OfferOperation & { type: 'RESERVE' }, ctx);
}

function applied(result: AppliedOperation | { error: string }): AppliedOperation {
  if ('error' in result) throw new Error(`unexpected error: ${result.error}`);
  return result;
}

function errorOf(result: AppliedOperation | { error: string }): string {
  if (!('error' in result)) throw new Error('expected the operation to be dropped');
  return result.error;
}

const reserve = (...resources: Resource[]): OfferOperation => ({ type: 'RESERVE', reserve: { resources } });
const unreserve = (...resources: Resource[]): OfferOperation => ({
  type: 'UNRESERVE',
  unreserve: { resources },
});
const create = (...volumes: Resource[]): OfferOperation => ({ type: 'CREATE', create: { volumes } });
const destroy = (...volumes: Resource[]): OfferOperation => ({ type: 'DESTROY', destroy: { volumes } });

describe('resource identity', () => {
  it('keeps static and dynamic reservations of one role apart', () => {
    const sum = addResources([scalar('cpus', 1, { role: 'eng' })], [reserved('cpus', 2, 'eng')]);
    expect(sum).toHaveLength(2);
    expect(containsResources(sum, [reserved('cpus', 3, 'eng')])).toBe(false);
  });

  it('merges reservations with the same role, principal and labels, in either format', () => {
    const labels = { labels: [{ key: 'k', value: 'v' }] };
    const post = reserved('mem', 64, 'eng', { principal: 'p', labels });
    const pre = scalar('mem', 32, { role: 'eng', reservation: { principal: 'p', labels } });
    expect(normalizeResources([post, pre])).toEqual([{ ...post, scalar: { value: 96 } }]);
    const otherLabels = reserved('mem', 32, 'eng', { principal: 'p', labels: { labels: [{ key: 'k' }] } });
    expect(normalizeResources([post, otherLabels])).toHaveLength(2);
  });

  it('never merges a persistent volume with plain disk, and uses a volume whole', () => {
    const plain = reserved('disk', 100, 'eng');
    const sum = addResources([plain], [volume('v1', 64)]);
    expect(sum).toHaveLength(2);
    expect(scalarOf(sum, 'disk')).toBe(164);
    expect(containsResources(sum, [reserved('disk', 164, 'eng')])).toBe(false);
    expect(containsResources(sum, [volume('v1', 32)])).toBe(false);
    expect(resourcesEqual(subtractResources(sum, [volume('v1', 32)]), sum)).toBe(true);
    expect(resourcesEqual(subtractResources(sum, [volume('v1', 64, 'eng', 'elsewhere')]), [plain])).toBe(
      true,
    );
    expect(toResmap(sum)).toMatchObject({ disk: 164 });
  });

  it('converts between the pre- and post-refinement formats', () => {
    const pre = scalar('cpus', 1, { role: 'eng', reservation: { principal: 'p' } });
    const post = upgradeResource(pre);
    expect(post).toEqual(
      scalar('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }] }),
    );
    expect(downgradeResource(post)).toEqual(pre);
    expect(downgradeResource(scalar('cpus', 1))).toEqual(scalar('cpus', 1, { role: '*' }));
    expect(upgradeResource(scalar('cpus', 1, { role: 'eng' }))).toEqual(
      scalar('cpus', 1, { reservations: [{ type: 'STATIC', role: 'eng' }] }),
    );
  });
});

describe('applyCheckpointedResources', () => {
  const flags = parseResources('cpus:4;mem:1024;disk:1000;disk(ops):200');

  it("rebuilds an agent's total from its flags and its dynamic reservations and volumes", () => {
    // A volume on ops's static reservation keeps that reservation under the volume.
    const onStatic = scalar('disk', 50, {
      reservations: [{ type: 'STATIC', role: 'ops' }],
      disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } },
    });
    const checkpointed = [reserved('cpus', 1, 'eng'), volume('v2', 100), onStatic];
    const result = applyCheckpointedResources(flags, checkpointed);
    if ('error' in result) throw new Error(result.error);
    expect(scalarOf(result.resources, 'cpus')).toBe(4);
    expect(scalarOf(result.resources, 'disk')).toBe(1200);
    const want = [scalar('cpus', 3), reserved('cpus', 1, 'eng'), scalar('disk', 900), volume('v2', 100)];
    expect(
      containsResources(result.resources, [...want, onStatic, scalar('disk', 150, { role: 'ops' })]),
    ).toBe(true);
    expect(resourcesEqual(checkpointedOf(result.resources), checkpointed)).toBe(true);
  });

  it('fails when the flags no longer hold what was reserved', () => {
    const result = applyCheckpointedResources(flags, [reserved('cpus', 8, 'eng')]);
    expect(result).toEqual({
      error: expect.stringMatching(/^Incompatible agent resources: .* does not contain cpus/),
    });
    expect(applyCheckpointedResources(flags, [scalar('cpus', 1)])).toEqual({
      error: 'Unexpected checkpointed resources cpus:1',
    });
  });
});

describe('RESERVE', () => {
  it('reserves part of the offered unreserved resources for the framework role', () => {
    const result = applied(
      apply(offer('cpus:2;mem:512'), reserve(reserved('cpus', 1, 'eng', { principal: 'p' }))),
    );
    const want = [scalar('cpus', 1), reserved('cpus', 1, 'eng', { principal: 'p' }), scalar('mem', 512)];
    expect(resourcesEqual(result.remaining, want)).toBe(true);
    expect(result.remaining.every((r) => r.allocation_info?.role === 'eng')).toBe(true);
    expect(result.conversions).toEqual([
      { consumed: [scalar('cpus', 1)], converted: [reserved('cpus', 1, 'eng', { principal: 'p' })] },
    ]);
  });

  it('takes the pre-refinement form too', () => {
    const pre = scalar('mem', 128, { role: 'eng', reservation: {} });
    const result = applied(apply(offer('mem:512'), reserve(pre)));
    expect(resourcesEqual(result.remaining, [scalar('mem', 384), reserved('mem', 128, 'eng')])).toBe(true);
  });

  it('merges a second reservation with the same labels into the first', () => {
    const first = applied(apply(offer('cpus:3'), reserve(reserved('cpus', 1, 'eng'))));
    const second = applied(apply(first.remaining, reserve(reserved('cpus', 1, 'eng'))));
    expect(resourcesEqual(second.remaining, [scalar('cpus', 1), reserved('cpus', 2, 'eng')])).toBe(true);
    expect(second.remaining.filter((r) => reservationRole(r) === 'eng')).toHaveLength(1);
  });

  it('refines a reservation of the parent role for a child role', () => {
    const parent = reserved('cpus', 2, 'eng');
    const refined = scalar('cpus', 1, { reservations: [...dynamic('eng'), ...dynamic('eng/web')] });
    const ctx = context({ frameworkRoles: ['eng/web'], allocationRole: 'eng/web' });
    const result = applied(apply(withAllocationRole([parent], 'eng/web'), reserve(refined), ctx));
    expect(resourcesEqual(result.remaining, [reserved('cpus', 1, 'eng'), refined])).toBe(true);
  });

  it('drops reservations for "*", for other roles and beyond the offer', () => {
    const remaining = offer('cpus:2');
    expect(errorOf(apply(remaining, reserve(reserved('cpus', 1, '*'))))).toBe(
      "Operation attempted with invalid resources: Resource 'cpus(reservations: [(DYNAMIC,*)]):1' is invalid: " +
        'Invalid reservation: role "*" cannot be reserved',
    );
    expect(errorOf(apply(remaining, reserve(scalar('cpus', 1, { role: '*', reservation: {} }))))).toMatch(
      /role "\*" cannot be dynamically reserved$/,
    );
    expect(errorOf(apply(remaining, reserve(reserved('cpus', 1, 'ops'))))).toBe(
      "A reserve operation was attempted for a resource with role 'ops', but the resource was allocated to " +
        "role 'eng'; on agent S0 at slave(1)@127.0.0.1:5051 (localhost)",
    );
    expect(errorOf(apply(remaining, reserve(reserved('cpus', 3, 'eng'))))).toMatch(
      /^cpus\(allocated: eng\):2 does not contain cpus\(allocated: eng\):3$/,
    );
    expect(errorOf(apply(remaining, reserve(scalar('cpus', 1))))).toMatch(
      /^Resource cpus\(allocated: eng\):1 is not dynamically reserved; on agent S0/,
    );
  });

  it('drops a reservation from resources reserved for another role', () => {
    // The offer holds eng's static reservation; RESERVE may only push onto unreserved resources.
    const remaining = offer('cpus(eng):2');
    expect(errorOf(apply(remaining, reserve(reserved('cpus', 1, 'eng'))))).toMatch(/does not contain/);
  });

  it('checks the principal and refuses a source', () => {
    const ctx = context({ principal: 'alice' });
    expect(errorOf(apply(offer('cpus:2'), reserve(reserved('cpus', 1, 'eng')), ctx))).toMatch(
      /^A reserve operation was attempted by principal 'alice', but there is a reserved resource/,
    );
    expect(
      errorOf(apply(offer('cpus:2'), reserve(reserved('cpus', 1, 'eng', { principal: 'bob' })), ctx)),
    ).toMatch(/which does not match a reserved resource in the request with principal 'bob'/);
    const withSource: OfferOperation = {
      type: 'RESERVE',
      reserve: { source: [scalar('cpus', 1)], resources: [reserved('cpus', 1, 'eng')] },
    };
    expect(errorOf(apply(offer('cpus:2'), withSource))).toMatch(
      /Reservation updates are not yet implemented/,
    );
  });

  it('needs a framework subscribed with the role', () => {
    const ctx = context({ frameworkRoles: ['ops'] });
    expect(errorOf(apply(offer('cpus:2'), reserve(reserved('cpus', 1, 'eng')), ctx))).toMatch(
      /but the framework only has roles '\{ ops \}'/,
    );
  });
});

describe('UNRESERVE', () => {
  const remaining = withAllocationRole([scalar('cpus', 1), reserved('cpus', 3, 'eng')], 'eng');

  it('gives back part of a reservation', () => {
    const result = applied(apply(remaining, unreserve(reserved('cpus', 2, 'eng'))));
    expect(resourcesEqual(result.remaining, [scalar('cpus', 3), reserved('cpus', 1, 'eng')])).toBe(true);
  });

  it('drops static reservations, volumes and what the offer lacks', () => {
    expect(errorOf(apply(offer('cpus(eng):2'), unreserve(scalar('cpus', 1, { role: 'eng' }))))).toMatch(
      /is not dynamically reserved/,
    );
    expect(
      errorOf(apply(withAllocationRole([volume('v1', 10)], 'eng'), unreserve(volume('v1', 10)))),
    ).toMatch(/cannot be unreserved directly. Please destroy the persistent volume first/);
    expect(errorOf(apply(remaining, unreserve(reserved('cpus', 4, 'eng'))))).toMatch(/does not contain/);
  });

  it('cannot unreserve the disk a volume holds', () => {
    const withVolume = withAllocationRole([reserved('disk', 10, 'eng'), volume('v1', 90)], 'eng');
    expect(errorOf(apply(withVolume, unreserve(reserved('disk', 100, 'eng'))))).toMatch(/does not contain/);
    expect(applied(apply(withVolume, unreserve(reserved('disk', 10, 'eng')))).remaining).toHaveLength(2);
  });
});

describe('CREATE and DESTROY', () => {
  const disk = withAllocationRole([reserved('disk', 100, 'eng'), scalar('disk', 500)], 'eng');

  it('carves a volume out of reserved disk and destroys it back into that disk', () => {
    const created = applied(apply(disk, create(volume('v1', 60))));
    expect(
      resourcesEqual(created.remaining, [reserved('disk', 40, 'eng'), volume('v1', 60), scalar('disk', 500)]),
    ).toBe(true);
    expect(created.conversions).toEqual([
      { consumed: [reserved('disk', 60, 'eng')], converted: [volume('v1', 60)] },
    ]);
    const ctx = context({ checkpointed: [reserved('disk', 40, 'eng'), volume('v1', 60)] });
    const destroyed = applied(apply(created.remaining, destroy(volume('v1', 60)), ctx));
    expect(resourcesEqual(destroyed.remaining, disk)).toBe(true);
  });

  it('refuses volumes on unreserved disk, read-only ones and ones without a volume', () => {
    const unreservedVolume = scalar('disk', 10, {
      disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } },
    });
    expect(errorOf(apply(disk, create(unreservedVolume)))).toBe(
      'Invalid resources: Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources; ' +
        'on agent S0 at slave(1)@127.0.0.1:5051 (localhost)',
    );
    const readOnly = {
      ...volume('v1', 10),
      disk: { persistence: { id: 'v1' }, volume: { container_path: 'd', mode: 'RO' } },
    };
    expect(errorOf(apply(disk, create(readOnly)))).toMatch(
      /^Not a persistent volume: Read-only persistent volume/,
    );
    expect(errorOf(apply(disk, create(reserved('disk', 10, 'eng'))))).toMatch(/does not have DiskInfo/);
  });

  it('keeps persistence ids unique per role on the agent', () => {
    const ctx = context({ checkpointed: [volume('v1', 5)] });
    expect(errorOf(apply(disk, create(volume('v1', 10)), ctx))).toMatch(/^Persistence ID 'v1' is not unique/);
    expect(errorOf(apply(disk, create(volume('v2', 10), volume('v2', 10))))).toMatch(/'v2' is not unique/);
    // The same id under another role is another volume.
    const opsCtx = context({ checkpointed: [volume('v1', 5, 'ops')] });
    expect(applied(apply(disk, create(volume('v1', 10)), opsCtx)).conversions).toHaveLength(1);
  });

  it('does not destroy a volume it does not know or one a task uses', () => {
    const withVolume = withAllocationRole([volume('v1', 60)], 'eng');
    expect(errorOf(apply(withVolume, destroy(volume('v1', 60))))).toMatch(/^Persistent volumes not found/);
    const ctx = context({ checkpointed: [volume('v1', 60)], used: [volume('v1', 60, 'eng', 'elsewhere')] });
    expect(errorOf(apply(withVolume, destroy(volume('v1', 60)), ctx))).toMatch(/^Persistent volumes in use/);
  });

  it('applies RESERVE then CREATE in one accept, each to what the previous left', () => {
    const first = applied(apply(offer('disk:500'), reserve(reserved('disk', 100, 'eng'))));
    const second = applied(apply(first.remaining, create(volume('v1', 100))));
    expect(resourcesEqual(second.remaining, [scalar('disk', 400), volume('v1', 100)])).toBe(true);
  });
});

describe('HierarchicalAllocator.updateAllocation', () => {
  it('converts what the framework holds and the agent total, so the next offer carries the change', () => {
    const a = new HierarchicalAllocator({ random: () => 0 });
    a.addFramework('f', { roles: ['eng'] });
    a.addFramework('g', { roles: ['ops'] });
    a.addAgent('a1', {}, parseResources('cpus:2;mem:512'));
    a.deactivateFramework('g');
    const [first] = a.allocate(0);
    expect(first!.frameworkId).toBe('f');
    const op = applied(apply(first!.resources, reserve(reserved('cpus', 1, 'eng'))));
    expect(a.updateAllocation('f', 'a1', 'eng', op.conversions)).toBe(true);
    expect(
      resourcesEqual(a.agentTotal('a1')!, [
        scalar('cpus', 1),
        reserved('cpus', 1, 'eng'),
        scalar('mem', 512),
      ]),
    ).toBe(true);
    a.recoverResources('f', 'a1', op.remaining, null, 0);
    // Another role sees the unreserved part only; the reserving role gets its reservation back.
    a.deactivateFramework('f');
    a.activateFramework('g');
    const [forOps] = a.allocate(1);
    expect(resourcesEqual(forOps!.resources, [scalar('cpus', 1), scalar('mem', 512)])).toBe(true);
    a.recoverResources('g', 'a1', forOps!.resources, null, 1);
    a.deactivateFramework('g');
    a.activateFramework('f');
    const [forEng] = a.allocate(2);
    expect(containsResources(forEng!.resources, [reserved('cpus', 1, 'eng')])).toBe(true);
  });

  it('changes nothing when the conversions do not fit what is held', () => {
    const a = new HierarchicalAllocator({ random: () => 0 });
    a.addFramework('f', { roles: ['eng'] });
    a.addAgent('a1', {}, parseResources('cpus:2'));
    a.allocate(0);
    const tooMuch = [{ consumed: [scalar('cpus', 3)], converted: [reserved('cpus', 3, 'eng')] }];
    expect(a.updateAllocation('f', 'a1', 'eng', tooMuch)).toBe(false);
    expect(a.updateAllocation('f', 'nowhere', 'eng', tooMuch)).toBe(false);
    expect(resourcesEqual(a.agentTotal('a1')!, parseResources('cpus:2'))).toBe(true);
  });
});
