// The docker driver: every node is a container of the image `sandbox image build` makes (image.ts),
// on a bridge network of its own cluster, found again from its labels. Nodes reach each other by
// their node id (a network alias, resolved by Docker's DNS) and the host reaches each node's port
// published on 127.0.0.1. Agents get CAP_SYS_ADMIN and writable cgroups, so their linux launcher can
// create the tasks' cgroups and namespaces inside the container, and the host's Docker socket, so
// they run DOCKER tasks as sibling containers on the host's daemon (see container-spec.ts).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import type { NodeAddressing, NodePlan } from '../../plan.js';
import type { DriverName } from '../../spec.js';
import {
  ClusterNameTakenError,
  ClusterNotFoundError,
  DriverUnavailableError,
  NodeNotFoundError,
  type ClusterRecord,
  type Driver,
  type ExecOptions,
  type NodeStatus,
  type Provisioning,
} from '../driver.js';
import type { StepFn } from './base-image.js';
import {
  AGENT_PORTS,
  LABEL_CLUSTER,
  LABEL_RECORD,
  NODE_DOCKER_SOCKET,
  STOP_TIMEOUT_SECONDS,
  clusterSharedDir,
  clusterWorkRoot,
  containerCreateOptions,
  containerMemoryBytes,
  containerName,
  demuxDockerFrames,
  networkCreateOptions,
  networkName,
  parseNodeLabels,
  requestedHostPort,
  workRootRemovalOptions,
} from './container-spec.js';
import { IMAGE_NAME, ensureImage } from './image.js';
import { modemAddress } from './modem-address.js';
import { findExecutable } from '../../../util/executables.js';
import { freePort } from '../../../util/net.js';
import { runCommand } from '../terminal.js';

export interface DockerDriverOptions {
  /** A client to use; default: one for `socketPath`, else DOCKER_HOST or /var/run/docker.sock. */
  docker?: Dockerode;
  socketPath?: string;
  /** Progress of slow steps, e.g. "Building image mesos-sandbox:0.1.0". */
  onStep?: StepFn;
}

const execFileAsync = promisify(execFile);
const PING_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 3;

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

/** Runs a Docker call whose "already done" answers (304 not modified, 404 gone, ...) are success. */
async function tolerate<T>(call: Promise<T>, codes: number[]): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (codes.includes(statusOf(err) ?? -1)) return undefined;
    throw err;
  }
}

export class DockerDriver implements Driver {
  readonly name: DriverName = 'docker';
  readonly docker: Dockerode;
  private readonly socketPath: string | undefined;
  private readonly onStep: StepFn;

  constructor(opts: DockerDriverOptions = {}) {
    this.socketPath = opts.socketPath;
    this.docker = opts.docker ?? new Dockerode(opts.socketPath ? { socketPath: opts.socketPath } : undefined);
    this.onStep = opts.onStep ?? (() => {});
  }

  /** Where the daemon is expected, for messages. */
  get endpoint(): string {
    const m = this.docker.modem as { socketPath?: unknown; host?: string; port?: number; protocol?: string };
    if (typeof m.socketPath === 'string') return `unix://${m.socketPath}`;
    if (typeof m.socketPath === 'function') return 'the default Docker socket';
    return `${m.protocol ?? 'http'}://${m.host ?? 'localhost'}:${m.port ?? ''}`;
  }

  /** The daemon's unix socket on this machine; null when it is reached over the network. */
  private async localSocket(): Promise<string | null> {
    return (await modemAddress(this.docker.modem)).socketPath ?? null;
  }

