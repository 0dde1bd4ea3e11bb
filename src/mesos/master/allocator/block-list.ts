// A sequence kept in short blocks, so that moving one item to its new sorted place costs
// O(log n + B) instead of shifting everything between its old and new index. The DRF sorter moves
// one framework per offer among up to thousands of siblings; with a flat array that shift was the
// largest single cost of an allocation cycle at 2k frameworks.
//
// The list is sorted only while its owner says so: items may be appended unsorted and then put in
// order all at once with sortAll() (the sorter's "dirty" full re-sort).

const MAX_BLOCK = 64;
const MIN_BLOCK = MAX_BLOCK / 4;

export class BlockList<T> {
  private blocks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  /** Appends without regard to order (call sortAll() before relying on order again). */
  push(item: T): void {
    const last = this.blocks[this.blocks.length - 1];
    if (last && last.length < MAX_BLOCK) last.push(item);
    else this.blocks.push([item]);
    this.count++;
  }

  /** Removes `item` by identity, wherever it is (no order needed). */
  removeItem(item: T): boolean {
    for (let b = 0; b < this.blocks.length; b++) {
      const i = this.blocks[b]!.indexOf(item);
      if (i >= 0) {
        this.removeAt(b, i);
        return true;
      }
    }
    return false;
  }

  sortAll(): void {
    const all = this.toArray().sort(this.compare);
    this.blocks = [];
    for (let i = 0; i < all.length; i += MAX_BLOCK / 2) this.blocks.push(all.slice(i, i + MAX_BLOCK / 2));
  }

  /** Inserts `item` at its sorted place (the list must be sorted). */
  insertSorted(item: T): void {
    const blocks = this.blocks;
    if (blocks.length === 0) {
      blocks.push([item]);
      this.count++;
      return;
    }
    // The first block whose last item sorts after `item`; else the last block.
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = blocks[mid]!;
      if (this.compare(block[block.length - 1]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    const block = blocks[lo]!;
    let a = 0;
    let b = block.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.compare(block[mid]!, item) < 0) a = mid + 1;
      else b = mid;
    }
    block.splice(a, 0, item);
    this.count++;
    if (block.length > MAX_BLOCK) blocks.splice(lo + 1, 0, block.splice(MAX_BLOCK / 2));
  }

  /**
   * Puts `item`, whose sort key just changed, back in order; returns whether it moved. `probe`
   * finds it by its old key: negative when the item sorts before x, positive after, 0 on it.
   */
  move(item: T, probe: (x: T) => number): boolean {
    const blocks = this.blocks;
    let [b, i] = this.locate(item, probe);
    if (b < 0) {
      // Not where its old key says (cannot happen while sorted): find it by identity.
      b = blocks.findIndex((block) => block.includes(item));
      if (b < 0) return false;
      i = blocks[b]!.indexOf(item);
    }
    const block = blocks[b]!;
    const before = i > 0 ? block[i - 1] : blocks[b - 1]?.[blocks[b - 1]!.length - 1];
    const after = i < block.length - 1 ? block[i + 1] : blocks[b + 1]?.[0];
    if (
      (before === undefined || this.compare(before, item) < 0) &&
      (after === undefined || this.compare(item, after) < 0)
    ) {
      return false;
    }
    this.removeAt(b, i);
    this.insertSorted(item);
    return true;
  }

  private locate(item: T, probe: (x: T) => number): [number, number] {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = blocks[mid]!;
      if (probe(block[block.length - 1]!) > 0) lo = mid + 1;
      else hi = mid;
    }
    const block = blocks[lo];
    if (!block) return [-1, -1];
    let a = 0;
    let z = block.length;
    while (a < z) {
      const mid = (a + z) >>> 1;
      const c = probe(block[mid]!);
      if (c === 0) return block[mid] === item ? [lo, mid] : [-1, -1];
      if (c > 0) a = mid + 1;
      else z = mid;
    }
    return [-1, -1];
  }

  /** The first item `accept` takes, in list order. */
  find(accept: (item: T) => boolean): T | undefined {
    for (const block of this.blocks) {
      for (const item of block) if (accept(item)) return item;
    }
    return undefined;
  }

  forEach(fn: (item: T) => void): void {
    for (const block of this.blocks) for (const item of block) fn(item);
  }

  toArray(): T[] {
    const out: T[] = [];
    for (const block of this.blocks) for (const item of block) out.push(item);
    return out;
  }

  includes(item: T): boolean {
    return this.blocks.some((block) => block.includes(item));
  }

  private removeAt(b: number, i: number): void {
    const blocks = this.blocks;
    const block = blocks[b]!;
    block.splice(i, 1);
    this.count--;
    if (block.length === 0) {
      blocks.splice(b, 1);
      return;
    }
    // Keep blocks from shrinking to a handful of items, which would make the block index long.
    if (block.length < MIN_BLOCK) {
      const next = blocks[b + 1];
      if (next && block.length + next.length <= MAX_BLOCK) {
        block.push(...next);
        blocks.splice(b + 1, 1);
      }
    }
  }
}
