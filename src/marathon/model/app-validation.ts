// App definitions from request bodies: parse, normalize and validate them (Marathon 1.10's
// AppValidation, AppDefinition.validAppDefinition and friends), lay updates over stored apps, stamp
// versions and assign service ports. Pure: timestamps come in as arguments.
import {
  appToRaw,
  migrateDeprecated,
  normalizeRawApp,
  omit,
  readRawApp,
  type RawApp,
} from './app-normalize.js';
import { DetailCollector, JsonReader, PortRangeExhaustedError, ValidationError } from './errors.js';
import { pathIdErrors, pathSegments } from './path-id.js';
import type { AppDefinition, NetworkSpec, Timestamp } from './types.js';

export interface AppParseOptions {
  /** The group relative ids (and dependencies) resolve against; '/' by default. */
  base?: string;
  /** Stamped into version and both versionInfo fields (the caller restamps updates). */
  version: Timestamp;
  /** Overrides the body's id (PUT /v2/apps/{id}). */
  id?: string;
  /** False when a missing id is acceptable; it is required (error.path.missing) by default. */
  requireId?: boolean;
  /** The role an app gets when it names none (--mesos_role); '*' by default. */
  defaultRole?: string;
  /** Roles an app may name; [defaultRole] by default. */
  validRoles?: readonly string[];
}

/** Parses a POST/PUT app body into a normalized, validated AppDefinition. */
export function parseAppDefinition(raw: unknown, opts: AppParseOptions): AppDefinition {
  const r = new JsonReader();
  const rawApp = readRawApp(r, raw, '');
  if (rawApp !== undefined && rawApp.id === undefined && opts.id === undefined && opts.requireId !== false) {
    r.fail('/id', 'error.path.missing');
  }
  r.throwIfFailed();
  const app = rawApp!;
  throwIfInvalid(validateDeprecatedForms(app));
  return finish({ ...app, ...(opts.id !== undefined && { id: opts.id }) }, opts);
}

/** PUT with partialUpdate=false: the body replaces the app entirely; the id stays the stored one. */
export function replaceApp(
  current: AppDefinition,
  raw: unknown,
  opts: Omit<AppParseOptions, 'id' | 'base'>,
): AppDefinition {
  rollbackVersionOf(raw);
  return parseAppDefinition(raw, { ...opts, id: current.id, base: '/', validRoles: rolesFor(current, opts) });
}

/**
 * PUT (partialUpdate=true) and PATCH: the fields present in `patch` replace the stored ones (top-level,
 * shallow; the id is the stored one), then the result is normalized and validated as a whole.
 */
export function mergeAppUpdate(
  current: AppDefinition,
  patch: unknown,
  opts: Omit<AppParseOptions, 'id' | 'base' | 'requireId'>,
): AppDefinition {
  rollbackVersionOf(patch);
  const r = new JsonReader();
  const update = readRawApp(r, patch, '');
  r.throwIfFailed();
  throwIfInvalid(validateDeprecatedForms(update!));
  const errors = new DetailCollector();
  const fields = omit(migrateDeprecated(update!, errors), ['id', 'version']);
  throwIfInvalid(errors);
  return finish(
    { ...appToRaw(current), ...fields, id: current.id },
    { ...opts, validRoles: rolesFor(current, opts) },
  );
}

/**
 * The version a PUT body rolls back to ({"version": ts}, optionally with the id), or undefined for
 * other bodies. A version next to other fields is refused, as Marathon does.
 */
export function rollbackVersionOf(patch: unknown): string | undefined {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return undefined;
  const fields = Object.entries(patch).filter(([, v]) => v !== null && v !== undefined);
  const version = fields.find(([k]) => k === 'version')?.[1];
  if (version === undefined) return undefined;
  const r = new JsonReader();
  r.string(version, '/version');
  r.throwIfFailed();
  if (fields.some(([k]) => k !== 'version' && k !== 'id')) {
    throw ValidationError.single('/', "The 'version' field may only be combined with the 'id' field.");
  }
  return version as string;
}

/** As in Marathon, an app may always keep the role it already has. */
function rolesFor(
  current: AppDefinition,
  opts: Pick<AppParseOptions, 'defaultRole' | 'validRoles'>,
): string[] {
  return [...new Set([...(opts.validRoles ?? [opts.defaultRole ?? '*']), current.role])];
}

