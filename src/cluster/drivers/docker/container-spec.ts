// Pure: how a cluster and its nodes become Docker objects (names, labels, the container create
// options, the network), and how Docker's multiplexed log frames become plain bytes. The driver
// only sends what these functions return, so everything here has exact unit tests.
import type { ContainerCreateOptions, NetworkCreateOptions } from 'dockerode';
import type { NodePlan } from '../../plan.js';
import type { Role } from '../../spec.js';
import type { ClusterRecord } from '../driver.js';

export const LABEL_CLUSTER = 'sandbox.cluster';
export const LABEL_ROLE = 'sandbox.role';
export const LABEL_NODE = 'sandbox.node';
export const LABEL_RUN_ID = 'sandbox.run-id';
/** The node's position in the plan, so nodes() lists them in start order. */
export const LABEL_ORDER = 'sandbox.order';
/** The port the node listens on inside its container. */
export const LABEL_PORT = 'sandbox.port';
/** The port published on 127.0.0.1, chosen at create so it stays the same across stop/start. */
export const LABEL_HOST_PORT = 'sandbox.host-port';
/** The ClusterRecord as JSON, on the network and on every container. */
export const LABEL_RECORD = 'sandbox.record';

/** Where the node keeps its files inside the container. */
export const NODE_DATA_DIR = '/var/lib/sandbox';
/**
 * Where agents keep their work dirs on the Docker host. An agent asks the host's daemon to bind its
 * tasks' sandboxes into their containers, so a sandbox must have the same path in the agent's
 * container as on the host: each agent's work dir is bind-mounted at its own path.
 */
export const HOST_WORK_ROOT = '/tmp/mesos-sandbox-docker';
/** The daemon's socket inside an agent's container (the agent's --docker_socket default). */
export const NODE_DOCKER_SOCKET = '/var/run/docker.sock';
/** Agents need no host-wide port plan: each container has its own network namespace. */
export const AGENT_PORTS = '[31000-32000]';
/** `docker stop` grace period before SIGKILL. */
export const STOP_TIMEOUT_SECONDS = 5;

export const networkName = (cluster: string): string => `sandbox-${cluster}`;
export const containerName = (cluster: string, nodeId: string): string => `sandbox-${cluster}-${nodeId}`;
/** The cluster's agent work dirs on the Docker host (removed by `down`). */
export const clusterWorkRoot = (cluster: string): string => `${HOST_WORK_ROOT}/${cluster}`;
/** Files shared with every agent of the cluster (Driver.shareFile), read-only at the same path. */
export const clusterSharedDir = (cluster: string): string => `${clusterWorkRoot(cluster)}/shared`;
/** An agent's --work_dir, the same path on the host and in its container; new for every run of the cluster. */
export const agentWorkDir = (record: ClusterRecord, nodeId: string): string =>
  `${clusterWorkRoot(record.name)}/${record.runId}/${nodeId}`;
/** Each agent's parent cgroup; unique per cluster and node, so two agents never share one. */
export const agentCgroupsRoot = (cluster: string, nodeId: string): string => `sandbox-${cluster}-${nodeId}`;

export function clusterLabels(record: ClusterRecord): Record<string, string> {
  return { [LABEL_CLUSTER]: record.name, [LABEL_RUN_ID]: record.runId };
}

export function networkCreateOptions(record: ClusterRecord): NetworkCreateOptions {
  return {
    Name: networkName(record.name),
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: { ...clusterLabels(record), [LABEL_RECORD]: JSON.stringify(record) },
  };
}

/**
 * The flags the driver adds to the plan's: the node's port and its file locations, and for an agent
 * where its DOCKER tasks go (as minimesos ran them): on the host's daemon beside the agent's own
 * container, HOST-network tasks in the agent's network namespace, BRIDGE tasks on the cluster's
 * network with their port mappings published by the agent, all labelled with the cluster so that
 * `down` removes them.
 */
