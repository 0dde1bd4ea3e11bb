// Health checking as Mesos 1.11's built-in executors do it (src/checks/health_checker.cpp on top of
// checker_process.cpp): the first check `delay_seconds` after the checker starts (at task launch),
// the next one `interval_seconds` after each check ends, a check running longer than
// `timeout_seconds` (0: no limit) is a failure. Failures before the first success and within
// `grace_period_seconds` of the start are ignored; every other failure is reported (healthy=false,
// with `killTask` once `consecutive_failures` is reached); a success is reported when it is the
// first one or follows failures.
//
// Probes as Mesos runs them for a task without a container image (the "plain" runtime): COMMAND
// runs the command with the executor's environment (the task's) in the sandbox; Mesos enters the
// task's mount namespace only when the task has its own rootfs, which ours never do. HTTP is what
// `curl -s -S -L -k` reports for http(s)://127.0.0.1:<port><path> (redirects followed, certificates
// not checked, 200-399 healthy, `statuses` ignored), TCP is a plain connect to 127.0.0.1:<port>.
// The command executor shares the task's network namespace, and so does our agent.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { CommandInfo, HealthCheck } from '../../protocol/types.js';
import type { Clock, TimerHandle } from '../../../util/clock.js';
import type { Logger } from '../../../util/log.js';

/** mesos.proto's defaults for the HealthCheck fields. */
export const HEALTH_CHECK_DEFAULTS = {
  delay_seconds: 15,
  interval_seconds: 10,
  timeout_seconds: 20,
  consecutive_failures: 3,
  grace_period_seconds: 10,
} as const;

export interface HealthCheckTiming {
  delayMs: number;
  intervalMs: number;
  /** null: a check may run for ever (timeout_seconds 0). */
  timeoutMs: number | null;
  consecutiveFailures: number;
  gracePeriodMs: number;
}

export function healthCheckTiming(check: HealthCheck): HealthCheckTiming {
  const d = HEALTH_CHECK_DEFAULTS;
  const timeout = check.timeout_seconds ?? d.timeout_seconds;
  return {
    delayMs: (check.delay_seconds ?? d.delay_seconds) * 1000,
    intervalMs: (check.interval_seconds ?? d.interval_seconds) * 1000,
    timeoutMs: timeout > 0 ? timeout * 1000 : null,
    consecutiveFailures: check.consecutive_failures ?? d.consecutive_failures,
    gracePeriodMs: (check.grace_period_seconds ?? d.grace_period_seconds) * 1000,
  };
}

/** Mesos's validateHealthCheck (src/common/validation.cpp): the error, or null when the check is usable. */
export function validateHealthCheck(check: HealthCheck): string | null {
  switch (check.type) {
    case undefined:
      return "HealthCheck must specify 'type'";
    case 'COMMAND':
      if (!check.command) return "Expecting 'command' to be set for COMMAND health check";
      if (check.command.value === undefined)
        return `Command health check must contain ${check.command.shell === false ? "'executable path'" : "'shell command'"}`;
      break;
    case 'HTTP':
      if (!check.http) return "Expecting 'http' to be set for HTTP health check";
      if (check.http.scheme !== undefined && check.http.scheme !== 'http' && check.http.scheme !== 'https')
        return `Unsupported HTTP health check scheme: '${check.http.scheme}'`;
      if (check.http.path !== undefined && !check.http.path.startsWith('/'))
        return `The path '${check.http.path}' of HTTP health check must start with '/'`;
      break;
    case 'TCP':
      if (!check.tcp) return "Expecting 'tcp' to be set for TCP health check";
      break;
    default:
      return `'${String(check.type)}' is not a valid health check type`;
  }
  for (const [name, value] of [
    ['delay_seconds', check.delay_seconds],
    ['grace_period_seconds', check.grace_period_seconds],
    ['interval_seconds', check.interval_seconds],
    ['timeout_seconds', check.timeout_seconds],
  ] as const) {
    if (value !== undefined && !(value >= 0)) return `Expecting '${name}' to be non-negative`;
  }
  return null;
}

/** One check of the task. Resolves when it passed, rejects with the reason when it did not. */
export interface HealthProbe {
  /** `signal` aborts when the check timed out or checking stopped: the probe must give up then. */
  run(signal: AbortSignal): Promise<void>;
}

/** Mesos's TaskHealthStatus: what the executor hears after a check that changes something. */
export interface HealthStatus {
  healthy: boolean;
  consecutiveFailures: number;
  /** consecutive_failures was reached: the executor kills the task. */
  killTask: boolean;
}

