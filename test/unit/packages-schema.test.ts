import { describe, expect, it } from 'vitest';
import {
  applyDefaults,
  checkSchema,
  describeOptions,
  validate,
  type JsonSchema,
} from '../../src/packages/json-schema.js';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    service: {
      type: 'object',
      properties: { name: { type: 'string', default: 'kafka', pattern: '^[a-z]+$' } },
      required: ['name'],
    },
    app: {
      type: 'object',
      description: 'the app',
      additionalProperties: false,
      properties: {
        cpus: { type: 'number', default: 1.0, minimum: 0.1, maximum: 4, description: 'cpus' },
        instances: { type: 'integer', default: 1 },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        tags: { type: 'array', items: { type: 'string' } },
        extra: { type: 'string' },
      },
      required: ['cpus'],
    },
    env: { type: 'object', default: { A: '1' }, additionalProperties: { type: 'string' } },
  },
};

describe('options defaults', () => {
  it('fills every default, creating the objects on the way', () => {
    expect(applyDefaults(schema, {})).toEqual({
      service: { name: 'kafka' },
      app: { cpus: 1, instances: 1, mode: 'a' },
      env: { A: '1' },
    });
  });

  it('keeps what the user gave, at any depth, and does not share defaults between results', () => {
    const merged = applyDefaults(schema, { app: { cpus: 2, extra: 'x' }, env: { B: '2' } }) as Record<
      string,
      unknown
    >;
    expect(merged).toEqual({
      service: { name: 'kafka' },
      app: { cpus: 2, instances: 1, mode: 'a', extra: 'x' },
      env: { B: '2' },
    });
    const first = applyDefaults(schema, {}) as { env: Record<string, string> };
    first.env.A = 'changed';
    expect((applyDefaults(schema, {}) as { env: Record<string, string> }).env.A).toBe('1');
  });

  it('leaves a value that is not an object to validation', () => {
    expect(applyDefaults(schema, { app: 3 })).toMatchObject({ app: 3 });
  });
});

describe('options validation', () => {
  const valid = applyDefaults(schema, {});

  it('accepts the defaults', () => {
    expect(validate(schema, valid)).toEqual([]);
  });

  it('names each problem by its dotted path', () => {
    const bad = {
      service: { name: 'Not Ok' },
      app: { cpus: 9, instances: 1.5, mode: 'c', tags: ['x', 2], typo: true },
      env: { A: 1 },
    };
    expect(validate(schema, bad)).toEqual([
      'service.name: "Not Ok" does not match the pattern ^[a-z]+$',
      'app.cpus: 9 is more than the maximum 4',
      'app.instances: expected integer, got number 1.5',
      'app.mode: "c" is not one of "a", "b"',
      'app.tags[1]: expected string, got integer 2',
      'app.typo: is not an option of this package',
      'env.A: expected string, got integer 1',
    ]);
  });

  it('reports required properties, types of whole objects, and the minimum', () => {
    expect(validate(schema, { service: {}, app: { cpus: 0 } })).toEqual([
      'service.name: is required',
      'app.cpus: 0 is less than the minimum 0.1',
    ]);
    expect(validate(schema, { app: 'x' })).toEqual(['app: expected object, got string "x"']);
    expect(validate({ type: ['string', 'null'] }, null)).toEqual([]);
    expect(validate({ type: 'number' }, 3)).toEqual([]);
    expect(validate({ type: 'string', minLength: 2, maxLength: 3 }, 'a')).toEqual([
      '(root): "a" is shorter than 2 characters',
    ]);
  });
});

describe('schema check', () => {
  it('accepts a Universe config.json, ignoring keywords it does not use', () => {
    expect(checkSchema({ $schema: 'http://json-schema.org/schema#', ...schema })).toEqual([]);
  });

  it('finds bad keywords and defaults that break their own schema', () => {
    expect(
      checkSchema({
        type: 'object',
        properties: {
          a: { type: 'strin' },
          b: { type: 'integer', default: 'x' },
          c: { type: 'number', minimum: '1' },
          d: { type: 'string', pattern: '(' },
        },
        required: 'a',
      }),
    ).toEqual([
      'properties.a: unknown type "strin"',
      'properties.b: its default "x" is invalid: (root): expected integer, got string "x"',
      'properties.c: minimum must be a number',
      'properties.d: pattern "(" is not a regular expression',
      '(root): required must be an array of property names',
    ]);
    expect(checkSchema([])).toEqual(['(root): a schema must be an object']);
  });
});

describe('describeOptions', () => {
  it('lists leaf options with their type, default and description', () => {
    expect(describeOptions(schema)).toEqual([
      { path: 'service.name', type: 'string', default: 'kafka', required: true },
      { path: 'app.cpus', type: 'number', default: 1, description: 'cpus', required: true },
      { path: 'app.instances', type: 'integer', default: 1, required: false },
      { path: 'app.mode', type: 'string ("a"|"b")', default: 'a', required: false },
      { path: 'app.tags', type: 'array', required: false },
      { path: 'app.extra', type: 'string', required: false },
      { path: 'env', type: 'object', default: { A: '1' }, required: false },
    ]);
  });
});
