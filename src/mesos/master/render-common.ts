// Helpers shared by the read-only renderers (state-json.ts, v1-objects.ts, metrics.ts): resource
// accounting derived from tasks and offers (the model stores no used/offered totals, so every
// renderer must derive them the same way), the resource formats Mesos's endpoints emit, role
// breakdowns, and the protobuf defaults Mesos's JSON writer adds for unset fields.
import {
  addResources,
  isTerminalState,
  quantitiesOf,
  reservationRole,
  uint32ToIp,
  upgradeResource,
} from '../protocol/index.js';
import type {
  CommandInfo,
  ContainerInfo,
  ExecutorInfo,
  FrameworkInfo,
  HealthCheck,
  ReservationInfo,
  Resource,
} from '../protocol/index.js';
import type { MasterAgent, MasterFramework, MasterTask, MasterView } from './model.js';

// ---- accounting ----

/** Resources tagged with the role they are allocated to (for role-subtree breakdowns). */
interface Allocated {
  role: string;
  resources: readonly Resource[];
}

/** Non-terminal tasks hold resources: Mesos recovers them at the terminal update, before the ACK. */
export function taskHoldsResources(task: MasterTask): boolean {
  return !isTerminalState(task.state);
}

function fallbackRole(fw: MasterFramework): string {
  return fw.roles[0] ?? fw.info.role ?? '*';
}

/** What a framework uses, per agent: its live tasks plus the executors it registered there. */
function frameworkAllocations(fw: MasterFramework): Array<Allocated & { agentId: string }> {
  const out: Array<Allocated & { agentId: string }> = [];
  for (const task of fw.tasks.values()) {
    if (taskHoldsResources(task)) {
      out.push({ agentId: task.agentId, role: task.role, resources: task.resources });
    }
  }
  for (const [agentId, executors] of fw.executors) {
    for (const executor of executors.values()) {
      const resources = executor.resources ?? [];
      if (resources.length > 0) {
        out.push({ agentId, role: resources[0]?.allocation_info?.role ?? fallbackRole(fw), resources });
      }
    }
  }
  return out;
}

/**
 * Sums resources keeping different allocation roles apart, as Mesos's Resources does (two
 * resources with different allocation_info are not addable); addResources alone would merge them.
 */
class AllocationSums {
  private readonly byRole = new Map<string, Resource[]>();

  /** `role` stands in for resources that carry no allocation_info of their own. */
  add(list: readonly Resource[], role: string): this {
    const groups = new Map<string, Resource[]>();
    for (const r of list) {
      const key = r.allocation_info?.role ?? role;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const [key, group] of groups) this.byRole.set(key, addResources(this.byRole.get(key) ?? [], group));
    return this;
  }

  all(): Resource[] {
    return [...this.byRole.values()].flat();
  }
}

export function frameworkUsed(fw: MasterFramework): Resource[] {
  const sums = new AllocationSums();
  for (const a of frameworkAllocations(fw)) sums.add(a.resources, a.role);
  return sums.all();
}

export function frameworkOffered(fw: MasterFramework): Resource[] {
  const sums = new AllocationSums();
  for (const o of fw.offers.values()) sums.add(o.offer.resources, o.role);
  return sums.all();
}

/** Per-agent used and offered resources, computed in one pass so rendering N agents stays O(tasks). */
export interface AgentUsage {
  used: ReadonlyMap<string, Resource[]>;
  offered: ReadonlyMap<string, Resource[]>;
}

function usage(view: MasterView, only?: string): AgentUsage {
  const used = new Map<string, AllocationSums>();
  const offered = new Map<string, AllocationSums>();
  const sums = (m: Map<string, AllocationSums>, id: string): AllocationSums => {
    let s = m.get(id);
    if (!s) m.set(id, (s = new AllocationSums()));
    return s;
  };
  for (const fw of view.frameworks.values()) {
    for (const a of frameworkAllocations(fw)) {
      if (only === undefined || a.agentId === only) sums(used, a.agentId).add(a.resources, a.role);
    }
  }
  for (const o of view.offers.values()) {
    const agentId = o.offer.agent_id.value;
    if (only === undefined || agentId === only) sums(offered, agentId).add(o.offer.resources, o.role);
  }
  const flatten = (m: Map<string, AllocationSums>): Map<string, Resource[]> =>
    new Map([...m].map(([id, s]) => [id, s.all()] as const));
  return { used: flatten(used), offered: flatten(offered) };
}

export function computeAgentUsage(view: MasterView): AgentUsage {
  return usage(view);
}