export interface HealthState {
  /** No check has passed yet. */
  initializing: boolean;
  consecutiveFailures: number;
}

export const INITIAL_HEALTH_STATE: HealthState = { initializing: true, consecutiveFailures: 0 };

/** Pure: the next state after a check and what to report, if anything. */
export function afterCheck(
  state: HealthState,
  passed: boolean,
  sinceStartMs: number,
  timing: HealthCheckTiming,
): { state: HealthState; report: HealthStatus | null } {
  if (passed) {
    const report =
      state.initializing || state.consecutiveFailures > 0
        ? { healthy: true, consecutiveFailures: 0, killTask: false }
        : null;
    return { state: { initializing: false, consecutiveFailures: 0 }, report };
  }
  if (state.initializing && timing.gracePeriodMs > 0 && sinceStartMs <= timing.gracePeriodMs)
    return { state, report: null };
  const consecutiveFailures = state.consecutiveFailures + 1;
  return {
    state: { initializing: state.initializing, consecutiveFailures },
    report: {
      healthy: false,
      consecutiveFailures,
      killTask: consecutiveFailures >= timing.consecutiveFailures,
    },
  };
}

export interface HealthCheckerOptions {
  check: HealthCheck;
  probe: HealthProbe;
  clock: Clock;
  log?: Logger;
  onStatus: (status: HealthStatus) => void;
}

/** Runs a task's health check on the clock until stopped. */
export class HealthChecker {
  private readonly timing: HealthCheckTiming;
  private state = INITIAL_HEALTH_STATE;
  private startedAt = 0;
  private timer: TimerHandle | null = null;
  private inFlight: AbortController | null = null;
  private running = false;

  constructor(private readonly options: HealthCheckerOptions) {
    this.timing = healthCheckTiming(options.check);
  }

  /** Starts the clock for the grace period and schedules the first check after `delay_seconds`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.options.clock.now();
    this.schedule(this.timing.delayMs);
  }

  /** No more checks or reports; a check under way is aborted. */
  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
    this.inFlight?.abort(new Error('health checking stopped'));
    this.inFlight = null;
  }

  private schedule(ms: number): void {
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.perform();
    }, ms);
  }

  private perform(): void {
    if (!this.running) return;
    const controller = new AbortController();
    this.inFlight = controller;
    let timeout: TimerHandle | null = null;
    let settled = false;
    const settle = (passed: boolean, why?: string): void => {
      if (settled) return;
      settled = true;
      timeout?.cancel();
      if (this.inFlight === controller) this.inFlight = null;
      if (this.running) this.completed(passed, why);
    };
    const { timeoutMs } = this.timing;
    if (timeoutMs !== null) {
      timeout = this.options.clock.setTimeout(() => {
        controller.abort(new Error(`timed out after ${timeoutMs / 1000}s`));
        settle(false, `${this.options.check.type} health check timed out after ${timeoutMs / 1000}s`);
      }, timeoutMs);
    }
    let run: Promise<void>;
    try {
      run = this.options.probe.run(controller.signal);
    } catch (err) {
      run = Promise.reject(err);
    }
    run.then(
      () => settle(true),
      (err: unknown) => settle(false, err instanceof Error ? err.message : String(err)),
    );
  }

  private completed(passed: boolean, why: string | undefined): void {
    const sinceStart = this.options.clock.now() - this.startedAt;
    const { state, report } = afterCheck(this.state, passed, sinceStart, this.timing);
    if (!passed) {
      this.options.log?.[report ? 'warn' : 'info'](
        report ? 'Health check failed' : 'Ignoring a failed health check: still in grace period',
        { reason: why, ...(report ? { consecutiveFailures: report.consecutiveFailures } : {}) },
      );
    }
    this.state = state;
    if (report) this.options.onStatus(report);
    // The executor may have stopped us from within onStatus (it kills the task).
    if (this.running) this.schedule(this.timing.intervalMs);
  }
}

// ---------------------------------------------------------------- probes

export interface ProbeContext {
  /** The task's environment; a COMMAND check's own variables are added to it. */
  env: Record<string, string>;
  /** The task's sandbox, where COMMAND checks run. */
  cwd: string;
  /** Where a COMMAND check's stdout and stderr go (Mesos: the executor's stderr, the sandbox's). */
  outputPath?: string;
}