function throwIfInvalid(errors: DetailCollector): void {
  if (!errors.isEmpty) throw new ValidationError(errors.details());
}

function finish(raw: RawApp, opts: Omit<AppParseOptions, 'id'>): AppDefinition {
  const errors = new DetailCollector();
  const migrated = migrateDeprecated(raw, errors);
  const defaultRole = opts.defaultRole ?? '*';
  const normalized = normalizeRawApp(migrated, { base: opts.base ?? '/', defaultRole });
  const app: AppDefinition = {
    ...normalized,
    version: opts.version,
    versionInfo: { lastScalingAt: opts.version, lastConfigChangeAt: opts.version },
  };
  validateApp(app, migrated, errors, opts.validRoles ?? [defaultRole]);
  throwIfInvalid(errors);
  return app;
}

// ---- validation ----

/** Accord's rendering of a Scala Double: integral values keep a `.0`. */
function scalaDouble(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

const URI_ILLEGAL = /[\s<>"{}|\\^`]|%(?![0-9a-fA-F]{2})/;
const IS_VALUE = /^[a-zA-Z0-9_/.-]*$/;
const INTEGER = /^[+-]?\d+$/;
const FEATURE_GPU = 'Feature gpu_resources is not enabled. Enable with --enable_features gpu_resources)';
const MESOS_CHECKS = ['COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'];

/** AppValidation.validateOldAppAPI: the deprecated fields and how they combine with the new ones. */
export function validateDeprecatedForms(raw: RawApp): DetailCollector {
  const errors = new DetailCollector();
  const docker = raw.container?.docker;
  if ((raw.uris ?? []).length > 0 && (raw.fetch ?? []).length > 0) {
    errors.add('/uris', 'may not be set in conjunction with fetch');
  }
  (raw.uris ?? []).forEach((uri, i) => {
    if (URI_ILLEGAL.test(uri)) errors.add(`/uris(${i})`, 'URI has invalid syntax.');
  });
  if (docker?.network !== undefined && (raw.networks ?? []).length > 0) {
    errors.add('/', 'must not specify both container.docker.network and networks');
  }
  if (raw.ipAddress !== undefined && (raw.networks ?? []).length > 0) {
    errors.add('/', 'must not specify both networks and ipAddress');
  }
  const fixedPorts = (raw.ports ?? []).filter((p) => p !== 0);
  if (new Set(fixedPorts).size !== fixedPorts.length) errors.add('/', 'ports must be unique');
  if (
    raw.ipAddress !== undefined &&
    ((raw.ports ?? []).length > 0 || (raw.portDefinitions ?? []).length > 0)
  ) {
    errors.add('/', 'cannot specify both an IP address and port');
  }
  if (raw.ports !== undefined && raw.portDefinitions !== undefined) {
    const same = JSON.stringify(raw.portDefinitions.map((d) => d.port)) === JSON.stringify(raw.ports);
    if (!same) errors.add('/', 'cannot specify both ports and port definitions');
  }
  if (raw.ipAddress?.discovery?.ports?.length && raw.container?.type === 'DOCKER') {
    errors.add('/ipAddress', 'ipAddress/discovery is not allowed for Docker containers');
  }
  if (docker?.credential !== undefined) errors.add('/container/docker/credential', 'must be empty');
  if (docker !== undefined && raw.container?.type === 'MESOS') {
    if (docker.network !== undefined) errors.add('/container/docker/network', 'must be empty');
    if (docker.parameters.length > 0) errors.add('/container/docker/parameters', 'must be empty');
    if (docker.portMappings !== undefined) errors.add('/container/docker/portMappings', 'must be empty');
  }
  return errors;
}

/** The canonical and model rules, on the normalized app (and the request form it came from). */
function validateApp(
  app: AppDefinition,
  raw: RawApp,
  errors: DetailCollector,
  validRoles: readonly string[],
): void {
  validateIds(app, errors);
  validateCommand(app, errors);
  validateNetworks(app.networks, errors);
  validatePorts(app, raw, errors);
  validateContainer(app, raw, errors);
  validateHealthChecks(app, raw, errors);
  validateReadinessChecks(app, errors);
  (raw.constraints ?? []).forEach((c, i) => {
    const problem = constraintProblem(c);
    if (problem !== undefined) errors.add(`/constraints(${i})`, problem);
  });
  app.fetch.forEach((f, i) => {
    if (URI_ILLEGAL.test(f.uri)) errors.add(`/fetch(${i})/uri`, 'URI has invalid syntax.');
  });
  for (const [name, value] of Object.entries(app.env)) {
    if (typeof value === 'object' && !(value.secret in app.secrets)) {
      errors.add(`/env/${name}/secret`, 'references an undefined secret');
    }
  }
  validateScheduling(app, errors, validRoles);
  if (app.gpus > 0) {
    if (app.container?.type === 'DOCKER') {
      errors.add('/', 'GPU resources only work with the Mesos containerizer');
    }
    errors.add('/', FEATURE_GPU);
  }
  const migration = app.labels['DCOS_MIGRATION_API_VERSION'];
  if (
    migration !== undefined &&
    migration !== '' &&
    !(
      migration === 'v1' &&
      app.labels['DCOS_PACKAGE_FRAMEWORK_NAME'] &&
      app.labels['DCOS_MIGRATION_API_PATH']
    )
  ) {
    errors.add(
      '/',
      'DCOS_PACKAGE_FRAMEWORK_NAME and DCOS_MIGRATION_API_PATH must be defined when using DCOS_MIGRATION_API_VERSION',
    );
  }
}

function validateIds(app: AppDefinition, errors: DetailCollector): void {
  for (const message of pathIdErrors(app.id)) errors.add('/id', message);
  if (pathSegments(app.id).length === 0) {
    errors.add('/id', 'Path must contain at least one path element');
    errors.add('/', 'must not be root');
  }
  app.dependencies.forEach((dep, i) => {
    for (const message of pathIdErrors(dep)) errors.add(`/dependencies(${i})`, message);
  });
}

function validateCommand(app: AppDefinition, errors: DetailCollector): void {
  if (app.cmd !== undefined && app.cmd.length <= 1) errors.add('/', 'must not be an empty string');
  const cmd = app.cmd !== undefined;
  const args = app.args !== undefined && app.args.length > 0;
  const image = app.container?.docker !== undefined;
  if (!(cmd !== args || (!(cmd && args) && image))) {
    errors.add('/', "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.");
  }
}

function validateNetworks(networks: NetworkSpec[], errors: DetailCollector): void {
  const add = (message: string): void => errors.add('/networks', message);
  if (networks.some((n) => n.mode === 'host' && (n.name || Object.keys(n.labels ?? {}).length > 0))) {
    add('Host networks may not have names or labels');
  }
  if (networks.some((n) => n.mode === 'container/bridge' && n.name)) {
    add('Bridge networks may not have names');
  }
  const unnamed = networks.filter((n) => n.mode === 'container' && n.name === undefined).length;
  const names = networks.flatMap((n) => (n.name === undefined ? [] : [n.name]));
  if (unnamed > 1 || new Set(names).size !== names.length) add('Duplicate networks are not allowed');
  const count = (mode: string): number => networks.filter((n) => n.mode === mode).length;
  const [host, bridge, container] = [count('host'), count('container/bridge'), count('container')];
  if (!(
    (host <= 1 && bridge + container === 0) ||
    (host === 0 && bridge <= 1 && container === 0) ||
    host + bridge === 0
  )) {
    add('May specify a single host network, single bridge network, or else 1-to-n container networks');
  }
  // This Marathon has no --default_network_name.
  if (unnamed > 0) add('Network name must be specified when container network is selected.');
}

function validatePorts(app: AppDefinition, raw: RawApp, errors: DetailCollector): void {
  const definitions = app.portDefinitions ?? [];
  const definedNames = definitions.flatMap((d) => (d.name === undefined ? [] : [d.name]));
  if (new Set(definedNames).size !== definedNames.length) {
    errors.add('/portDefinitions', 'Port names must be unique.');
  }
  const fixed = definitions.map((d) => d.port).filter((p) => p !== 0);
  if (new Set(fixed).size !== fixed.length) errors.add('/portDefinitions', 'Ports must be unique.');

  const mappings = app.container?.portMappings ?? [];
  const mappedNames = mappings.flatMap((m) => (m.name === undefined ? [] : [m.name]));
  if (new Set(mappedNames).size !== mappedNames.length) {
    errors.add('/container/portMappings', 'Port names must be unique.');
  }
  const networkNames = app.networks.flatMap((n) => (n.name === undefined ? [] : [n.name]));
  const containerNetworks = app.networks.filter((n) => n.mode === 'container').length;
  (raw.container?.portMappings ?? []).forEach((m, i) => {
    const at = `/container/portMappings(${i})`;
    (m.networkNames ?? []).forEach((name, j) => {
      if (!networkNames.includes(name)) {
        errors.add(`${at}/networkNames(${j})`, `is not one of (${networkNames.join(',')})`);
      }
    });
    if (containerNetworks > 1 && m.hostPort !== undefined && (m.networkNames ?? []).length !== 1) {
      errors.add(
        at,
        'networkNames must be a single item list when hostPort is specified and more than 1 container network is defined',
      );
    }
  });
}

const FEATURE_SECRETS = 'Feature secrets is not enabled. Enable with --enable_features secrets)';
const FEATURE_EXTERNAL_VOLUMES =
  'Feature external_volumes is not enabled. Enable with --enable_features external_volumes)';

function validateContainer(app: AppDefinition, raw: RawApp, errors: DetailCollector): void {
  const c = app.container;
  if (c === undefined) return;
  if (c.type === 'DOCKER' && c.docker === undefined) errors.add('/container/docker', 'not defined');
  if (c.type === 'DOCKER' && app.networks.filter((n) => n.mode === 'container').length > 1) {
    errors.add('/', 'may only specify a single container network when using the Docker container engine');
  }
  // Marathon's default features: no Docker pull configs, external or secret volumes.
  if (raw.container?.docker?.pullConfig !== undefined) {
    const message =
      c.type === 'DOCKER' ? 'pullConfig is not supported with Docker containerizer' : FEATURE_SECRETS;
    errors.add('/container/docker/pullConfig', message);
  }
  (raw.container?.volumes ?? []).forEach((v, i) => {
    if (v.external !== undefined) errors.add(`/container/volumes(${i})`, FEATURE_EXTERNAL_VOLUMES);
    if (v.secret !== undefined) errors.add(`/container/volumes(${i})`, FEATURE_SECRETS);
  });
  c.volumes.forEach((v, i) => {
    const at = `/container/volumes(${i})`;
    if (v.persistent === undefined) return;
    if (v.containerPath.includes('/')) errors.add(`${at}/containerPath`, 'value must not contain "/"');
    if (v.containerPath === '.' || v.containerPath === '..') {
      errors.add(`${at}/containerPath`, 'can not be one of (.,..)');
    }
    if (v.mode !== 'RW') errors.add(`${at}/mode`, `got ${v.mode}, expected RW`);
    if (v.persistent.size <= 0) {
      errors.add(`${at}/persistent/size`, `got ${v.persistent.size}, expected more than 0`);
    }
  });
}

function portCount(app: AppDefinition): number {
  const mappings = app.container?.portMappings ?? [];
  return mappings.length > 0 ? mappings.length : (app.portDefinitions ?? []).length;
}

function validateHealthChecks(app: AppDefinition, raw: RawApp, errors: DetailCollector): void {
  const ports = portCount(app);
  app.healthChecks.forEach((check, i) => {
    const at = `/healthChecks(${i})`;
    if (check.protocol === 'COMMAND' && check.command === undefined) {
      errors.add(`${at}/command`, 'not defined');
    } else if (check.protocol !== 'COMMAND' && check.command !== undefined) {
      errors.add(at, `illegal protocol ${check.protocol} specified with command`);
    } else if (check.protocol !== 'COMMAND' && check.port === undefined && !(check.portIndex! < ports)) {
      errors.add(
        at,
        'Health check port indices must address an element of the ports array or container port mappings.',
      );
    }
  });
  (raw.healthChecks ?? []).forEach((check, i) => {
    const mesosNetworked = ['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'].includes(check.protocol);
    if (check.ipProtocol === 'IPv6' && !(mesosNetworked && app.container?.type === 'DOCKER')) {
      errors.add(
        `/healthChecks(${i})`,
        'IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks',
      );
    }
  });
  if (
    app.healthChecks.filter((c) => MESOS_CHECKS.includes(c.protocol) && c.protocol !== 'COMMAND').length > 1
  ) {
    errors.add('/', 'AppDefinition can contain at most one Mesos health check');
  }
}

function validateReadinessChecks(app: AppDefinition, errors: DetailCollector): void {
  const checks = app.readinessChecks;
  if (checks.length > 1) errors.add('/readinessChecks', `got ${checks.length}, expected 1 or less`);
  const portNames = [...(app.portDefinitions ?? []), ...(app.container?.portMappings ?? [])].map(
    (p) => p.name,
  );
  checks.forEach((check, i) => {
    const at = `/readinessChecks(${i})`;
    if (!portNames.includes(check.portName)) {
      errors.add(`${at}/portName`, `No port definition reference for portName ${check.portName}`);
    }
    if (check.timeoutSeconds >= check.intervalSeconds) {
      errors.add(
        `${at}/timeoutSeconds`,
        `got ${check.timeoutSeconds}, expected less than ${check.intervalSeconds}`,
      );
    }
  });
}

/** SchedulingValidation.complyWithAppConstraintRules: the problem with one constraint, if any. */
function constraintProblem(constraint: string[]): string | undefined {
  const [field, op, value] = constraint;
  if (field === undefined || op === undefined || field === '') return 'illegal constraint specification';
  const asInt = (v: string): boolean => INTEGER.test(v) && Math.abs(Number(v)) < 2 ** 31;
  switch (op.toUpperCase()) {
    case 'UNIQUE':
      return value === undefined ? undefined : 'UNIQUE does not accept a value';
    case 'CLUSTER':
      return undefined;
    case 'GROUP_BY':
      return value === undefined || asInt(value)
        ? undefined
        : 'GROUP BY must define an integer value or else no value at all';
    case 'MAX_PER':
      return value !== undefined && asInt(value) ? undefined : 'MAX_PER requires an integer value';
    case 'LIKE':
    case 'UNLIKE':
      if (value === undefined) return 'LIKE and UNLIKE require a non-empty, regular expression value';
      try {
        new RegExp(value);
        return undefined;
      } catch {
        return 'is not a valid regular expression';
      }
    case 'IS':
      return IS_VALUE.test(value ?? '')
        ? undefined
        : 'IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)';
    default:
      return 'operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS';
  }
}

function validateScheduling(
  app: AppDefinition,
  errors: DetailCollector,
  validRoles: readonly string[],
): void {
  const resident = (app.container?.volumes ?? []).some((v) => v.persistent !== undefined);
  const single = app.labels['MARATHON_SINGLE_INSTANCE_APP'] === 'true';
  const { minimumHealthCapacity: minHealth, maximumOverCapacity: maxOver } = app.upgradeStrategy;
  if (single && app.instances > 1) errors.add('/', 'Single instance app may only have one instance');
  if (single && minHealth !== 0) {
    errors.add('/upgradeStrategy/minimumHealthCapacity', `got ${scalaDouble(minHealth)}, expected 0.0`);
  }
  if ((single || resident) && maxOver !== 0) {
    errors.add('/upgradeStrategy/maximumOverCapacity', `got ${scalaDouble(maxOver)}, expected 0.0`);
  }
  if (resident && app.unreachableStrategy !== 'disabled') {
    errors.add('/', 'unreachableStrategy must be disabled for resident tasks');
  }
  const u = app.unreachableStrategy;
  if (u !== 'disabled' && u.inactiveAfterSeconds > u.expungeAfterSeconds) {
    errors.add(
      '/unreachableStrategy/inactiveAfterSeconds',
      `inactiveAfterSeconds (${u.inactiveAfterSeconds}) must be less or equal to expungeAfterSeconds, which is ${u.expungeAfterSeconds}`,
    );
  }
  if (!validRoles.includes(app.role)) {
    errors.add('/role', `got ${app.role}, expected one of: [${validRoles.join(', ')}]`);
  }
  if (resident && app.role === '*') errors.add('/role', 'Resident apps cannot have the role *');
  const roles = app.acceptedResourceRoles;
  if (roles !== undefined) {
    if (roles.length === 0) errors.add('/acceptedResourceRoles', 'must not be empty');
    const allowed = [...new Set(['*', app.role])].sort();
    if (roles.length > 0 && !(roles.length <= 2 && roles.every((role) => allowed.includes(role)))) {
      errors.add('/acceptedResourceRoles', `acceptedResourceRoles can only contain ${allowed.join(' and ')}`);
    }
    if (resident && !(roles.length === 1 && roles[0] === '*')) {
      errors.add('/acceptedResourceRoles', 'A resident app must have `acceptedResourceRoles = ["*"]`.');
    }
  }
}

// ---- versions ----

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What changed between two versions of an app, ignoring version and versionInfo. */
export function classifyAppChange(before: AppDefinition, after: AppDefinition): 'none' | 'scale' | 'config' {
  const config = (app: AppDefinition): string => {
    return canonicalJson(omit(app, ['version', 'versionInfo', 'instances']));
  };
  if (config(before) !== config(after)) return 'config';
  return before.instances === after.instances ? 'none' : 'scale';
}

/**
 * The versions `after` is stored with (GroupVersioningUtil): a new app gets `now` everywhere, a scale
 * moves version and lastScalingAt, a config change moves all three, no change keeps before's.
 */
export function stampVersion(
  before: AppDefinition | undefined,
  after: AppDefinition,
  now: Timestamp,
): AppDefinition {
  const change = before === undefined ? 'config' : classifyAppChange(before, after);
  if (change === 'none') {
    return { ...after, version: before!.version, versionInfo: { ...before!.versionInfo } };
  }
  if (change === 'scale') {
    return {
      ...after,
      version: now,
      versionInfo: { lastScalingAt: now, lastConfigChangeAt: before!.versionInfo.lastConfigChangeAt },
    };
  }
  return { ...after, version: now, versionInfo: { lastScalingAt: now, lastConfigChangeAt: now } };
}

/** POST /v2/apps/{id}/restart: a new version that every running instance is outdated against. */
export function restartStamp(app: AppDefinition, now: Timestamp): AppDefinition {
  return { ...app, version: now, versionInfo: { ...app.versionInfo, lastConfigChangeAt: now } };
}

// ---- service ports ----

/** --local_port_min / --local_port_max. */
export const DEFAULT_SERVICE_PORT_RANGE = { min: 10000, max: 20000 } as const;

/** The app's service ports: its port mappings' when it has any, else its port definitions'. */
export function servicePortsOf(app: AppDefinition): number[] {
  const mappings = app.container?.portMappings ?? [];
  return mappings.length > 0
    ? mappings.map((m) => m.servicePort)
    : (app.portDefinitions ?? []).map((d) => d.port);
}

/**
 * Replaces every service port 0 with a free one in [min, max): first the ports `previous` (the stored
 * version of this app) had and this one no longer names, then ports neither in `used` nor in this app.
 * Throws PortRangeExhaustedError when the range runs out.
 */
export function assignServicePorts(
  app: AppDefinition,
  used: ReadonlySet<number>,
  range: { min: number; max: number } = DEFAULT_SERVICE_PORT_RANGE,
  previous?: AppDefinition,
): AppDefinition {
  const wanted = servicePortsOf(app);
  const taken = new Set([...used, ...wanted]);
  const inRange = (p: number): boolean => p >= range.min && p < range.max;
  const reusable = (previous ? servicePortsOf(previous) : []).filter(
    (p) => p !== 0 && inRange(p) && !wanted.includes(p),
  );
  let next = range.min;
  const take = (): number => {
    const reused = reusable.shift();
    if (reused !== undefined) return reused;
    while (next < range.max && taken.has(next)) next++;
    if (next >= range.max) throw new PortRangeExhaustedError(range.min, range.max);
    taken.add(next);
    return next;
  };
  const assigned = wanted.map((p) => (p === 0 ? take() : p));
  const mappings = app.container?.portMappings ?? [];
  if (mappings.length > 0) {
    const portMappings = mappings.map((m, i) => ({ ...m, servicePort: assigned[i]! }));
    return { ...app, container: { ...app.container!, portMappings } };
  }
  if (app.portDefinitions === undefined) return { ...app };
  return { ...app, portDefinitions: app.portDefinitions.map((d, i) => ({ ...d, port: assigned[i]! })) };
}
