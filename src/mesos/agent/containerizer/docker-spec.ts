// Pure: how a task whose ContainerInfo.type is DOCKER becomes a Docker container, with the rules of
// Mesos 1.11's Docker::RunOptions::create (src/docker/docker.cpp): shell commands run as
// `--entrypoint /bin/sh -c value`, other commands keep the image's entrypoint and become its
// arguments; the sandbox is bound at --sandbox_directory (/mnt/mesos/sandbox) with MESOS_SANDBOX
// pointing there; cpu shares and the memory limit come from the task's resources; port mappings must
// use ports the task was given. Where Mesos passes `parameters` to the docker CLI as `--key=value`, we
// speak the Engine API, so each supported flag has its translation here and an unknown one is refused.
// An agent that itself runs in a container of the daemon (the docker driver, as minimesos ran its
// agents) places its tasks beside it (DockerPlacement). The launcher (docker-launcher.ts) only sends
// what these functions return.
import { posix } from 'node:path';
import type { ContainerCreateOptions, HostConfig } from 'dockerode';
import { rangesOf, scalarOf } from '../../protocol/resources.js';
import type { CommandInfo, ContainerInfo, Resource, TaskInfo } from '../../protocol/types.js';
import { cfsQuotaUs, cpuShares, memoryLimitBytes, type ContainerStatistics } from './cgroups.js';

/** Mesos's DOCKER_NAME_PREFIX: the agent treats `mesos-*` containers as its own. */
export const DOCKER_NAME_PREFIX = 'mesos-';
/** Mesos's --sandbox_directory default: where the sandbox appears inside the container. */
export const MAPPED_SANDBOX_DIR = '/mnt/mesos/sandbox';
const CFS_PERIOD_US = 100_000;

/** Labels that find our task containers again (Mesos itself goes by the name prefix only). */
export const LABEL_CONTAINER_ID = 'sandbox.mesos.container-id';
export const LABEL_AGENT_ID = 'sandbox.mesos.agent-id';
export const LABEL_FRAMEWORK_ID = 'sandbox.mesos.framework-id';
export const LABEL_EXECUTOR_ID = 'sandbox.mesos.executor-id';
export const LABEL_TASK_ID = 'sandbox.mesos.task-id';

export interface DockerTaskSpec {
  /** The Mesos ContainerID; the container is named `mesos-<containerId>`. */
  containerId: string;
  /** TaskInfo.container: type DOCKER with `docker` set. */
  container: ContainerInfo;
  /** TaskInfo.command (its environment variables are applied over `env`). */
  command: CommandInfo;
  /** What the agent sets for the task (not the agent's own PATH/HOME: the image's must stay). */
  env: Record<string, string>;
  /** The task's resources: cpus, mem and the ports port mappings may use. */
  resources: Resource[];
  /** TaskInfo.limits (cpus/mem beyond the requests; 'Infinity' for none). */
  limits?: TaskInfo['limits'];
  /** The sandbox directory as the Docker daemon sees it: the bind source, and the base of relative host paths. */
  sandbox: string;
  /** Where the sandbox appears in the container (the agent's --sandbox_directory). */
  mappedSandbox?: string;
  /** Also cap CPU time with a CFS quota from the cpus request (--cgroups_enable_cfs). */
  enableCfs?: boolean;
  agentId?: string;
  frameworkId?: string;
  executorId?: string;
  taskId?: string;
  /** More labels for the container (e.g. the sandbox cluster's); ours take precedence. */
  labels?: Record<string, string>;
}

/**
 * Where the agent is when that is not the Docker daemon's host: the agent runs in `agentContainer`
 * on the daemon it starts tasks on. Mesos's HOST network then means the agent's network (the
 * container's), and Docker's port publishing, which binds on the daemon's host, would put a task's
 * ports where nobody looks for them; so the agent publishes the port mappings of tasks on
 * `bridgeNetwork` itself, on its own addresses (DockerRunPlan.forwards).
 */
export interface DockerPlacement {
  /** The agent's container (name or id): HOST-network tasks share its network namespace. */
  agentContainer?: string;
  /** The network BRIDGE tasks join in place of Docker's default bridge (one the agent is on). */
  bridgeNetwork?: string;
  /** Labels every task container gets (the task spec's and the containerizer's win). */
  labels?: Record<string, string>;
}

