// The Marathon-level probes against real local servers: HTTP, HTTPS with a self-signed certificate,
// and TCP; passing, failing with a status, timing out and refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp, probeTcp, realProbe, type ProbeRequest } from '../../src/marathon/health/probes.js';
import { findExecutable } from '../../src/util/executables.js';
import { freePort } from '../../src/util/net.js';

const HOST = '127.0.0.1';

function request(overrides: Partial<ProbeRequest>): ProbeRequest {
  return {
    protocol: 'HTTP',
    host: HOST,
    port: 0,
    path: '/',
    timeoutMs: 2000,
    ignoreHttp1xx: false,
    ...overrides,
  };
}

function listen(server: HttpServer | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });
}

function close(server: HttpServer | TcpServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Routes: /ok 200, /redirect 302, /fail 500, /hang never answers; every path is recorded. */
function handler(paths: string[]) {
  return (req: { url?: string }, res: { writeHead(s: number, h?: object): void; end(): void }) => {
    paths.push(req.url ?? '');
    if (req.url === '/hang') return;
    if (req.url === '/redirect') res.writeHead(302, { Location: '/ok' });
    else if (req.url === '/fail') res.writeHead(500);
    else res.writeHead(200);
    res.end();
  };
}

function trackSockets(server: HttpServer | TcpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

describe('HTTP probe', () => {
  const paths: string[] = [];
  const server = createHttpServer(handler(paths));
  const sockets = trackSockets(server);
  let port = 0;

  beforeAll(async () => {
    port = await listen(server);
  });
  afterAll(() => close(server, sockets));

  it('passes on 200 and on a redirect (200-399), adding a missing leading slash', async () => {
    expect(await probeHttp(request({ port, path: 'ok' }))).toEqual({ outcome: 'healthy' });
    expect(await probeHttp(request({ port, path: '/redirect' }))).toEqual({ outcome: 'healthy' });
    expect(paths).toContain('/ok');
  });

  it('fails on 500 with the status line as the cause', async () => {
    expect(await realProbe(request({ port, path: '/fail' }))).toEqual({
      outcome: 'unhealthy',
      cause: '500 Internal Server Error',
    });
  });

  it('fails when no answer comes within the timeout', async () => {
    const outcome = await probeHttp(request({ port, path: '/hang', timeoutMs: 200 }));
    expect(outcome).toEqual({ outcome: 'unhealthy', cause: 'Health check timed out after 200 ms' });
  });

  it('fails when the connection is refused', async () => {
    const closedPort = await freePort();
    const outcome = await probeHttp(request({ port: closedPort }));
    expect(outcome).toMatchObject({ outcome: 'unhealthy', cause: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('HTTP probe and informational responses', () => {
  // Answers every request with "102 Processing" and nothing after it.
  const server = createTcpServer((socket) => {
    socket.once('data', () => socket.write('HTTP/1.1 102 Processing\r\n\r\n'));
  });
  const sockets = trackSockets(server);
  let port = 0;

  beforeAll(async () => {
    port = await listen(server);
  });
  afterAll(() => close(server, sockets));

  it('with ignoreHttp1xx, a 1xx answer leaves the health unchanged', async () => {
    expect(await probeHttp(request({ port, ignoreHttp1xx: true }))).toEqual({ outcome: 'ignored' });
  });

  it('without it, the probe waits for a final status and times out', async () => {
    const outcome = await probeHttp(request({ port, timeoutMs: 300 }));
    expect(outcome).toEqual({ outcome: 'unhealthy', cause: 'Health check timed out after 300 ms' });
  });
});

const openssl = findExecutable('openssl');
if (openssl === null) console.warn('skipping the HTTPS probe tests: openssl is not installed');

describe.skipIf(openssl === null)('HTTPS probe (self-signed certificate)', () => {
  let dir = '';
  let server: ReturnType<typeof createHttpsServer> | undefined;
  let sockets = new Set<Socket>();
  let port = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marathon-probes-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      openssl!,
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat([
        '-subj',
        '/CN=not-this-host.example',
      ]),
      { stdio: 'ignore' },
    );
    server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, handler([]));
    sockets = trackSockets(server);
    port = await listen(server);
  });
  afterAll(async () => {
    if (server !== undefined) await close(server, sockets);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes without verifying the certificate', async () => {
    expect(await realProbe(request({ protocol: 'HTTPS', port, path: '/ok' }))).toEqual({
      outcome: 'healthy',
    });
  });

  it('fails on 500 and on a timeout', async () => {
    expect(await probeHttp(request({ protocol: 'HTTPS', port, path: '/fail' }))).toEqual({
      outcome: 'unhealthy',
      cause: '500 Internal Server Error',
    });
    expect(await probeHttp(request({ protocol: 'HTTPS', port, path: '/hang', timeoutMs: 200 }))).toEqual({
      outcome: 'unhealthy',
      cause: 'Health check timed out after 200 ms',
    });
  });

  it('fails when the server speaks plain HTTP', async () => {
    const plain = createHttpServer(handler([]));
    const plainSockets = trackSockets(plain);
    const plainPort = await listen(plain);
    try {
      const outcome = await probeHttp(request({ protocol: 'HTTPS', port: plainPort, path: '/ok' }));
      expect(outcome.outcome).toBe('unhealthy');
    } finally {
      await close(plain, plainSockets);
    }
  });
});

describe('TCP probe', () => {
  const server = createTcpServer((socket) => socket.end());
  const sockets = trackSockets(server);
  let port = 0;

  beforeAll(async () => {
    port = await listen(server);
  });
  afterAll(() => close(server, sockets));

  it('passes when a connection opens', async () => {
    expect(await realProbe(request({ protocol: 'TCP', port }))).toEqual({ outcome: 'healthy' });
  });

  it('fails with Marathon’s cause when the connection is refused', async () => {
    const closedPort = await freePort();
    expect(await probeTcp(request({ protocol: 'TCP', port: closedPort }))).toEqual({
      outcome: 'unhealthy',
      cause: 'ConnectException: Connection refused',
    });
  });
});
