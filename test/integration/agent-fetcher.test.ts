// The fetcher against a local HTTP server and local files: names, chmod, unpacking, redirects,
// Mesos's error messages, and the fetcher cache (the server counts the requests it gets).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FetchError,
  fetchUris,
  resetFetcherCache,
  type FetchOptions,
} from '../../src/mesos/agent/fetcher/fetcher.js';
import type { CommandURI } from '../../src/mesos/protocol/types.js';
import { findExecutable } from '../../src/util/executables.js';
import type { LogFields, Logger } from '../../src/util/log.js';

const missingTools = ['tar', 'gzip', 'unzip'].filter((tool) => !findExecutable(tool));
if (missingTools.length > 0)
  console.warn(`agent-fetcher tests skipped: ${missingTools.join(', ')} not installed`);

function recordingLogger(lines: string[]): Logger {
  const log = (msg: string, _fields?: LogFields): void => void lines.push(msg);
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

describe.skipIf(missingTools.length > 0)('agent fetcher', () => {
  let root: string;
  let files: string;
  let server: Server;
  let base: string;
  const requests = new Map<string, number>();
  let sandbox: string;
  let cacheDir: string;
  let logLines: string[];

  function served(path: string): number {
    return requests.get(path) ?? 0;
  }

  function options(extra: Partial<FetchOptions> = {}): FetchOptions {
    return { sandboxDir: sandbox, cacheDir, log: recordingLogger(logLines), ...extra };
  }

  async function fetchError(uris: CommandURI[], opts: FetchOptions = options()): Promise<FetchError> {
    const err: unknown = await fetchUris(uris, opts).then(
      () => new Error('fetchUris did not fail'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FetchError);
    return err as FetchError;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fetcher-'));
    files = join(root, 'files');
    const tree = join(root, 'tree');
    mkdirSync(join(tree, 'app/bin'), { recursive: true });
    writeFileSync(join(tree, 'app/README'), 'read me\n');
    writeFileSync(join(tree, 'app/bin/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
    mkdirSync(files);
    writeFileSync(join(files, 'hello.txt'), 'hello, sandbox\n');
    writeFileSync(join(files, 'notes.txt.gz'), gzipSync('unzipped notes\n'));
    writeFileSync(join(files, 'broken.zip'), 'this is not a zip archive');
    writeFileSync(join(files, 'big.bin'), Buffer.alloc(3000, 7));
    writeFileSync(join(files, 'other.bin'), Buffer.alloc(3000, 8));
    execFileSync('tar', ['-czf', join(files, 'app.tar.gz'), '-C', tree, 'app']);
    if (findExecutable('zip')) {
      execFileSync('zip', ['-q', '-r', join(files, 'app.zip'), 'app'], { cwd: tree });
    } else {
      const script =
        'import os, sys, zipfile\n' +
        'with zipfile.ZipFile(sys.argv[1], "w") as z:\n' +
        '    for d, _, names in os.walk("app"):\n' +
        '        for n in names: z.write(os.path.join(d, n))\n';
      execFileSync('python3', ['-c', script, join(files, 'app.zip')], { cwd: tree });
    }

    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.set(path, served(path) + 1);
      const redirect = /^\/redirect\/(\d+)\/(.+)$/.exec(path);
      if (redirect) {
        const left = Number(redirect[1]);
        const next = left > 1 ? `/redirect/${left - 1}/${redirect[2]}` : `/files/${redirect[2]}`;
        res.writeHead(left % 2 === 0 ? 302 : 307, { Location: next }).end();
        return;
      }
      if (path === '/loop') {
        res.writeHead(301, { Location: '/loop' }).end();
        return;
      }
      if (path === '/stall') {
        // Headers and a first byte, then nothing: the fetcher's stall timeout must end it.
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.write('x');
        return;
      }
      if (path.startsWith('/files/')) {
        try {
          const body = readFileSync(join(files, path.slice('/files/'.length)));
          res.writeHead(200, { 'Content-Length': body.length }).end(body);
          return;
        } catch {
          // A 404 below.
        }
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such file');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no server address');
    base = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  let run = 0;
  beforeEach(async () => {
    run += 1;
    sandbox = join(root, `sandbox-${run}`);
    cacheDir = join(root, 'fetch-cache');
    await resetFetcherCache(cacheDir);
    logLines = [];
    requests.clear();
  });

  it('downloads a plain file into the sandbox under its basename, and logs it', async () => {
    const fetched = await fetchUris([{ value: `${base}/files/hello.txt` }], options());
    const path = join(sandbox, 'hello.txt');
    expect(fetched).toEqual([
      { uri: `${base}/files/hello.txt`, path, extracted: false, executable: false, cache: 'bypass' },
    ]);
    expect(readFileSync(path, 'utf8')).toBe('hello, sandbox\n');
    expect(statSync(path).mode & 0o111).toBe(0);
    expect(logLines).toContain(`Fetching URI '${base}/files/hello.txt'`);
  });

  it('makes an executable URI 0755 and does not unpack it, even when it is an archive', async () => {
    await fetchUris(
      [
        { value: `${base}/files/hello.txt`, executable: true },
        { value: `${base}/files/app.tar.gz`, executable: true, extract: true },
      ],
      options(),
    );
    expect(statSync(join(sandbox, 'hello.txt')).mode & 0o777).toBe(0o755);
    expect(statSync(join(sandbox, 'app.tar.gz')).mode & 0o777).toBe(0o755);
    expect(readdirSync(sandbox).sort()).toEqual(['app.tar.gz', 'hello.txt']);
  });

  it('unpacks .tar.gz and .zip into the sandbox and keeps the archives', async () => {
    const fetched = await fetchUris(
      [{ value: `${base}/files/app.tar.gz` }, { value: `${base}/files/app.zip`, output_file: 'copy.zip' }],
      options(),
    );
    expect(fetched.map((f) => f.extracted)).toEqual([true, true]);
    expect(readFileSync(join(sandbox, 'app/README'), 'utf8')).toBe('read me\n');
    expect(statSync(join(sandbox, 'app/bin/run.sh')).mode & 0o100).toBe(0o100);
    expect(readdirSync(sandbox).sort()).toEqual(['app', 'app.tar.gz', 'copy.zip']);
  });

  it('gunzips a bare .gz next to it, and leaves archives alone with extract: false', async () => {
    await fetchUris(
      [{ value: `${base}/files/notes.txt.gz` }, { value: `${base}/files/app.tar.gz`, extract: false }],
      options(),
    );
    expect(readFileSync(join(sandbox, 'notes.txt'), 'utf8')).toBe('unzipped notes\n');
    expect(readdirSync(sandbox).sort()).toEqual(['app.tar.gz', 'notes.txt', 'notes.txt.gz']);
  });

  it('fails with the extraction error for a broken archive', async () => {
    const err = await fetchError([{ value: `${base}/files/broken.zip` }]);
    expect(err.message).toMatch(
      new RegExp(
        `^Failed to fetch '${base}/files/broken.zip': Failed to extract archive '.*broken\\.zip' to '`,
      ),
    );
  });

  it('follows redirects (302 and 307)', async () => {
    const fetched = await fetchUris([{ value: `${base}/redirect/3/hello.txt` }], options());
    expect(fetched[0]?.path).toBe(join(sandbox, 'hello.txt'));
    expect(readFileSync(join(sandbox, 'hello.txt'), 'utf8')).toBe('hello, sandbox\n');
    expect(served('/redirect/1/hello.txt')).toBeGreaterThan(0);
  });

  it('gives up on endless redirects', async () => {
    const err = await fetchError([{ value: `${base}/loop` }]);
    expect(err.message).toBe(
      `Failed to fetch '${base}/loop': Error downloading resource: Number of redirects hit maximum amount`,
    );
  });

  it('fails a 404 with the Mesos fetcher message, after fetching the URIs before it', async () => {
    const err = await fetchError([
      { value: `${base}/files/hello.txt` },
      { value: `${base}/files/missing.tgz` },
    ]);
    expect(err.message).toBe(
      `Failed to fetch '${base}/files/missing.tgz': Error downloading resource, received HTTP return code 404`,
    );
    expect(err.uri).toBe(`${base}/files/missing.tgz`);
    expect(readFileSync(join(sandbox, 'hello.txt'), 'utf8')).toBe('hello, sandbox\n');
  });

  it('fails a connection that cannot be made', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    if (address === null || typeof address === 'string') throw new Error('no address');
    const err = await fetchError([{ value: `http://127.0.0.1:${address.port}/x` }]);
    expect(err.message).toMatch(
      /^Failed to fetch '.*\/x': Error downloading resource: Couldn't connect to server/,
    );
  });

  it('writes output_file relative to the sandbox, creating its directories', async () => {
    const fetched = await fetchUris(
      [{ value: `${base}/files/hello.txt`, output_file: 'conf/greeting' }],
      options(),
    );
    expect(fetched[0]?.path).toBe(join(sandbox, 'conf/greeting'));
    expect(readFileSync(join(sandbox, 'conf/greeting'), 'utf8')).toBe('hello, sandbox\n');
  });

  it('rejects an output_file outside the sandbox before fetching anything', async () => {
    const err = await fetchError([
      { value: `${base}/files/hello.txt` },
      { value: `${base}/files/hello.txt`, output_file: '../outside' },
    ]);
    expect(err.message).toBe('Could not fetch: URI output file must be within the sandbox directory');
    expect(served('/files/hello.txt')).toBe(0);
  });

  it('copies file:// URIs and absolute paths, and names a missing file', async () => {
    await fetchUris(
      [{ value: `file://${files}/hello.txt`, output_file: 'a.txt' }, { value: join(files, 'app.tar.gz') }],
      options(),
    );
    expect(readFileSync(join(sandbox, 'a.txt'), 'utf8')).toBe('hello, sandbox\n');
    expect(readFileSync(join(sandbox, 'app/README'), 'utf8')).toBe('read me\n');
    const err = await fetchError([{ value: join(files, 'nope.txt') }]);
    expect(err.message).toBe(
      `Failed to fetch '${join(files, 'nope.txt')}': Failed to copy '${join(files, 'nope.txt')}': No such file or directory`,
    );
  });

  it('rejects unsupported schemes', async () => {
    const err = await fetchError([{ value: 'ftp://example.com/file.txt' }]);
    expect(err.message).toBe(
      "Failed to fetch 'ftp://example.com/file.txt': Unsupported URI scheme 'ftp': " +
        'this agent fetches http://, https://, file:// and absolute paths',
    );
  });

  it('downloads a cached URI once and serves later fetches from the cache', async () => {
    const uris: CommandURI[] = [
      { value: `${base}/files/hello.txt`, cache: true, output_file: 'greeting' },
      { value: `${base}/files/app.tar.gz`, cache: true },
    ];
    const first = await fetchUris(uris, options());
    expect(first.map((f) => f.cache)).toEqual(['miss', 'miss']);
    const secondSandbox = join(root, `sandbox-${run}-again`);
    const second = await fetchUris(uris, options({ sandboxDir: secondSandbox }));
    expect(second.map((f) => f.cache)).toEqual(['hit', 'hit']);
    expect(served('/files/hello.txt')).toBe(1);
    expect(served('/files/app.tar.gz')).toBe(1);
    for (const dir of [sandbox, secondSandbox]) {
      expect(readFileSync(join(dir, 'greeting'), 'utf8')).toBe('hello, sandbox\n');
      expect(readFileSync(join(dir, 'app/README'), 'utf8')).toBe('read me\n');
      // Unpacked straight from the cache: Mesos copies no archive into the sandbox.
      expect(readdirSync(dir).sort()).toEqual(['app', 'greeting']);
    }
    expect(readdirSync(cacheDir).sort()).toEqual(['c1-hello.txt', 'c2-app.tar.gz']);
  });

  it('downloads every time without cache: true', async () => {
    await fetchUris([{ value: `${base}/files/hello.txt`, cache: false }], options());
    await fetchUris([{ value: `${base}/files/hello.txt` }], options());
    expect(served('/files/hello.txt')).toBe(2);
  });

  it('shares one download between concurrent fetches of a cached URI', async () => {
    const uri: CommandURI = { value: `${base}/files/big.bin`, cache: true };
    const fetched = await Promise.all(
      [1, 2, 3].map((n) => fetchUris([uri], options({ sandboxDir: join(root, `sandbox-${run}-${n}`) }))),
    );
    expect(served('/files/big.bin')).toBe(1);
    expect(fetched.map(([f]) => f?.cache).sort()).toEqual(['hit', 'hit', 'miss']);
  });

  it('evicts the least recently used file when the cache is full', async () => {
    const opts = options({ cacheSizeBytes: 5000 });
    await fetchUris([{ value: `${base}/files/big.bin`, cache: true }], opts);
    await fetchUris([{ value: `${base}/files/other.bin`, cache: true }], opts);
    expect(readdirSync(cacheDir)).toEqual(['c2-other.bin']);
    const again = await fetchUris([{ value: `${base}/files/big.bin`, cache: true }], opts);
    expect(again[0]?.cache).toBe('miss');
    expect(served('/files/big.bin')).toBe(2);
    expect(readdirSync(cacheDir)).toEqual(['c3-big.bin']);
  });

  it('fetches a file larger than the cache without keeping it', async () => {
    const fetched = await fetchUris(
      [{ value: `${base}/files/big.bin`, cache: true }],
      options({ cacheSizeBytes: 1000 }),
    );
    expect(statSync(join(sandbox, 'big.bin')).size).toBe(3000);
    expect(fetched[0]?.cache).toBe('miss');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('does not keep a cached archive that failed to unpack', async () => {
    const uri: CommandURI = { value: `${base}/files/broken.zip`, cache: true };
    await fetchError([uri]);
    await fetchError([uri]);
    expect(served('/files/broken.zip')).toBe(2);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('segregates the cache per user', async () => {
    const uri: CommandURI = { value: `${base}/files/hello.txt`, cache: true };
    await fetchUris([uri], options({ user: 'alice' }));
    await fetchUris([uri], options({ user: 'bob' }));
    expect(served('/files/hello.txt')).toBe(2);
    expect(readdirSync(join(cacheDir, 'alice'))).toEqual(['c1-hello.txt']);
  });

  it('gives up on a download that stalls', async () => {
    const err = await fetchError([{ value: `${base}/stall` }], options({ stallTimeoutMs: 200 }));
    expect(err.message).toBe(
      `Failed to fetch '${base}/stall': Error downloading resource: Timeout was reached (nothing received for 200 ms)`,
    );
  });

  it('gives up when the whole fetch takes longer than timeoutMs', async () => {
    const err = await fetchError([{ value: `${base}/stall` }], options({ timeoutMs: 200 }));
    expect(err.message).toBe(`Failed to fetch '${base}/stall': fetching took longer than 200 ms`);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    const pending = fetchError([{ value: `${base}/stall` }], options({ signal: controller.signal }));
    controller.abort(new Error('Container destroyed during fetching'));
    expect((await pending).message).toBe(
      `Failed to fetch '${base}/stall': Container destroyed during fetching`,
    );
  });
});
