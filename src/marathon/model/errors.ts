// The two kinds of bad input Marathon reports, and the collectors that build them.
//
// Marathon reads a body in two phases. First Play JSON turns it into the RAML types: wrong JSON types
// and the RAML schema facets (minimum, maximum, pattern, minLength, enum) fail here, as
// {"message":"Invalid JSON","details":[{"path":"/cpus","errors":["error.min"]}]}. Then the Wix Accord
// validators check the rules between fields: {"message":"Object is not valid","details":[...]}.
// Both render paths like Play's JsPath and Accord's Path: object keys as `/key`, array elements as
// `(index)` appended without a slash, e.g. `/healthChecks(0)/portIndex`.
//
// Status codes: real Marathon 1.10 answers 422 for both (MarathonExceptionMapper maps a
// JsResultException whose errors are all validation errors, which is every one the RAML readers
// produce, to 422); only unparseable JSON text is a 400.

export interface ErrorDetail {
  path: string;
  errors: string[];
}

/** Error messages grouped by path in first-seen order; a message appears once per path. */
export class DetailCollector {
  private readonly byPath = new Map<string, string[]>();

  add(path: string, message: string): void {
    const key = path === '' ? '/' : path;
    const messages = this.byPath.get(key);
    if (messages === undefined) this.byPath.set(key, [message]);
    else if (!messages.includes(message)) messages.push(message);
  }

  get isEmpty(): boolean {
    return this.byPath.size === 0;
  }

  details(): ErrorDetail[] {
    return [...this.byPath].map(([path, errors]) => ({ path, errors: [...errors] }));
  }
}

/** Wrong JSON types or RAML schema facets: Marathon's "Invalid JSON" answer (422 in 1.10). */
export class JsonTypeError extends Error {
  constructor(readonly details: ErrorDetail[]) {
    super('Invalid JSON');
    this.name = 'JsonTypeError';
  }
}

/** Rules between fields: Marathon's "Object is not valid" answer (422). */
export class ValidationError extends Error {
  constructor(readonly details: ErrorDetail[]) {
    super('Object is not valid');
    this.name = 'ValidationError';
  }

  static single(path: string, message: string): ValidationError {
    return new ValidationError([{ path, errors: [message] }]);
  }
}

