import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandProbe,
  HealthChecker,
  healthCheckTiming,
  httpProbe,
  tcpProbe,
  validateHealthCheck,
  type HealthProbe,
  type HealthStatus,
} from '../../src/mesos/agent/executor/health-checker.js';
import { TaskRunner, type StatusReport } from '../../src/mesos/agent/executor/task-runner.js';
import type {
  ContainerLauncher,
  ExitInfo,
  RunningContainer,
} from '../../src/mesos/agent/containerizer/launcher.js';
import type { HealthCheck } from '../../src/mesos/protocol/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { readProcess } from '../../src/util/proc.js';
import { waitFor } from '../../src/util/wait.js';

/** Lets settled probe promises run their callbacks. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type Outcome = 'pass' | 'fail' | 'hang';

/** A probe that answers from a script, one outcome per check, and records when it ran. */
class ScriptedProbe implements HealthProbe {
  readonly runs: number[] = [];
  readonly aborted: unknown[] = [];
  constructor(
    private readonly clock: ManualClock,
    private readonly script: Outcome[],
    private readonly otherwise: Outcome = 'pass',
  ) {}

  run(signal: AbortSignal): Promise<void> {
    this.runs.push(this.clock.now());
    const outcome = this.script.shift() ?? this.otherwise;
    if (outcome === 'pass') return Promise.resolve();
    if (outcome === 'fail') return Promise.reject(new Error('Command exited with status 1'));
    return new Promise((_resolve, reject) =>
      signal.addEventListener('abort', () => {
        this.aborted.push(signal.reason);
        reject(signal.reason as Error);
      }),
    );
  }
}

function checker(
  check: Partial<HealthCheck>,
  script: Outcome[],
  otherwise: Outcome = 'pass',
): {
  clock: ManualClock;
  probe: ScriptedProbe;
  statuses: Array<HealthStatus & { at: number }>;
  hc: HealthChecker;
} {
  const clock = new ManualClock(1_000_000);
  const probe = new ScriptedProbe(clock, script, otherwise);
  const statuses: Array<HealthStatus & { at: number }> = [];
  const hc = new HealthChecker({
    check: { type: 'COMMAND', command: { value: 'true' }, ...check },
    probe,
    clock,
    onStatus: (s) => statuses.push({ ...s, at: clock.now() - 1_000_000 }),
  });
  return { clock, probe, statuses, hc };
}

/** Advances the clock one step at a time, letting each check's result land before the next step. */
async function run(clock: ManualClock, ms: number, stepMs = 1000): Promise<void> {
  clock.advance(0);
  await flush();
  for (let done = 0; done < ms; done += stepMs) {
    clock.advance(Math.min(stepMs, ms - done));
    await flush();
  }
}

describe('healthCheckTiming', () => {
  it("uses mesos.proto's defaults", () => {
    expect(healthCheckTiming({ type: 'TCP', tcp: { port: 1 } })).toEqual({
      delayMs: 15_000,
      intervalMs: 10_000,
      timeoutMs: 20_000,
      consecutiveFailures: 3,
      gracePeriodMs: 10_000,
    });
  });

  it('takes timeout_seconds 0 as no timeout and accepts fractions of seconds', () => {
    const t = healthCheckTiming({ type: 'TCP', tcp: { port: 1 }, timeout_seconds: 0, interval_seconds: 0.5 });
    expect(t.timeoutMs).toBeNull();
    expect(t.intervalMs).toBe(500);
  });
});