/**
 * The agent's placement from its flags --docker_agent_container, --docker_bridge_network and
 * --docker_task_labels (a JSON object of strings). Throws, saying which flag is wrong.
 */
export function dockerPlacementFromFlags(
  flags: Readonly<Record<string, string | undefined>>,
): DockerPlacement {
  const placement: DockerPlacement = {};
  if (flags.docker_agent_container) placement.agentContainer = flags.docker_agent_container;
  if (flags.docker_bridge_network) placement.bridgeNetwork = flags.docker_bridge_network;
  const labels = flags.docker_task_labels;
  if (labels) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(labels);
    } catch (e) {
      throw new Error(`Flag '--docker_task_labels' is not JSON: ${(e as Error).message}`);
    }
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    if (!isObject || Object.values(parsed as object).some((v) => typeof v !== 'string')) {
      throw new Error("Flag '--docker_task_labels' must be a JSON object of strings");
    }
    placement.labels = parsed as Record<string, string>;
  }
  return placement;
}

/** A port mapping the agent publishes itself: hostPort on the agent's addresses to the container's port. */
export interface PortForward {
  protocol: 'tcp' | 'udp';
  hostPort: number;
  containerPort: number;
}

export interface DockerRunPlan {
  name: string;
  /** The image as Mesos inspects and pulls it: `:latest` added when no tag or digest is given. */
  image: string;
  forcePull: boolean;
  create: ContainerCreateOptions;
  /** What statistics report as the container's limits (ResourceStatistics cpus_limit/mem_limit_bytes). */
  cpusLimit: number;
  memLimitBytes: number;
  /** Port mappings the agent publishes (empty when Docker publishes them; see DockerPlacement). */
  forwards: PortForward[];
  /** How the agent reaches the container's network namespace (health checks, forwards). */
  reach: NetworkReach;
}

/**
 * `agent`: the container shares the agent's network namespace (its loopback is the agent's).
 * `network`: the container has an address on this Docker network. `none`: the agent cannot reach it.
 */
export type NetworkReach = { kind: 'agent' } | { kind: 'network'; network: string } | { kind: 'none' };

/** The task cannot be run as asked; the message says why, in Mesos's words where it has them. */
export class DockerSpecError extends Error {
  override name = 'DockerSpecError';
}

export const dockerContainerName = (containerId: string): string => `${DOCKER_NAME_PREFIX}${containerId}`;

/** Mesos adds `:latest` when the last path component names no tag (`localhost:5000/app` has none). */
export function normalizeImageName(image: string): string {
  const last = image.split('/').pop() ?? '';
  return last.includes(':') || last.includes('@') ? image : `${image}:latest`;
}

