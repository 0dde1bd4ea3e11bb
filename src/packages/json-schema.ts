// The subset of JSON Schema (draft 4, as Universe's config.json files use it) that package options
// need: type, properties, required, default, minimum/maximum, enum, description, plus
// additionalProperties, items, minLength/maxLength and pattern, which Universe configs also use.
// Other keywords ($schema, title, ...) are accepted and ignored. Pure.

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

export interface JsonSchema {
  type?: JsonType | JsonType[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

const JSON_TYPES: readonly string[] = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Checks that `raw` is a schema this module understands; returns the problems as `<path>: <what>`
 * lines (empty when it is fine). A default that does not satisfy its own schema is a problem too.
 */
export function checkSchema(raw: unknown, path = ''): string[] {
  const at = path || '(root)';
  if (!isRecord(raw)) return [`${at}: a schema must be an object`];
  const problems: string[] = [];
  const types = raw.type === undefined ? [] : Array.isArray(raw.type) ? raw.type : [raw.type];
  for (const t of types) {
    if (typeof t !== 'string' || !JSON_TYPES.includes(t)) problems.push(`${at}: unknown type ${show(t)}`);
  }
  if (raw.description !== undefined && typeof raw.description !== 'string')
    problems.push(`${at}: description must be a string`);
  if (raw.properties !== undefined) {
    if (!isRecord(raw.properties)) problems.push(`${at}: properties must be an object`);
    else
      for (const [key, sub] of Object.entries(raw.properties))
        problems.push(...checkSchema(sub, join(path, `properties.${key}`)));
  }
  if (raw.required !== undefined) {
    if (!Array.isArray(raw.required) || !raw.required.every((r) => typeof r === 'string'))
      problems.push(`${at}: required must be an array of property names`);
  }
  if (isRecord(raw.additionalProperties))
    problems.push(...checkSchema(raw.additionalProperties, join(path, 'additionalProperties')));
  else if (raw.additionalProperties !== undefined && typeof raw.additionalProperties !== 'boolean')
    problems.push(`${at}: additionalProperties must be a boolean or a schema`);
  if (raw.items !== undefined) problems.push(...checkSchema(raw.items, join(path, 'items')));
  if (raw.enum !== undefined && (!Array.isArray(raw.enum) || raw.enum.length === 0))
    problems.push(`${at}: enum must be a non-empty array`);
  for (const k of ['minimum', 'maximum', 'minLength', 'maxLength'] as const) {
    if (raw[k] !== undefined && typeof raw[k] !== 'number') problems.push(`${at}: ${k} must be a number`);
  }
  if (raw.pattern !== undefined) {
    try {
      new RegExp(String(raw.pattern), 'u');
    } catch {
      problems.push(`${at}: pattern ${show(raw.pattern)} is not a regular expression`);
    }
  }
  if (problems.length === 0 && raw.default !== undefined) {
    const schema = raw as JsonSchema;
    for (const e of validate(schema, raw.default, ''))
      problems.push(`${at}: its default ${show(raw.default)} is invalid: ${e}`);
  }
  return problems;
}

/**
 * Fills in defaults as Cosmos does: a missing property takes its schema's default, and an object
 * property without a default is created so its own properties' defaults apply. Returns a new value.
 */
export function applyDefaults(schema: JsonSchema, value: unknown): unknown {
  let result = value === undefined && schema.default !== undefined ? structuredClone(schema.default) : value;
  if (schema.properties && (result === undefined || isRecord(result))) {
    const obj: Record<string, unknown> = { ...(result as Record<string, unknown> | undefined) };
    for (const [key, sub] of Object.entries(schema.properties)) {
      const filled = applyDefaults(sub, obj[key]);
      if (filled !== undefined) obj[key] = filled;
    }
    result = obj;
  }
  if (schema.items && Array.isArray(result)) {
    const items = schema.items;
    result = result.map((item) => applyDefaults(items, item));
  }
  return result;
}

function matchesType(type: JsonType, value: unknown): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** Validates `value` against `schema`; returns one `<path>: <what is wrong>` line per problem. */
export function validate(schema: JsonSchema, value: unknown, path = ''): string[] {
  const at = path || '(root)';
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => matchesType(t, value)))
      return [`${at}: expected ${types.join(' or ')}, got ${typeOf(value)} ${show(value)}`];
  }
  const errors: string[] = [];
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    errors.push(`${at}: ${show(value)} is not one of ${schema.enum.map(show).join(', ')}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      errors.push(`${at}: ${value} is less than the minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      errors.push(`${at}: ${value} is more than the maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      errors.push(`${at}: ${show(value)} is shorter than ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      errors.push(`${at}: ${show(value)} is longer than ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
      errors.push(`${at}: ${show(value)} does not match the pattern ${schema.pattern}`);
  }
  if (isRecord(value)) {
    for (const key of schema.required ?? [])
      if (value[key] === undefined) errors.push(`${join(path, key)}: is required`);
    for (const [key, item] of Object.entries(value)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...validate(sub, item, join(path, key)));
      else if (schema.additionalProperties === false)
        errors.push(`${join(path, key)}: is not an option of this package`);
      else if (isRecord(schema.additionalProperties))
        errors.push(...validate(schema.additionalProperties, item, join(path, key)));
    }
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((item, i) => errors.push(...validate(items, item, `${path}[${i}]`)));
  }
  return errors;
}

/** One line per option, depth first, for `sandbox package describe`. */
export interface OptionDoc {
  path: string;
  type: string;
  default?: unknown;
  description?: string;
  required: boolean;
}

export function describeOptions(schema: JsonSchema, path = '', required = false): OptionDoc[] {
  const type = schema.type === undefined ? 'any' : [schema.type].flat().join('|');
  const docs: OptionDoc[] = [];
  if (path !== '' && !(schema.properties && schema.default === undefined)) {
    docs.push({
      path,
      type: schema.enum ? `${type} (${schema.enum.map(show).join('|')})` : type,
      ...(schema.default !== undefined ? { default: schema.default } : {}),
      ...(schema.description !== undefined ? { description: schema.description } : {}),
      required,
    });
  }
  if (schema.properties && schema.default === undefined) {
    for (const [key, sub] of Object.entries(schema.properties))
      docs.push(...describeOptions(sub, join(path, key), (schema.required ?? []).includes(key)));
  }
  return docs;
}
