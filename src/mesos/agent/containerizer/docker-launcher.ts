// The docker containerizer's I/O shell: runs a task as a sibling container on the Docker daemon, as
// Mesos 1.11's docker containerizer and docker executor do (src/slave/containerizer/docker.cpp,
// src/docker/executor.cpp): make sure the image is there (pull when asked to or when missing), create
// and start `mesos-<ContainerID>`, stream its output into the sandbox's stdout/stderr, and report
// its exit. What the container looks like is decided in docker-spec.ts; this file only talks to the
// daemon, and, for an agent that runs in a container itself, publishes its tasks' port mappings on
// the agent's own addresses (port-publisher.ts: what Docker's userland proxy does on Docker's host).
// dockerode is imported for its types only, so an agent without Docker never loads it.
import { createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import type { Logger } from '../../../util/log.js';
import { waitFor } from '../../../util/wait.js';
import { followProgress } from '../../../util/docker-progress.js';
import {
  dockerRunPlan,
  dockerStatistics,
  LABEL_CONTAINER_ID,
  reachableAddress,
  type ContainerNetworks,
  type DockerPlacement,
  type DockerRunPlan,
  type DockerStatsSample,
  type DockerTaskSpec,
} from './docker-spec.js';
import type { ContainerLauncher, ContainerStatistics, ExitInfo, RunningContainer } from './launcher.js';
import { PortPublisher } from './port-publisher.js';

export interface DockerLaunchSpec extends DockerTaskSpec {
  /** The sandbox's output files as the agent sees them; the container's output is appended. */
  stdoutPath: string;
  stderrPath: string;
}

/** Mesos's --docker_socket default. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** A Docker client on `socketPath`; dockerode is loaded only here. */
export async function connectDocker(socketPath: string = DEFAULT_DOCKER_SOCKET): Promise<Dockerode> {
  const { default: Docker } = await import('dockerode');
  return new Docker({ socketPath });
}

export interface DockerLauncherOptions {
  docker: Dockerode;
  /** The daemon's socket, for messages (Mesos names it in a failed pull's). Default: the client's. */
  socketPath?: string;
  log?: Logger;
  /** Set when the agent runs in a container of this daemon (see DockerPlacement). */
  placement?: DockerPlacement;
}

export interface ManagedContainer {
  /** Docker's id. */
  id: string;
  name: string;
  /** The Mesos ContainerID it runs. */
  containerId: string;
  labels: Record<string, string>;
  running: boolean;
}

interface DockerError {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

const statusOf = (err: unknown): number | undefined => (err as DockerError).statusCode;

/** The daemon's own words for a failed request, as the docker CLI prints them. */
function daemonMessage(err: unknown): string {
  const e = err as DockerError;
  if (e.statusCode === undefined) return e.message ?? String(err);
  // For streamed requests (pull) dockerode has no parsed body, only "(HTTP code N) reason - body".
  const msg = e.json?.message ?? (e.message ?? '').replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
  return `Error response from daemon: ${msg}`;
}

export class DockerLauncher {
  /** For /flags and /state, as Mesos's --containerizers names it. */
  readonly containerizer = 'docker';
  private readonly docker: Dockerode;
  private readonly log: Logger | undefined;
  private readonly socketPath: string;
  private readonly placement: DockerPlacement;

  constructor(options: DockerLauncherOptions) {
    this.docker = options.docker;
    this.log = options.log;
    this.placement = options.placement ?? {};
    // docker-modem keeps a function there until it has looked for the default socket.
    const clientSocket = (options.docker.modem as { socketPath?: unknown }).socketPath;
    this.socketPath =
      options.socketPath ?? (typeof clientSocket === 'string' ? clientSocket : DEFAULT_DOCKER_SOCKET);
  }

  /**
   * A ContainerLauncher whose launch() runs this docker task, whatever LaunchSpec it is handed, so
   * the TaskRunner can drive a docker task as it drives any other.
   */
  forTask(spec: DockerLaunchSpec): ContainerLauncher {
    return { isolation: 'docker', enforcing: true, launch: () => this.launch(spec) };
  }

  /**
   * Resolves once the container runs. Rejects (and leaves no container behind) when the task's
   * container info cannot be honoured, the image is neither there nor pullable, or the daemon
   * refuses to create or start the container.
   */
  async launch(spec: DockerLaunchSpec): Promise<DockerTaskContainer> {
    const plan = dockerRunPlan(spec, this.placement);
    await this.ensureImage(plan);
    // Bound before the container exists, as Docker binds published ports before it starts one.
    const publisher = await PortPublisher.open(plan.forwards, this.log).catch((e: Error) => {
      throw new Error(`Failed to run docker container '${plan.name}': ${e.message}`);
    });
    const [out, err] = await openOutputs(spec).catch((e: unknown) => {
      publisher.close();
      throw e;
    });
    let container: Dockerode.Container | null = null;
    try {
      container = await this.docker.createContainer(plan.create);
      // Attached before the start, as `docker run` is, so not a byte of output is missed.
      const output = await container.attach({ stream: true, stdout: true, stderr: true });
      const copied = copyOutput(this.docker, output, out, err);
      await container.start();
      const { State, NetworkSettings } = await container.inspect();
      const networks = NetworkSettings.Networks as ContainerNetworks;
      if (plan.forwards.length > 0) {
        const target = reachableAddress(plan.reach, networks, false);
        if (!target) throw new Error(`the container has no address on ${describeReach(plan)}`);
        publisher.target = target;
      }
      return new DockerContainer(
        this.docker,
        container,
        plan,
        State.Pid,
        networks,
        copied,
        publisher,
        this.log,
      );
    } catch (e) {
      publisher.close();
      out.destroy();
      err.destroy();
      if (container) await container.remove({ force: true, v: true }).catch(() => undefined);
      throw new Error(`Failed to run docker container '${plan.name}': ${daemonMessage(e)}`);
    }
  }

  /**
   * Finds the container of a task an earlier agent process launched (agent recovery): null when it
   * is gone. Its output is copied into the sandbox again from now on (what it wrote while no agent
   * watched stays in `docker logs`), and its port mappings are published again.
   */
  async recover(spec: DockerLaunchSpec): Promise<DockerTaskContainer | null> {
    const plan = dockerRunPlan(spec, this.placement);
    const container = this.docker.getContainer(plan.name);
    let state: Dockerode.ContainerInspectInfo;
    try {
      state = await container.inspect();
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw new Error(daemonMessage(e));
    }
    const networks = state.NetworkSettings.Networks as ContainerNetworks;
    const running = state.State.Running;
    const publisher = await PortPublisher.open(running ? plan.forwards : [], this.log);
    if (plan.forwards.length > 0 && running) publisher.target = reachableAddress(plan.reach, networks, false);
    const [out, err] = await openOutputs(spec);
    const output = running ? await container.attach({ stream: true, stdout: true, stderr: true }) : null;
    const copied = output ? copyOutput(this.docker, output, out, err) : closeAll(out, err);
    return new DockerContainer(
      this.docker,
      container,
      plan,
      state.State.Pid,
      networks,
      copied,
      publisher,
      this.log,
    );
  }

  /** Kills and removes a container by Docker id (a 404 means it is gone already). */
  async removeContainer(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((e: unknown) => {
        if (statusOf(e) !== 404 && statusOf(e) !== 409) throw new Error(daemonMessage(e));
      });
  }

  /** Containers started by a DockerLauncher (found by label), optionally only those with `labels`. */
  async managedContainers(labels: Record<string, string> = {}): Promise<ManagedContainer[]> {
    const filters = [LABEL_CONTAINER_ID, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
    const list = await this.docker.listContainers({ all: true, filters: { label: filters } });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      containerId: c.Labels[LABEL_CONTAINER_ID] ?? '',
      labels: c.Labels,
      running: c.State === 'running',
    }));
  }

  /**
   * As Mesos's Docker::pull: inspect, and pull only when the image is missing or force_pull_image is
   * set. A failed pull is reported the way Mesos reports a failed `docker pull`.
   */
  private async ensureImage(plan: DockerRunPlan): Promise<void> {
    if (!plan.forcePull && (await this.imageExists(plan.image))) return;
    try {
      await this.pull(plan.image);
    } catch (e) {
      const socket = this.socketPath;
      throw new Error(
        `Failed to run 'docker -H unix://${socket} pull ${plan.image}': exited with status 1; ` +
          `stderr='${daemonMessage(e)}'`,
      );
    }
    if (!(await this.imageExists(plan.image))) throw new Error('Failed to find image');
  }

  private async imageExists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }

  private async pull(image: string): Promise<void> {
    await followProgress(this.docker, await this.docker.pull(image));
  }
}

