// The Mesos fetcher as the agent runs it before a task starts: every CommandInfo.URI into the
// sandbox, one after the other, straight or through the fetcher cache (--fetcher_cache_dir,
// --fetcher_cache_size, LRU), then chmod or unpack. The decisions are fetch-plan.ts's and
// fetch-cache.ts's; this file only does the I/O they ask for.
import { access, chmod, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CommandURI } from '../../protocol/types.js';
import type { Logger } from '../../../util/log.js';
import { copyLocal, downloadHttp } from './download.js';
import { unpack } from './extract.js';
import { DEFAULT_FETCHER_CACHE_SIZE_BYTES, FetchCache, type CacheEntry } from './fetch-cache.js';
import { FetchError, planFetches, type FetchPlan, type FetchSource, type Unpack } from './fetch-plan.js';

export { FetchError } from './fetch-plan.js';
export { DEFAULT_FETCHER_CACHE_SIZE_BYTES } from './fetch-cache.js';

/** Mesos's --fetcher_stall_timeout default: 1 minute. */
export const DEFAULT_FETCHER_STALL_TIMEOUT_MS = 60_000;

export interface FetchOptions {
  /** The task's (or executor's) sandbox; created when missing. */
  sandboxDir: string;
  /** The agent's --fetcher_cache_dir, e.g. `<work_dir>/fetch-cache`. */
  cacheDir: string;
  log: Logger;
  /** The task's user (CommandInfo.user, else FrameworkInfo.user): cache entries are per user. */
  user?: string;
  /** Mesos's --fetcher_cache_size (default 2 GB); the cache of one cacheDir is shared by all fetches. */
  cacheSizeBytes?: number;
  /** Gives up on the whole fetch after this long. */
  timeoutMs?: number;
  /** Gives up on a download that receives nothing for this long (default 60 s, as Mesos). */
  stallTimeoutMs?: number;
  /** Mesos's --frameworks_home: the base of relative-path URIs. */
  frameworksHome?: string;
  /** Stops the fetch (e.g. the task was killed while fetching). */
  signal?: AbortSignal;
}

export interface FetchedFile {
  /** CommandURI.value. */
  uri: string;
  /** The file in the sandbox; null when an archive was unpacked from the cache (no copy is kept). */
  path: string | null;
  /** Unpacked into the sandbox (tar, zip, or gunzip of a bare .gz). */
  extracted: boolean;
  executable: boolean;
  /** bypass: fetched straight into the sandbox; miss: into the cache first; hit: from the cache. */
  cache: 'bypass' | 'miss' | 'hit';
}

interface FetchContext {
  opts: FetchOptions;
  log: Logger;
  signal: AbortSignal;
  cache: FetchCache;
  cacheDir: string;
}

// One cache per cache directory, shared by every fetch of the agent, as Mesos's one FetcherProcess.
const caches = new Map<string, FetchCache>();

function cacheFor(cacheDir: string, sizeBytes: number): FetchCache {
  let cache = caches.get(cacheDir);
  if (!cache) {
    cache = new FetchCache(sizeBytes);
    caches.set(cacheDir, cache);
  }
  cache.capacityBytes = sizeBytes;
  return cache;
}

/**
 * Empties the fetcher cache directory and forgets its entries, as a Mesos agent does when it starts
 * (the cache does not survive the agent).
 */
export async function resetFetcherCache(cacheDir: string): Promise<void> {
  caches.delete(resolve(cacheDir));
  await rm(cacheDir, { recursive: true, force: true });
}

/**
 * Fetches `uris` into `opts.sandboxDir`, in order. Resolves with what each became; rejects with a
 * FetchError carrying the Mesos fetcher's message for the first URI that fails (earlier ones stay).
 */
