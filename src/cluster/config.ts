// The cluster config file (`sandbox up --config dev.yaml`, written by `sandbox init`), validated
// with errors that name the file and the field, and merged with the command-line flags into the one
// ClusterSpec `sandbox up` runs: defaults < file < flags.
//
//   apiVersion: sandbox/v1alpha1
//   kind: Cluster
//   name: dev
//   agents:
//     - count: 2
//       attributes: rack:a
//
// Parsing is pure; only loadClusterConfig reads a file.
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { parseAttributes, parseResources } from '../mesos/protocol/resources.js';
import { AGENT_FLAGS } from '../node/agent-flags.js';
import type { FlagSpecs } from '../node/flags.js';
import { MASTER_FLAGS } from '../node/master-flags.js';
import { MARATHON_FLAGS } from '../node/marathon-flags.js';
import { CHRONOS_FLAGS } from '../node/chronos-flags.js';
import { parseDuration } from '../util/duration.js';
import {
  clusterNameError,
  DEFAULT_AGENT_RESOURCES,
  defaultClusterSpec,
  DRIVERS,
  LOG_LEVELS,
  ROLES,
  STANDARD_PORTS,
  type AgentGroupSpec,
  type ClusterSpec,
  type DriverName,
  type FrameworkNodeSpec,
  type LogLevel,
  type Role,
} from './spec.js';

export const API_VERSION = 'sandbox/v1alpha1';
export const KIND = 'Cluster';

export const MAX_MASTERS = 5;
export const ZOOKEEPER_COUNTS = [1, 3, 5] as const;
export const MAX_AGENTS = 50;

/** What a config file sets: a partial ClusterSpec, every present field already validated. */
export type ClusterConfig = Partial<ClusterSpec>;

export class ConfigError extends Error {
  /**
   * Where the problem is: a path into the file like `agents[1].count` (0-based indexes), a flag
   * like `--masters`, or '' for the file as a whole (unreadable, not YAML, not a map).
   */
  readonly field: string;
  /** 1-based position in the file, when known. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(message: string, field: string, line?: number, column?: number) {
    super(message);
    this.name = 'ConfigError';
    this.field = field;
    this.line = line;
    this.column = column;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

type Path = ReadonlyArray<string | number>;

function fieldName(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** How a value shows in an error message: strings quoted, containers by kind. */
function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate, when it is close enough to be a likely typo. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates);
  return s !== undefined ? ` (did you mean '${s}'?)` : ` (expected one of ${candidates.join(', ')})`;
}

/** Durations as Mesos flags take them (1secs, 5mins, 500ms; a bare number is seconds) plus 2m, 1h. */
export function parseWait(text: string): number {
  const short = /^\s*(\d+(?:\.\d+)?)\s*(m|h)\s*$/.exec(text);
  const ms = short ? parseDuration(`${short[1]}${short[2] === 'm' ? 'mins' : 'hrs'}`) : parseDuration(text);
  if (!(ms > 0)) throw new Error(`Invalid duration '${text}': must be more than 0`);
  return ms;
}

// Flags each node gets from the cluster plan or the driver: setting them in the file would fight
// with the plan, so they are refused with a pointer to the field that does set them.
const RESERVED_MASTER_FLAGS: Record<string, string> = {
  ip: 'set by the driver',
  port: "set by the driver; use 'ports.master' for the first master's host port",
  zk: 'set from the ZooKeeper nodes',
  quorum: "set from 'masters.count'",
  cluster: "set from 'name'",
  log_level: "set from 'logLevel'",
  log_file: 'set by the driver',
  work_dir: 'set by the driver',
};
const RESERVED_AGENT_FLAGS: Record<string, string> = {
  master: 'set from the ZooKeeper nodes',
  ip: 'set by the driver',
  port: 'set by the driver',
  resources: "set per group: use 'agents[].resources'",
  attributes: "set per group: use 'agents[].attributes'",
  log_level: "set from 'logLevel'",
  log_file: 'set by the driver',
  work_dir: 'set by the driver',
};
const RESERVED_FRAMEWORK_FLAGS: Record<string, string> = {
  master: 'set from the ZooKeeper nodes',
  zk: 'set from the ZooKeeper nodes',
  ip: 'set by the driver',
  port: 'set by the driver',
  log_level: "set from 'logLevel'",
  log_file: 'set by the driver',
};

