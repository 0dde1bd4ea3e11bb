// The artifact check against local servers and files (no outside network).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactUnreachableError, artifactProblem, checkArtifacts } from '../../src/packages/artifacts.js';
import { freePort } from '../../src/util/net.js';

describe('artifact check', () => {
  let server: Server;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), 'packages-artifacts-'));
  const methods: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      methods.push(req.method ?? '');
      if (req.url === '/ok.tgz') res.writeHead(200).end();
      else if (req.url === '/moved') res.writeHead(302, { Location: '/ok.tgz' }).end();
      else if (req.url === '/loop') res.writeHead(302, { Location: '/loop' }).end();
      else if (req.url === '/silent')
        return; // never answers
      else res.writeHead(404, 'Not Found').end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts an answering URI with a HEAD request, following redirects', async () => {
    methods.length = 0;
    expect(await artifactProblem(`${base}/ok.tgz`)).toBeNull();
    expect(await artifactProblem(`${base}/moved`)).toBeNull();
    expect(methods).toEqual(['HEAD', 'HEAD', 'HEAD']);
  });

  it('says why a URI cannot be fetched', async () => {
    expect(await artifactProblem(`${base}/missing.tgz`)).toBe('HTTP 404 Not Found');
    expect(await artifactProblem(`${base}/loop`)).toBe('more than 5 redirects');
    expect(await artifactProblem(`${base}/silent`, 200)).toBe('no answer within 200 ms');
    const closed = await freePort();
    expect(await artifactProblem(`http://127.0.0.1:${closed}/x.tgz`)).toMatch(/ECONNREFUSED/);
    expect(await artifactProblem('ftp://example.org/x')).toBe('the fetcher does not speak ftp:');
    expect(await artifactProblem('not a uri')).toBe('not a URI');
  });

  it('checks files for file:// URIs and absolute paths', async () => {
    const file = join(dir, 'app.js');
    writeFileSync(file, '');
    expect(await artifactProblem(pathToFileURL(file).href)).toBeNull();
    expect(await artifactProblem(file)).toBeNull();
    expect(await artifactProblem(pathToFileURL(join(dir, 'gone.js')).href)).toBe(
      `${join(dir, 'gone.js')} does not exist`,
    );
  });

  it('throws for the first unreachable artifact, naming the package, the URI and why', async () => {
    await expect(checkArtifacts('kafka', [`${base}/ok.tgz`])).resolves.toBeUndefined();
    const err = await checkArtifacts('kafka', [`${base}/ok.tgz`, `${base}/missing.tgz`]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ArtifactUnreachableError);
    expect((err as Error).message).toBe(
      `kafka needs ${base}/missing.tgz, which cannot be fetched from here: HTTP 404 Not Found`,
    );
  });
});