async function openOutputs(spec: DockerLaunchSpec): Promise<[WriteStream, WriteStream]> {
  const [out, err] = await Promise.allSettled([openAppend(spec.stdoutPath), openAppend(spec.stderrPath)]);
  if (out.status === 'fulfilled' && err.status === 'fulfilled') return [out.value, err.value];
  for (const r of [out, err]) if (r.status === 'fulfilled') r.value.destroy();
  throw (out.status === 'rejected' ? out.reason : (err as PromiseRejectedResult).reason) as Error;
}

function openAppend(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path, { flags: 'a' });
    stream.once('open', () => resolve(stream));
    stream.once('error', reject);
  });
}

/** Copies the attached stream's two halves into the files; resolves once both are written and closed. */
async function closeAll(...streams: WriteStream[]): Promise<void> {
  for (const s of streams) s.end();
  await Promise.all(streams.map((s) => finished(s).catch(() => undefined)));
}

async function copyOutput(
  docker: Dockerode,
  output: NodeJS.ReadableStream,
  out: WriteStream,
  err: WriteStream,
): Promise<void> {
  docker.modem.demuxStream(output, out, err);
  await new Promise<void>((resolve) => {
    output.once('end', resolve);
    output.once('close', resolve);
    output.once('error', resolve);
  });
  out.end();
  err.end();
  await Promise.all([finished(out).catch(() => undefined), finished(err).catch(() => undefined)]);
}