/** Usage of one agent only (for single-agent events, where building the whole index is wasteful). */
export function singleAgentUsage(view: MasterView, agentId: string): AgentUsage {
  return usage(view, agentId);
}

/** Resources.reservations(): reserved resources grouped by their (current) reservation role. */
export function reservationsByRole(list: readonly Resource[]): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const r of list) {
    const role = reservationRole(r);
    if (role === '*') continue;
    out.set(role, [...(out.get(role) ?? []), r]);
  }
  return out;
}

export function unreserved(list: readonly Resource[]): Resource[] {
  return list.filter((r) => reservationRole(r) === '*');
}

// ---- resource formats (src/common/resources_utils.cpp convertResourceFormat) ----

/** The post-refinement form Mesos keeps internally: only the `reservations` stack, no `role`. */
export function toPostRefinement(r: Resource): Resource {
  return upgradeResource(r);
}

/**
 * The ENDPOINT format: post-refinement plus the pre-refinement `role` (and `reservation` for a
 * dynamic one) whenever the stack has at most one entry, so old and new tools both understand it.
 */
export function toEndpointFormat(r: Resource): Resource {
  const out = toPostRefinement(r);
  const stack = out.reservations ?? [];
  if (stack.length === 0) {
    out.role = '*';
  } else if (stack.length === 1) {
    const only = stack[0]!;
    out.role = only.role ?? '*';
    if (only.type === 'DYNAMIC') {
      const reservation: ReservationInfo = {};
      if (only.principal !== undefined) reservation.principal = only.principal;
      if (only.labels !== undefined) reservation.labels = only.labels;
      out.reservation = reservation;
    }
  }
  return out;
}

// ---- roles ----

function inSubtree(role: string, root: string): boolean {
  return role === root || role.startsWith(root + '/');
}

function ancestors(role: string): string[] {
  const parts = role.split('/');
  const out: string[] = [];
  for (let i = parts.length - 1; i > 0; i--) out.push(parts.slice(0, i).join('/'));
  return out;
}

export interface RoleBreakdown {
  name: string;
  weight: number;
  frameworks: string[];
  allocated: Record<string, number>;
  offered: Record<string, number>;
  reserved: Record<string, number>;
  consumed: Record<string, number>;
}

function sumQuantities(lists: ReadonlyArray<readonly Resource[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const list of lists) {
    for (const [name, q] of quantitiesOf(list)) out.set(name, (out.get(name) ?? 0) + q);
  }
  return out;
}

/** ResourceQuantities JSON: names sorted, zero entries absent. */
export function quantitiesObject(q: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of [...q.keys()].sort()) {
    const v = Math.round(q.get(name)! * 1000) / 1000;
    if (v !== 0) out[name] = v;
  }
  return out;
}

/**
 * Master::knownRoles() with RoleResourceBreakdown: roles with frameworks or weights (from the
 * view), every reservation role on an agent, and all their ancestors; sorted like std::set.
 */
export function roleBreakdowns(view: MasterView): RoleBreakdown[] {
  const declared = new Map(view.roles().map((r) => [r.name, r] as const));
  const names = new Set<string>(declared.keys());
  for (const agent of view.agents.values()) {
    for (const role of reservationsByRole(agent.total).keys()) names.add(role);
  }
  for (const name of [...names]) for (const a of ancestors(name)) names.add(a);

  const allocations: Array<Allocated & { agentId: string }> = [];
  const offers: Allocated[] = [];
  for (const fw of view.frameworks.values()) {
    allocations.push(...frameworkAllocations(fw));
    for (const o of fw.offers.values()) {
      offers.push({ role: o.offer.allocation_info?.role ?? o.role, resources: o.offer.resources });
    }
  }

  return [...names].sort().map((name) => {
    const reservedIn = (list: readonly Resource[]): Resource[] =>
      list.filter((r) => reservationRole(r) !== '*' && inSubtree(reservationRole(r), name));
    const allocated = sumQuantities(
      allocations.filter((a) => inSubtree(a.role, name)).map((a) => a.resources),
    );
    const offered = sumQuantities(offers.filter((a) => inSubtree(a.role, name)).map((a) => a.resources));
    const reserved = sumQuantities([...view.agents.values()].map((agent) => reservedIn(agent.total)));
    // consumed = allocated + reservations in the subtree that nothing uses yet (consumedQuota()).
    const consumed = new Map(allocated);
    for (const agent of view.agents.values()) {
      const total = sumQuantities([reservedIn(agent.total)]);
      const usedHere = sumQuantities(
        allocations.filter((a) => a.agentId === agent.id).map((a) => reservedIn(a.resources)),
      );
      for (const [res, q] of total) {
        consumed.set(res, (consumed.get(res) ?? 0) + Math.max(0, q - (usedHere.get(res) ?? 0)));
      }
    }
    const entry = declared.get(name);
    return {
      name,
      weight: entry?.weight ?? 1,
      frameworks: entry?.frameworks ?? [],
      allocated: quantitiesObject(allocated),
      offered: quantitiesObject(offered),
      reserved: quantitiesObject(reserved),
      consumed: quantitiesObject(consumed),
    };
  });
}