export async function fetchUris(uris: readonly CommandURI[], opts: FetchOptions): Promise<FetchedFile[]> {
  const plans = planFetches(uris, {
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.frameworksHome !== undefined ? { frameworksHome: opts.frameworksHome } : {}),
  });
  if (plans.length === 0) return [];
  const signals: AbortSignal[] = [];
  if (opts.signal) signals.push(opts.signal);
  if (opts.timeoutMs !== undefined) signals.push(AbortSignal.timeout(opts.timeoutMs));
  const cacheDir = resolve(opts.cacheDir);
  const ctx: FetchContext = {
    opts,
    log: opts.log,
    signal: signals.length > 0 ? AbortSignal.any(signals) : new AbortController().signal,
    cache: cacheFor(cacheDir, opts.cacheSizeBytes ?? DEFAULT_FETCHER_CACHE_SIZE_BYTES),
    cacheDir: opts.user !== undefined ? join(cacheDir, opts.user) : cacheDir,
  };
  await mkdir(opts.sandboxDir, { recursive: true });
  const fetched: FetchedFile[] = [];
  for (const plan of plans) {
    ctx.log.info(`Fetching URI '${plan.value}'`, { sandbox: opts.sandboxDir });
    let file: FetchedFile;
    try {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      file =
        plan.cacheKey === null
          ? await fetchDirect(plan, ctx)
          : await fetchThroughCache(plan, plan.cacheKey, ctx);
    } catch (err) {
      const message = `Failed to fetch '${plan.value}': ${reasonOf(err, ctx)}`;
      ctx.log.warn(message, { sandbox: opts.sandboxDir });
      throw new FetchError(message, plan.value, { cause: err });
    }
    ctx.log.info(`Fetched '${plan.value}' to '${file.path ?? opts.sandboxDir}'`, { cache: file.cache });
    fetched.push(file);
  }
  ctx.log.info(`Successfully fetched all URIs into '${opts.sandboxDir}'`);
  return fetched;
}

function reasonOf(err: unknown, ctx: FetchContext): string {
  if (ctx.signal.aborted) {
    const reason: unknown = ctx.signal.reason;
    if (reason instanceof Error && reason.name === 'TimeoutError' && !ctx.opts.signal?.aborted) {
      return `fetching took longer than ${ctx.opts.timeoutMs} ms`;
    }
    return reason instanceof Error ? reason.message : 'the fetch was aborted';
  }
  return err instanceof Error ? err.message : String(err);
}

/** Mesos's fetchBypassingCache: into the sandbox, then chmod or unpack there (the archive stays). */
async function fetchDirect(plan: FetchPlan, ctx: FetchContext): Promise<FetchedFile> {
  const dest = join(ctx.opts.sandboxDir, plan.target);
  ctx.log.info(`Fetching '${plan.value}' directly into the sandbox directory`);
  await mkdir(dirname(dest), { recursive: true });
  await getBytes(plan.source, dest, ctx);
  if (plan.executable) {
    await chmod(dest, 0o755);
    return { uri: plan.value, path: dest, extracted: false, executable: true, cache: 'bypass' };
  }
  const extracted = await unpackIfArchive(plan, dest, plan.unpackDirect, ctx);
  return { uri: plan.value, path: dest, extracted, executable: false, cache: 'bypass' };
}

/** Mesos's fetchThroughCache: download once per key, then copy (or unpack) from the cache file. */
async function fetchThroughCache(plan: FetchPlan, key: string, ctx: FetchContext): Promise<FetchedFile> {
  const { cache } = ctx;
  let lookup = cache.acquire(key, plan.basename, ctx.cacheDir);
  if (lookup.kind === 'hit' && !(await exists(lookup.entry.path))) {
    ctx.log.warn(`Fetcher cache file for '${key}' is gone; removing the cache entry`, {
      path: lookup.entry.path,
    });
    cache.release(lookup.entry);
    cache.invalidate(lookup.entry);
    lookup = cache.acquire(key, plan.basename, ctx.cacheDir);
  }
  const { entry } = lookup;
  try {
    if (lookup.kind === 'miss') return await downloadIntoCache(plan, entry, ctx);
    if (lookup.kind === 'wait' && !(await untilAborted(entry.completion, ctx.signal))) {
      ctx.log.warn(
        `Reverting to fetching directly into the sandbox for '${plan.value}', ` +
          'due to failure to fetch through the cache',
      );
      return await fetchDirect(plan, ctx);
    }
    return await fromCache(plan, entry.path, 'hit', ctx);
  } finally {
    cache.release(entry);
  }
}