/** How `exec` runs a command in a task's container. */
export interface DockerExecOptions {
  /** Where the command's output goes (discarded without). */
  stdout?: Writable;
  stderr?: Writable;
  /** Stops waiting: `exec` rejects with the reason. The process itself is not killed. */
  signal?: AbortSignal;
}

/** A running DOCKER task, with what health checks need beyond RunningContainer. */
export interface DockerTaskContainer extends RunningContainer {
  /** Docker's name for it: mesos-<ContainerID>. */
  readonly name: string;
  /**
   * Runs `argv` in the container as `docker exec` does: in its namespaces, with its environment and
   * working directory. Resolves with the exit code once the command ended.
   */
  exec(argv: string[], opts?: DockerExecOptions): Promise<number>;
  /**
   * Where this agent reaches what listens in the container's network namespace: loopback when it
   * shares the agent's, else the container's address on its network; null when there is none.
   */
  address(ipv6?: boolean): Promise<string | null>;
}

export function isDockerTaskContainer(c: RunningContainer | null | undefined): c is DockerTaskContainer {
  return c instanceof DockerContainer;
}

const describeReach = (plan: DockerRunPlan): string =>
  plan.reach.kind === 'network' ? `network '${plan.reach.network}'` : 'a network the agent is on';

/** How long the exit code of an exec may lag behind the end of its output. */
const EXEC_EXIT_WAIT_MS = 5_000;

class DockerContainer implements DockerTaskContainer {
  readonly exited: Promise<ExitInfo>;
  readonly name: string;
  private destroying: Promise<void> | null = null;