// ---------------------------------------------------------------------------------------------
// The file

const TOP_FIELDS = [
  'apiVersion',
  'kind',
  'name',
  'driver',
  'logLevel',
  'wait',
  'zookeeper',
  'masters',
  'agents',
  'agentFlags',
  'marathon',
  'chronos',
  'ports',
] as const;

class Checker {
  constructor(
    private readonly source: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  fail(path: Path, message: string): never {
    const field = fieldName(path);
    const pos = this.position(path);
    throw new ConfigError(
      `${this.source}: ${field === '' ? '' : `${field}: `}${message}`,
      field,
      pos?.line,
      pos?.col,
    );
  }

  private position(path: Path): { line: number; col: number } | undefined {
    // The node at the path, or the nearest ancestor that exists (an unknown key's value may be empty).
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]);
    }
    return undefined;
  }

  map(value: unknown, path: Path, fields: readonly string[], what: string): Record<string, unknown> {
    if (!isMap(value)) this.fail(path, `expected ${what}, got ${show(value)}`);
    for (const key of Object.keys(value)) {
      if (!fields.includes(key)) this.fail([...path, key], `unknown field${didYouMean(key, fields)}`);
    }
    return value;
  }

  string(value: unknown, path: Path): string {
    if (typeof value !== 'string') this.fail(path, `expected a string, got ${show(value)}`);
    return value;
  }

  boolean(value: unknown, path: Path): boolean {
    if (typeof value !== 'boolean') this.fail(path, `expected true or false, got ${show(value)}`);
    return value;
  }

  wholeNumber(value: unknown, path: Path, min: number, max?: number): number {
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < min ||
      (max !== undefined && value > max)
    ) {
      const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
      this.fail(path, `expected a whole number ${range}, got ${show(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: Path, choices: readonly T[]): T {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      const hint = typeof value === 'string' ? suggest(value, choices) : undefined;
      this.fail(
        path,
        `expected one of ${choices.join(', ')}, got ${show(value)}${hint ? ` (did you mean '${hint}'?)` : ''}`,
      );
    }
    return value as T;
  }

  /** A text the given parser accepts; its error message becomes the field's. */
  parsed<T>(value: unknown, path: Path, parse: (text: string) => T): T {
    const text = this.string(value, path);
    try {
      return parse(text);
    } catch (err) {
      return this.fail(path, (err as Error).message);
    }
  }

  flags(
    value: unknown,
    path: Path,
    known: FlagSpecs | null,
    reserved: Record<string, string>,
  ): Record<string, string> {
    if (!isMap(value)) this.fail(path, `expected a map of flag names to values, got ${show(value)}`);
    const out: Record<string, string> = {};
    const knownNames = known ? Object.keys(known).filter((n) => !(n in reserved)) : [];
    for (const [raw, v] of Object.entries(value)) {
      const at = [...path, raw];
      if (raw.startsWith('-')) this.fail(at, 'write flag names without the leading dashes');
      const name = raw.replace(/-/g, '_');
      if (!/^[a-z][a-z0-9_]*$/.test(name))
        this.fail(at, 'a flag name is lower-case letters, digits and underscores');
      if (name in reserved) this.fail(at, `cannot be set here: ${reserved[name]}`);
      if (known && !(name in known)) this.fail(at, `unknown flag${didYouMean(name, knownNames)}`);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        this.fail(at, `expected a string, number or boolean, got ${show(v)}`);
      out[name] = String(v);
    }
    return out;
  }

  framework(value: unknown, path: Path, specs: FlagSpecs | null): FrameworkNodeSpec {
    if (typeof value === 'boolean') return { enabled: value, flags: {} };
    if (!isMap(value))
      this.fail(path, `expected true, false or a map with enabled and flags, got ${show(value)}`);
    const m = this.map(value, path, specs ? ['enabled', 'count', 'flags'] : ['enabled', 'flags'], 'a map');
    return {
      enabled: m.enabled === undefined ? true : this.boolean(m.enabled, [...path, 'enabled']),
      ...(m.count !== undefined ? { count: this.wholeNumber(m.count, [...path, 'count'], 1) } : {}),
      flags:
        m.flags === undefined ? {} : this.flags(m.flags, [...path, 'flags'], specs, RESERVED_FRAMEWORK_FLAGS),
    };
  }

  agents(value: unknown, path: Path): AgentGroupSpec[] {
    if (!Array.isArray(value)) this.fail(path, `expected a list of agent groups, got ${show(value)}`);
    const groups = value.map((g: unknown, i): AgentGroupSpec => {
      const at = [...path, i];
      const m = this.map(
        g,
        at,
        ['count', 'resources', 'attributes'],
        'a map with count, resources, attributes',
      );
      const count = m.count === undefined ? 1 : this.wholeNumber(m.count, [...at, 'count'], 1);
      const resources = m.resources === undefined ? DEFAULT_AGENT_RESOURCES : m.resources;
      const attributes = m.attributes === undefined ? '' : m.attributes;
      this.parsed(resources, [...at, 'resources'], parseResources);
      this.parsed(attributes, [...at, 'attributes'], parseAttributes);
      return { count, resources: resources as string, attributes: attributes as string };
    });
    const total = groups.reduce((n, g) => n + g.count, 0);
    if (total > MAX_AGENTS) this.fail(path, `expected at most ${MAX_AGENTS} agents in all, got ${total}`);
    return groups;
  }

  ports(value: unknown, path: Path): Partial<Record<Role, number>> {
    if (!isMap(value)) this.fail(path, `expected a map of roles to ports, got ${show(value)}`);
    const out: Partial<Record<Role, number>> = {};
    for (const [role, port] of Object.entries(value)) {
      if (!(ROLES as readonly string[]).includes(role))
        this.fail([...path, role], `unknown role${didYouMean(role, ROLES)}`);
      out[role as Role] = this.wholeNumber(port, [...path, role], 0, 65535);
    }
    return out;
  }
}

/** The validated contents of a config file; `source` names the file in error messages. */
export function parseClusterConfig(text: string, source: string): ClusterConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new ConfigError(`${source}:${line}:${col}: not valid YAML: ${syntax.message}`, '', line, col);
  }
  const c = new Checker(source, doc, lines);
  const top = c.map(doc.toJS(), [], TOP_FIELDS, `a map starting with 'apiVersion: ${API_VERSION}'`);

  if (top.apiVersion === undefined) c.fail(['apiVersion'], `missing: expected "${API_VERSION}"`);
  if (top.apiVersion !== API_VERSION)
    c.fail(['apiVersion'], `expected "${API_VERSION}", got ${show(top.apiVersion)}`);
  if (top.kind === undefined) c.fail(['kind'], `missing: expected "${KIND}"`);
  if (top.kind !== KIND) c.fail(['kind'], `expected "${KIND}", got ${show(top.kind)}`);

  const out: ClusterConfig = {};
  if (top.name !== undefined) {
    const name = c.string(top.name, ['name']);
    const err = clusterNameError(name);
    if (err) c.fail(['name'], err);
    out.name = name;
  }
  if (top.driver !== undefined) out.driver = c.oneOf<DriverName>(top.driver, ['driver'], DRIVERS);
  if (top.logLevel !== undefined) out.logLevel = c.oneOf<LogLevel>(top.logLevel, ['logLevel'], LOG_LEVELS);
  if (top.wait !== undefined) {
    const wait = typeof top.wait === 'number' ? String(top.wait) : top.wait;
    out.readyTimeoutMs = c.parsed(wait, ['wait'], parseWait);
  }
  if (top.zookeeper !== undefined) {
    const { count } = c.map(top.zookeeper, ['zookeeper'], ['count'], 'a map with count');
    if (count !== undefined) {
      if (!(ZOOKEEPER_COUNTS as readonly unknown[]).includes(count))
        c.fail(['zookeeper', 'count'], `expected 1, 3 or 5, got ${show(count)}`);
      out.zookeepers = count as number;
    }
  }
  if (top.masters !== undefined) {
    const masters = c.map(top.masters, ['masters'], ['count', 'flags'], 'a map with count and flags');
    if (masters.count !== undefined)
      out.masters = c.wholeNumber(masters.count, ['masters', 'count'], 1, MAX_MASTERS);
    if (masters.flags !== undefined)
      out.masterFlags = c.flags(masters.flags, ['masters', 'flags'], MASTER_FLAGS, RESERVED_MASTER_FLAGS);
  }
  if (top.agents !== undefined) out.agents = c.agents(top.agents, ['agents']);
  if (top.agentFlags !== undefined)
    out.agentFlags = c.flags(top.agentFlags, ['agentFlags'], AGENT_FLAGS, RESERVED_AGENT_FLAGS);
  if (top.marathon !== undefined) out.marathon = c.framework(top.marathon, ['marathon'], MARATHON_FLAGS);
  if (top.chronos !== undefined) out.chronos = c.framework(top.chronos, ['chronos'], CHRONOS_FLAGS);
  if (top.ports !== undefined) out.ports = c.ports(top.ports, ['ports']);
  return out;
}

/** Reads and validates a config file; an unreadable file is a ConfigError naming the path. */
export function loadClusterConfig(path: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new ConfigError(`${path}: ${why}`, '');
  }
  return parseClusterConfig(text, path);
}

// ---------------------------------------------------------------------------------------------
// Flags

/**
 * The `sandbox up` flags that override the file. Numbers may come as text (as commander gives
 * them without a parser); every value is checked with the file's rules.
 */
export interface ClusterFlags {
  name?: string;
  driver?: string;
  zookeepers?: number | string;
  masters?: number | string;
  /** Total agents. With a file that has agent groups, see resolveClusterSpec. */
  agents?: number | string;
  /** Resources of every agent group. */
  agentResources?: string;
  marathon?: boolean;
  marathons?: number;
  chronos?: boolean;
  /** Readiness timeout per node, e.g. 30s, 2m, 90secs. */
  wait?: string;
  logLevel?: string;
}

function flagError(flag: string, message: string): never {
  throw new ConfigError(`${flag}: ${message}`, flag);
}

function flagNumber(value: number | string, flag: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    flagError(flag, `expected a whole number from ${min} to ${max}, got ${show(value)}`);
  return n;
}

function flagChoice<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    const hint = suggest(value, choices);
    flagError(
      flag,
      `expected one of ${choices.join(', ')}, got ${show(value)}${hint ? ` (did you mean '${hint}'?)` : ''}`,
    );
  }
  return value as T;
}

/**
 * The spec `sandbox up` runs: the defaults, overridden by what the file sets, overridden by the
 * flags.
 *
 * `--agents N` replaces the file's agent groups by one group of N agents with the FIRST group's
 * resources and attributes (the defaults when the file has no groups); `--agents 0` means no
 * agents. `--agent-resources` then replaces the resources of every group.
 */
export function resolveClusterSpec(file: ClusterConfig | null, flags: ClusterFlags): ClusterSpec {
  const spec: ClusterSpec = { ...defaultClusterSpec(), ...structuredClone(file ?? {}) };
  if (flags.name !== undefined) {
    const err = clusterNameError(flags.name);
    if (err) flagError('--name', err);
    spec.name = flags.name;
  }
  if (flags.driver !== undefined) spec.driver = flagChoice(flags.driver, '--driver', DRIVERS);
  if (flags.logLevel !== undefined) spec.logLevel = flagChoice(flags.logLevel, '--log-level', LOG_LEVELS);
  if (flags.wait !== undefined) {
    try {
      spec.readyTimeoutMs = parseWait(flags.wait);
    } catch (err) {
      flagError('--wait', (err as Error).message);
    }
  }
  if (flags.zookeepers !== undefined) {
    const n = flagNumber(flags.zookeepers, '--zookeepers', 1, 5);
    if (!(ZOOKEEPER_COUNTS as readonly number[]).includes(n))
      flagError('--zookeepers', `expected 1, 3 or 5, got ${show(flags.zookeepers)}`);
    spec.zookeepers = n;
  }
  if (flags.masters !== undefined) spec.masters = flagNumber(flags.masters, '--masters', 1, MAX_MASTERS);
  if (flags.agents !== undefined) {
    const n = flagNumber(flags.agents, '--agents', 0, MAX_AGENTS);
    const first = spec.agents[0] ?? { count: 0, resources: DEFAULT_AGENT_RESOURCES, attributes: '' };
    spec.agents = n === 0 ? [] : [{ ...first, count: n }];
  }
  if (flags.agentResources !== undefined) {
    try {
      parseResources(flags.agentResources);
    } catch (err) {
      flagError('--agent-resources', (err as Error).message);
    }
    spec.agents = spec.agents.map((g) => ({ ...g, resources: flags.agentResources! }));
  }
  if (flags.marathon !== undefined) spec.marathon = { ...spec.marathon, enabled: flags.marathon };
  if (flags.marathons !== undefined)
    spec.marathon = { ...spec.marathon, enabled: true, count: flags.marathons };
  if (flags.chronos !== undefined) spec.chronos = { ...spec.chronos, enabled: flags.chronos };
  return spec;
}

// ---------------------------------------------------------------------------------------------
// `sandbox init`

const d = defaultClusterSpec();

/** What `sandbox init` writes: every field at its default, with the alternatives in comments. */
export const EXAMPLE_CONFIG = `# A mesos-sandbox cluster. Start it with: sandbox up --config <this file>
# Flags given to \`sandbox up\` (--name, --agents, --driver, ...) override what is set here.
apiVersion: ${API_VERSION}
kind: ${KIND}

# Names the state directory, containers and network: lower-case letters, digits and '-'.
name: ${d.name}

# process: every node is a local process. docker: every node is a container.
driver: ${d.driver}

# debug, info, warn or error.
logLevel: ${d.logLevel}

# How long one node may take to become ready: 500ms, 30s, 2m, 1h.
wait: ${d.readyTimeoutMs / 1000}s

# 1, 3 or 5 ZooKeeper nodes.
zookeeper:
  count: ${d.zookeepers}

# 1 to ${MAX_MASTERS} Mesos masters; one leads, elected in ZooKeeper.
masters:
  count: ${d.masters}
  # Extra \`sandbox-node master\` flags, without the dashes.
  flags: {}
  #   allocation_interval: 1secs
  #   offer_timeout: 30secs

# Groups of identical agents, ${MAX_AGENTS} agents at most in all (\`agents: []\` for none).
# Each agent also gets its own ports range unless resources name one.
agents:
  - count: ${d.agents[0]!.count}
    resources: "${DEFAULT_AGENT_RESOURCES}"
    attributes: ""
  # - count: 2
  #   resources: "cpus:4;mem:8192;disk:16384;gpus(ml):1"
  #   attributes: "rack:b;zone:west"

# Extra \`sandbox-node agent\` flags for every agent, without the dashes.
agentFlags: {}
#   isolation: posix

# Marathon and Chronos: true, false, or a map with enabled and extra flags.
marathon:
  enabled: ${d.marathon.enabled}
  flags: {}
chronos:
  enabled: ${d.chronos.enabled}
  flags: {}

# Host ports for the first node of each role (docker driver: 0 or absent lets Docker pick one).
ports: {}
#   zookeeper: ${STANDARD_PORTS.zookeeper}
#   master: ${STANDARD_PORTS.master}
#   marathon: ${STANDARD_PORTS.marathon}
#   chronos: ${STANDARD_PORTS.chronos}
`;
