// An app definition from request JSON to canonical form, as Marathon 1.10 does it: the RAML readers
// (phase 1: JSON types and schema facets, with the nested objects' defaults), then AppNormalization
// (deprecated forms to canonical ones, top-level defaults). The rules between fields are in
// app-validation.ts.
import {
  type DetailCollector,
  type Read,
  bool,
  dict,
  labels,
  list,
  num,
  object,
  oneOf,
  required,
  str,
  withDefault,
} from './errors.js';
import { RAML_PATH_ID_PATTERN, canonicalPathId } from './path-id.js';
import type {
  AppDefinition,
  Constraint,
  ContainerSpec,
  EnvValue,
  FetchSpec,
  HealthCheckSpec,
  NetworkSpec,
  PortDefinition,
  PortMapping,
  ReadinessCheckSpec,
  UnreachableStrategy,
  UpgradeStrategy,
  VolumeSpec,
} from './types.js';

// ---- the request form: top-level fields optional, deprecated forms kept ----

export interface RawPortMapping extends PortMapping {
  networkNames?: string[];
}

export type DockerNetwork = 'BRIDGE' | 'HOST' | 'NONE' | 'USER';

export interface RawDocker {
  image: string;
  forcePullImage: boolean;
  privileged: boolean;
  parameters: Array<{ key: string; value: string }>;
  network?: DockerNetwork;
  portMappings?: RawPortMapping[];
  /** Deprecated credentials and Mesos pullConfig: refused, so only their presence matters. */
  credential?: object;
  pullConfig?: object;
}

export type RawVolume = VolumeSpec & { external?: object; secret?: string };

export interface RawContainer {
  type: 'DOCKER' | 'MESOS';
  docker?: RawDocker;
  volumes: RawVolume[];
  portMappings?: RawPortMapping[];
}

export type RawHealthCheck = Omit<HealthCheckSpec, 'ignoreHttp1xx'> & {
  ignoreHttp1xx?: boolean;
  ipProtocol: 'IPv4' | 'IPv6';
};

export interface RawIpAddress {
  networkName?: string;
  labels?: Record<string, string>;
  discovery?: { ports?: Array<Omit<PortMapping, 'containerPort' | 'servicePort'> & { number: number }> };
}

type Canonical = Omit<
  AppDefinition,
  'id' | 'version' | 'versionInfo' | 'container' | 'healthChecks' | 'constraints'
>;

export interface RawApp extends Partial<Canonical> {
  id?: string;
  /** Only for rollbacks (PUT with {"version": ...}); ignored otherwise. */
  version?: string;
  /** Not yet checked: the operator may be unknown or in lower case. */
  constraints?: string[][];
  container?: RawContainer;
  healthChecks?: RawHealthCheck[];
  // deprecated request forms
  ports?: number[];
  uris?: string[];
  ipAddress?: RawIpAddress;
}

// ---- phase 1: the RAML schema ----

const PATH_ID = str({ minLength: 1, pattern: RAML_PATH_ID_PATTERN });
const LEGACY_NAME = str({ minLength: 1, pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ });
const NAME = str({ minLength: 1, maxLength: 63, pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ });
const ANY_PORT = num({ integer: 'int', min: 0, max: 65535 });
const INT = num({ integer: 'int' });
const INT_MIN0 = num({ integer: 'int', min: 0 });
const LONG_MIN0 = num({ integer: 'long', min: 0 });
const PROTOCOL = oneOf(['tcp', 'udp', 'udp,tcp'] as const);

const portDefinition = object<PortDefinition>({
  port: withDefault(ANY_PORT, 0),
  protocol: withDefault(PROTOCOL, 'tcp'),
  name: LEGACY_NAME,
  labels,
});

const portMapping = object<RawPortMapping>({
  containerPort: withDefault(ANY_PORT, 0),
  hostPort: ANY_PORT,
  servicePort: withDefault(ANY_PORT, 0),
  protocol: withDefault(PROTOCOL, 'tcp'),
  name: LEGACY_NAME,
  labels,
  networkNames: list(NAME),
});

const docker = object<RawDocker>({
  image: required(str({ minLength: 1 })),
  forcePullImage: withDefault(bool, false),
  privileged: withDefault(bool, false),
  parameters: withDefault(list(object({ key: required(str({ minLength: 1 })), value: required(str()) })), []),
  network: oneOf(['BRIDGE', 'HOST', 'NONE', 'USER'] as const),
  portMappings: list(portMapping),
  credential: object({}),
  pullConfig: object({}),
});