// ---- protobuf defaults (JSON::Protobuf writes unset fields that declare a default) ----

export function commandWithDefaults(c: CommandInfo): CommandInfo {
  const out: CommandInfo = { ...c, shell: c.shell ?? true };
  if (c.uris) out.uris = c.uris.map((u) => ({ ...u, extract: u.extract ?? true }));
  if (c.environment) {
    out.environment = { variables: c.environment.variables.map((v) => ({ ...v, type: v.type ?? 'VALUE' })) };
  }
  return out;
}

export type NetworkInfoJson = Record<string, unknown>;

/** NetworkInfo.IPAddress.protocol defaults to IPv4. */
export function networkInfoWithDefaults(info: NetworkInfoJson): NetworkInfoJson {
  const ips = info['ip_addresses'];
  if (!Array.isArray(ips)) return info;
  return {
    ...info,
    ip_addresses: ips.map((ip: unknown) =>
      ip !== null && typeof ip === 'object' ? { protocol: 'IPv4', ...(ip as Record<string, unknown>) } : ip,
    ),
  };
}

export function containerWithDefaults(c: ContainerInfo): ContainerInfo {
  const out: ContainerInfo = { ...c };
  if (c.docker) {
    out.docker = {
      ...c.docker,
      network: c.docker.network ?? 'HOST',
      privileged: c.docker.privileged ?? false,
    };
  }
  if (c.mesos?.image) {
    out.mesos = { ...c.mesos, image: { ...c.mesos.image, cached: c.mesos.image.cached ?? true } };
  }
  if (c.network_infos) out.network_infos = c.network_infos.map(networkInfoWithDefaults);
  return out;
}

export function healthCheckWithDefaults(h: HealthCheck): HealthCheck {
  const out: HealthCheck = {
    ...h,
    delay_seconds: h.delay_seconds ?? 15,
    interval_seconds: h.interval_seconds ?? 10,
    timeout_seconds: h.timeout_seconds ?? 20,
    consecutive_failures: h.consecutive_failures ?? 3,
    grace_period_seconds: h.grace_period_seconds ?? 10,
  };
  if (h.command) out.command = commandWithDefaults(h.command);
  if (h.http) out.http = { protocol: 'IPv4', ...h.http } as HealthCheck['http'];
  if (h.tcp) out.tcp = { protocol: 'IPv4', ...h.tcp } as HealthCheck['tcp'];
  return out;
}

export function executorWithDefaults(e: ExecutorInfo): ExecutorInfo {
  const out: ExecutorInfo = { ...e };
  if (e.command) out.command = commandWithDefaults(e.command);
  if (e.container) out.container = containerWithDefaults(e.container);
  return out;
}

/** `role` also has a default ("*") but is deprecated, so Mesos does not write it. */
export function frameworkInfoWithDefaults(info: FrameworkInfo, id: string): FrameworkInfo {
  return {
    ...info,
    id: { value: id },
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
  };
}

// ---- misc ----

/** A MasterInfo's pid, or the `master@ip:port` libprocess would give it. */
export function masterPid(info: { pid?: string; ip: number; port: number }): string {
  return info.pid ? info.pid : `master@${uint32ToIp(info.ip)}:${info.port}`;
}

/** Seconds (double) to a TimeInfo; nanoseconds exceed 2^53, Mesos emits them as JSON numbers anyway. */
export function timeInfo(seconds: number): { nanoseconds: number } {
  return { nanoseconds: Math.round(seconds * 1e9) };
}

export function capabilityNames(caps: ReadonlyArray<{ type: string }> | undefined): string[] {
  return (caps ?? []).map((c) => c.type);
}

export function agentDeactivated(agent: MasterAgent): boolean {
  // The model folds operator deactivation and disconnection into `active`; a connected but
  // inactive agent can only have been deactivated by an operator (Mesos's slaves.deactivated).
  return agent.connected && !agent.active;
}
