// Allocation-cycle benchmark of the pure allocator, over the grid Mesos published for 1.7.1
// ("Performance Improvements in Mesos 1.7.0" blog: one role, no filtering) plus a DeclineOffers-
// style case (HierarchicalAllocator_BENCHMARK_Test.DeclineOffers: frameworks decline everything
// with a long filter, so each agent has to skip the frameworks that refused it).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { HierarchicalAllocator, type Allocation } from '../../src/mesos/master/allocator/index.js';
import { parseResources } from '../../src/mesos/protocol/resources.js';
import type { Resource } from '../../src/mesos/protocol/types.js';
import type { BenchRow } from './types.js';

const AGENT_RESOURCES = 'cpus:24;mem:65536;disk:409600;ports:[31000-32000]';
const ROLE = 'bench';

interface GridCase {
  agents: number;
  frameworks: number;
  /** Mesos 1.7.1's allocation cycle for this size, in ms. */
  mesosMs: number;
  cycles: number;
}

/**
 * Untimed cycles first (at least ~20k agent visits): the master allocates every second for its
 * whole life, so the steady state (optimized code) is what compares with Mesos' figures, not V8's
 * first interpreted pass.
 */
function warmupCycles(agents: number): number {
  return Math.max(2, Math.ceil(20_000 / agents));
}

const GRID: GridCase[] = [
  { agents: 1_000, frameworks: 100, mesosMs: 120, cycles: 9 },
  { agents: 10_000, frameworks: 1_000, mesosMs: 1_450, cycles: 5 },
  { agents: 20_000, frameworks: 2_000, mesosMs: 4_400, cycles: 5 },
];

/** Deterministic shuffles, so runs are comparable. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function label(n: number): string {
  return n >= 1000 ? `${n / 1000}k` : String(n);
}

function setUp(
  agents: number,
  frameworks: number,
  used?: (i: number) => { frameworkId: string; resources: Resource[] },
) {
  const allocator = new HierarchicalAllocator({ random: mulberry32(42) });
  for (let f = 0; f < frameworks; f++) allocator.addFramework(`fw-${f}`, { roles: [ROLE] });
  const total = parseResources(AGENT_RESOURCES);
  for (let a = 0; a < agents; a++) {
    allocator.addAgent(`agent-${a}`, { hostname: `host-${a}` }, total, used ? [used(a)] : []);
  }
  return allocator;
}

function recoverAll(
  allocator: HierarchicalAllocator,
  offers: Allocation[],
  refuseSeconds: number | null,
  nowMs: number,
) {
  for (const o of offers)
    allocator.recoverResources(o.frameworkId, o.agentId, o.resources, refuseSeconds, nowMs);
}

/** Full cycles with every agent free: allocate (timed), then give everything back (not timed). */
function fullCycles(c: GridCase): BenchRow {
  const allocator = setUp(c.agents, c.frameworks);
  const times: number[] = [];
  let now = 0;
  const warmup = warmupCycles(c.agents);
  for (let i = 0; i < warmup + c.cycles; i++) {
    now += 1000;
    const start = performance.now();
    const offers = allocator.allocate(now);
    if (i >= warmup) times.push(performance.now() - start);
    if (offers.length !== c.agents) throw new Error(`expected ${c.agents} offers, got ${offers.length}`);
    recoverAll(allocator, offers, null, now);
  }
  return {
    name: `allocator cycle ${label(c.agents)} agents x ${label(c.frameworks)} frameworks`,
    value: round2(median(times)),
    unit: 'ms',
    target: `Mesos 1.7.1: ${c.mesosMs} ms (aim <= ${c.mesosMs / 10} ms)`,
  };
}

/**
 * DeclineOffers at 10k agents x 1k frameworks: each agent runs 16 one-cpu tasks of one framework;
 * every offer is declined with a (capped) INT_MAX filter, and the following cycle is timed.
 */
function declineOffers(): BenchRow {
  const agents = 10_000;
  const frameworks = 1_000;
  const usedPerAgent = parseResources('cpus:16;mem:2014;disk:1024;ports:[31000-31015]').map((r) => ({
    ...r,
    allocation_info: { role: ROLE },
  }));
  const allocator = setUp(agents, frameworks, (i) => ({
    frameworkId: `fw-${i % frameworks}`,
    resources: usedPerAgent,
  }));
  let now = 1000;
  let offers = allocator.allocate(now);
  const times: number[] = [];
  const warmup = warmupCycles(agents);
  for (let round = 0; round < warmup + 5; round++) {
    recoverAll(allocator, offers, 2_147_483_647, now);
    now += 1000;
    const start = performance.now();
    offers = allocator.allocate(now);
    if (round >= warmup) times.push(performance.now() - start);
    if (offers.length !== agents) throw new Error(`expected ${agents} offers, got ${offers.length}`);
  }
  return {
    name: 'allocator DeclineOffers 10k agents x 1k frameworks',
    value: round2(median(times)),
    unit: 'ms',
    target: 'Mesos (DeclineOffers/21, 2018): 1060 ms (aim <= 106 ms)',
  };
}

export async function benchAllocator(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of GRID) rows.push(fullCycles(c));
  rows.push(declineOffers());
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  for (const row of await benchAllocator()) {
    console.log(`${row.name}: ${row.value} ${row.unit}${row.target ? `  (${row.target})` : ''}`);
  }
  // Wall-clock figures move with other load on the machine; say how busy it was.
  const load = loadavg().map((x) => x.toFixed(2));
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${load.join(' ')}`);
}
