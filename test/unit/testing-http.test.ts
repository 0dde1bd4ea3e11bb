import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUrl, HttpError, JsonApi, parseBody, resolveLocation } from '../../src/testing/http.js';

describe('testing http helpers', () => {
  it('joins base URLs, paths and queries, leaving undefined parameters out', () => {
    expect(buildUrl('http://h:1', '/v2/apps', { embed: 'app.tasks', force: true, x: undefined })).toBe(
      'http://h:1/v2/apps?embed=app.tasks&force=true',
    );
    expect(buildUrl('http://h:1/prefix/', '/v2/info')).toBe('http://h:1/prefix/v2/info');
  });

  it("resolves Mesos's protocol-relative redirects", () => {
    expect(resolveLocation('http://a:5050/master/state', '//b:5050/master/state')).toBe(
      'http://b:5050/master/state',
    );
    expect(resolveLocation('http://a:8080/v2/apps', '/v2/apps/x')).toBe('http://a:8080/v2/apps/x');
  });

  it('parses JSON bodies and keeps other text', () => {
    expect(parseBody('{"a":1}')).toEqual({ a: 1 });
    expect(parseBody('not json')).toBe('not json');
    expect(parseBody('')).toBeUndefined();
  });
});

describe('JsonApi against a local server', () => {
  let server: Server;
  let base = '';
  const seen: Array<{ method: string; url: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        if (req.url === '/old') {
          res.writeHead(307, { Location: `//${req.headers.host}/new` }).end();
        } else if (req.url === '/missing') {
          res
            .writeHead(404, { 'Content-Type': 'application/json' })
            .end('{"message":"App \'/x\' does not exist"}');
        } else {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ echo: body }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends JSON bodies and follows a 307 with the same method and body', async () => {
    const api = new JsonApi(base);
    expect(await api.put<{ echo: string }>('/old', { instances: 2 })).toEqual({ echo: '{"instances":2}' });
    expect(seen.slice(-2).map((s) => `${s.method} ${s.url}`)).toEqual(['PUT /old', 'PUT /new']);
  });

  it('throws HttpError with the status and the parsed body on a non-2xx answer', async () => {
    const err = await new JsonApi(base).get('/missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 404, method: 'GET', body: { message: "App '/x' does not exist" } });
    expect((err as HttpError).message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/missing answered 404/);
  });

  it('reads the base URL at each call when given a function', async () => {
    let current = 'http://127.0.0.1:1';
    const api = new JsonApi(() => current);
    current = base;
    expect(await api.get('/any')).toEqual({ echo: '' });
  });
});
