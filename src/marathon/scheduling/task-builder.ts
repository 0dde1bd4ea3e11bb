// The Mesos TaskInfo Marathon 1.10 sends for one instance of an app (mesosphere.mesos.TaskBuilder,
// EnvironmentHelper, PortDiscovery, ContainerSerializer, MesosHealthCheck.toMesos), for the command
// executor. Pure: the offer match decides resources and host ports, this only renders them.
import type {
  CommandInfo,
  CommandURI,
  ContainerInfo,
  EnvironmentVariable,
  HealthCheck,
  Label,
  Offer,
  TaskInfo,
  Volume,
} from '../../mesos/protocol/types.js';
import type { AppDefinition, HealthCheckSpec, PortMapping, PortProtocol } from '../model/types.js';
import type { OfferMatch } from './offer-matcher.js';

export interface TaskBuildOptions {
  /** MARATHON_APP_ENFORCE_GROUP_ROLE: whether the app's top-level group enforces its role (default false). */
  enforceRole?: boolean;
  /** Marathon's --env_vars_prefix: prepended to the PORT* and HOST variables. */
  envVarsPrefix?: string;
  /** Marathon's --mesos_bridge_name, the CNI network of bridge mode in Mesos containers. */
  mesosBridgeName?: string;
}

/** The task name Marathon uses: the app id's segments reversed, joined by dots ('/prod/web' -> 'web.prod'). */
export function taskName(appId: string): string {
  return appId
    .split('/')
    .filter((s) => s !== '')
    .reverse()
    .join('.');
}

function usesPortMappings(app: AppDefinition): boolean {
  return (app.container?.portMappings?.length ?? 0) > 0;
}

function hasNonHostNetworking(app: AppDefinition): boolean {
  return app.networks.some((n) => n.mode !== 'host');
}

/** The host ports per declared port (definition or mapping); undefined where a mapping takes none. */
function alignedHostPorts(app: AppDefinition, hostPorts: readonly number[]): Array<number | undefined> {
  let next = 0;
  if (usesPortMappings(app)) {
    return (app.container?.portMappings ?? []).map((m) =>
      m.hostPort === undefined ? undefined : hostPorts[next++],
    );
  }
  return (app.portDefinitions ?? []).map(() => hostPorts[next++]);
}

