// Health checks of DOCKER tasks as Mesos 1.11's docker executor runs them (src/docker/executor.cpp,
// src/checks/checker_process.cpp, the "Docker" runtime). A COMMAND check is wrapped in `docker exec`:
// it runs in the task's container, with the container's environment and working directory (Mesos
// passes the check's own environment to the docker client, not into the container, and so do we).
// HTTP and TCP checks are made from the container's network namespace: Mesos enters it and connects
// to 127.0.0.1:<port>. Node cannot enter a namespace, so the agent connects where that namespace is
// reachable from it, with the same port: its own loopback when the container shares the agent's
// network (HOST), else the container's address on its network (BRIDGE, USER). The difference: a
// server in a bridged container that listens on 127.0.0.1 only passes in Mesos and fails here.
//
// A check that times out is killed. (Mesos kills only its `docker exec` client, which leaves the
// command running in the container.) runc makes an exec'd process the leader of its own session, so
// a shell check first prints its pid and then execs the check in place; on a timeout a second exec
// kills that process group. A non-shell check (which need not have a shell to run) is abandoned
// instead: the agent stops waiting for it.
import { createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { CommandInfo, HealthCheck } from '../../protocol/types.js';
import { checksIPv6, httpProbe, tcpProbe, type HealthProbe } from '../executor/health-checker.js';
import type { RunningContainer } from './launcher.js';
import { isDockerTaskContainer, type DockerTaskContainer } from './docker-launcher.js';

export interface DockerCheckCommand {
  /** What `docker exec` runs. */
  argv: string[];
  /** The first line of its stdout is the pid (in the container) of the check's process group. */
  reportsPid: boolean;
}

/** Prints the shell's pid, then becomes `sh -c <check>` (same pid, so it stays the group leader). */
const REPORT_PID_THEN_RUN = 'echo "$$"; exec sh -c "$1"';
/** Kills the check's process group, or the process alone where it leads none. */
const KILL_GROUP = 'kill -9 -"$1" 2>/dev/null || kill -9 "$1"';

/**
 * Pure: the command `docker exec` runs for a COMMAND check. As Mesos: a shell command is
 * `sh -c <value>`; otherwise value and then every argument are the command line (arguments[0] is
 * not argv[0] here, unlike in a plain check: this is how `docker exec` takes its arguments).
 */
export function dockerCheckCommand(command: CommandInfo): DockerCheckCommand {
  if (command.shell ?? true) {
    return { argv: ['sh', '-c', REPORT_PID_THEN_RUN, 'sh', command.value ?? ''], reportsPid: true };
  }
  const argv = [...(command.value !== undefined ? [command.value] : []), ...(command.arguments ?? [])];
  return { argv, reportsPid: false };
}

/** Pure: the pid on the first line of `text`, and what follows that line; null until the line is complete. */
export function takePidLine(text: Buffer): { pid: number | null; rest: Buffer } | null {
  const newline = text.indexOf(0x0a);
  if (newline < 0) return null;
  const line = text.subarray(0, newline).toString().trim();
  const pid = /^\d+$/.test(line) ? Number(line) : null;
  return { pid, rest: text.subarray(newline + 1) };
}

export interface DockerHealthOptions {
  /** Where a COMMAND check's output goes (Mesos: the executor's stderr, which is the sandbox's). */
  outputPath?: string;
}

/**
 * The probe of a DOCKER task's health check. `container` is asked at each check, so the probe can
 * be made before the container exists (the agent hands it to the TaskRunner, which checks only after
 * the launch); a check while there is no Docker container fails. Never throws: a check the TaskRunner
 * refuses (see validateHealthCheck) is never run.
 */
export function dockerHealthProbe(
  check: HealthCheck,
  container: () => RunningContainer | null | undefined,
  opts: DockerHealthOptions = {},
): HealthProbe {
  return {
    async run(signal) {
      const target = container();
      if (!isDockerTaskContainer(target)) throw new Error('The task has no running Docker container');
      switch (check.type) {
        case 'COMMAND':
          return commandCheck(check.command ?? {}, target, signal, opts.outputPath);
        case 'HTTP': {
          const http = check.http!;
          return httpProbe(http, await addressOf(target, checksIPv6(http))).run(signal);
        }
        case 'TCP': {
          const tcp = check.tcp!;
          return tcpProbe(tcp, await addressOf(target, checksIPv6(tcp))).run(signal);
        }
        default:
          throw new Error(`HealthCheck type '${String(check.type)}' is not supported`);
      }
    },
  };
}

async function addressOf(target: DockerTaskContainer, ipv6: boolean): Promise<string> {
  const address = await target.address(ipv6);
  if (!address) {
    throw new Error(
      `Container '${target.name}' has no ${ipv6 ? 'IPv6' : 'IPv4'} address this agent can reach`,
    );
  }
  return address;
}

async function commandCheck(
  command: CommandInfo,
  target: DockerTaskContainer,
  signal: AbortSignal,
  outputPath: string | undefined,
): Promise<void> {
  const { argv, reportsPid } = dockerCheckCommand(command);
  const output = outputPath ? await openAppend(outputPath) : null;
  const stdout = reportsPid ? new PidLineSplitter(output) : output;
  // Aborted only once the check was killed, so that its pid line can still arrive.
  const execAbort = new AbortController();
  const exited = target.exec(argv, {
    ...(stdout ? { stdout } : {}),
    ...(output ? { stderr: output } : {}),
    signal: execAbort.signal,
  });
  // The splitter hands its last bytes on when it ends, so the file is closed after it.
  const cleanUp = exited
    .catch(() => undefined)
    .finally(async () => {
      for (const stream of [stdout !== output ? stdout : null, output]) {
        if (!stream) continue;
        stream.end();
        await finished(stream).catch(() => undefined);
      }
    });
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(signal.reason as Error);
      void killCheck(target, stdout instanceof PidLineSplitter ? stdout : null, exited).finally(() =>
        execAbort.abort(signal.reason),
      );
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const code = await Promise.race([exited, aborted]);
    if (code !== 0) throw new Error(`Command exited with status ${code}`);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!signal.aborted) await cleanUp;
  }
}