describe('validateHealthCheck', () => {
  it.each<[HealthCheck, string | null]>([
    [{ type: 'COMMAND', command: { value: 'true' } }, null],
    [{ type: 'HTTP', http: { port: 80, scheme: 'https', path: '/ping' } }, null],
    [{ type: 'TCP', tcp: { port: 80 } }, null],
    [{}, "HealthCheck must specify 'type'"],
    [{ type: 'COMMAND' }, "Expecting 'command' to be set for COMMAND health check"],
    [{ type: 'COMMAND', command: {} }, "Command health check must contain 'shell command'"],
    [{ type: 'HTTP', http: { port: 80, scheme: 'ftp' } }, "Unsupported HTTP health check scheme: 'ftp'"],
    [
      { type: 'HTTP', http: { port: 80, path: 'x' } },
      "The path 'x' of HTTP health check must start with '/'",
    ],
    [{ type: 'TCP' }, "Expecting 'tcp' to be set for TCP health check"],
    [
      { type: 'TCP', tcp: { port: 80 }, interval_seconds: -1 },
      "Expecting 'interval_seconds' to be non-negative",
    ],
  ])('%j -> %s', (check, error) => {
    expect(validateHealthCheck(check)).toBe(error);
  });
});

describe('HealthChecker', () => {
  it('checks first after delay_seconds, then interval_seconds after each check', async () => {
    const { clock, probe, hc } = checker({ delay_seconds: 5, interval_seconds: 2 }, []);
    hc.start();
    await run(clock, 4000);
    expect(probe.runs).toEqual([]);
    await run(clock, 5000);
    expect(probe.runs.map((t) => t - 1_000_000)).toEqual([5000, 7000, 9000]);
    hc.stop();
  });

  it('reports the first success, and then only successes that follow failures', async () => {
    const { clock, statuses, hc } = checker(
      { delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 0, consecutive_failures: 5 },
      ['pass', 'pass', 'fail', 'fail', 'pass', 'pass'],
    );
    hc.start();
    await run(clock, 6000);
    expect(statuses).toEqual([
      { healthy: true, consecutiveFailures: 0, killTask: false, at: 0 },
      { healthy: false, consecutiveFailures: 1, killTask: false, at: 2000 },
      { healthy: false, consecutiveFailures: 2, killTask: false, at: 3000 },
      { healthy: true, consecutiveFailures: 0, killTask: false, at: 4000 },
    ]);
    hc.stop();
  });

  it('ignores failures within the grace period until the first success', async () => {
    const { clock, statuses, hc } = checker(
      { delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 3, consecutive_failures: 1 },
      ['fail', 'fail', 'fail', 'fail', 'fail'],
    );
    hc.start();
    await run(clock, 3000);
    expect(statuses).toEqual([]);
    await run(clock, 1000);
    expect(statuses).toEqual([{ healthy: false, consecutiveFailures: 1, killTask: true, at: 4000 }]);
    hc.stop();
  });

  it('counts a failure within the grace period once a check has passed', async () => {
    const { clock, statuses, hc } = checker(
      { delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 60, consecutive_failures: 3 },
      ['pass', 'fail'],
    );
    hc.start();
    await run(clock, 1000);
    expect(statuses.map((s) => s.healthy)).toEqual([true, false]);
    hc.stop();
  });

  it('reports every failure and asks for the kill at consecutive_failures', async () => {
    const { clock, statuses, hc } = checker(
      { delay_seconds: 1, interval_seconds: 1, grace_period_seconds: 0, consecutive_failures: 3 },
      [],
      'fail',
    );
    hc.start();
    await run(clock, 4000);
    expect(statuses).toEqual([
      { healthy: false, consecutiveFailures: 1, killTask: false, at: 1000 },
      { healthy: false, consecutiveFailures: 2, killTask: false, at: 2000 },
      { healthy: false, consecutiveFailures: 3, killTask: true, at: 3000 },
      { healthy: false, consecutiveFailures: 4, killTask: true, at: 4000 },
    ]);
    hc.stop();
  });

  it('fails a check that outlives timeout_seconds and aborts it', async () => {
    const { clock, probe, statuses, hc } = checker(
      { delay_seconds: 0, interval_seconds: 1, timeout_seconds: 2, grace_period_seconds: 0 },
      ['hang', 'pass'],
    );
    hc.start();
    await run(clock, 1000);
    expect(statuses).toEqual([]);
    await run(clock, 1000);
    expect(probe.aborted).toHaveLength(1);
    expect(statuses).toEqual([{ healthy: false, consecutiveFailures: 1, killTask: false, at: 2000 }]);
    await run(clock, 1000);
    expect(statuses.at(-1)).toMatchObject({ healthy: true, at: 3000 });
    hc.stop();
  });

  it('stops checking when stopped, aborting a check under way without reporting it', async () => {
    const { clock, probe, statuses, hc } = checker(
      { delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 0, timeout_seconds: 0 },
      ['hang'],
    );
    hc.start();
    await run(clock, 1000);
    expect(probe.runs).toHaveLength(1);
    hc.stop();
    await flush();
    expect(probe.aborted).toHaveLength(1);
    await run(clock, 5000);
    expect(probe.runs).toHaveLength(1);
    expect(statuses).toEqual([]);
  });
});