const MODE = required(oneOf(['RO', 'RW'] as const));
const CONTAINER_PATH = required(str({ minLength: 1 }));
// AppVolume is a union; which member a volume is follows from its keys.
const volume: Read<RawVolume> = (r, v, p) => {
  const has = (key: string): boolean => typeof v === 'object' && v !== null && key in v;
  if (has('external')) {
    return object<RawVolume>({ containerPath: CONTAINER_PATH, external: object({}), mode: MODE })(r, v, p);
  }
  if (has('secret')) {
    return object<RawVolume>({ containerPath: CONTAINER_PATH, secret: required(str({ minLength: 1 })) })(
      r,
      v,
      p,
    );
  }
  if (has('persistent')) {
    const persistent = object({ size: required(LONG_MIN0), type: oneOf(['root', 'path', 'mount'] as const) });
    return object<RawVolume>({ containerPath: CONTAINER_PATH, persistent: required(persistent), mode: MODE })(
      r,
      v,
      p,
    );
  }
  return object<RawVolume>({
    containerPath: CONTAINER_PATH,
    hostPath: required(str({ minLength: 1 })),
    mode: MODE,
  })(r, v, p);
};

const container = object<RawContainer>({
  type: withDefault(oneOf(['DOCKER', 'MESOS'] as const), 'DOCKER'),
  docker,
  volumes: withDefault(list(volume), []),
  portMappings: list(portMapping),
});

const network = object<NetworkSpec>({
  mode: withDefault(oneOf(['container', 'container/bridge', 'host'] as const), 'container'),
  name: str({ minLength: 1, maxLength: 63, pattern: /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/ }),
  labels,
});

// {"value": "..."}; a bare string is taken too, as the Python client's model does.
const healthCommand: Read<{ value: string }> = (r, v, p) =>
  typeof v === 'string' ? { value: v } : object<{ value: string }>({ value: required(str()) })(r, v, p);

const healthCheck = object<RawHealthCheck>({
  protocol: withDefault(
    oneOf(['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'] as const),
    'HTTP',
  ),
  path: str(),
  portIndex: ANY_PORT,
  port: ANY_PORT,
  command: healthCommand,
  gracePeriodSeconds: withDefault(INT_MIN0, 300),
  intervalSeconds: withDefault(INT_MIN0, 60),
  timeoutSeconds: withDefault(INT, 20),
  maxConsecutiveFailures: withDefault(INT_MIN0, 3),
  delaySeconds: withDefault(INT_MIN0, 15),
  ignoreHttp1xx: bool,
  ipProtocol: withDefault(oneOf(['IPv4', 'IPv6'] as const), 'IPv4'),
});

const readinessCheck = object<ReadinessCheckSpec>({
  name: withDefault(str({ minLength: 1 }), 'readinessCheck'),
  protocol: withDefault(oneOf(['HTTP', 'HTTPS'] as const), 'HTTP'),
  path: withDefault(str({ minLength: 1, maxLength: 1024 }), '/'),
  portName: withDefault(LEGACY_NAME, 'http-api'),
  intervalSeconds: withDefault(INT_MIN0, 30),
  timeoutSeconds: withDefault(num({ integer: 'int', min: 1 }), 10),
  httpStatusCodesForReady: withDefault(
    list(num({ integer: 'int', min: 100, max: 999 }), { minItems: 1 }),
    [200],
  ),
  preserveLastResponse: withDefault(bool, false),
});

const fetchItem = object<FetchSpec>({
  uri: required(str({ minLength: 1, maxLength: 1024 })),
  extract: withDefault(bool, true),
  executable: withDefault(bool, false),
  cache: withDefault(bool, false),
  destPath: str({ minLength: 1, maxLength: 1024 }),
});

// Both members are required by the RAML; older Marathons defaulted a missing one to 1, which is kinder.
const CAPACITY = num({ min: 0, max: 1 });
const upgradeStrategy = object<UpgradeStrategy>({
  minimumHealthCapacity: withDefault(CAPACITY, 1),
  maximumOverCapacity: withDefault(CAPACITY, 1),
});

const unreachableStrategy: Read<UnreachableStrategy> = (r, v, p) =>
  typeof v === 'string'
    ? oneOf(['disabled'] as const)(r, v, p)
    : object<UnreachableStrategy>({
        inactiveAfterSeconds: withDefault(LONG_MIN0, 0),
        expungeAfterSeconds: withDefault(LONG_MIN0, 0),
      })(r, v, p);

const envValue: Read<EnvValue> = (r, v, p) =>
  typeof v === 'string' ? v : object<{ secret: string }>({ secret: required(str()) })(r, v, p);