/** The path of `key` (an object key or an array index) under `parent`, Play/Accord style. */
export function childPath(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}(${key})` : `${parent}/${key}`;
}

export interface StringFacets {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
}

export interface NumberFacets {
  /** 'int' and 'long' reject fractions (error.expected.int / error.expected.long). */
  integer?: 'int' | 'long';
  min?: number;
  max?: number;
}

/** Reached the end of the service-port range: Marathon's PortRangeExhaustedException. */
export class PortRangeExhaustedError extends Error {
  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    super(`All ports in the range [${min}-${max}) are already in use`);
    this.name = 'PortRangeExhaustedError';
  }
}

/**
 * Reads typed values out of untrusted JSON the way Marathon's generated Play readers do: `null` is the
 * same as absent, unknown keys are ignored, and every problem is recorded (not just the first).
 */
export class JsonReader {
  readonly errors = new DetailCollector();

  fail(path: string, message: string): undefined {
    this.errors.add(path, message);
    return undefined;
  }

  /** Throws the collected errors, if any, as a JsonTypeError. */
  throwIfFailed(): void {
    if (!this.errors.isEmpty) throw new JsonTypeError(this.errors.details());
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.fail(path, 'error.expected.jsobject');
    }
    return value as Record<string, unknown>;
  }

  string(value: unknown, path: string, facets: StringFacets = {}): string | undefined {
    if (typeof value !== 'string') return this.fail(path, 'error.expected.jsstring');
    if (facets.minLength !== undefined && value.length < facets.minLength) {
      return this.fail(path, 'error.minLength');
    }
    if (facets.maxLength !== undefined && value.length > facets.maxLength) {
      return this.fail(path, 'error.maxLength');
    }
    if (facets.pattern !== undefined && !facets.pattern.test(value)) return this.fail(path, 'error.pattern');
    return value;
  }

  number(value: unknown, path: string, facets: NumberFacets = {}): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return this.fail(path, 'error.expected.jsnumber');
    }
    if (facets.integer === 'int' && !(Number.isInteger(value) && Math.abs(value) < 2 ** 31)) {
      return this.fail(path, 'error.expected.int');
    }
    if (facets.integer === 'long' && !Number.isSafeInteger(value)) {
      return this.fail(path, 'error.expected.long');
    }
    if (facets.min !== undefined && value < facets.min) return this.fail(path, 'error.min');
    if (facets.max !== undefined && value > facets.max) return this.fail(path, 'error.max');
    return value;
  }
}

// ---- declarative readers, composed into the schemas of app and group bodies ----

/** Reads one value at `path`; undefined means it failed (and the reason is recorded in `r`). */
export type Read<T> = (r: JsonReader, value: unknown, path: string) => T | undefined;

interface FieldSpec {
  read: Read<unknown>;
  required?: boolean;
  fallback?: () => unknown;
}

export const str =
  (facets?: StringFacets): Read<string> =>
  (r, v, p) =>
    r.string(v, p, facets);

export const num =
  (facets?: NumberFacets): Read<number> =>
  (r, v, p) =>
    r.number(v, p, facets);

export const bool: Read<boolean> = (r, v, p) =>
  typeof v === 'boolean' ? v : r.fail(p, 'error.expected.jsboolean');

export const oneOf =
  <T extends string>(values: readonly T[]): Read<T> =>
  (r, v, p) =>
    typeof v === 'string' && (values as readonly string[]).includes(v)
      ? (v as T)
      : r.fail(p, 'error.unknown.enum.literal');

/** A JSON array; `minItems`/`maxItems` fail as Play's error.minLength / error.maxLength. */
export const list =
  <T>(item: Read<T>, facets: { minItems?: number; maxItems?: number } = {}): Read<T[]> =>
  (r, v, p) => {
    if (!Array.isArray(v)) return r.fail(p, 'error.expected.jsarray');
    const items = v.map((x, i) => item(r, x, childPath(p, i)));
    if (items.some((x) => x === undefined)) return undefined;
    if (facets.minItems !== undefined && items.length < facets.minItems) return r.fail(p, 'error.minLength');
    if (facets.maxItems !== undefined && items.length > facets.maxItems) return r.fail(p, 'error.maxLength');
    return items as T[];
  };

/** A JSON object used as a map (labels, env, secrets). */
export const dict =
  <T>(item: Read<T>): Read<Record<string, T>> =>
  (r, v, p) => {
    const o = r.object(v, p);
    if (o === undefined) return undefined;
    const entries = Object.entries(o).map(([k, x]) => [k, item(r, x, childPath(p, k))] as const);
    return entries.some(([, x]) => x === undefined)
      ? undefined
      : (Object.fromEntries(entries) as Record<string, T>);
  };

export const labels: Read<Record<string, string>> = dict(str());

/** A field that must be present (error.path.missing otherwise). */
export const required = (read: Read<unknown>): FieldSpec => ({ read, required: true });

/** A field that takes `value` when absent (the RAML default). */
export const withDefault = (read: Read<unknown>, value: unknown): FieldSpec => ({
  read,
  fallback: () => structuredClone(value),
});

/**
 * A JSON object read field by field: absent optional fields stay absent, unknown keys are ignored.
 * The caller names the result type; the field table is what makes it true.
 */
export const object =
  <T>(fields: Record<string, Read<unknown> | FieldSpec>): Read<T> =>
  (r, v, p) => {
    const o = r.object(v, p);
    if (o === undefined) return undefined;
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [key, field] of Object.entries(fields)) {
      const spec = typeof field === 'function' ? { read: field } : field;
      const value = o[key] ?? undefined;
      if (value === undefined) {
        if (spec.required) ok = r.fail(childPath(p, key), 'error.path.missing') ?? false;
        else if (spec.fallback) out[key] = spec.fallback();
        continue;
      }
      const read = spec.read(r, value, childPath(p, key));
      if (read === undefined) ok = false;
      else out[key] = read;
    }
    return ok ? (out as T) : undefined;
  };
