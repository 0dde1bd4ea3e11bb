// Pure: where the nodes of a process-driver cluster live. Each cluster gets a slot s, and each node
// its own loopback address 127.s.<role>.<n> with its role's standard port, so a cluster looks like
// real hosts and two clusters never collide. Tasks share the host's network, so every agent of
// every cluster gets a task port range no other agent has.
import type { NodeAddressing } from '../../plan.js';
import { STANDARD_PORTS, type ClusterSpec, type Role } from '../../spec.js';

const ROLE_OCTET: Record<Role, number> = { master: 1, agent: 2, zookeeper: 3, marathon: 4, chronos: 5 };

export const MAX_SLOT = 254;
export const MAX_NODES_PER_ROLE = 254;
export const AGENT_PORTS_PER_AGENT = 1000;
/** Mesos's default task ports start at 31000; the blocks stop below 65000. */
export const AGENT_PORTS_FIRST = 31000;
export const AGENT_PORTS_LAST = 64999;

export type PortRange = [number, number];

export interface ProcessAllocation {
  slot: number;
  /** One range per agent, agent-1 first. */
  agentPorts: PortRange[];
}

export function loopbackAddress(slot: number, role: Role, index: number): string {
  return `127.${slot}.${ROLE_OCTET[role]}.${index}`;
}

/** The lowest slot not in use, or null when all are taken. */
export function chooseSlot(used: ReadonlySet<number>): number | null {
  for (let s = 1; s <= MAX_SLOT; s++) if (!used.has(s)) return s;
  return null;
}

function overlaps(a: PortRange, b: PortRange): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

/** `count` ranges of `size` ports that overlap none of `used` (nor each other), or null. */
export function chooseAgentPorts(
  count: number,
  used: readonly PortRange[],
  size = AGENT_PORTS_PER_AGENT,
): PortRange[] | null {
  const out: PortRange[] = [];
  for (let lo = AGENT_PORTS_FIRST; out.length < count && lo + size - 1 <= AGENT_PORTS_LAST; lo += size) {
    const range: PortRange = [lo, lo + size - 1];
    if (!used.some((u) => overlaps(u, range))) out.push(range);
  }
  return out.length === count ? out : null;
}

export function processAddressing(spec: ClusterSpec, allocation: ProcessAllocation): NodeAddressing {
  return {
    hostOf(id: string): string {
      const m = /^([a-z]+)-(\d+)$/.exec(id);
      if (!m) throw new Error(`not a node id: '${id}'`);
      return loopbackAddress(allocation.slot, m[1] as Role, Number(m[2]));
    },
    portOf(role: Role, index: number): number {
      // A configured port of 0 means "the standard one": loopback addresses never collide.
      return (index === 1 ? spec.ports[role] : undefined) || STANDARD_PORTS[role];
    },
    agentPorts(index: number): string {
      const range = allocation.agentPorts[index - 1];
      if (!range) throw new Error(`no port range for agent-${index}`);
      return `[${range[0]}-${range[1]}]`;
    },
  };
}