const ipAddress = object<RawIpAddress>({
  networkName: str({ minLength: 1 }),
  labels,
  discovery: object({
    ports: list(
      object({
        number: withDefault(ANY_PORT, 0),
        name: required(LEGACY_NAME),
        protocol: withDefault(PROTOCOL, 'tcp'),
        labels,
      }),
    ),
  }),
});

const STRINGS = list(str());

/** Reads an App body at `path` (top-level defaults are applied later, by normalizeRawApp). */
export const readRawApp: Read<RawApp> = object<RawApp>({
  id: PATH_ID,
  cmd: str({ minLength: 1 }),
  args: STRINGS,
  user: str(),
  env: dict(envValue),
  instances: INT_MIN0,
  cpus: num({ min: 0.001 }),
  mem: num({ min: 0 }),
  disk: num({ min: 0 }),
  gpus: INT_MIN0,
  executor: str({ pattern: /^(?:\/\/cmd|\/?[^/]+(\/[^/]+)*|)$/ }),
  constraints: list(list(str(), { minItems: 2, maxItems: 3 })),
  fetch: list(fetchItem),
  backoffSeconds: INT_MIN0,
  backoffFactor: num({ min: 1 }),
  maxLaunchDelaySeconds: INT_MIN0,
  container,
  healthChecks: list(healthCheck),
  readinessChecks: list(readinessCheck),
  dependencies: list(PATH_ID),
  upgradeStrategy,
  labels,
  acceptedResourceRoles: STRINGS,
  version: str(),
  killSelection: oneOf(['YOUNGEST_FIRST', 'OLDEST_FIRST'] as const),
  unreachableStrategy,
  requirePorts: bool,
  networks: list(network),
  portDefinitions: list(portDefinition),
  secrets: dict(object({ source: required(str({ minLength: 1 })) })),
  role: str({ minLength: 1 }),
  taskKillGracePeriodSeconds: INT_MIN0,
  ports: list(ANY_PORT),
  uris: list(str({ minLength: 1, maxLength: 1024 })),
  ipAddress,
});

// ---- deprecated forms (AppNormalization.forDeprecated, NetworkTranslation) ----

const ARCHIVES = ['.tar', '.tar.gz', '.tar.bz2', '.tar.xz', '.gz', '.tgz', '.tbz2', '.txz', '.zip'];
/** The networkName under which `ipAddress` means the bridge (Marathon's --mesos_bridge_name). */
const MESOS_BRIDGE_NAME = 'mesos-bridge';