/** Kills a timed-out check's process group as soon as its pid is known (unless it ended first). */
async function killCheck(
  target: DockerTaskContainer,
  pidLine: PidLineSplitter | null,
  exited: Promise<number>,
): Promise<void> {
  if (!pidLine) return;
  const ended = exited.then(
    () => null,
    () => null,
  );
  const pid = await Promise.race([pidLine.pid, ended]);
  if (pid === null) return;
  await target.exec(['sh', '-c', KILL_GROUP, 'sh', String(pid)]).catch(() => undefined);
}

/** Takes the pid line off a shell check's stdout and passes the rest on. */
class PidLineSplitter extends Writable {
  readonly pid: Promise<number | null>;
  private resolvePid!: (pid: number | null) => void;
  private head: Buffer | null = Buffer.alloc(0);

  constructor(private readonly out: Writable | null) {
    super();
    this.pid = new Promise((resolve) => (this.resolvePid = resolve));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.head === null) return this.pass(chunk, done);
    this.head = Buffer.concat([this.head, chunk]);
    const taken = takePidLine(this.head);
    if (!taken) return done();
    this.head = null;
    this.resolvePid(taken.pid);
    this.pass(taken.rest, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.resolvePid(null);
    if (this.head && this.head.length > 0) return this.pass(this.head, done);
    done();
  }

  private pass(data: Buffer, done: (err?: Error | null) => void): void {
    if (!this.out || data.length === 0) return done();
    this.out.write(data, () => done());
  }
}

function openAppend(path: string): Promise<WriteStream | null> {
  return new Promise((resolve) => {
    const stream = createWriteStream(path, { flags: 'a' });
    stream.once('open', () => resolve(stream));
    // The check runs without its output rather than not at all.
    stream.once('error', () => resolve(null));
  });
}