/** The probe for a valid check (see validateHealthCheck). */
export function createHealthProbe(check: HealthCheck, ctx: ProbeContext): HealthProbe {
  switch (check.type) {
    case 'COMMAND':
      return commandProbe(check.command!, ctx);
    case 'HTTP':
      return httpProbe(check.http!);
    case 'TCP':
      return tcpProbe(check.tcp!);
    default:
      throw new Error(`HealthCheck type '${String(check.type)}' is not supported`);
  }
}

type Http = NonNullable<HealthCheck['http']>;
type Tcp = NonNullable<HealthCheck['tcp']>;

/** HealthCheck's http/tcp carry `protocol` (IPv4 | IPv6) on the wire; our type does not list it. */
export const checksIPv6 = (info: Http | Tcp): boolean => (info as { protocol?: string }).protocol === 'IPv6';

const loopback = (info: Http | Tcp): string => (checksIPv6(info) ? '::1' : '127.0.0.1');

export function commandProbe(command: CommandInfo, ctx: ProbeContext): HealthProbe {
  const env = { ...ctx.env };
  for (const v of command.environment?.variables ?? []) {
    if ((v.type ?? 'VALUE') === 'VALUE' && v.value !== undefined) env[v.name] = v.value;
  }
  return {
    async run(signal) {
      const output = ctx.outputPath ? await open(ctx.outputPath, 'a').catch(() => null) : null;
      const stdio = ['ignore', output?.fd ?? 'ignore', output?.fd ?? 'ignore'] as const;
      const shell = command.shell ?? true;
      const [file, args, argv0] = shell
        ? ['/bin/sh', ['-c', command.value ?? ''], undefined]
        : [command.value ?? '', (command.arguments ?? []).slice(1), command.arguments?.[0]];
      try {
        // Its own process group, so a timeout kills everything the command started.
        const child = spawn(file, args, {
          cwd: ctx.cwd,
          env,
          stdio: [...stdio],
          detached: true,
          ...(argv0 !== undefined ? { argv0 } : {}),
        });
        const killTree = (): void => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        };
        signal.addEventListener('abort', killTree, { once: true });
        if (signal.aborted) killTree();
        const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
          (resolve, reject) => {
            child.once('error', (err) => reject(new Error(`Failed to create subprocess: ${err.message}`)));
            child.once('exit', (code, sig) => resolve({ code, signal: sig }));
          },
        ).finally(() => signal.removeEventListener('abort', killTree));
        if (exit.signal) throw new Error(`Command terminated with signal ${exit.signal}`);
        if (exit.code !== 0) throw new Error(`Command exited with status ${exit.code}`);
      } finally {
        await output?.close();
      }
    },
  };
}

/** Like `curl -L`: follows redirects up to curl's default limit of 50. */
const MAX_REDIRECTS = 50;

/** `host`: where the task's network namespace is reached (default: loopback, which the agent shares). */
export function httpProbe(http: Http, host: string = loopback(http)): HealthProbe {
  const scheme = http.scheme ?? 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${http.port}${http.path ?? ''}`;
  return {
    async run(signal) {
      let target = url;
      for (let hop = 0; ; hop++) {
        const res = await httpGetStatus(target, signal);
        if (res.status >= 300 && res.status < 400 && res.location && hop < MAX_REDIRECTS) {
          target = new URL(res.location, target).toString();
          continue;
        }
        if (res.status < 200 || res.status >= 400)
          throw new Error(`Unexpected HTTP response code: ${res.status}`);
        return;
      }
    },
  };
}

function httpGetStatus(url: string, signal: AbortSignal): Promise<{ status: number; location?: string }> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', agent: false, signal, rejectUnauthorized: false },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        // The answer counts once it is complete, as curl's does.
        res.on('error', reject);
        res.on('end', () => resolve({ status, ...(location ? { location } : {}) }));
        res.resume();
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export function tcpProbe(tcp: Tcp, host: string = loopback(tcp)): HealthProbe {
  return {
    run(signal) {
      return new Promise((resolve, reject) => {
        const socket = connect({ host, port: tcp.port });
        const abort = (): void => {
          socket.destroy();
          reject(new Error('TCP connection aborted'));
        };
        signal.addEventListener('abort', abort, { once: true });
        socket.once('connect', () => {
          signal.removeEventListener('abort', abort);
          socket.destroy();
          resolve();
        });
        socket.once('error', (err) => {
          signal.removeEventListener('abort', abort);
          reject(new Error(`TCP connection failed: ${err.message}`));
        });
      });
    },
  };
}