function isArchive(uri: string): boolean {
  const path = URL.canParse(uri) ? new URL(uri).pathname : (uri.split(/[?#]/)[0] ?? uri);
  return ARCHIVES.some((ext) => path.endsWith(ext));
}

function translateNetworks(raw: RawApp, errors: DetailCollector): NetworkSpec[] | undefined {
  const ip = raw.ipAddress;
  const dockerNetwork = raw.container?.docker?.network;
  const given = raw.networks !== undefined && raw.networks.length > 0 ? raw.networks : undefined;
  if (ip === undefined && dockerNetwork === undefined) return raw.networks;
  if (given !== undefined) {
    errors.add('/', 'cannot mix deprecated and canonical network APIs');
    return given;
  }
  const withLabels = ip?.labels && Object.keys(ip.labels).length > 0 ? { labels: ip.labels } : {};
  const named = ip?.networkName !== undefined ? { name: ip.networkName } : {};
  if (dockerNetwork === undefined) {
    return ip!.networkName === MESOS_BRIDGE_NAME
      ? [{ mode: 'container/bridge', ...withLabels }]
      : [{ mode: 'container', ...named, ...withLabels }];
  }
  if (dockerNetwork === 'HOST') return [{ mode: 'host' }];
  if (dockerNetwork === 'USER') return [{ mode: 'container', ...named, ...withLabels }];
  if (dockerNetwork === 'BRIDGE') return [{ mode: 'container/bridge', ...withLabels }];
  errors.add('/container/docker/network', `unsupported docker network type ${dockerNetwork}`);
  return [];
}

function migrateContainer(raw: RawApp, errors: DetailCollector): RawContainer | undefined {
  const given: RawContainer | undefined =
    raw.container ?? (raw.ipAddress ? { type: 'MESOS', volumes: [] } : undefined);
  if (given === undefined) return undefined;
  let portMappings = given.portMappings;
  let dockerSpec: RawDocker | undefined;
  if (given.docker !== undefined) {
    const dockerMappings = given.docker.portMappings;
    dockerSpec = omit(given.docker, ['network', 'portMappings']);
    if (dockerMappings !== undefined && dockerMappings.length > 0 && portMappings !== undefined) {
      errors.add('/container', 'cannot specify both portMappings and docker.portMappings');
    } else if (portMappings === undefined) {
      portMappings = dockerMappings;
    }
  }
  const discovery = raw.ipAddress?.discovery?.ports ?? [];
  if (discovery.length > 0) {
    if (given.type !== 'MESOS') {
      errors.add('/ipAddress', `ipAddress.discovery.ports do not apply for container type ${given.type}`);
    } else if (portMappings !== undefined && portMappings.length > 0) {
      errors.add('/ipAddress', 'container.portMappings and ipAddress.discovery.ports must not both be set');
    } else {
      portMappings = discovery.map(({ number, ...port }) => ({
        ...port,
        containerPort: number,
        servicePort: 0,
      }));
    }
  }
  return { ...given, ...(dockerSpec && { docker: dockerSpec }), ...(portMappings && { portMappings }) };
}

/** The request with every deprecated form (ports, uris, ipAddress, docker.network/portMappings) converted. */
export function migrateDeprecated(raw: RawApp, errors: DetailCollector): RawApp {
  const { ports, uris } = raw;
  const out = omit(raw, ['ports', 'uris', 'ipAddress']);
  if (uris !== undefined && uris.length > 0 && (raw.fetch ?? []).length === 0) {
    out.fetch = uris.map((uri) => ({ uri, extract: isArchive(uri), executable: false, cache: false }));
  }
  if (ports !== undefined && raw.portDefinitions === undefined) {
    out.portDefinitions = ports.map((port) => ({ port, protocol: 'tcp' }));
  }
  const networks = translateNetworks(raw, errors);
  if (networks !== undefined) out.networks = networks;
  const migrated = migrateContainer(raw, errors);
  if (migrated !== undefined) out.container = migrated;
  return out;
}

// ---- defaults (AppNormalization.forPreValidation / forPostValidation, AppConversion) ----

const DEFAULT_UPGRADE_STRATEGY: UpgradeStrategy = { minimumHealthCapacity: 1, maximumOverCapacity: 1 };
const RESIDENT_UPGRADE_STRATEGY: UpgradeStrategy = { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 };
const DEFAULT_PORT_MAPPING: RawPortMapping = {
  containerPort: 0,
  servicePort: 0,
  protocol: 'tcp',
  name: 'default',
};

/** Port mappings for non-host networking: a default one when none are given, and one per port definition. */
function networkedPortMappings(raw: RawApp, bridge: boolean): PortMapping[] {
  const given = raw.container?.portMappings ?? [DEFAULT_PORT_MAPPING];
  const wanted = raw.portDefinitions?.length ?? 0;
  const extra = Array.from({ length: Math.max(0, wanted - given.length) }, () => ({
    containerPort: 0,
    servicePort: 0,
    protocol: 'tcp' as const,
  }));
  return [...given, ...extra].map(({ networkNames: _names, ...m }: RawPortMapping) =>
    // In BRIDGE mode a missing host port means a dynamic one (0).
    bridge && m.hostPort === undefined ? { ...m, hostPort: 0 } : m,
  );
}

function normalizeContainer(raw: RawApp, nonHost: boolean, bridge: boolean): ContainerSpec | undefined {
  const given = raw.container ?? (nonHost ? { type: 'MESOS' as const, volumes: [] } : undefined);
  if (given === undefined) return undefined;
  const d = given.docker;
  return {
    type: given.type,
    ...(d && {
      docker: {
        image: d.image,
        forcePullImage: d.forcePullImage,
        privileged: d.privileged,
        parameters: d.parameters,
      },
    }),
    volumes: given.volumes.map(({ external: _e, secret: _s, ...v }) => v),
    // Port mappings mean nothing with host networking: dropped, not refused.
    ...(nonHost && { portMappings: networkedPortMappings(raw, bridge) }),
  };
}

function normalizeHealthCheck({ ipProtocol: _ip, ignoreHttp1xx, ...check }: RawHealthCheck): HealthCheckSpec {
  const http = ['HTTP', 'HTTPS', 'MESOS_HTTP', 'MESOS_HTTPS'].includes(check.protocol);
  const needsPortIndex =
    check.protocol !== 'COMMAND' && check.port === undefined && check.portIndex === undefined;
  return {
    ...check,
    ...(http && check.path === undefined && { path: '/' }),
    ...(needsPortIndex && { portIndex: 0 }),
    ignoreHttp1xx: ignoreHttp1xx ?? false,
  };
}

function unique<T>(items: readonly T[]): T[] {
  const keys = items.map((item) => JSON.stringify(item));
  return items.filter((_, i) => keys.indexOf(keys[i]!) === i);
}

export interface NormalizeOptions {
  /** The group the id and the dependencies are relative to. */
  base: string;
  /** The role of an app that names none (Marathon's --mesos_role, '*' by default). */
  defaultRole: string;
}

/**
 * The canonical app of a request already through migrateDeprecated: every default filled in.
 * `version`/`versionInfo` are the caller's.
 */
export function normalizeRawApp(
  raw: RawApp,
  opts: NormalizeOptions,
): Omit<AppDefinition, 'version' | 'versionInfo'> {
  // Empty network labels are as good as none (Marathon does not write them either).
  const networks: NetworkSpec[] =
    raw.networks !== undefined && raw.networks.length > 0
      ? raw.networks.map(({ labels: l, ...n }) => ({
          ...n,
          ...(l && Object.keys(l).length > 0 && { labels: l }),
        }))
      : [{ mode: 'host' }];
  const nonHost = networks.some((n) => n.mode !== 'host');
  const bridge = networks.some((n) => n.mode === 'container/bridge');
  const container = normalizeContainer(raw, nonHost, bridge);
  const resident = (container?.volumes ?? []).some((v) => v.persistent !== undefined);
  const portDefinitions = nonHost
    ? undefined
    : (raw.portDefinitions ?? [{ port: 0, protocol: 'tcp', name: 'default' }]);
  return {
    id: canonicalPathId(raw.id ?? '', opts.base),
    ...(raw.cmd !== undefined && { cmd: raw.cmd }),
    ...(raw.args !== undefined && raw.args.length > 0 && { args: raw.args }),
    ...(raw.user !== undefined && { user: raw.user }),
    env: raw.env ?? {},
    instances: raw.instances ?? 1,
    cpus: raw.cpus ?? 1,
    mem: raw.mem ?? 128,
    disk: raw.disk ?? 0,
    gpus: raw.gpus ?? 0,
    executor: raw.executor ?? '',
    constraints: unique(
      (raw.constraints ?? []).map(
        ([field, op, ...value]) => [field, op!.toUpperCase(), ...value] as Constraint,
      ),
    ),
    fetch: raw.fetch ?? [],
    backoffSeconds: raw.backoffSeconds ?? 1,
    backoffFactor: raw.backoffFactor ?? 1.15,
    maxLaunchDelaySeconds: raw.maxLaunchDelaySeconds ?? 300,
    ...(container && { container }),
    healthChecks: unique((raw.healthChecks ?? []).map(normalizeHealthCheck)),
    readinessChecks: raw.readinessChecks ?? [],
    dependencies: unique((raw.dependencies ?? []).map((dep) => canonicalPathId(dep, opts.base))),
    upgradeStrategy: raw.upgradeStrategy ?? (resident ? RESIDENT_UPGRADE_STRATEGY : DEFAULT_UPGRADE_STRATEGY),
    labels: raw.labels ?? {},
    ...(raw.acceptedResourceRoles !== undefined && {
      acceptedResourceRoles: unique(raw.acceptedResourceRoles),
    }),
    killSelection: raw.killSelection ?? 'YOUNGEST_FIRST',
    unreachableStrategy:
      raw.unreachableStrategy ??
      (resident ? 'disabled' : { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }),
    // requirePorts only applies to host networking.
    requirePorts: nonHost ? false : (raw.requirePorts ?? false),
    networks,
    ...(portDefinitions && { portDefinitions }),
    secrets: raw.secrets ?? {},
    role: raw.role ?? opts.defaultRole,
    ...(raw.taskKillGracePeriodSeconds !== undefined && {
      taskKillGracePeriodSeconds: raw.taskKillGracePeriodSeconds,
    }),
  };
}

/** A stored app in request form, so that an update can be laid over it field by field. */
export function appToRaw(app: AppDefinition): RawApp {
  const rest = omit(app, ['version', 'versionInfo', 'container', 'healthChecks']);
  return {
    ...rest,
    ...(app.container && { container: app.container }),
    healthChecks: app.healthChecks.map((check) => ({ ...check, ipProtocol: 'IPv4' })),
  };
}

/** A shallow copy of `obj` without `keys`. */
export function omit<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Omit<T, K> {
  const out: Partial<T> = { ...obj };
  for (const key of keys) delete out[key];
  return out as Omit<T, K>;
}
