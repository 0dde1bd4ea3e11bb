// The Mesos fetcher's decisions per CommandInfo.URI (names, sources, unpacking, cache keys) and the
// fetcher cache's LRU bookkeeping, without I/O.
import { describe, expect, it } from 'vitest';
import { FetchCache } from '../../src/mesos/agent/fetcher/fetch-cache.js';
import {
  cacheFilename,
  FetchError,
  planFetches,
  unpackFor,
  uriBasename,
  type FetchPlan,
} from '../../src/mesos/agent/fetcher/fetch-plan.js';
import type { CommandURI } from '../../src/mesos/protocol/types.js';

function plan(uri: CommandURI, opts: { user?: string; frameworksHome?: string } = {}): FetchPlan {
  const [only] = planFetches([uri], opts);
  if (!only) throw new Error('no plan');
  return only;
}

function planError(uris: CommandURI[], opts: { frameworksHome?: string } = {}): FetchError {
  try {
    planFetches(uris, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(FetchError);
    return err as FetchError;
  }
  throw new Error('planFetches did not throw');
}

describe('uriBasename (Mesos Fetcher::basename)', () => {
  it.each([
    ['http://example.com/dist/app.tar.gz', 'app.tar.gz'],
    ['https://example.com:8443/a/b/run.sh', 'run.sh'],
    ['http://example.com/download?file=x.tgz', 'download?file=x.tgz'],
    ['/opt/files/data.csv', 'data.csv'],
    ['/opt/files/dir/', 'dir'],
    ['file:///opt/files/x.zip', 'x.zip'],
  ])('%s → %s', (uri, name) => {
    expect(uriBasename(uri)).toBe(name);
  });

  it('rejects URIs without a path, and illegal characters', () => {
    expect(() => uriBasename('http://example.com')).toThrow(
      'Malformed URI (missing path): http://example.com',
    );
    expect(() => uriBasename('http://example.com/')).toThrow('Malformed URI (missing path)');
    expect(() => uriBasename("http://example.com/it's")).toThrow('Illegal characters in URI');
    expect(() => uriBasename('C:\\files\\x')).toThrow('Illegal characters in URI');
  });
});

describe('unpackFor (which extensions Mesos extracts)', () => {
  it.each(['a.tar', 'a.tgz', 'a.tar.gz', 'a.tbz2', 'a.tar.bz2', 'a.txz', 'a.tar.xz'])(
    '%s is a tar archive',
    (n) => {
      expect(unpackFor(n)).toEqual({ kind: 'tar' });
    },
  );

  it('unpacks .zip with unzip and a bare .gz into the name without .gz, at the sandbox root', () => {
    expect(unpackFor('bundle.zip')).toEqual({ kind: 'zip' });
    expect(unpackFor('notes.txt.gz')).toEqual({ kind: 'gunzip', output: 'notes.txt' });
    expect(unpackFor('sub/dir/notes.gz')).toEqual({ kind: 'gunzip', output: 'notes' });
  });

  it.each(['a.txt', 'a.bz2', 'a.xz', 'a.TAR.GZ', 'a.tar.gz?raw=1', '.gz', 'a.jar'])(
    '%s is not unpacked',
    (n) => {
      expect(unpackFor(n)).toBeNull();
    },
  );
});

describe('planFetches', () => {
  it('names the file after the URI basename, extracts by default, and bypasses the cache', () => {
    expect(plan({ value: 'http://h/dist/app.tar.gz' })).toEqual({
      value: 'http://h/dist/app.tar.gz',
      source: { kind: 'http', url: 'http://h/dist/app.tar.gz' },
      basename: 'app.tar.gz',
      target: 'app.tar.gz',
      executable: false,
      extract: true,
      unpackDirect: { kind: 'tar' },
      unpackCached: { kind: 'tar' },
      cacheKey: null,
    });
  });

  it('lets executable win over extract: chmod, no unpacking (as Mesos does)', () => {
    const p = plan({ value: 'http://h/tool.tar.gz', executable: true, extract: true });
    expect(p).toMatchObject({ executable: true, extract: false, unpackDirect: null, unpackCached: null });
  });

  it('does not unpack with extract: false', () => {
    expect(plan({ value: '/srv/a.zip', extract: false })).toMatchObject({
      extract: false,
      unpackDirect: null,
    });
  });

  it('puts output_file relative to the sandbox, normalized, and judges direct unpacking by its name', () => {
    const renamed = plan({ value: 'http://h/a.tar.gz', output_file: './lib/../payload' });
    expect(renamed.target).toBe('payload');
    expect(renamed.unpackDirect).toBeNull();
    // From the cache Mesos goes by the cache file, which keeps the URI's extension.
    expect(renamed.unpackCached).toEqual({ kind: 'tar' });
    const named = plan({ value: 'http://h/get?id=3', output_file: 'conf/app.zip' });
    expect(named).toMatchObject({
      target: 'conf/app.zip',
      unpackDirect: { kind: 'zip' },
      unpackCached: null,
    });
  });

  it('keys the cache by URI, per user when there is one', () => {
    expect(plan({ value: 'http://h/a.jar', cache: true }).cacheKey).toBe('http://h/a.jar');
    expect(plan({ value: 'http://h/a.jar', cache: true }, { user: 'nobody' }).cacheKey).toBe(
      'nobody@http://h/a.jar',
    );
    expect(plan({ value: 'http://h/a.jar', cache: false }).cacheKey).toBeNull();
    expect(() => planFetches([{ value: 'http://h/a.jar', cache: true }], { user: '../root' })).toThrow(
      "Could not fetch: Cannot cache for user '../root': not usable as a directory name",
    );
    expect(() => planFetches([{ value: 'http://h/a.jar', cache: true }], { user: '..' })).toThrow(FetchError);
  });

  it('resolves local sources: file://, file://localhost, absolute paths, and relative ones under frameworks_home', () => {
    expect(plan({ value: 'file:///srv/x.sh' }).source).toEqual({ kind: 'local', path: '/srv/x.sh' });
    expect(plan({ value: 'file://localhost/srv/x.sh' }).source).toEqual({ kind: 'local', path: '/srv/x.sh' });
    expect(plan({ value: '/srv/x.sh' }).source).toEqual({ kind: 'local', path: '/srv/x.sh' });
    expect(plan({ value: 'bin/x.sh' }, { frameworksHome: '/opt/fw' }).source).toEqual({
      kind: 'local',
      path: '/opt/fw/bin/x.sh',
    });
  });

  it('trims leading whitespace from the URI, as Mesos does', () => {
    expect(plan({ value: '\r\n\t http://h/x' })).toMatchObject({
      source: { kind: 'http', url: 'http://h/x' },
      target: 'x',
    });
  });

  it('fails validation with "Could not fetch: ..." before anything is fetched', () => {
    const cases: Array<[CommandURI, string]> = [
      [{ value: 'http://h' }, 'Could not fetch: Malformed URI (missing path): http://h'],
      [{ value: 'http://h/x', output_file: '' }, 'Could not fetch: URI output file path is empty'],
      [
        { value: 'http://h/x', output_file: '/etc/passwd' },
        'Could not fetch: URI output file must be within the sandbox directory',
      ],
      [
        { value: 'http://h/x', output_file: 'a/../../escape' },
        'Could not fetch: URI output file must be within the sandbox directory',
      ],
      [
        { value: 'http://h/..' },
        "Could not fetch: Cannot name the fetched file after 'http://h/..' (set output_file)",
      ],
      [
        { value: 'http://h/x', output_file: 'dir/' },
        "Could not fetch: URI output file 'dir/' is a directory",
      ],
    ];
    for (const [uri, message] of cases) {
      const err = planError([{ value: '/srv/fine' }, uri]);
      expect(err.message).toBe(message);
      expect(err.uri).toBe(uri.value);
    }
  });

  it('fails unsupported schemes and unusable local paths with "Failed to fetch \'<uri>\': ..."', () => {
    expect(planError([{ value: 's3://bucket/key.tgz' }]).message).toBe(
      "Failed to fetch 's3://bucket/key.tgz': Unsupported URI scheme 's3': " +
        'this agent fetches http://, https://, file:// and absolute paths',
    );
    expect(planError([{ value: 'file://srv/x' }]).message).toBe(
      "Failed to fetch 'file://srv/x': File URI only supports absolute paths",
    );
    expect(planError([{ value: 'relative/x' }]).message).toMatch(
      /^Failed to fetch 'relative\/x': A relative path was passed for the resource but the Mesos framework home was not specified/,
    );
  });
});

describe('cacheFilename (Mesos Cache::nextFilename)', () => {
  it('prefixes a serial and keeps a long basename’s head and extension', () => {
    expect(cacheFilename(1, 'app.tar.gz')).toBe('c1-app.tar.gz');
    expect(cacheFilename(12, 'a-very-long-artifact-name-1.2.3.tar.gz')).toBe('c12-a-very-lon_2.3.tar.gz');
    expect(unpackFor(cacheFilename(12, 'a-very-long-artifact-name-1.2.3.tar.gz'))).toEqual({ kind: 'tar' });
  });
});

describe('FetchCache', () => {
  /** Downloads `key` of `size` bytes into the cache and stops using it; returns what was evicted. */
  function store(cache: FetchCache, key: string, size: number): string[] | null {
    const lookup = cache.acquire(key, 'f', '/cache');
    expect(lookup.kind).toBe('miss');
    const evicted = cache.claim(lookup.entry, size);
    if (evicted) cache.complete(lookup.entry);
    cache.release(lookup.entry);
    return evicted?.map((e) => e.key) ?? null;
  }

  it('misses first, then hits, with one file per key under the cache directory', () => {
    const cache = new FetchCache(100);
    const first = cache.acquire('http://h/a', 'a.tgz', '/cache');
    expect(first.kind).toBe('miss');
    expect(first.entry.path).toBe('/cache/c1-a.tgz');
    expect(cache.claim(first.entry, 10)).toEqual([]);
    cache.complete(first.entry);
    cache.release(first.entry);
    const second = cache.acquire('http://h/a', 'a.tgz', '/cache');
    expect(second).toMatchObject({ kind: 'hit', entry: { path: '/cache/c1-a.tgz', size: 10 } });
    expect(cache.usedBytes).toBe(10);
  });

  it('makes a concurrent lookup wait for the download, which then hits or falls back', async () => {
    const cache = new FetchCache(100);
    const downloading = cache.acquire('k', 'f', '/cache');
    const waiting = cache.acquire('k', 'f', '/cache');
    expect(waiting.kind).toBe('wait');
    cache.claim(downloading.entry, 5);
    cache.complete(downloading.entry);
    await expect(waiting.entry.completion).resolves.toBe(true);

    const failing = cache.acquire('other', 'f', '/cache');
    const waiter = cache.acquire('other', 'f', '/cache');
    cache.fail(failing.entry);
    await expect(waiter.entry.completion).resolves.toBe(false);
    expect(cache.acquire('other', 'f', '/cache').kind).toBe('miss');
  });

  it('evicts least recently used entries, and only as many as needed', () => {
    const cache = new FetchCache(100);
    store(cache, 'a', 40);
    store(cache, 'b', 40);
    // Using 'a' makes 'b' the least recently used.
    cache.release(cache.acquire('a', 'f', '/cache').entry);
    expect(store(cache, 'c', 30)).toEqual(['b']);
    expect(cache.keys()).toEqual(['a', 'c']);
    expect(cache.usedBytes).toBe(70);
  });

  it('never evicts an entry in use, and refuses what cannot fit', () => {
    const cache = new FetchCache(100);
    store(cache, 'a', 60);
    const inUse = cache.acquire('a', 'f', '/cache');
    expect(store(cache, 'b', 50)).toBeNull();
    expect(cache.keys()).toEqual(['a']);
    cache.release(inUse.entry);
    expect(store(cache, 'b', 50)).toEqual(['a']);
    expect(store(cache, 'huge', 101)).toBeNull();
    expect(cache.keys()).toEqual(['b']);
    expect(cache.usedBytes).toBe(50);
  });

  it('forgets an entry whose file has gone, so the next lookup downloads again', () => {
    const cache = new FetchCache(100);
    store(cache, 'a', 10);
    const hit = cache.acquire('a', 'f', '/cache');
    cache.release(hit.entry);
    cache.invalidate(hit.entry);
    expect(cache.usedBytes).toBe(0);
    const again = cache.acquire('a', 'f', '/cache');
    expect(again.kind).toBe('miss');
    expect(again.entry.path).not.toBe(hit.entry.path);
  });
});