// Scala's Double.toString, as MARATHON_APP_RESOURCE_* show it: '1.0', '0.5', '1.0E7'.
function javaDouble(n: number): string {
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

interface DeclaredPort {
  name?: string;
  /** The container port (port mappings) or the definition's port (service port, or the fixed host port). */
  port: number;
}

/**
 * PORT, PORTS, PORT<index>, PORT_<declared port> and PORT_<NAME> (EnvironmentHelper.portsEnv). A
 * mapping without a host port exposes its container port; one whose container port is 0 gets a port
 * picked here (Marathon picks a random one; we take the lowest free port above 1024).
 */
function portsEnv(declared: readonly DeclaredPort[], hostPorts: ReadonlyArray<number | undefined>) {
  const env = new Map<string, string>();
  if (hostPorts.length === 0) return env;
  const taken = new Set<number>([
    ...declared.map((d) => d.port),
    ...hostPorts.flatMap((p) => (p ? [p] : [])),
  ]);
  let candidate = 1025;
  const freshContainerPort = (): number => {
    while (taken.has(candidate)) candidate++;
    taken.add(candidate);
    return candidate;
  };
  // What each declared port resolves to: its host port, else its container port (or a picked one).
  const effective = hostPorts.map((hostPort, i) => {
    if (hostPort !== undefined) return hostPort;
    const containerPort = declared[i]?.port;
    if (containerPort === undefined) return undefined;
    return containerPort === 0 ? freshContainerPort() : containerPort;
  });
  effective.forEach((port, i) => {
    if (port !== undefined) env.set(`PORT${i}`, String(port));
  });
  declared.forEach((d, i) => {
    const port = effective[i];
    if (port === undefined) return;
    env.set(`PORT_${d.port !== 0 ? d.port : port}`, String(port));
  });
  declared.forEach((d, i) => {
    const port = effective[i];
    if (d.name !== undefined && port !== undefined) env.set(`PORT_${d.name.toUpperCase()}`, String(port));
  });
  // PORT and PORTS list host ports first, then the picked container ports.
  const picked = effective.filter(
    (p, i) => p !== undefined && hostPorts[i] === undefined && declared[i]?.port === 0,
  );
  const all = [...hostPorts.flatMap((p) => (p !== undefined ? [p] : [])), ...picked];
  if (all.length > 0) env.set('PORT', String(all[0]));
  env.set('PORTS', all.join(','));
  return env;
}

const MAX_ENV_VALUE_LENGTH = 512;
const LABEL_PREFIX = 'MARATHON_APP_LABEL_';

/** MARATHON_APP_LABELS (the names, space separated) and MARATHON_APP_LABEL_<NAME> per label. */
function labelsEnv(labels: Record<string, string>): Map<string, string> {
  const valid = Object.entries(labels)
    .filter(
      ([k, v]) => k.length < MAX_ENV_VALUE_LENGTH - LABEL_PREFIX.length && v.length < MAX_ENV_VALUE_LENGTH,
    )
    .map(([k, v]) => [k.replace(/[^a-zA-Z0-9_]+/g, '_').toUpperCase(), v] as const);
  const env = new Map<string, string>([['MARATHON_APP_LABELS', valid.map(([k]) => k).join(' ')]]);
  for (const [k, v] of valid) env.set(`${LABEL_PREFIX}${k}`, v);
  return env;
}

function declaredPorts(app: AppDefinition): DeclaredPort[] {
  if (usesPortMappings(app)) {
    return (app.container?.portMappings ?? []).map((m) => withName({ port: m.containerPort }, m.name));
  }
  return (app.portDefinitions ?? []).map((pd) => withName({ port: pd.port }, pd.name));
}

function withName<T extends object>(obj: T, name: string | undefined): T & { name?: string } {
  return name === undefined ? obj : { ...obj, name };
}

function environment(
  app: AppDefinition,
  taskId: string,
  host: string,
  hostPorts: ReadonlyArray<number | undefined>,
  opts: TaskBuildOptions,
): EnvironmentVariable[] {
  const env = new Map<string, string>();
  env.set('MESOS_TASK_ID', taskId);
  env.set('MARATHON_APP_ID', app.id);
  env.set('MARATHON_APP_VERSION', app.version);
  if (app.container?.type === 'DOCKER' && app.container.docker) {
    env.set('MARATHON_APP_DOCKER_IMAGE', app.container.docker.image);
  }
  env.set('MARATHON_APP_RESOURCE_CPUS', javaDouble(app.cpus));
  env.set('MARATHON_APP_RESOURCE_MEM', javaDouble(app.mem));
  env.set('MARATHON_APP_RESOURCE_DISK', javaDouble(app.disk));
  env.set('MARATHON_APP_RESOURCE_GPUS', String(app.gpus));
  env.set('MARATHON_APP_ENFORCE_GROUP_ROLE', opts.enforceRole ? 'TRUE' : 'FALSE');
  for (const [k, v] of labelsEnv(app.labels)) env.set(k, v);
  const prefix = opts.envVarsPrefix ?? '';
  for (const [k, v] of portsEnv(declaredPorts(app), hostPorts)) env.set(prefix + k, v);
  env.set(`${prefix}HOST`, host);
  // The app's own variables win; secrets are resolved by a secrets plugin, which we do not have.
  for (const [k, v] of Object.entries(app.env)) if (typeof v === 'string') env.set(k, v);
  return [...env].map(([name, value]) => ({ name, value }));
}

function fetchUris(app: AppDefinition): CommandURI[] {
  return app.fetch.map((f) => {
    const uri: CommandURI = { value: f.uri, executable: f.executable, extract: f.extract, cache: f.cache };
    if (f.destPath !== undefined) uri.output_file = f.destPath;
    return uri;
  });
}

function hasImage(app: AppDefinition): boolean {
  return app.container?.docker !== undefined;
}

function commandInfo(app: AppDefinition, variables: EnvironmentVariable[]): CommandInfo {
  const command: CommandInfo = { environment: { variables } };
  if (app.cmd !== undefined && app.cmd !== '') {
    command.shell = true;
    command.value = app.cmd;
  } else {
    // Neither cmd nor args: the image's entrypoint runs.
    command.shell = false;
  }
  if (app.args && app.args.length > 0) {
    command.shell = false;
    command.arguments = [...app.args];
    // The executable is args[0]. Marathon sets it only without a container; with an image it stays
    // unset so the image's entrypoint gets the arguments. A Mesos container without an image needs it.
    if (!hasImage(app)) command.value = app.args[0];
  }
  if (app.fetch.length > 0) command.uris = fetchUris(app);
  if (app.user !== undefined) command.user = app.user;
  return command;
}

function protocolsOf(protocol: PortProtocol): string[] {
  return protocol.split(',');
}

function labelList(labels: Record<string, string> | undefined, extra: Array<[string, string]> = []): Label[] {
  return [...Object.entries(labels ?? {}), ...extra].map(([key, value]) => ({ key, value }));
}

/** A port mapping with the host port this task got (containerPort 0 means "the same as the host port"). */
function boundMapping(m: PortMapping, hostPort: number): { host_port: number; container_port: number } {
  return { host_port: hostPort, container_port: m.containerPort === 0 ? hostPort : m.containerPort };
}

function hostVolumes(app: AppDefinition): Volume[] {
  return (app.container?.volumes ?? []).flatMap((v): Volume[] =>
    v.hostPath !== undefined && v.persistent === undefined
      ? [{ container_path: v.containerPath, host_path: v.hostPath, mode: v.mode }]
      : [],
  );
}

function containerInfo(
  app: AppDefinition,
  taskId: string,
  hostPorts: ReadonlyArray<number | undefined>,
  opts: TaskBuildOptions,
): ContainerInfo | undefined {
  const container = app.container;
  if (!container) return hasNonHostNetworking(app) ? { type: 'MESOS', mesos: {} } : undefined;
  const bound = (container.portMappings ?? []).flatMap((m, i) => {
    const hostPort = hostPorts[i];
    return hostPort === undefined ? [] : [{ mapping: m, ...boundMapping(m, hostPort) }];
  });
  const volumes = hostVolumes(app);
  const info: ContainerInfo = { type: container.type };
  if (container.type === 'DOCKER' && container.docker) {
    const d = container.docker;
    const modes = { host: 'HOST', 'container/bridge': 'BRIDGE', container: 'USER' } as const;
    const last = app.networks[app.networks.length - 1];
    info.docker = {
      image: d.image,
      network: last ? modes[last.mode] : 'HOST',
      port_mappings: bound.flatMap((b) =>
        protocolsOf(b.mapping.protocol).map((protocol) => ({
          host_port: b.host_port,
          container_port: b.container_port,
          protocol,
        })),
      ),
      privileged: d.privileged,
      // Marathon labels every container with its task id, so `docker ps` can tell them apart.
      parameters: [...d.parameters, { key: 'label', value: `MESOS_TASK_ID=${taskId}` }],
      force_pull_image: d.forcePullImage,
    };
    if (volumes.length > 0) info.volumes = volumes;
    // Docker user networks are passed by name only.
    const userNetwork = app.networks.find((n) => n.mode === 'container' && n.name !== undefined);
    if (userNetwork) info.network_infos = [{ name: userNetwork.name }];
    return info;
  }
  info.type = 'MESOS';
  info.mesos = container.docker
    ? {
        image: {
          type: 'DOCKER',
          docker: { name: container.docker.image },
          cached: !container.docker.forcePullImage,
        },
      }
    : {};
  if (volumes.length > 0) info.volumes = volumes;
  const networks = app.networks.filter((n) => n.mode !== 'host');
  if (networks.length > 0) {
    info.network_infos = networks.map((n) => {
      const name = n.mode === 'container/bridge' ? (opts.mesosBridgeName ?? 'mesos-bridge') : (n.name ?? '');
      const labels = labelList(n.labels);
      return {
        ip_addresses: [{}],
        ...(labels.length > 0 ? { labels: { labels } } : {}),
        name,
        port_mappings: bound.map((b) => ({
          host_port: b.host_port,
          container_port: b.container_port,
          protocol: b.mapping.protocol,
        })),
      };
    });
  }
  return info;
}

/** DiscoveryInfo: one Port per declared port and protocol, numbered as Marathon advertises them. */
function discoveryInfo(
  app: AppDefinition,
  hostPorts: ReadonlyArray<number | undefined>,
): Record<string, unknown> {
  const port = (number: number, protocol: string, name: string | undefined, labels: Label[]) => ({
    number,
    protocol,
    ...(name !== undefined ? { name } : {}),
    ...(labels.length > 0 ? { labels: { labels } } : {}),
  });
  let ports: Array<ReturnType<typeof port>>;
  if (hasNonHostNetworking(app)) {
    const containerNetworks = app.networks.flatMap((n) => (n.mode === 'container' && n.name ? [n.name] : []));
    ports = (app.container?.portMappings ?? []).flatMap((m, i) => {
      const hostPort = hostPorts[i];
      if (hostPort !== undefined) {
        return protocolsOf(m.protocol).map((p) =>
          port(hostPort, p, m.name, labelList(m.labels, [['network-scope', 'host']])),
        );
      }
      return protocolsOf(m.protocol).flatMap((p) =>
        containerNetworks.map((net) =>
          port(
            m.containerPort,
            p,
            m.name,
            labelList(m.labels, [
              ['network-scope', 'container'],
              ['network-name', net],
            ]),
          ),
        ),
      );
    });
  } else {
    ports = (app.portDefinitions ?? []).flatMap((pd, i) => {
      const hostPort = hostPorts[i];
      if (hostPort === undefined) return [];
      return protocolsOf(pd.protocol).map((p) => port(hostPort, p, pd.name, labelList(pd.labels)));
    });
  }
  return { name: taskName(app.id), visibility: 'FRAMEWORK', ports: { ports } };
}

/**
 * The port a Mesos-level check probes: its `port`, else the declared port at portIndex. Mesos probes
 * from inside the container's network, so the container port is preferred over the host port.
 */
function mesosCheckPort(
  app: AppDefinition,
  check: HealthCheckSpec,
  hostPorts: ReadonlyArray<number | undefined>,
): number | undefined {
  if (check.port !== undefined) return check.port;
  const index = check.portIndex ?? 0;
  if (hasNonHostNetworking(app) && app.container) {
    const mapping = app.container.portMappings?.[index];
    if (!mapping) return undefined;
    const hostPort = hostPorts[index];
    if (hostPort === undefined) return mapping.containerPort;
    return mapping.containerPort === 0 ? hostPort : mapping.containerPort;
  }
  return hostPorts[index];
}

function mesosHealthCheck(
  app: AppDefinition,
  check: HealthCheckSpec,
  hostPorts: ReadonlyArray<number | undefined>,
): HealthCheck | undefined {
  const timings = {
    interval_seconds: check.intervalSeconds,
    timeout_seconds: check.timeoutSeconds,
    consecutive_failures: check.maxConsecutiveFailures,
    grace_period_seconds: check.gracePeriodSeconds,
    delay_seconds: check.delaySeconds,
  };
  switch (check.protocol) {
    case 'COMMAND':
      return check.command
        ? { type: 'COMMAND', command: { value: check.command.value }, ...timings }
        : undefined;
    case 'MESOS_HTTP':
    case 'MESOS_HTTPS': {
      const port = mesosCheckPort(app, check, hostPorts);
      if (port === undefined) return undefined;
      const scheme = check.protocol === 'MESOS_HTTP' ? 'http' : 'https';
      return {
        type: 'HTTP',
        http: { scheme, port, ...(check.path !== undefined ? { path: check.path } : {}) },
        ...timings,
      };
    }
    case 'MESOS_TCP': {
      const port = mesosCheckPort(app, check, hostPorts);
      return port === undefined ? undefined : { type: 'TCP', tcp: { port }, ...timings };
    }
    default:
      // HTTP, HTTPS and TCP checks run from Marathon itself, not in the task.
      return undefined;
  }
}

/**
 * The TaskInfo for one instance. `match` comes from matchOffer on the same offer; `ids.taskId` is the
 * Mesos task id (`<instanceId>._app.<incarnation>`).
 */
export function buildTaskInfo(
  app: AppDefinition,
  ids: { taskId: string; instanceId: string },
  offer: Offer,
  match: OfferMatch,
  opts: TaskBuildOptions = {},
): TaskInfo {
  const hostPorts = alignedHostPorts(app, match.hostPorts);
  const task: TaskInfo = {
    name: taskName(app.id),
    task_id: { value: ids.taskId },
    agent_id: { value: offer.agent_id.value },
    resources: match.resources,
    command: commandInfo(app, environment(app, ids.taskId, offer.hostname, hostPorts, opts)),
    discovery: discoveryInfo(app, hostPorts),
  };
  if (Object.keys(app.labels).length > 0) task.labels = { labels: labelList(app.labels) };
  const container = containerInfo(app, ids.taskId, hostPorts, opts);
  if (container) task.container = container;
  if (app.taskKillGracePeriodSeconds !== undefined) {
    task.kill_policy = { grace_period: { nanoseconds: Math.round(app.taskKillGracePeriodSeconds * 1e9) } };
  }
  // Mesos runs at most one health check per task: the first Mesos-level one that resolves.
  for (const check of app.healthChecks) {
    const mesosCheck = mesosHealthCheck(app, check, hostPorts);
    if (mesosCheck) {
      task.health_check = mesosCheck;
      break;
    }
  }
  return task;
}