// ---------------------------------------------------------------- the task runner's use of it

class FakeContainer implements RunningContainer {
  readonly pid = 4242;
  readonly signals: NodeJS.Signals[] = [];
  private end!: (exit: ExitInfo) => void;
  readonly exited = new Promise<ExitInfo>((resolve) => (this.end = resolve));

  signal(sig: NodeJS.Signals): void {
    this.signals.push(sig);
    this.end({ code: null, signal: sig, oomKilled: false });
  }
  destroy(): Promise<void> {
    this.end({ code: null, signal: 'SIGKILL', oomKilled: false });
    return Promise.resolve();
  }
  statistics(): never {
    throw new Error('not used');
  }
}

function runner(check: HealthCheck, probe: HealthProbe, clock: ManualClock, killingState = false) {
  const container = new FakeContainer();
  const launcher: ContainerLauncher = {
    isolation: 'fake',
    enforcing: false,
    launch: () => Promise.resolve(container),
  };
  const reports: StatusReport[] = [];
  let terminated = false;
  const taskRunner = new TaskRunner({
    launcher,
    clock,
    log: silentLogger,
    spec: {
      containerId: 'c1',
      shell: true,
      value: 'sleep 1000',
      env: {},
      cwd: '/tmp',
      stdoutPath: '/dev/null',
      stderrPath: '/dev/null',
      runtimeDir: '/tmp/c1.run',
      cpus: 0.1,
      memMb: 32,
    },
    killingState,
    healthCheck: check,
    healthProbe: probe,
    report: (r) => reports.push(r),
    onLaunched: () => undefined,
    onTerminated: () => (terminated = true),
  });
  return { container, reports, taskRunner, isTerminated: () => terminated };
}