export function dockerRunPlan(spec: DockerTaskSpec, placement: DockerPlacement = {}): DockerRunPlan {
  const { container, command } = spec;
  if (container.type !== 'DOCKER')
    throw new DockerSpecError(`Container type is ${container.type}, not DOCKER`);
  const docker = container.docker;
  if (!docker) throw new DockerSpecError('No docker info found in container info');
  if (!docker.image) throw new DockerSpecError('No image found in docker info');
  const mapped = spec.mappedSandbox ?? MAPPED_SANDBOX_DIR;
  const name = dockerContainerName(spec.containerId);
  const host: HostConfig = { Privileged: docker.privileged ?? false };
  const create: ContainerCreateOptions = { name, Image: normalizeImageName(docker.image), HostConfig: host };

  const limits = resourceLimits(spec, host);

  const env = new Map(Object.entries(spec.env));
  for (const v of command.environment?.variables ?? []) {
    if ((v.type ?? 'VALUE') === 'VALUE' && v.value !== undefined) env.set(v.name, v.value);
  }
  env.set('MESOS_SANDBOX', mapped);
  env.set('MESOS_CONTAINER_NAME', name);
  const role = spec.resources[0]?.allocation_info?.role;
  if (role !== undefined) env.set('MESOS_ALLOCATION_ROLE', role);

  host.Binds = volumeBinds(container, spec.sandbox, mapped, host);
  const network = docker.network ?? 'HOST';
  host.NetworkMode = networkMode(container, placement);
  if (container.hostname !== undefined) {
    if (network === 'HOST') throw new DockerSpecError('Unable to set hostname with host network mode');
    create.Hostname = container.hostname;
  }
  portBindings(docker.port_mappings ?? [], network, spec.resources, create, host);

  const labels: Record<string, string> = {};
  const params: ParamTarget = { create, host, env, labels, aliases: [], ip: undefined };
  for (const p of docker.parameters ?? []) applyParameter(p.key, p.value, params);
  if (params.aliases.length > 0 || params.ip !== undefined) {
    const endpoint = {
      ...(params.aliases.length > 0 ? { Aliases: params.aliases } : {}),
      ...(params.ip !== undefined ? { IPAMConfig: { IPv4Address: params.ip } } : {}),
    };
    create.NetworkingConfig = { EndpointsConfig: { [host.NetworkMode]: endpoint } };
  }

  if (command.shell ?? true) {
    // Mesos overrides the entrypoint: a shell command is meant for a shell, not for the image's
    // entrypoint (MESOS-1770).
    if (command.value === undefined)
      throw new DockerSpecError('Shell specified but no command value provided');
    create.Entrypoint ??= ['/bin/sh'];
    create.Cmd = ['-c', command.value];
  } else {
    const args = [...(command.value !== undefined ? [command.value] : []), ...(command.arguments ?? [])];
    if (args.length > 0) create.Cmd = args;
  }

  create.Env = [...env.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  const owner: Record<string, string | undefined> = {
    [LABEL_CONTAINER_ID]: spec.containerId,
    [LABEL_AGENT_ID]: spec.agentId,
    [LABEL_FRAMEWORK_ID]: spec.frameworkId,
    [LABEL_EXECUTOR_ID]: spec.executorId,
    [LABEL_TASK_ID]: spec.taskId,
  };
  create.Labels = { ...placement.labels, ...spec.labels, ...labels };
  for (const [k, v] of Object.entries(owner)) if (v !== undefined) create.Labels[k] = v;

  const forwards = agentForwards(host, placement);
  return {
    name,
    image: create.Image!,
    forcePull: docker.force_pull_image ?? false,
    create,
    ...limits,
    forwards,
    reach: networkReach(host.NetworkMode, placement),
  };
}

// ---- resources ----

function limitOf(limits: DockerTaskSpec['limits'], name: string): number | undefined {
  const l = limits?.[name];
  if (l === undefined) return undefined;
  if (l === 'Infinity') return Infinity;
  return Number(l.value);
}

/** Mesos: shares from the cpus request; a quota from a finite cpus limit (or the request with CFS on);
 * the memory limit from a finite mem limit with the request as reservation, else from the request. */
function resourceLimits(
  spec: DockerTaskSpec,
  host: HostConfig,
): Pick<DockerRunPlan, 'cpusLimit' | 'memLimitBytes'> {
  const has = (name: string): boolean => spec.resources.some((r) => r.name === name && r.type === 'SCALAR');
  const cpus = has('cpus') ? scalarOf(spec.resources, 'cpus') : undefined;
  const mem = has('mem') ? scalarOf(spec.resources, 'mem') : undefined;
  const cpuLimit = limitOf(spec.limits, 'cpus');
  const memLimit = limitOf(spec.limits, 'mem');
  if (cpus !== undefined) host.CpuShares = cpuShares(cpus);
  const quotaCpus = cpuLimit ?? (spec.enableCfs ? cpus : undefined);
  if (quotaCpus !== undefined && Number.isFinite(quotaCpus)) {
    host.CpuPeriod = CFS_PERIOD_US;
    host.CpuQuota = cfsQuotaUs(quotaCpus);
  }
  if (memLimit !== undefined) {
    if (Number.isFinite(memLimit)) host.Memory = memoryLimitBytes(Math.floor(memLimit));
    if (mem !== undefined) host.MemoryReservation = memoryLimitBytes(mem);
  } else if (mem !== undefined) {
    host.Memory = memoryLimitBytes(mem);
  }
  return {
    cpusLimit: cpuLimit !== undefined && Number.isFinite(cpuLimit) ? cpuLimit : (cpus ?? 0),
    memLimitBytes: host.Memory ?? 0,
  };
}

// ---- volumes, network, ports ----

function volumeBinds(container: ContainerInfo, sandbox: string, mapped: string, host: HostConfig): string[] {
  const binds: string[] = [];
  for (const volume of container.volumes ?? []) {
    // A relative container path is inside the mapped sandbox.
    const target = posix.isAbsolute(volume.container_path)
      ? volume.container_path
      : posix.join(mapped, volume.container_path);
    const mode = volume.mode === 'RW' ? 'rw' : volume.mode === 'RO' ? 'ro' : null;
    if (!mode) throw new DockerSpecError('Unsupported volume mode');
    if (volume.host_path !== undefined) {
      if (!posix.isAbsolute(volume.host_path) && !posix.isAbsolute(volume.container_path)) {
        throw new DockerSpecError(
          `Both host_path '${volume.host_path}' and container_path '${volume.container_path}' of a volume are relative`,
        );
      }
      const source = posix.isAbsolute(volume.host_path)
        ? volume.host_path
        : posix.join(sandbox, volume.host_path);
      binds.push(`${source}:${target}:${mode}`);
    } else if (volume.source) {
      // Mesos's docker containerizer ignores every other source type.
      if (volume.source.type !== 'DOCKER_VOLUME') continue;
      const dv = (volume.source.docker_volume ?? {}) as { name?: unknown; driver?: unknown };
      if (typeof dv.name !== 'string' || !dv.name) throw new DockerSpecError('A docker volume needs a name');
      if (typeof dv.driver === 'string' && dv.driver) {
        if (host.VolumeDriver !== undefined && host.VolumeDriver !== dv.driver) {
          throw new DockerSpecError('Only one volume driver is supported');
        }
        host.VolumeDriver = dv.driver;
      }
      binds.push(`${dv.name}:${target}:${mode}`);
    } else {
      throw new DockerSpecError('Host path or volume source is required');
    }
  }
  binds.push(`${sandbox}:${mapped}`);
  return binds;
}

function networkMode(container: ContainerInfo, placement: DockerPlacement): string {
  const network = container.docker?.network ?? 'HOST';
  switch (network) {
    case 'HOST':
      return agentNetworkMode(placement);
    case 'BRIDGE':
      return placement.bridgeNetwork ?? 'bridge';
    case 'NONE':
      return 'none';
    case 'USER': {
      const infos = container.network_infos ?? [];
      if (infos.length === 0) throw new DockerSpecError('No network info found in container info');
      if (infos.length > 1) throw new DockerSpecError('Only a single network can be defined in Docker run');
      const name = infos[0]!.name;
      if (typeof name !== 'string' || !name)
        throw new DockerSpecError('No network name found in network info');
      return name;
    }
    default:
      throw new DockerSpecError(`Unsupported Network mode: ${String(network)}`);
  }
}

/** The network mode that puts a container where the agent is: the host's, or the agent container's. */
const agentNetworkMode = (placement: DockerPlacement): string =>
  placement.agentContainer !== undefined ? `container:${placement.agentContainer}` : 'host';

function networkReach(mode: string | undefined, placement: DockerPlacement): NetworkReach {
  if (mode === undefined) return { kind: 'none' };
  if (mode === agentNetworkMode(placement)) return { kind: 'agent' };
  // The daemon's host when the agent is elsewhere, or another container's namespace: no address.
  if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) return { kind: 'none' };
  return { kind: 'network', network: mode === 'default' ? 'bridge' : mode };
}