export function driverFlags(plan: NodePlan, record: ClusterRecord): string[] {
  const flags = [`--port=${plan.port}`];
  if (plan.role === 'zookeeper')
    flags.push(`--data_dir=${NODE_DATA_DIR}/zookeeper`, '--server_log=/dev/stdout');
  if (plan.role === 'agent') {
    flags.push(`--work_dir=${agentWorkDir(record, plan.id)}`);
    if (!plan.flags.some((f) => f.startsWith('--cgroups_root='))) {
      flags.push(`--cgroups_root=${agentCgroupsRoot(record.name, plan.id)}`);
    }
    flags.push(
      `--docker_agent_container=${containerName(record.name, plan.id)}`,
      `--docker_bridge_network=${networkName(record.name)}`,
      `--docker_task_labels=${JSON.stringify(clusterLabels(record))}`,
    );
  }
  return flags;
}

/**
 * Docker mounts the cgroup hierarchies read-only in a container that is not privileged. An agent
 * container has CAP_SYS_ADMIN, so it makes them writable again; they are bind mounts of the
 * container's own cgroup, so the tasks' cgroups nest under it (limited by it, removed with it).
 * Where this fails the agent says so and falls back to the posix launcher.
 */
export const REMOUNT_CGROUPS_RW =
  'for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do mount -o remount,rw,bind "$d" 2>/dev/null; done; ';

/**
 * The container's command: `sandbox-node <role> <flags...> --ip=<container IP>`. The IP is only
 * known inside the container, so a shell asks `hostname -i` (Docker writes the container's address
 * for its hostname into /etc/hosts) and then execs the node, which thus is the process `docker stop`
 * signals.
 */
export function nodeCommand(plan: NodePlan, record: ClusterRecord): string[] {
  const prelude = plan.role === 'agent' ? REMOUNT_CGROUPS_RW : '';
  const script = `${prelude}ip=$(hostname -i) && exec sandbox-node "$@" --ip="\${ip%% *}"`;
  return ['/bin/sh', '-c', script, 'sandbox-node', plan.role, ...plan.flags, ...driverFlags(plan, record)];
}

/**
 * What an agent container may do beyond the default: mount (the cgroup remount above, the tasks'
 * mount namespaces with their own /proc) and unshare namespaces. Not `Privileged`: that asks for
 * every capability, and runc refuses to start at all where the daemon's own bounding set lacks one
 * (this repository's CI host has no CAP_SYS_RESOURCE).
 */
export const AGENT_HOST_CONFIG = {
  CapAdd: ['SYS_ADMIN'],
  SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
} as const;

export interface ContainerInputs {
  record: ClusterRecord;
  plan: NodePlan;
  /** Position in the plan (0-based). */
  order: number;
  image: string;
  /** The port on 127.0.0.1 the node's port is published on. */
  hostPort: number;
  /** The Docker daemon's socket on its host, mounted into agents (default /var/run/docker.sock). */
  dockerSocket?: string;
}

/** The first node of a role takes spec.ports[role] when set; every other node a free port. */
export function requestedHostPort(record: ClusterRecord, plan: NodePlan): number | null {
  const port = record.spec.ports[plan.role];
  return plan.index === 1 && port ? port : null;
}

export function containerCreateOptions(inputs: ContainerInputs): ContainerCreateOptions {
  const { record, plan, order, image, hostPort, dockerSocket = NODE_DOCKER_SOCKET } = inputs;
  const portKey = `${plan.port}/tcp`;
  const agent = plan.role === 'agent';
  return {
    name: containerName(record.name, plan.id),
    Image: image,
    Hostname: plan.id,
    Cmd: nodeCommand(plan, record),
    Labels: {
      ...clusterLabels(record),
      [LABEL_ROLE]: plan.role,
      [LABEL_NODE]: plan.id,
      [LABEL_ORDER]: String(order),
      [LABEL_PORT]: String(plan.port),
      [LABEL_HOST_PORT]: String(hostPort),
      [LABEL_RECORD]: JSON.stringify(record),
    },
    Env: ['NODE_ENV=production'],
    ExposedPorts: { [portKey]: {} },
    StopTimeout: STOP_TIMEOUT_SECONDS,
    HostConfig: {
      NetworkMode: networkName(record.name),
      PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] },
      RestartPolicy: { Name: 'no' },
      // Agents create cgroups and pid/mount namespaces for their tasks (the linux launcher), and
      // their tasks can leave orphans behind, which a real init reaps. They run DOCKER tasks on
      // the host's daemon, in sandboxes under a work dir that has the same path there.
      ...(agent
        ? {
            CapAdd: [...AGENT_HOST_CONFIG.CapAdd],
            SecurityOpt: [...AGENT_HOST_CONFIG.SecurityOpt],
            Init: true,
            Binds: agentBinds(record, plan, dockerSocket),
          }
        : {}),
    },
    NetworkingConfig: {
      EndpointsConfig: { [networkName(record.name)]: { Aliases: [plan.id] } },
    },
  };
}