describe('TaskRunner with a health check', () => {
  it('sends TASK_RUNNING updates with healthy and the reason, then kills the task after enough failures', async () => {
    const clock = new ManualClock();
    const check: HealthCheck = {
      type: 'COMMAND',
      command: { value: 'exit 1' },
      delay_seconds: 0,
      interval_seconds: 1,
      grace_period_seconds: 0,
      consecutive_failures: 2,
    };
    const probe = new ScriptedProbe(clock, ['pass', 'fail'], 'fail');
    const { container, reports, taskRunner, isTerminated } = runner(check, probe, clock, true);
    const started = taskRunner.start();
    await flush();
    expect(reports.map((r) => r.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    const running = reports[1]!;

    await run(clock, 0);
    expect(reports[2]).toEqual({
      ...running,
      reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      healthy: true,
    });
    await run(clock, 2000);
    await started;
    await flush();

    expect(reports.slice(3)).toEqual([
      { ...running, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false },
      { ...running, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false },
      { state: 'TASK_KILLING', source: 'SOURCE_EXECUTOR' },
      {
        state: 'TASK_KILLED',
        source: 'SOURCE_EXECUTOR',
        message: 'Command terminated with signal SIGTERM',
        healthy: false,
      },
    ]);
    expect(container.signals).toEqual(['SIGTERM']);
    expect(isTerminated()).toBe(true);
    // Killed: no more checks.
    const checks = probe.runs.length;
    await run(clock, 5000);
    expect(probe.runs).toHaveLength(checks);
  });

  it('stops checking once the framework kills the task, whose TASK_KILLED then says nothing of health', async () => {
    const clock = new ManualClock();
    const probe = new ScriptedProbe(clock, [], 'pass');
    const check: HealthCheck = { type: 'TCP', tcp: { port: 1 }, delay_seconds: 1, interval_seconds: 1 };
    const { reports, taskRunner } = runner(check, probe, clock);
    const started = taskRunner.start();
    await flush();
    await run(clock, 1000);
    taskRunner.kill();
    await started;
    await run(clock, 5000);
    expect(probe.runs).toHaveLength(1);
    expect(reports.at(-1)).toEqual({
      state: 'TASK_KILLED',
      source: 'SOURCE_EXECUTOR',
      message: 'Command terminated with signal SIGTERM',
    });
  });
});

// ---------------------------------------------------------------- the real probes

const never = new AbortController().signal;

describe('commandProbe', () => {
  let dir: string;
  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'health-probe-')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the command with /bin/sh in the sandbox with the task environment and its own variables', async () => {
    const probe = commandProbe(
      {
        value: `test "$(pwd)" = "${dir}" && test "$TASK_VAR" = t && test "$CHECK_VAR" = c && echo checked`,
        environment: { variables: [{ name: 'CHECK_VAR', value: 'c' }] },
      },
      {
        env: { TASK_VAR: 't', PATH: process.env.PATH ?? '/usr/bin:/bin' },
        cwd: dir,
        outputPath: `${dir}/stderr`,
      },
    );
    await expect(probe.run(never)).resolves.toBeUndefined();
    expect(readFileSync(`${dir}/stderr`, 'utf8')).toBe('checked\n');
  });

  it('fails with the exit status', async () => {
    const probe = commandProbe({ value: 'exit 3' }, { env: {}, cwd: dir });
    await expect(probe.run(never)).rejects.toThrow('Command exited with status 3');
  });

  it('runs a non-shell command with its arguments', async () => {
    const probe = commandProbe(
      { shell: false, value: '/bin/sh', arguments: ['sh', '-c', 'exit 4'] },
      { env: {}, cwd: dir },
    );
    await expect(probe.run(never)).rejects.toThrow('Command exited with status 4');
  });

  it('kills the command and what it started when aborted', async () => {
    const pidFile = `${dir}/background.pid`;
    const probe = commandProbe(
      { value: `sleep 300 & echo $! > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}; wait` },
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: dir },
    );
    const controller = new AbortController();
    const result = probe.run(controller.signal);
    const background = Number(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8')));
    controller.abort();
    await expect(result).rejects.toThrow('Command terminated with signal SIGKILL');
    await waitFor(() => ['Z', undefined].includes(readProcess(background)?.state), {
      description: 'the background sleep to be killed',
    });
  });
});

describe('httpProbe and tcpProbe', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { Location: '/ok' }).end();
      else if (req.url === '/ok') res.writeHead(200).end('fine');
      else if (req.url === '/not-modified') res.writeHead(304).end();
      else res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('takes 2xx and 3xx as healthy, following redirects as curl -L does', async () => {
    await expect(httpProbe({ port, path: '/ok' }).run(never)).resolves.toBeUndefined();
    await expect(httpProbe({ port, path: '/moved' }).run(never)).resolves.toBeUndefined();
    await expect(httpProbe({ port, path: '/not-modified' }).run(never)).resolves.toBeUndefined();
  });

  it('fails on other statuses (ignoring `statuses`) and on refused connections', async () => {
    await expect(httpProbe({ port, path: '/down', statuses: [503] }).run(never)).rejects.toThrow(
      'Unexpected HTTP response code: 503',
    );
    const closed = await closedPort();
    await expect(httpProbe({ port: closed }).run(never)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('connects over TCP to 127.0.0.1', async () => {
    await expect(tcpProbe({ port }).run(never)).resolves.toBeUndefined();
    const closed = await closedPort();
    await expect(tcpProbe({ port: closed }).run(never)).rejects.toThrow(/TCP connection failed/);
  });
});

async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