  async preflight(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.docker.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
            PING_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EACCES' ? 'permission denied (add yourself to the docker group)' : e.message;
      throw new DriverUnavailableError(
        `Docker is not reachable at ${this.endpoint} (${why}): start dockerd or use --driver process`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Builds the node image when it is missing or older than the code (see image.ts). */
  ensureImage(opts: { rebuild?: boolean; rebuildBase?: boolean } = {}): Promise<string> {
    return ensureImage(this.docker, { ...opts, onStep: this.onStep });
  }

  async list(): Promise<string[]> {
    const filters = { label: [LABEL_CLUSTER] };
    const [networks, containers] = await Promise.all([
      this.docker.listNetworks({ filters }),
      this.docker.listContainers({ all: true, filters }),
    ]);
    const names = new Set<string>();
    for (const n of networks) if (n.Labels?.[LABEL_CLUSTER]) names.add(n.Labels[LABEL_CLUSTER]);
    for (const c of containers) if (c.Labels?.[LABEL_CLUSTER]) names.add(c.Labels[LABEL_CLUSTER]);
    return [...names].sort();
  }

  async get(name: string): Promise<ClusterRecord | null> {
    const network = await tolerate(this.docker.getNetwork(networkName(name)).inspect(), [404]);
    const labels = network?.Labels as Record<string, string> | undefined;
    let json = labels?.[LABEL_CLUSTER] === name ? labels[LABEL_RECORD] : undefined;
    if (!json) {
      // A half-deleted cluster: its containers carry the record too.
      const containers = await this.containers(name);
      json = containers.find((c) => c.Labels?.[LABEL_RECORD])?.Labels[LABEL_RECORD];
    }
    return json ? (JSON.parse(json) as ClusterRecord) : null;
  }

  async create(record: ClusterRecord): Promise<Provisioning> {
    const { name } = record;
    if ((await this.exists(name)) !== 'none') {
      throw new ClusterNameTakenError(name, 'docker');
    }
    const image = await ensureImage(this.docker, { onStep: this.onStep });
    try {
      await this.docker.createNetwork(networkCreateOptions(record));
    } catch (err) {
      if (statusOf(err) === 409) {
        throw new ClusterNameTakenError(name, 'docker');
      }
      throw err;
    }
    const addressing: NodeAddressing = {
      hostOf: (id) => id,
      agentPorts: () => AGENT_PORTS,
    };
    let order = 0;
    return {
      addressing,
      startNode: (plan) => this.createNode(record, plan, order++, image),
    };
  }

  private async createNode(
    record: ClusterRecord,
    plan: NodePlan,
    order: number,
    image: string,
  ): Promise<void> {
    const requested = requestedHostPort(record, plan);
    for (let attempt = 1; ; attempt++) {
      const hostPort = requested ?? (await freePort());
      const container = await this.docker.createContainer(
        containerCreateOptions({
          record,
          plan,
          order,
          image,
          hostPort,
          // The daemon's own socket path, on its host; a remote daemon's is the default.
          dockerSocket: (await this.localSocket()) ?? NODE_DOCKER_SOCKET,
        }),
      );
      try {
        await container.start();
        return;
      } catch (err) {
        const message = (err as Error).message;
        const portTaken = /port is already allocated|address already in use/i.test(message);
        if (!portTaken) throw err;
        await tolerate(container.remove({ force: true }), [404, 409]);
        if (requested !== null) {
          throw new Error(
            `${plan.id}: port 127.0.0.1:${hostPort} is in use (ports.${plan.role} in the spec)`,
          );
        }
        if (attempt >= PORT_ATTEMPTS) throw err;
      }
    }
  }

  async nodes(name: string): Promise<NodeStatus[]> {
    const nodes: Array<NodeStatus & { order: number }> = [];
    for (const c of await this.containers(name)) {
      const labels = parseNodeLabels(c.Labels);
      if (!labels) continue;
      const ip = c.NetworkSettings?.Networks?.[networkName(name)]?.IPAddress;
      nodes.push({
        id: labels.id,
        role: labels.role,
        state: c.State === 'running' ? 'running' : 'stopped',
        address: `127.0.0.1:${labels.hostPort}`,
        internalAddress: `${ip || labels.id}:${labels.port}`,
        order: labels.order,
      });
    }
    nodes.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
    return nodes.map(({ order: _order, ...node }) => node);
  }

  async stopNode(name: string, id: string): Promise<void> {
    const container = await this.container(name, id);
    await tolerate(container.stop({ t: STOP_TIMEOUT_SECONDS }), [304]);
  }

  async startNode(name: string, id: string): Promise<void> {
    const container = await this.container(name, id);
    await tolerate(container.start(), [304]);
  }

  async killNode(name: string, id: string): Promise<void> {
    const container = await this.container(name, id);
    // 409: not running, which is what a kill wants.
    await tolerate(container.kill({ signal: 'SIGKILL' }), [409]);
  }

  /**
   * Pauses the node's container (the freezer: like SIGSTOP for all of its processes) and resets the
   * masters' end of their connections to it from inside each master's network namespace (nsenter +
   * ss -K, so root on the daemon's machine), so the master sees the agent disconnect at once.
   * `docker network disconnect` was not used: a master only notices a silent peer after TCP's
   * retransmission timeout, many minutes.
   */
  async partitionNode(name: string, id: string): Promise<void> {
    const container = await this.container(name, id);
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks?.[networkName(name)]?.IPAddress;
    if (!info.State.Running || !ip) throw new Error(`${id} is not running: start it before cutting it off`);
    await tolerate(container.pause(), [409]);
    try {
      const masters = (await this.nodes(name)).filter((n) => n.role === 'master' && n.state === 'running');
      for (const master of masters) {
        const { State } = await (await this.container(name, master.id)).inspect();
        await execFileAsync('nsenter', ['-t', String(State.Pid), '-n', 'ss', '-K', '-Htn', 'dst', ip]).catch(
          (err: Error) => {
            throw new Error(
              `cannot reset ${master.id}'s connections to ${id} (nsenter and ss need root): ${err.message}`,
            );
          },
        );
      }
    } catch (err) {
      await tolerate(container.unpause(), [409]);
      throw err;
    }
  }

  async healNode(name: string, id: string): Promise<void> {
    const container = await this.container(name, id);
    // 409: not paused.
    await tolerate(container.unpause(), [409]);
  }

  async delete(name: string): Promise<void> {
    // The nodes and the tasks the agents started (labelled with the cluster too); then again, for a
    // task an agent was starting while it was removed.
    for (let pass = 0; pass < 2; pass++) {
      const containers = await this.containers(name);
      await Promise.all(
        containers.map((c) =>
          tolerate(this.docker.getContainer(c.Id).remove({ force: true, v: true }), [404, 409]),
        ),
      );
    }
    const networks = await this.docker.listNetworks({ filters: { label: [`${LABEL_CLUSTER}=${name}`] } });
    const ids = new Set(networks.map((n) => n.Id));
    const byName = await tolerate(this.docker.getNetwork(networkName(name)).inspect(), [404]);
    if (byName && (byName.Labels as Record<string, string> | undefined)?.[LABEL_CLUSTER] === name) {
      ids.add(byName.Id as string);
    }
    for (const id of ids) await tolerate(this.docker.getNetwork(id).remove(), [404]);
    await this.removeWorkRoot(name);
  }

  /**
   * The agents' work dirs on the Docker host: removed here when they are here and ours to remove,
   * else by the daemon (a daemon in a VM or elsewhere, files the tasks wrote as root).
   */
  private async removeWorkRoot(name: string): Promise<void> {
    const dir = clusterWorkRoot(name);
    if (existsSync(dir)) {
      try {
        await rm(dir, { recursive: true, force: true });
        return;
      } catch {
        // Left to the daemon.
      }
    }
    const container = await tolerate(
      this.docker.createContainer(workRootRemovalOptions(name, IMAGE_NAME)),
      [404], // no node image: no cluster ever ran here
    );
    if (!container) return;
    try {
      await container.start();
      await container.wait();
    } catch {
      // Files left in the host's temporary directory do not make `down` fail.
    } finally {
      await tolerate(container.remove({ force: true }), [404, 409]);
    }
  }

  async writeLog(
    name: string,
    id: string,
    out: Writable,
    opts: { follow?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const container = await this.container(name, id);
    if (!opts.follow) {
      const buf = await container.logs({ stdout: true, stderr: true, follow: false });
      out.write(demuxDockerFrames(Buffer.isBuffer(buf) ? buf : Buffer.from(buf)).data);
      return;
    }
    if (opts.signal?.aborted) return;
    const stream = await container.logs({ stdout: true, stderr: true, follow: true });
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
        resolve();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.demuxStream(stream, out, out);
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', (err: Error) => (opts.signal?.aborted ? resolve() : reject(err)));
    });
  }

  async exportLogs(name: string, dir: string): Promise<void> {
    for (const node of await this.nodes(name)) {
      const nodeDir = join(dir, node.id);
      await mkdir(nodeDir, { recursive: true });
      const container = this.docker.getContainer(containerName(name, node.id));
      const logs = await container.logs({ stdout: true, stderr: true, follow: false, timestamps: false });
      await writeFile(join(nodeDir, 'node.log'), demuxDockerFrames(Buffer.from(logs)).data);
      await writeFile(
        join(nodeDir, 'inspect.json'),
        JSON.stringify(await container.inspect(), null, 2) + '\n',
      );
    }
  }

  async exec(name: string, id: string, command: string[], opts: ExecOptions = {}): Promise<number> {
    const container = await this.container(name, id);
    if (opts.tty) return this.execTty(containerName(name, id), command);
    const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.demuxStream(stream, process.stdout, process.stderr);
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    // The exit code is set a moment after the output ends.
    for (let i = 0; i < 50; i++) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      await new Promise((r) => setTimeout(r, 20));
    }
    return (await exec.inspect()).ExitCode ?? 1;
  }

