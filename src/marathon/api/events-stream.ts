// GET /v2/events: Marathon's server-sent event stream (Jetty's EventSourceServlet + HttpEventSSEHandle).
// Every MarathonEvent the bus delivers is written as `event: <type>\r\ndata: <json>\r\n\r\n`, a bare
// `\r\n` every heartbeat keeps idle connections alive, and a consumer that falls 1024 events behind
// is cut off (1.7+), as are streams of an instance that stopped leading.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MarathonEvent } from '../events/event-bus.js';
import type { MarathonService } from '../service.js';
import type { ServerStats } from './misc.js';

export interface EventStreamOptions {
  /** Default 10 000 ms, as Jetty's EventSourceServlet. */
  heartbeatMs?: number;
  /** Events buffered for a slow consumer before its connection is closed; default 1024. */
  maxOutstanding?: number;
}

const lightPlans = new WeakMap<MarathonEvent, string>();
const fullEvents = new WeakMap<MarathonEvent, string>();

/** The event's JSON, serialized once for all connections; `light` drops the plan's original/target. */
function eventJson(event: MarathonEvent, light: boolean): string {
  const cache = light ? lightPlans : fullEvents;
  let json = cache.get(event);
  if (json === undefined) {
    let payload: MarathonEvent = event;
    if (light && typeof event.plan === 'object' && event.plan !== null) {
      const plan: Record<string, unknown> = { ...(event.plan as Record<string, unknown>) };
      delete plan.original;
      delete plan.target;
      payload = { ...event, plan };
    }
    json = JSON.stringify(payload);
    cache.set(event, json);
  }
  return json;
}

/** Jetty compares each Accept header line with `text/event-stream` as a whole. */
function acceptsEventStream(req: IncomingMessage): boolean {
  return (req.headersDistinct.accept ?? []).some((value) => value.trim() === 'text/event-stream');
}

export function remoteAddressOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** Serves one SSE connection until the client goes, falls too far behind, or leadership moves on. */
export function serveEventStream(
  service: MarathonService,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  stats: ServerStats,
  opts: EventStreamOptions = {},
): void {
  if (!acceptsEventStream(req)) {
    const body = JSON.stringify({ message: 'HTTP method GET is not supported by this URL' });
    res.writeHead(405, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
    });
    res.end(body);
    return;
  }
  const eventTypes = new Set(query.getAll('event_type'));
  const light = query.get('plan-format') === 'light';
  const maxOutstanding = opts.maxOutstanding ?? 1024;
  const remoteAddress = remoteAddressOf(req);

  // Like Jetty: no chunking, the stream simply ends with the connection.
  res.useChunkedEncodingByDefault = false;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream;charset=utf-8',
    Connection: 'close',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  let closed = false;
  let draining = false;
  const pending: string[] = [];
  const write = (chunk: string): void => {
    if (closed) return;
    if (draining) {
      // HttpEventStreamHandleActor: a consumer this far behind is dropped, not waited for.
      if (pending.length >= maxOutstanding) {
        res.destroy();
        return;
      }
      pending.push(chunk);
      return;
    }
    stats.eventStreamBytes += Buffer.byteLength(chunk);
    if (!res.write(chunk)) draining = true;
  };
  res.on('drain', () => {
    draining = false;
    while (pending.length > 0 && !draining) write(pending.shift()!);
  });

  const unsubscribe = service.events.subscribe((event) => {
    if (eventTypes.size > 0 && !eventTypes.has(event.eventType)) return;
    write(`event: ${event.eventType}\r\ndata: ${eventJson(event, light)}\r\n\r\n`);
  });
  const heartbeat = setInterval(() => {
    if (!service.isLeader()) res.end();
    else if (!draining) write('\r\n');
  }, opts.heartbeatMs ?? 10_000);

  stats.eventStreams++;
  res.on('close', () => {
    if (closed) return;
    closed = true;
    stats.eventStreams--;
    clearInterval(heartbeat);
    unsubscribe();
    service.events.publish('event_stream_detached', { remoteAddress });
  });
  // Published on the bus after subscribing, so this connection's first event is its own attachment.
  service.events.publish('event_stream_attached', { remoteAddress });
}
