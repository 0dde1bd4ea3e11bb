// Reading the pieces of Chronos 3.0.x job JSON as JobDeserializer does, through Jackson's JsonNode
// coercions: the lenient scalar conversions, and the readers of the nested container and constraints.
// job.ts assembles a Job from these and owns the Job types. Errors here are MalformedJobErrors, which
// readJob turns into JobValidationErrors, so that this file needs job.ts only for types.

import type { JobConstraint, JobContainer, JobVolume, KeyValue, NetworkInfo } from './job.js';

/** A job whose JSON is of the wrong shape: readJob answers it as a JobValidationError (400). */
export class MalformedJobError extends Error {
  override name = 'MalformedJobError';
}

// ---------------------------------------------------------------------------------------------------
// Jackson's JsonNode coercions, which JobDeserializer relies on: a field of the wrong type is coerced,
// not refused ("retries":"3" is 3, "shell":"yes" is false, "command":null is "null").

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return ''; // arrays and objects
}

export function asBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isInteger(v) && v !== 0;
  if (typeof v === 'string') return v.trim() === 'true';
  return false;
}

// Java's Double.parseDouble syntax (NaN and Infinity left out: they would make a job unlaunchable).
const JAVA_DOUBLE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/;

export function asDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && JAVA_DOUBLE.test(v.trim()))
    return Number.parseFloat(v.trim().replace(/^\+/, ''));
  return 0;
}

export function asInteger(v: unknown): number {
  const n = Math.trunc(asDouble(v));
  return Number.isFinite(n) ? n : 0;
}

/** Jackson iterates arrays' elements and objects' values; anything else has none. */
export function elements(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  return [];
}

export const has = (o: JsonObject, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function malformed(what: string): never {
  throw new MalformedJobError(`Malformed job: ${what}`);
}

export function objects(v: unknown, what: string): JsonObject[] {
  return elements(v).map((e, i) => (isObject(e) ? e : malformed(`${what}[${i}] must be an object`)));
}

export function required(o: JsonObject, key: string, where: string): unknown {
  return has(o, key) ? o[key] : malformed(`${where} needs '${key}'`);
}

function enumValue<T extends string>(text: string, values: readonly T[]): T {
  // Scala's Enumeration.withName
  return values.find((v) => v === text) ?? malformed(`No value found for '${text}'`);
}

function keyValues(v: unknown, what: string): KeyValue[] {
  return objects(v, what).map((o, i) => ({
    key: asText(required(o, 'key', `${what}[${i}]`)),
    value: asText(required(o, 'value', `${what}[${i}]`)),
  }));
}

// ---------------------------------------------------------------------------------------------------
// The nested structures.

function readExternalVolume(e: unknown, where: string): NonNullable<JobVolume['external']> {
  if (!isObject(e)) return malformed(`${where} must be an object`);
  return {
    name: asText(required(e, 'name', where)),
    provider: asText(required(e, 'provider', where)),
    options: keyValues(e.options, `${where}.options`),
  };
}

/** `container` as JobDeserializer reads it (readJob reads one only when it has an `image`). */
export function readContainer(c: JsonObject): JobContainer {
  const volumes = objects(c.volumes, 'container.volumes').map((v, i): JobVolume => {
    const where = `container.volumes[${i}]`;
    return {
      hostPath: has(v, 'hostPath') ? asText(v.hostPath) : null,
      containerPath: asText(required(v, 'containerPath', where)),
      mode: has(v, 'mode') ? enumValue(asText(v.mode).toUpperCase(), ['RW', 'RO'] as const) : null,
      external: has(v, 'external') ? readExternalVolume(v.external, `${where}.external`) : null,
    };
  });
  const networkInfos = objects(c.networkInfos, 'container.networkInfos').map((n, i): NetworkInfo => {
    const where = `container.networkInfos[${i}]`;
    return {
      name: asText(required(n, 'name', where)),
      protocol: has(n, 'protocol') ? enumValue(asText(n.protocol), ['IPv4', 'IPv6'] as const) : null,
      labels: keyValues(n.labels, `${where}.labels`),
      portMappings: objects(n.portMappings, `${where}.portMappings`).map((p, j) => ({
        hostPort: asInteger(required(p, 'hostPort', `${where}.portMappings[${j}]`)),
        containerPort: asInteger(required(p, 'containerPort', `${where}.portMappings[${j}]`)),
        protocol: has(p, 'protocol') ? asText(p.protocol) : null,
      })),
    };
  });
  const forcePull = asText(c.forcePullImage).toLowerCase(); // Scala's String.toBoolean, else false
  return {
    type: has(c, 'type') ? enumValue(asText(c.type).toUpperCase(), ['DOCKER', 'MESOS'] as const) : 'DOCKER',
    image: asText(c.image),
    network: has(c, 'network') ? enumValue(asText(c.network), ['BRIDGE', 'HOST', 'USER'] as const) : 'HOST',
    networkName: has(c, 'networkName') ? asText(c.networkName) : null,
    networkInfos,
    volumes,
    forcePullImage: has(c, 'forcePullImage') && forcePull === 'true',
    parameters: keyValues(c.parameters, 'container.parameters'),
  };
}

/** `constraints`: [attribute, operator, value] triples; operators other than Chronos's three are dropped. */
export function readConstraints(v: unknown): JobConstraint[] {
  const constraints: JobConstraint[] = [];
  elements(v).forEach((c, i) => {
    if (!Array.isArray(c) || c.length < 2)
      malformed(`constraints[${i}] must be [attribute, operator, value]`);
    const operator = asText(c[1]);
    // Chronos knows only these three; any other constraint is silently dropped.
    if (operator !== 'EQUALS' && operator !== 'LIKE' && operator !== 'UNLIKE') return;
    if (c.length < 3) malformed(`constraints[${i}] must be [attribute, operator, value]`);
    const value = asText(c[2]);
    if (operator !== 'EQUALS') {
      try {
        new RegExp(value);
      } catch (e) {
        malformed(`constraints[${i}]: '${value}' is not a regular expression (${(e as Error).message})`);
      }
    }
    constraints.push({ attribute: asText(c[0]), operator, value });
  });
  return constraints;
}
