// The Marathon-level health probes: one HTTP(S) GET or one TCP connect against a task's host:port,
// as the leading Marathon makes them. Each probe uses a fresh connection and gives up after the
// check's timeout. These timeouts are real timers on purpose: they bound real sockets, which the
// node's injected clock does not drive.
import { STATUS_CODES, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { HealthOutcome } from './health-state.js';

export interface ProbeRequest {
  protocol: 'HTTP' | 'HTTPS' | 'TCP';
  host: string;
  port: number;
  /** HTTP(S) only; a missing leading slash is added. */
  path: string;
  timeoutMs: number;
  /** HTTP(S): an informational (1xx) response leaves the health unchanged. */
  ignoreHttp1xx: boolean;
}

/** Never rejects: every failure is an `unhealthy` outcome with its cause. */
export type Probe = (req: ProbeRequest) => Promise<HealthOutcome>;

export const realProbe: Probe = (req) => (req.protocol === 'TCP' ? probeTcp(req) : probeHttp(req));

/** Passes on a final status 200-399 within the timeout (Marathon, "similar to AWS R53"). */
export function probeHttp(req: ProbeRequest): Promise<HealthOutcome> {
  const path = req.path.startsWith('/') ? req.path : `/${req.path}`;
  const options = {
    host: req.host,
    port: req.port,
    path,
    method: 'GET',
    agent: false as const,
  };
  return new Promise<HealthOutcome>((resolve) => {
    let settled = false;
    let clientRequest: ClientRequest | undefined = undefined;
    const finish = (outcome: HealthOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clientRequest?.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ outcome: 'unhealthy', cause: `Health check timed out after ${req.timeoutMs} ms` }),
      req.timeoutMs,
    );
    const onResponse = (res: IncomingMessage): void => {
      res.resume(); // The body does not matter.
      finish(statusOutcome(res.statusCode ?? 0, req));
    };
    try {
      clientRequest =
        req.protocol === 'HTTPS'
          ? // A health check only: accept any certificate, as Marathon does.
            httpsRequest({ ...options, rejectUnauthorized: false }, onResponse)
          : httpRequest(options, onResponse);
    } catch (err) {
      finish({ outcome: 'unhealthy', cause: errorMessage(err) });
      return;
    }
    clientRequest.on('information', (info: { statusCode: number }) => {
      if (req.ignoreHttp1xx) finish(statusOutcome(info.statusCode, req));
    });
    clientRequest.on('error', (err) => finish({ outcome: 'unhealthy', cause: errorMessage(err) }));
    clientRequest.end();
  });
}

function statusOutcome(status: number, req: ProbeRequest): HealthOutcome {
  if (status >= 200 && status <= 399) return { outcome: 'healthy' };
  if (req.ignoreHttp1xx && status >= 100 && status <= 199) return { outcome: 'ignored' };
  // Marathon's cause is the status line, e.g. "500 Internal Server Error".
  const text = STATUS_CODES[status];
  return { outcome: 'unhealthy', cause: text === undefined ? String(status) : `${status} ${text}` };
}

/** Passes when a TCP connection opens within the timeout; the connection is closed at once. */
export function probeTcp(req: ProbeRequest): Promise<HealthOutcome> {
  return new Promise<HealthOutcome>((resolve) => {
    let settled = false;
    const socket = connect({ host: req.host, port: req.port });
    const finish = (outcome: HealthOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    // Marathon reports Java's exception class and message, e.g. "ConnectException: Connection refused".
    const timer = setTimeout(
      () => finish({ outcome: 'unhealthy', cause: 'SocketTimeoutException: connect timed out' }),
      req.timeoutMs,
    );
    socket.once('connect', () => finish({ outcome: 'healthy' }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({
        outcome: 'unhealthy',
        cause: err.code === 'ECONNREFUSED' ? 'ConnectException: Connection refused' : errorMessage(err),
      }),
    );
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
