// The two long-lived sides of Marathon's HTTP server: the /v2/events SSE stream, and a standby
// instance proxying to (or redirecting to) the leader.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../../src/util/wait.js';
import { FakeMarathonService, startApi, type RunningApi } from './fixtures/fake-marathon-service.js';
import { callHttp } from './fixtures/http-call.js';

interface OpenStream {
  res: IncomingMessage;
  /** Everything received so far. */
  text(): string;
  /** The complete frames received so far, as [event, parsed data]. */
  events(): Array<[string, Record<string, unknown>]>;
  ended: Promise<void>;
  close(): void;
}

function openStream(url: string, path: string, accept = 'text/event-stream'): Promise<OpenStream> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { headers: { Accept: accept } }, (res) => {
      let received = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (received += chunk));
      // The socket, not the response: a paused response does not report the end of its connection.
      const ended = new Promise<void>((done) => res.socket.on('close', () => done()));
      resolve({
        res,
        text: () => received,
        events: () =>
          received
            .split('\r\n\r\n')
            .slice(0, -1)
            .map((frame) => frame.replace(/^(\r\n)+/, ''))
            .filter((frame) => frame.startsWith('event: '))
            .map((frame) => {
              const [eventLine = '', dataLine = ''] = frame.split('\r\n');
              return [eventLine.slice('event: '.length), JSON.parse(dataLine.slice('data: '.length))];
            }),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /v2/events', () => {
  let service: FakeMarathonService;
  let api: RunningApi;

  beforeEach(async () => {
    service = new FakeMarathonService();
    api = await startApi(service, { heartbeatMs: 20 });
  });

  afterEach(async () => {
    await api.close();
  });

  it('needs exactly Accept: text/event-stream (405 otherwise)', async () => {
    const res = await callHttp(api.url, 'GET', '/v2/events', { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(405);
    const combined = await callHttp(api.url, 'GET', '/v2/events', {
      headers: { Accept: 'text/event-stream, application/json' },
    });
    expect(combined.status).toBe(405);
  });

  it('streams events as CRLF frames, the attachment first', async () => {
    const stream = await openStream(api.url, '/v2/events');
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers['content-type']).toBe('text/event-stream;charset=utf-8');
    expect(stream.res.headers.connection).toBe('close');
    expect(stream.res.headers['transfer-encoding']).toBeUndefined();
    expect(stream.res.headers['x-marathon-leader']).toBe('http://127.0.0.1:8080');
    await waitFor(() => stream.events().length >= 1);
    const attached = stream.text().split('\r\n\r\n')[0]!;
    expect(attached).toMatch(
      /^event: event_stream_attached\r\ndata: \{"remoteAddress":"127\.0\.0\.1","eventType":"event_stream_attached","timestamp":"[^"]+Z"\}$/,
    );
    service.events.publish('status_update_event', { taskId: 't1', taskStatus: 'TASK_RUNNING' });
    await waitFor(() => stream.events().length >= 2);
    expect(stream.events()[1]).toEqual([
      'status_update_event',
      expect.objectContaining({ taskId: 't1', eventType: 'status_update_event' }),
    ]);
    stream.close();
  });

  it('sends only the event types asked for', async () => {
    const stream = await openStream(
      api.url,
      '/v2/events?event_type=deployment_info&event_type=app_terminated_event',
    );
    // The attachment is published on the bus before anything else: once it is seen, the stream is live.
    await waitFor(() => service.published.some((e) => e.eventType === 'event_stream_attached'));
    service.events.publish('status_update_event', { taskId: 't1' });
    service.events.publish('app_terminated_event', { appId: '/a' });
    service.events.publish('deployment_info', { plan: { id: 'p' } });
    await waitFor(() => stream.events().length >= 2);
    expect(stream.events().map(([type]) => type)).toEqual(['app_terminated_event', 'deployment_info']);
    stream.close();
  });

  it('drops original and target from plans for plan-format=light', async () => {
    const full = await openStream(api.url, '/v2/events?event_type=deployment_success');
    const light = await openStream(api.url, '/v2/events?event_type=deployment_success&plan-format=light');
    await waitFor(
      () => service.published.filter((e) => e.eventType === 'event_stream_attached').length === 2,
    );
    const plan = { id: 'p', original: { id: '/' }, target: { id: '/' }, steps: [], version: 'v' };
    service.events.publish('deployment_success', { id: 'p', plan });
    await waitFor(() => full.events().length === 1 && light.events().length === 1);
    expect(full.events()[0]![1].plan).toEqual(plan);
    expect(light.events()[0]![1].plan).toEqual({ id: 'p', steps: [], version: 'v' });
    full.close();
    light.close();
  });

  it('writes a bare CRLF heartbeat', async () => {
    const stream = await openStream(api.url, '/v2/events');
    await waitFor(() => stream.text().includes('\r\n\r\n\r\n'));
    stream.close();
  });

  it('publishes the detachment when the client goes, and lets go of the bus', async () => {
    const listeners = service.events.listenerCount;
    const stream = await openStream(api.url, '/v2/events');
    await waitFor(() => service.events.listenerCount === listeners + 1);
    stream.close();
    await waitFor(() => service.published.some((e) => e.eventType === 'event_stream_detached'));
    expect(service.published.find((e) => e.eventType === 'event_stream_detached')).toMatchObject({
      remoteAddress: '127.0.0.1',
    });
    expect(service.events.listenerCount).toBe(listeners);
  });

  it('closes the stream of a consumer that falls too far behind', async () => {
    await api.close();
    api = await startApi(service, { maxOutstanding: 2 });
    const stream = await openStream(api.url, '/v2/events');
    stream.res.pause();
    await waitFor(() => service.published.some((e) => e.eventType === 'event_stream_attached'));
    const big = 'x'.repeat(4 * 1024 * 1024);
    for (let i = 0; i < 4; i++) service.events.publish('status_update_event', { message: big });
    await stream.ended;
    await waitFor(() => service.published.some((e) => e.eventType === 'event_stream_detached'));
  });

  it('ends the stream once this instance no longer leads', async () => {
    const stream = await openStream(api.url, '/v2/events');
    await waitFor(() => stream.events().length >= 1);
    service.leader = false;
    await stream.ended;
  });

  it('counts streams and streamed bytes in /metrics', async () => {
    const stream = await openStream(api.url, '/v2/events');
    await waitFor(() => stream.events().length >= 1);
    const metrics = (await callHttp(api.url, 'GET', '/metrics')).json;
    expect(metrics.gauges['marathon.http.event-streams.active.gauge']).toEqual({ value: 1 });
    expect(metrics.counters['marathon.http.responses.event-stream.size.counter.bytes'].count).toBeGreaterThan(
      0,
    );
    stream.close();
  });
});

/** A stand-in leader that answers every request with what it received. */
async function startEchoServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Marathon-Leader': 'http://leader:8080' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a standby instance', () => {
  let standby: FakeMarathonService;
  let api: RunningApi;
  let echo: { url: string; server: Server };

  beforeEach(async () => {
    echo = await startEchoServer();
    standby = new FakeMarathonService();
    standby.leader = false;
    standby.leaderAddress = echo.url;
    api = await startApi(standby, { self: 'standby:8080' });
  });

  afterEach(async () => {
    await api.close();
    await new Promise<void>((resolve) => echo.server.close(() => resolve()));
  });

  it('proxies requests to the leader: method, path, query, body and headers', async () => {
    const res = await api.call('POST', '/v2/apps?force=true', {
      body: { id: '/x' },
      headers: { 'X-Custom': 'yes', Authorization: 'token=abc' },
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-marathon-leader']).toBe('http://leader:8080');
    expect(res.headers['x-marathon-via']).toBe('1.1 standby:8080');
    expect(res.json).toMatchObject({ method: 'POST', url: '/v2/apps?force=true', body: '{"id":"/x"}' });
    expect(res.json.headers).toMatchObject({
      'x-custom': 'yes',
      authorization: 'token=abc',
      'content-type': 'application/json',
      'x-marathon-via': '1.1 standby:8080',
      'x-forwarded-for': '127.0.0.1',
      host: new URL(echo.url).host,
    });
    expect(standby.deployCalls).toHaveLength(0);
  });

  it('forwards the path exactly as sent', async () => {
    const res = await api.call('PUT', '//v2/apps//x?force=False', { body: { instances: 2 } });
    expect(res.json).toMatchObject({ method: 'PUT', url: '//v2/apps//x?force=False' });
  });

  it('redirects the event stream to the leader', async () => {
    const res = await api.call('GET', '/v2/events?event_type=deployment_info', {
      headers: { Accept: 'text/event-stream' },
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${echo.url}/v2/events?event_type=deployment_info`);
  });

  it('answers 502 when no leader is known', async () => {
    standby.leaderAddress = null;
    const res = await api.call('GET', '/v2/apps');
    expect(res.status).toBe(502);
    expect(res.json).toEqual({ message: 'Could not determine the current leader' });
    // A leader address that is this very instance is no leader either.
    standby.leaderAddress = 'http://standby:8080';
    expect((await api.call('GET', '/v2/apps')).status).toBe(502);
  });

  it('waits for an election in progress before giving up', async () => {
    await api.close();
    api = await startApi(standby, { self: 'standby:8080', leaderWait: { attempts: 200, intervalMs: 5 } });
    standby.leaderAddress = null;
    const pending = api.call('GET', '/v2/info');
    setTimeout(() => (standby.leaderAddress = echo.url), 20);
    expect((await pending).status).toBe(201);
  });

  it('detects a proxying loop', async () => {
    const other = new FakeMarathonService();
    other.leader = false;
    const otherApi = await startApi(other, { self: 'other:8080' });
    try {
      other.leaderAddress = api.url;
      standby.leaderAddress = otherApi.url;
      const res = await api.call('GET', '/v2/apps');
      expect(res.status).toBe(502);
      expect(res.json).toEqual({ message: 'Detected proxying loop.' });
    } finally {
      await otherApi.close();
    }
  });

  it('answers 502 when the leader refuses connections', async () => {
    standby.leaderAddress = `http://127.0.0.1:${await freePort()}`;
    const res = await api.call('GET', '/v2/apps');
    expect(res.status).toBe(502);
    expect(res.json).toEqual({ message: 'Connection to leader refused.' });
  });
});
