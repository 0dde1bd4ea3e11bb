// Hierarchical Dominant Resource Fairness, as Mesos' DRFSorter (sorter/drf/sorter.cpp) orders
// clients: roles for the role sorter, framework ids for one framework sorter per role. It is kept
// apart from the allocation loop so the fairness order is one small object the loop only asks
// "who is next?".
//
// Clients named with `/` form a tree (`eng`, `eng/frontend`); every level is sorted by share, then
// allocation count, then path, and the order is a pre-order walk of active leaves. A client that is
// also an ancestor of other clients (`eng` next to `eng/frontend`) lives in a virtual leaf `eng/.`
// under the internal node `eng`, exactly as in Mesos.
//
// Speed: allocations are kept as numeric sums per resource name (no Resource[] per node), shares are
// re-computed only for the nodes on the changed path, and a changed node is moved to its new place
// in a block list (block-list.ts) instead of re-sorting its siblings. Per-agent allocation records
// are the allocator's job (one source of truth), so unlike Mesos' Sorter no call takes an agent id:
// the sorter only needs the sums.
import type { Resource } from '../../protocol/types.js';
import { roundScalar } from '../../protocol/resources.js';
import { BlockList } from './block-list.js';

const ACTIVE_LEAF = 0;
const INACTIVE_LEAF = 1;
const INTERNAL = 2;
type Kind = typeof ACTIVE_LEAF | typeof INACTIVE_LEAF | typeof INTERNAL;

class SorterNode {
  readonly path: string;
  /** The client this leaf stands for (a virtual leaf `a/.` stands for `a`). */
  client: string;
  /** Active leaves and internal nodes, sorted by DRF whenever the sorter is not dirty. */
  readonly children = new BlockList<SorterNode>(compareNodes);
  /** Inactive leaves: never offered anything, so never sorted. */
  readonly inactive: SorterNode[] = [];
  readonly byName = new Map<string, SorterNode>();
  /** Allocated quantity per resource-name index (see DrfSorter.nameIndex). */
  alloc: number[] = [];
  /** How many times resources were allocated to this subtree; breaks share ties as in Mesos. */
  count = 0;
  share = 0;
  weight = 1;

  constructor(
    readonly name: string,
    public kind: Kind,
    readonly parent: SorterNode | null,
  ) {
    if (parent === null) this.path = '';
    else if (parent.parent === null) this.path = name;
    else this.path = `${parent.path}/${name}`;
    this.client = name === '.' && parent ? parent.path : this.path;
  }

  isLeaf(): boolean {
    return this.kind !== INTERNAL;
  }

  childCount(): number {
    return this.children.size + this.inactive.length;
  }

  addChild(child: SorterNode): void {
    (child.kind === INACTIVE_LEAF ? this.inactive : this.children).push(child);
    this.byName.set(child.name, child);
  }

  removeChild(child: SorterNode): void {
    if (child.kind === INACTIVE_LEAF) this.inactive.splice(this.inactive.indexOf(child), 1);
    else this.children.removeItem(child);
    this.byName.delete(child.name);
  }
}

/** Mesos' compareDRF: share, then allocation count, then path. Negative when `a` goes first. */
function compareNodes(a: SorterNode, b: SorterNode): number {
  return compareKey(a.share, a.count, a.path, b);
}

function compareKey(share: number, count: number, path: string, b: SorterNode): number {
  if (share !== b.share) return share < b.share ? -1 : 1;
  if (count !== b.count) return count < b.count ? -1 : 1;
  if (path === b.path) return 0;
  return path < b.path ? -1 : 1;
}

export interface DrfSorterOptions {
  /** Resource names left out of shares (Mesos `--fair_sharing_excluded_resource_names`, e.g. gpus). */
  excludedResourceNames?: Iterable<string>;
}

export class DrfSorter {
  private readonly root = new SorterNode('', INTERNAL, null);
  private readonly clients = new Map<string, SorterNode>();
  /** Weights by path; may name paths that are not (yet) in the tree. */
  private readonly weights = new Map<string, number>();
  private readonly excluded: ReadonlySet<string>;
  /** Resource names are interned to indexes so allocations and totals are plain number arrays. */
  private readonly nameIndex = new Map<string, number>();
  private readonly names: string[] = [];
  /** Per index: 1 when the name counts towards shares. */
  private readonly counted: number[] = [];
  private readonly totals: number[] = [];
  /** Shares or structure changed wholesale: recompute and re-sort everything before the next read. */
  private dirty = false;
  private order: string[] | null = null;
  /** Reused by delta(): the allocation loop calls allocated() once per offer. */
  private readonly scratch: number[] = [];

  constructor(options: DrfSorterOptions = {}) {
    this.excluded = new Set(options.excludedResourceNames ?? []);
  }

  // ---- clients ----

  contains(client: string): boolean {
    return this.clients.has(client);
  }

  /** Number of clients (active or not). */
  get size(): number {
    return this.clients.size;
  }

  /** All clients, active or not, in no particular order. */
  clientNames(): string[] {
    return [...this.clients.keys()];
  }