/**
 * The daemon's socket, the work dir and the cluster's shared files, each at its own path (Docker
 * creates missing directories on the host).
 */
export function agentBinds(record: ClusterRecord, plan: NodePlan, dockerSocket: string): string[] {
  const workDir = agentWorkDir(record, plan.id);
  const shared = clusterSharedDir(record.name);
  return [`${dockerSocket}:${NODE_DOCKER_SOCKET}`, `${workDir}:${workDir}`, `${shared}:${shared}:ro`];
}

/**
 * A short-lived container that removes the cluster's agent work dirs on the Docker host: they hold
 * files the agents' tasks wrote as root, which the user running `sandbox` may not be able to remove.
 */
export function workRootRemovalOptions(cluster: string, image: string): ContainerCreateOptions {
  return {
    Image: image,
    Entrypoint: ['rm', '-rf', '--', `/work/${cluster}`],
    Cmd: [],
    Labels: { [LABEL_CLUSTER]: cluster },
    HostConfig: { Binds: [`${HOST_WORK_ROOT}:/work`], NetworkMode: 'none' },
  };
}

/** A container's labels, read back. Null when the container is not one of ours. */
export interface NodeLabels {
  cluster: string;
  id: string;
  role: Role;
  order: number;
  port: number;
  hostPort: number;
}

export function parseNodeLabels(labels: Record<string, string> | undefined): NodeLabels | null {
  if (!labels) return null;
  const cluster = labels[LABEL_CLUSTER];
  const id = labels[LABEL_NODE];
  const role = labels[LABEL_ROLE] as Role | undefined;
  if (!cluster || !id || !role) return null;
  return {
    cluster,
    id,
    role,
    order: Number(labels[LABEL_ORDER] ?? Number.MAX_SAFE_INTEGER),
    port: Number(labels[LABEL_PORT] ?? 0),
    hostPort: Number(labels[LABEL_HOST_PORT] ?? 0),
  };
}

/**
 * Docker's log/attach framing without a TTY: an 8-byte header (stream type, 3 zero bytes, big-endian
 * length) before each chunk. Returns the payloads concatenated in order, and any incomplete tail.
 */
export function demuxDockerFrames(buf: Buffer): { data: Buffer; rest: Buffer } {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const type = buf[offset]!;
    if (type > 2 || buf[offset + 1] !== 0 || buf[offset + 2] !== 0 || buf[offset + 3] !== 0) {
      // Not framed (a TTY container's raw output): pass the remainder through unchanged.
      parts.push(buf.subarray(offset));
      return { data: Buffer.concat(parts), rest: Buffer.alloc(0) };
    }
    const length = buf.readUInt32BE(offset + 4);
    if (offset + 8 + length > buf.length) break;
    parts.push(buf.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return { data: Buffer.concat(parts), rest: buf.subarray(offset) };
}

/** Memory a container uses as `docker stats` counts it (cgroup v1: usage minus page cache). */
export function containerMemoryBytes(stats: {
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}): number {
  const usage = stats.memory_stats?.usage ?? 0;
  const s = stats.memory_stats?.stats ?? {};
  const cache = s.cache ?? s.total_inactive_file ?? s.inactive_file ?? 0;
  return Math.max(0, usage - cache);
}