async function downloadIntoCache(
  plan: FetchPlan,
  entry: CacheEntry,
  ctx: FetchContext,
): Promise<FetchedFile> {
  const { cache } = ctx;
  try {
    await mkdir(dirname(entry.path), { recursive: true });
    await getBytes(plan.source, entry.path, ctx);
    const { size } = await stat(entry.path);
    const evicted = cache.claim(entry, size);
    if (evicted === null) {
      ctx.log.warn(`Not caching '${plan.value}': ${size} bytes do not fit the fetcher cache`, {
        capacityBytes: cache.capacityBytes,
        usedBytes: cache.usedBytes,
      });
      try {
        return await fromCache(plan, entry.path, 'miss', ctx);
      } finally {
        await rm(entry.path, { force: true });
      }
    }
    for (const victim of evicted) {
      ctx.log.info(`Evicting '${victim.key}' from the fetcher cache`, {
        path: victim.path,
        bytes: victim.size,
      });
      await rm(victim.path, { force: true });
    }
    const file = await fromCache(plan, entry.path, 'miss', ctx);
    // As in Mesos, an entry counts only once the whole fetch of it succeeded (a broken archive is not kept).
    cache.complete(entry);
    return file;
  } catch (err) {
    cache.fail(entry);
    await rm(entry.path, { force: true });
    throw err;
  }
}

/** Mesos's fetchFromCache: chmod a copy, or unpack straight from the cache file, or copy it. */
async function fromCache(
  plan: FetchPlan,
  cachePath: string,
  cache: 'miss' | 'hit',
  ctx: FetchContext,
): Promise<FetchedFile> {
  ctx.log.info(`Fetching URI '${plan.value}' from cache`, { cacheFile: cachePath });
  const dest = join(ctx.opts.sandboxDir, plan.target);
  await mkdir(dirname(dest), { recursive: true });
  if (plan.executable) {
    await copyLocal(cachePath, dest);
    await chmod(dest, 0o755);
    return { uri: plan.value, path: dest, extracted: false, executable: true, cache };
  }
  if (await unpackIfArchive(plan, cachePath, plan.unpackCached, ctx)) {
    return { uri: plan.value, path: null, extracted: true, executable: false, cache };
  }
  await copyLocal(cachePath, dest);
  return { uri: plan.value, path: dest, extracted: false, executable: false, cache };
}

async function unpackIfArchive(
  plan: FetchPlan,
  file: string,
  how: Unpack | null,
  ctx: FetchContext,
): Promise<boolean> {
  if (!plan.extract) return false;
  if (how === null) {
    // Mesos warns about every such URI, since extract defaults to true; that is mostly noise.
    ctx.log.debug(`Copying instead of extracting '${plan.value}': it does not seem to be an archive`);
    return false;
  }
  await unpack(file, ctx.opts.sandboxDir, how, ctx.signal);
  ctx.log.info(`Extracted '${file}' into '${ctx.opts.sandboxDir}'`);
  return true;
}

async function getBytes(source: FetchSource, dest: string, ctx: FetchContext): Promise<void> {
  if (source.kind === 'local') {
    ctx.log.info(`Copying resource from '${source.path}' to '${dest}'`);
    await copyLocal(source.path, dest);
    return;
  }
  ctx.log.info(`Downloading resource from '${source.url}' to '${dest}'`);
  await downloadHttp(source.url, dest, {
    stallTimeoutMs: ctx.opts.stallTimeoutMs ?? DEFAULT_FETCHER_STALL_TIMEOUT_MS,
    signal: ctx.signal,
  });
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