/** A container's addresses as `docker inspect` lists them under NetworkSettings.Networks. */
export type ContainerNetworks = Record<
  string,
  { IPAddress?: string; GlobalIPv6Address?: string } | undefined
>;

/**
 * The address at which the agent reaches what listens in the container's network namespace: its
 * loopback when it shares the agent's, else its address on its network; null when there is none.
 */
export function reachableAddress(
  reach: NetworkReach,
  networks: ContainerNetworks | undefined,
  ipv6: boolean,
): string | null {
  if (reach.kind === 'agent') return ipv6 ? '::1' : '127.0.0.1';
  if (reach.kind === 'none') return null;
  const endpoint = networks?.[reach.network];
  return (ipv6 ? endpoint?.GlobalIPv6Address : endpoint?.IPAddress) || null;
}

type PortMapping = NonNullable<NonNullable<ContainerInfo['docker']>['port_mappings']>[number];
type PortBinding = { HostIp: string; HostPort: string };

function portBindings(
  mappings: PortMapping[],
  network: string,
  resources: Resource[],
  create: ContainerCreateOptions,
  host: HostConfig,
): void {
  if (mappings.length === 0) return;
  if (network === 'HOST' || network === 'NONE') {
    throw new DockerSpecError('Port mappings are only supported for bridge and user-defined networks');
  }
  if (resources.length === 0) throw new DockerSpecError('Port mappings require resources');
  const ports = rangesOf(resources, 'ports');
  if (ports.length === 0) throw new DockerSpecError('Port mappings require port resources');
  const exposed: Record<string, object> = { ...create.ExposedPorts };
  const bindings: Record<string, PortBinding[]> = {};
  for (const m of mappings) {
    if (!ports.some((r) => m.host_port >= r.begin && m.host_port <= r.end)) {
      throw new DockerSpecError(`Port [${m.host_port}] not included in resources`);
    }
    // Marathon's "udp,tcp" is two mappings to Docker.
    for (const proto of (m.protocol ?? 'tcp').toLowerCase().split(',')) {
      const key = `${m.container_port}/${proto.trim()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: '', HostPort: String(m.host_port) });
    }
  }
  create.ExposedPorts = exposed;
  host.PortBindings = bindings;
}

/**
 * With the agent in a container, the port mappings of a container on the agent's bridge network are
 * the agent's to publish (Docker would bind them on its own host): they leave PortBindings and become
 * forwards. Other networks (USER) keep Docker's publishing.
 */
function agentForwards(host: HostConfig, placement: DockerPlacement): PortForward[] {
  const bindings = host.PortBindings as Record<string, PortBinding[]> | undefined;
  if (!bindings || placement.agentContainer === undefined) return [];
  if (placement.bridgeNetwork === undefined || host.NetworkMode !== placement.bridgeNetwork) return [];
  const forwards: PortForward[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const [port, protocol] = key.split('/') as [string, string];
    for (const b of list) {
      forwards.push({
        protocol: protocol === 'udp' ? 'udp' : 'tcp',
        hostPort: Number(b.HostPort),
        containerPort: Number(port),
      });
    }
  }
  delete host.PortBindings;
  return forwards;
}

// ---- docker run parameters ----

interface ParamTarget {
  create: ContainerCreateOptions;
  host: HostConfig;
  env: Map<string, string>;
  labels: Record<string, string>;
  aliases: string[];
  ip: string | undefined;
}

type ParamHandler = (value: string, t: ParamTarget) => void;

/** Docker's RAMInBytes: a number with an optional binary unit (b, k, m, g, t, p; `kb`, `KiB` too). */
export function parseDockerSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text.trim());
  if (!m) throw new Error(`invalid size '${text}'`);
  const exponent = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(m[1]) * 1024 ** exponent);
}

function parseBool(text: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw new Error(`invalid boolean '${text}'`);
}

function parseInteger(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new Error(`invalid integer '${text}'`);
  return Number(text);
}

function splitKeyValue(text: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new Error(`expected KEY=VALUE, got '${text}'`);
  return [text.slice(0, i), text.slice(i + 1)];
}

type HostKey = keyof HostConfig;
const hostString =
  (key: HostKey): ParamHandler =>
  (v, t) =>
    ((t.host as Record<string, unknown>)[key] = v);
const hostList =
  (key: HostKey): ParamHandler =>
  (v, t) => {
    const host = t.host as Record<string, unknown>;
    host[key] = [...((host[key] as string[] | undefined) ?? []), v];
  };
const hostNumber =
  (key: HostKey, parse: (s: string) => number): ParamHandler =>
  (v, t) =>
    ((t.host as Record<string, unknown>)[key] = parse(v));
const hostBool =
  (key: HostKey): ParamHandler =>
  (v, t) =>
    ((t.host as Record<string, unknown>)[key] = parseBool(v));
const sizeOrUnlimited = (s: string): number => (s.trim() === '-1' ? -1 : parseDockerSize(s));

const PARAMETERS: Record<string, ParamHandler> = {
  env: (v, t) => {
    const [key, value] = splitKeyValue(v);
    t.env.set(key, value);
  },
  label: (v, t) => {
    const i = v.indexOf('=');
    if (i === 0 || v === '') throw new Error(`expected KEY[=VALUE], got '${v}'`);
    t.labels[i < 0 ? v : v.slice(0, i)] = i < 0 ? '' : v.slice(i + 1);
  },
  hostname: (v, t) => (t.create.Hostname = v),
  domainname: (v, t) => (t.create.Domainname = v),
  user: (v, t) => (t.create.User = v),
  workdir: (v, t) => (t.create.WorkingDir = v),
  // As the CLI does: one word, and an empty one resets the image's entrypoint.
  entrypoint: (v, t) => (t.create.Entrypoint = [v]),
  'mac-address': (v, t) => (t.create.MacAddress = v),
  'stop-signal': (v, t) => (t.create.StopSignal = v),
  'stop-timeout': (v, t) => (t.create.StopTimeout = parseInteger(v)),
  expose: (v, t) => {
    const key = v.includes('/') ? v : `${v}/tcp`;
    if (!/^\d+\/[a-z]+$/.test(key)) throw new Error(`invalid port '${v}'`);
    t.create.ExposedPorts = { ...t.create.ExposedPorts, [key]: {} };
  },
  net: (v, t) => (t.host.NetworkMode = v),
  network: (v, t) => (t.host.NetworkMode = v),
  'network-alias': (v, t) => t.aliases.push(v),
  ip: (v, t) => (t.ip = v),
  'add-host': hostList('ExtraHosts'),
  dns: hostList('Dns'),
  'dns-search': hostList('DnsSearch'),
  'dns-opt': hostList('DnsOptions'),
  'dns-option': hostList('DnsOptions'),
  'cap-add': hostList('CapAdd'),
  'cap-drop': hostList('CapDrop'),
  'security-opt': hostList('SecurityOpt'),
  'group-add': hostList('GroupAdd'),
  'volumes-from': hostList('VolumesFrom'),
  volume: hostList('Binds'),
  'volume-driver': hostString('VolumeDriver'),
  privileged: hostBool('Privileged'),
  'read-only': hostBool('ReadonlyRootfs'),
  init: hostBool('Init'),
  'oom-kill-disable': hostBool('OomKillDisable'),
  'oom-score-adj': hostNumber('OomScoreAdj', parseInteger),
  memory: hostNumber('Memory', parseDockerSize),
  'memory-reservation': hostNumber('MemoryReservation', parseDockerSize),
  'memory-swap': hostNumber('MemorySwap', sizeOrUnlimited),
  'memory-swappiness': hostNumber('MemorySwappiness', parseInteger),
  'shm-size': hostNumber('ShmSize', parseDockerSize),
  'cpu-shares': hostNumber('CpuShares', parseInteger),
  'cpu-period': hostNumber('CpuPeriod', parseInteger),
  'cpu-quota': hostNumber('CpuQuota', parseInteger),
  cpus: hostNumber('NanoCpus', (s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) throw new Error(`invalid number '${s}'`);
    return Math.round(n * 1e9);
  }),
  'cpuset-cpus': hostString('CpusetCpus'),
  'cpuset-mems': hostString('CpusetMems'),
  'pids-limit': hostNumber('PidsLimit', parseInteger),
  'blkio-weight': hostNumber('BlkioWeight', parseInteger),
  pid: hostString('PidMode'),
  ipc: hostString('IpcMode'),
  uts: hostString('UTSMode'),
  userns: hostString('UsernsMode'),
  'cgroup-parent': hostString('CgroupParent'),
  runtime: hostString('Runtime'),
  'log-driver': (v, t) => (t.host.LogConfig = { Type: v, Config: t.host.LogConfig?.Config ?? {} }),
  'log-opt': (v, t) => {
    const [key, value] = splitKeyValue(v);
    const config = { ...(t.host.LogConfig?.Config as Record<string, string> | undefined), [key]: value };
    t.host.LogConfig = { Type: t.host.LogConfig?.Type ?? '', Config: config };
  },
  sysctl: (v, t) => {
    const [key, value] = splitKeyValue(v);
    t.host.Sysctls = { ...t.host.Sysctls, [key]: value };
  },
  tmpfs: (v, t) => {
    const i = v.indexOf(':');
    t.host.Tmpfs = { ...t.host.Tmpfs, [i < 0 ? v : v.slice(0, i)]: i < 0 ? '' : v.slice(i + 1) };
  },
  ulimit: (v, t) => {
    const [name, limits] = splitKeyValue(v);
    const [soft, hard = soft] = limits.split(':').map(parseInteger) as [number, number?];
    t.host.Ulimits = [...(t.host.Ulimits ?? []), { Name: name, Soft: soft, Hard: hard }];
  },
  device: (v, t) => {
    const [onHost, inContainer = onHost, permissions = 'rwm'] = v.split(':');
    const device = { PathOnHost: onHost, PathInContainer: inContainer, CgroupPermissions: permissions };
    t.host.Devices = [...((t.host.Devices as object[] | undefined) ?? []), device];
  },
};

// Flags that would take the container's life or identity away from the agent.
const REFUSED: Record<string, string> = {
  name: 'Mesos names the container mesos-<ContainerID>',
  rm: 'the agent removes the container itself',
  restart: 'the agent, not Docker, decides whether a task runs again',
  detach: 'the agent follows the container itself',
  tty: 'a task has no terminal; its output goes to the sandbox',
  interactive: 'a task has no standard input',
  publish: 'use DockerInfo.port_mappings, which must use ports the task was offered',
  'publish-all': 'use DockerInfo.port_mappings, which must use ports the task was offered',
};

/** The docker run flags (`parameters` keys) this containerizer translates. */
export const SUPPORTED_DOCKER_PARAMETERS: readonly string[] = Object.keys(PARAMETERS).sort();

function applyParameter(key: string, value: string, target: ParamTarget): void {
  const flag = `--${key}=${value}`;
  const refused = Object.hasOwn(REFUSED, key) ? REFUSED[key] : undefined;
  if (refused !== undefined)
    throw new DockerSpecError(`Docker parameter '${flag}' is not allowed: ${refused}`);
  const handler = Object.hasOwn(PARAMETERS, key) ? PARAMETERS[key] : undefined;
  if (!handler) {
    throw new DockerSpecError(
      `Unsupported docker parameter '${flag}' (supported: ${SUPPORTED_DOCKER_PARAMETERS.join(', ')})`,
    );
  }
  try {
    handler(value, target);
  } catch (err) {
    throw new DockerSpecError(`Invalid docker parameter '${flag}': ${(err as Error).message}`);
  }
}

// ---- statistics ----

/** The part of a Docker stats sample (GET /containers/{id}/stats) statistics are made from. */
export interface DockerStatsSample {
  cpu_stats?: { cpu_usage?: { usage_in_usermode?: number; usage_in_kernelmode?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number | undefined> };
  pids_stats?: { current?: number };
}

/** ResourceStatistics fields from one stats sample; Docker counts CPU time in nanoseconds. */
export function dockerStatistics(
  sample: DockerStatsSample,
  plan: Pick<DockerRunPlan, 'cpusLimit' | 'memLimitBytes'>,
): ContainerStatistics {
  const stats: ContainerStatistics = { cpus_limit: plan.cpusLimit, mem_limit_bytes: plan.memLimitBytes };
  const cpu = sample.cpu_stats?.cpu_usage;
  if (cpu?.usage_in_usermode !== undefined) stats.cpus_user_time_secs = cpu.usage_in_usermode / 1e9;
  if (cpu?.usage_in_kernelmode !== undefined) stats.cpus_system_time_secs = cpu.usage_in_kernelmode / 1e9;
  const mem = sample.memory_stats?.stats ?? {};
  // cgroup v1 names resident memory (total_)rss, v2 anon.
  const rss = mem.total_rss ?? mem.rss ?? mem.anon;
  if (rss !== undefined) stats.mem_rss_bytes = rss;
  if (sample.pids_stats?.current !== undefined) stats.processes = sample.pids_stats.current;
  return stats;
}