  /** Adds an inactive client (Mesos adds, then activates). */
  add(client: string): void {
    if (client === '' || client.split('/').some((t) => t === '' || t === '.')) {
      throw new Error(`Invalid sorter client name '${client}'`);
    }
    if (this.clients.has(client)) throw new Error(`Sorter client '${client}' already exists`);
    const tokens = client.split('/');
    let current = this.root;
    let i = 0;
    for (;;) {
      if (i === tokens.length) {
        // `client` is an existing internal node (e.g. `eng` while `eng/a` exists): add `eng/.`.
        const virt = new SorterNode('.', INACTIVE_LEAF, current);
        this.initNode(virt);
        current.addChild(virt);
        current = virt;
        break;
      }
      if (current !== this.root && current.isLeaf()) {
        // A leaf gains a descendant: it turns internal and its client moves into a virtual leaf.
        const parent = current.parent!;
        parent.removeChild(current);
        const oldKind = current.kind;
        current.kind = INTERNAL;
        parent.addChild(current);
        const virt = new SorterNode('.', oldKind, current);
        this.initNode(virt);
        virt.alloc = current.alloc.slice();
        virt.count = current.count;
        current.addChild(virt);
        this.clients.set(virt.client, virt);
        break;
      }
      const child = current.byName.get(tokens[i]!);
      if (!child) break;
      current = child;
      i++;
    }
    for (; i < tokens.length; i++) {
      const node = new SorterNode(tokens[i]!, i === tokens.length - 1 ? INACTIVE_LEAF : INTERNAL, current);
      this.initNode(node);
      current.addChild(node);
      current = node;
    }
    this.clients.set(client, current);
    this.touch(true);
  }

  /** Removes a client; whatever it still holds stops counting for its ancestors. */
  remove(client: string): void {
    let current = this.find(client);
    this.clients.delete(client);
    const held = current.alloc;
    while (current !== this.root) {
      const parent = current.parent!;
      for (let i = 0; i < held.length; i++)
        parent.alloc[i] = roundScalar((parent.alloc[i] ?? 0) - (held[i] ?? 0));
      if (current.childCount() === 0) {
        parent.removeChild(current);
      } else if (current.childCount() === 1 && current.byName.has('.')) {
        // Only the virtual leaf is left: fold it back into `current`.
        const virt = current.byName.get('.')!;
        current.removeChild(virt);
        parent.removeChild(current);
        current.kind = virt.kind;
        current.count = virt.count;
        parent.addChild(current);
        this.clients.set(current.path, current);
      }
      current = parent;
    }
    this.touch(true);
  }

  activate(client: string): void {
    const node = this.find(client);
    if (node.kind !== INACTIVE_LEAF) return;
    const parent = node.parent!;
    parent.removeChild(node);
    node.kind = ACTIVE_LEAF;
    if (this.dirty) {
      parent.addChild(node);
    } else {
      // Only this node's place is unknown; its siblings stay sorted.
      node.share = this.calculateShare(node);
      parent.byName.set(node.name, node);
      parent.children.insertSorted(node);
    }
    this.order = null;
  }

  deactivate(client: string): void {
    const node = this.find(client);
    if (node.kind !== ACTIVE_LEAF) return;
    const parent = node.parent!;
    parent.removeChild(node);
    node.kind = INACTIVE_LEAF;
    parent.addChild(node);
    this.order = null;
  }

  isActive(client: string): boolean {
    return this.find(client).kind === ACTIVE_LEAF;
  }

  /** Sets the weight of a path (a client or an inner node such as `eng`); default 1. */
  updateWeight(path: string, weight: number): void {
    if (!(weight > 0) || !Number.isFinite(weight)) throw new Error(`Invalid weight ${weight} for '${path}'`);
    this.weights.set(path, weight);
    const node = this.clients.get(path) ?? this.findInternal(path);
    if (node) {
      // A client stored in a virtual leaf: the weight belongs to its internal node, as in Mesos.
      const target = node.name === '.' ? node.parent! : node;
      target.weight = weight;
    }
    this.touch(true);
  }

  weight(path: string): number {
    return this.weights.get(path) ?? 1;
  }

  // ---- allocations and totals ----

  /** Counts `resources` (scalars only) as allocated to `client` and moves it to its new place. */
  allocated(client: string, resources: readonly Resource[]): void {
    this.change(this.find(client), this.delta(resources, 1), true);
  }

  unallocated(client: string, resources: readonly Resource[]): void {
    this.change(this.find(client), this.delta(resources, -1), false);
  }

  /** Adds an agent's total to the pool that shares are measured against. */
  addTotal(resources: readonly Resource[]): void {
    this.addToTotals(resources, 1);
  }

  removeTotal(resources: readonly Resource[]): void {
    this.addToTotals(resources, -1);
  }

  /** Scalar quantities allocated to `client` (zero entries left out). */
  allocation(client: string): Map<string, number> {
    return this.quantities(this.find(client).alloc);
  }

  /** Scalar totals the shares are measured against. */
  totalQuantities(): Map<string, number> {
    return this.quantities(this.totals);
  }

  /** The client's dominant share divided by its weight. */
  share(client: string): number {
    return this.calculateShare(this.find(client));
  }