  constructor(
    private readonly docker: Dockerode,
    private readonly container: Dockerode.Container,
    private readonly plan: DockerRunPlan,
    readonly pid: number,
    private readonly networks: ContainerNetworks,
    copied: Promise<void>,
    private readonly publisher: PortPublisher,
    private readonly log: Logger | undefined,
  ) {
    this.name = plan.name;
    this.exited = this.waitForExit(copied);
  }

  // Started and then waited on for "not running", which cannot miss an exit that came first.
  private async waitForExit(copied: Promise<void>): Promise<ExitInfo> {
    let code: number | null = null;
    try {
      code = ((await this.container.wait()) as { StatusCode: number }).StatusCode;
    } catch (e) {
      this.log?.warn('Waiting for a docker container failed', {
        container: this.plan.name,
        error: String(e),
      });
    }
    this.publisher.close();
    await copied;
    let oomKilled = false;
    try {
      const state = (await this.container.inspect()).State;
      oomKilled = state.OOMKilled;
      code ??= state.ExitCode;
    } catch {
      // Removed already: the exit code from wait is all there is.
    }
    // A container ended by a signal exits 128+n (as `docker run` does); Mesos reports that status.
    return { code, signal: null, oomKilled };
  }

  signal(sig: NodeJS.Signals): void {
    this.container.kill({ signal: sig }).catch((e: unknown) => {
      // 409: not running any more; 404: gone. Both mean there is nothing left to signal.
      if (statusOf(e) !== 409 && statusOf(e) !== 404) {
        this.log?.warn('Could not signal a docker container', {
          container: this.plan.name,
          error: String(e),
        });
      }
    });
  }

  /** Kills the container, waits for its exit to be reported, removes it (with its anonymous volumes). */
  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      this.publisher.close();
      await this.container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
      await this.exited;
      await this.container.remove({ force: true, v: true }).catch((e: unknown) => {
        // 404: removed already; 409: a removal is already under way.
        if (statusOf(e) !== 404 && statusOf(e) !== 409) throw e;
      });
    })();
    // A failed removal may be tried again.
    this.destroying.catch(() => (this.destroying = null));
    return this.destroying;
  }

  async statistics(): Promise<ContainerStatistics> {
    const sample = (await this.container.stats({ stream: false, 'one-shot': true })) as DockerStatsSample;
    return dockerStatistics(sample, this.plan);
  }

  async exec(argv: string[], opts: DockerExecOptions = {}): Promise<number> {
    const { signal } = opts;
    signal?.throwIfAborted();
    let exec: Dockerode.Exec;
    let stream: NodeJS.ReadWriteStream;
    try {
      exec = await this.container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, Tty: false });
      stream = await exec.start({ hijack: true, stdin: false });
    } catch (e) {
      throw new Error(daemonMessage(e));
    }
    this.docker.modem.demuxStream(stream, opts.stdout ?? discard(), opts.stderr ?? discard());
    await new Promise<void>((resolve, reject) => {
      const abort = (): void => {
        (stream as NodeJS.ReadWriteStream & { destroy(): void }).destroy();
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', abort, { once: true });
      const done = (): void => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', (e: Error) => {
        signal?.removeEventListener('abort', abort);
        reject(e);
      });
    });
    // The daemon records the exit code a moment after the output ends.
    const info = await waitFor(
      async () => {
        const i = await exec.inspect();
        return i.Running || i.ExitCode === null ? null : i;
      },
      {
        timeoutMs: EXEC_EXIT_WAIT_MS,
        intervalMs: 10,
        description: `the exit code of '${argv.join(' ')}'`,
        ...(signal ? { signal } : {}),
      },
    );
    return info.ExitCode!;
  }

  async address(ipv6 = false): Promise<string | null> {
    return reachableAddress(this.plan.reach, this.networks, ipv6);
  }
}

const discard = (): Writable => new Writable({ write: (_chunk, _enc, done) => done() });
