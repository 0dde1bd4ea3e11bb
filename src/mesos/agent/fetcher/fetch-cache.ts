// The fetcher cache's bookkeeping (Mesos's FetcherProcess::Cache): which URIs have a file in the
// cache directory, who is using them, and which to evict, least recently used first, when a new file
// would push the cache past --fetcher_cache_size. No I/O: the fetcher deletes the files it is told to.
import { join } from 'node:path';
import { cacheFilename } from './fetch-plan.js';

/** Mesos's --fetcher_cache_size default: 2 GB. */
export const DEFAULT_FETCHER_CACHE_SIZE_BYTES = 2 * 1024 ** 3;

export interface CacheEntry {
  readonly key: string;
  /** The cache file: `<directory>/c<serial>-<basename>`, keeping the URI's extension. */
  readonly path: string;
  /** Bytes claimed in the cache: 0 until the download is claimed. */
  readonly size: number;
  /** How many fetches use the entry now; an entry in use is never evicted. */
  readonly refs: number;
  readonly state: 'pending' | 'ready' | 'failed';
  /** Settles when a pending entry becomes ready (true) or fails (false). */
  readonly completion: Promise<boolean>;
}

/**
 * - hit: the file is in the cache;
 * - wait: another fetch is downloading it: await `entry.completion` (false: fetch without the cache);
 * - miss: the caller downloads to `entry.path`, then claims, completes or fails the entry.
 * Every lookup holds a reference until `release`.
 */
export type CacheLookup =
  | { kind: 'hit'; entry: CacheEntry }
  | { kind: 'wait'; entry: CacheEntry }
  | { kind: 'miss'; entry: CacheEntry };

interface MutableEntry {
  key: string;
  path: string;
  size: number;
  refs: number;
  state: 'pending' | 'ready' | 'failed';
  completion: Promise<boolean>;
  settle: (ready: boolean) => void;
}

export class FetchCache {
  /** Map order is the LRU order: least recently used first (a lookup moves an entry to the end). */
  private readonly table = new Map<string, MutableEntry>();
  private used = 0;
  private serial = 0;

  /** Mesos's --fetcher_cache_size; changing it takes effect at the next claim. */
  constructor(public capacityBytes: number = DEFAULT_FETCHER_CACHE_SIZE_BYTES) {}

  get usedBytes(): number {
    return this.used;
  }

  /** The keys in the cache, least recently used first. */
  keys(): string[] {
    return [...this.table.keys()];
  }

  /** Looks `key` up, creating a pending entry (file named after `basename`, in `directory`) on a miss. */
  acquire(key: string, basename: string, directory: string): CacheLookup {
    const found = this.table.get(key);
    if (found) {
      this.table.delete(key);
      this.table.set(key, found);
      found.refs += 1;
      return { kind: found.state === 'ready' ? 'hit' : 'wait', entry: found };
    }
    this.serial += 1;
    let settle: (ready: boolean) => void = () => undefined;
    const completion = new Promise<boolean>((resolve) => (settle = resolve));
    const entry: MutableEntry = {
      key,
      path: join(directory, cacheFilename(this.serial, basename)),
      size: 0,
      refs: 1,
      state: 'pending',
      completion,
      settle,
    };
    this.table.set(key, entry);
    return { kind: 'miss', entry };
  }

  /**
   * Claims `size` bytes for a downloaded pending entry, evicting unused ready entries, least recently
   * used first, as far as needed. Returns the evicted entries (their files are the caller's to
   * delete), or null when even evicting every unused entry leaves no room: the entry then fails and
   * its file is not kept (as in Mesos: fetched, but not reusable from the cache).
   */
  claim(entry: CacheEntry, size: number): CacheEntry[] | null {
    const own = this.own(entry);
    if (own.state !== 'pending') throw new Error(`cache entry '${own.key}' is ${own.state}, not pending`);
    const missing = size - Math.max(0, this.capacityBytes - this.used);
    const victims: MutableEntry[] = [];
    let freed = 0;
    for (const candidate of this.table.values()) {
      if (freed >= missing) break;
      if (candidate === own || candidate.state !== 'ready' || candidate.refs > 0) continue;
      victims.push(candidate);
      freed += candidate.size;
    }
    if (freed < missing) {
      this.fail(own);
      return null;
    }
    for (const victim of victims) this.remove(victim);
    own.size = size;
    this.used += size;
    return victims;
  }

  /** The pending entry's file is in place: later lookups hit, and waiting fetches use it. */
  complete(entry: CacheEntry): void {
    const own = this.own(entry);
    if (own.state !== 'pending') return;
    own.state = 'ready';
    own.settle(true);
  }

  /** The download (or what followed it) failed: forget the entry; waiting fetches go without the cache. */
  fail(entry: CacheEntry): void {
    const own = this.own(entry);
    if (own.state === 'failed') return;
    own.state = 'failed';
    this.remove(own);
    own.settle(false);
  }

  /** A ready entry whose file has gone (Mesos's Cache::validate): forget it; the next lookup misses. */
  invalidate(entry: CacheEntry): void {
    const own = this.own(entry);
    if (this.table.get(own.key) === own) this.remove(own);
  }

  release(entry: CacheEntry): void {
    const own = this.own(entry);
    own.refs = Math.max(0, own.refs - 1);
  }

  private remove(entry: MutableEntry): void {
    if (this.table.get(entry.key) === entry) this.table.delete(entry.key);
    this.used -= entry.size;
    entry.size = 0;
  }

  // Entries are handed out as read-only views of the objects this cache keeps.
  private own(entry: CacheEntry): MutableEntry {
    return entry as MutableEntry;
  }
}