  /** Times resources were allocated to `client` (the second sort key). */
  allocationCount(client: string): number {
    return this.find(client).count;
  }

  // ---- order ----

  /** Active clients, fairest-next first. The returned array is never mutated afterwards. */
  sort(): string[] {
    this.clean();
    if (this.order === null) {
      const out: string[] = [];
      collect(this.root, out);
      this.order = out;
    }
    return this.order;
  }

  /**
   * The first active client in sort order that `accept` takes, without building the whole order
   * (the allocator asks this once per agent and role). `accept` must not change the sorter.
   */
  first(accept: (client: string) => boolean): string | undefined {
    this.clean();
    return firstIn(this.root, accept);
  }

  // ---- internals ----

  private find(client: string): SorterNode {
    const node = this.clients.get(client);
    if (!node) throw new Error(`Unknown sorter client '${client}'`);
    return node;
  }

  private findInternal(path: string): SorterNode | undefined {
    let node: SorterNode | undefined = this.root;
    for (const token of path.split('/')) {
      node = node.byName.get(token);
      if (!node) return undefined;
    }
    return node;
  }

  private initNode(node: SorterNode): void {
    node.weight = this.weights.get(node.path) ?? 1;
  }

  private touch(dirty: boolean): void {
    if (dirty) this.dirty = true;
    this.order = null;
  }

  private indexOf(name: string): number {
    let idx = this.nameIndex.get(name);
    if (idx === undefined) {
      idx = this.names.length;
      this.nameIndex.set(name, idx);
      this.names.push(name);
      this.counted.push(this.excluded.has(name) ? 0 : 1);
      this.totals.push(0);
    }
    return idx;
  }

  /** Scalar quantities of `resources` as [index, signed amount] pairs. */
  private delta(resources: readonly Resource[], sign: number): number[] {
    const out = this.scratch;
    out.length = 0;
    for (const r of resources) {
      if (r.type !== 'SCALAR' || !r.scalar) continue;
      out.push(this.indexOf(r.name), sign * r.scalar.value);
    }
    return out;
  }

  private addToTotals(resources: readonly Resource[], sign: number): void {
    const d = this.delta(resources, sign);
    if (d.length === 0) return;
    for (let k = 0; k < d.length; k += 2) {
      const i = d[k]!;
      this.totals[i] = roundScalar(this.totals[i]! + d[k + 1]!);
    }
    // Every share depends on the totals; re-sort lazily so a burst of agent changes costs one sort.
    this.touch(true);
  }

  private change(leaf: SorterNode, d: readonly number[], countsAsAllocation: boolean): void {
    for (let node: SorterNode | null = leaf; node !== null; node = node.parent) {
      const oldShare = node.share;
      const oldCount = node.count;
      for (let k = 0; k < d.length; k += 2) {
        const i = d[k]!;
        node.alloc[i] = roundScalar((node.alloc[i] ?? 0) + d[k + 1]!);
      }
      // Mesos counts allocations only; recovering resources does not lower the count.
      if (countsAsAllocation) node.count++;
      if (node !== this.root && !this.dirty && node.kind !== INACTIVE_LEAF) {
        node.share = this.calculateShare(node);
        this.reposition(node, oldShare, oldCount);
      }
    }
  }

  /** Moves `node` (whose key changed from oldShare/oldCount) to its sorted place among siblings. */
  private reposition(node: SorterNode, oldShare: number, oldCount: number): void {
    const path = node.path;
    if (node.parent!.children.move(node, (x) => compareKey(oldShare, oldCount, path, x))) this.order = null;
  }

  private calculateShare(node: SorterNode): number {
    let share = 0;
    const alloc = node.alloc;
    const totals = this.totals;
    for (let i = 0; i < alloc.length; i++) {
      const t = totals[i]!;
      if (t <= 0 || this.counted[i] === 0) continue;
      const s = (alloc[i] ?? 0) / t;
      if (s > share) share = s;
    }
    return share / node.weight;
  }

  private clean(): void {
    if (!this.dirty) return;
    const visit = (node: SorterNode): void => {
      node.children.forEach((child) => {
        child.share = this.calculateShare(child);
        if (child.kind === INTERNAL) visit(child);
      });
      node.children.sortAll();
    };
    visit(this.root);
    this.dirty = false;
    this.order = null;
  }

  private quantities(values: readonly number[]): Map<string, number> {
    const out = new Map<string, number>();
    values.forEach((v, i) => {
      if (v !== 0) out.set(this.names[i]!, v);
    });
    return out;
  }
}

function collect(node: SorterNode, out: string[]): void {
  node.children.forEach((child) => {
    if (child.kind === ACTIVE_LEAF) out.push(child.client);
    else collect(child, out);
  });
}

function firstIn(node: SorterNode, accept: (client: string) => boolean): string | undefined {
  let found: string | undefined;
  node.children.find((child) => {
    if (child.kind === ACTIVE_LEAF) {
      if (accept(child.client)) found = child.client;
    } else {
      found = firstIn(child, accept);
    }
    return found !== undefined;
  });
  return found;
}