  /** `docker exec -it` in a pseudo-terminal wired to ours (terminal.ts): raw mode, window size, exit code. */
  private async execTty(container: string, command: string[]): Promise<number> {
    const cli = findExecutable('docker');
    if (!cli)
      throw new Error('the docker command-line tool is needed for an interactive shell: install docker-cli');
    const args = [
      ...(this.socketPath ? ['-H', `unix://${this.socketPath}`] : []),
      'exec',
      '-it',
      container,
      ...command,
    ];
    return runCommand([cli, ...args], { tty: true });
  }

  async memoryBytes(name: string): Promise<number> {
    const running = (await this.containers(name)).filter((c) => c.State === 'running');
    const sizes = await Promise.all(
      running.map(async (c) => {
        const stats = await tolerate(
          this.docker.getContainer(c.Id).stats({ stream: false, 'one-shot': true }),
          [404, 409],
        );
        return stats ? containerMemoryBytes(stats) : 0;
      }),
    );
    return sizes.reduce((a, b) => a + b, 0);
  }

  async shareFile(name: string, hostFile: string): Promise<string> {
    if (!(await this.get(name))) throw new ClusterNotFoundError(`No docker cluster named '${name}'`);
    if (!(await this.localSocket())) {
      throw new Error(
        `the Docker daemon at ${this.endpoint} is not on this machine, so its agents cannot see ${hostFile}: serve it over http(s) instead`,
      );
    }
    // Named by content: sharing the same file twice is one copy, a changed file a new one.
    const digest = createHash('sha256')
      .update(await readFile(hostFile))
      .digest('hex')
      .slice(0, 16);
    const dir = join(clusterSharedDir(name), digest);
    const target = join(dir, basename(hostFile));
    await mkdir(dir, { recursive: true });
    await copyFile(hostFile, target);
    return target;
  }

  // ---- helpers ----

  private containers(name: string): Promise<Dockerode.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL_CLUSTER}=${name}`] } });
  }

  private async exists(name: string): Promise<'network' | 'containers' | 'none'> {
    const network = await tolerate(this.docker.getNetwork(networkName(name)).inspect(), [404]);
    if (network) return 'network';
    return (await this.containers(name)).length > 0 ? 'containers' : 'none';
  }

  private async container(name: string, id: string): Promise<Dockerode.Container> {
    const container = this.docker.getContainer(containerName(name, id));
    const info = await tolerate(container.inspect(), [404]);
    if (!info || info.Config.Labels?.[LABEL_CLUSTER] !== name) {
      if ((await this.exists(name)) === 'none')
        throw new ClusterNotFoundError(`No docker cluster named '${name}'`);
      throw new NodeNotFoundError(`Cluster '${name}' has no node '${id}'`);
    }
    return container;
  }
}
