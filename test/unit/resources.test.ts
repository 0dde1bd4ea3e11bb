import { describe, expect, it } from 'vitest';
import {
  addResources,
  allocatableTo,
  containsResources,
  formatResources,
  parseAttributes,
  parseResources,
  rangesResource,
  roundScalar,
  scalarResource,
  subtractResources,
  toAttributeMap,
  toResmap,
} from '../../src/mesos/protocol/index.js';
import type { Resource } from '../../src/mesos/protocol/index.js';

const AGENT = 'cpus:2;mem:1024;disk:4096;ports:[31000-31999]';

describe('parseResources', () => {
  it('parses the --resources text form', () => {
    expect(parseResources(AGENT)).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 4096 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31999 }] } },
    ]);
  });

  it('parses static reservations as roles, with "*" meaning unreserved', () => {
    expect(parseResources('cpus(eng):1;mem(*):64')).toEqual([
      { name: 'cpus', role: 'eng', type: 'SCALAR', scalar: { value: 1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
    ]);
    expect(parseResources('cpus:1', 'eng')).toEqual([
      { name: 'cpus', role: 'eng', type: 'SCALAR', scalar: { value: 1 } },
    ]);
  });

  it('keeps reservations of the same name apart and merges duplicates', () => {
    expect(parseResources('cpus:1;cpus(eng):2;cpus:0.5')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } },
      { name: 'cpus', role: 'eng', type: 'SCALAR', scalar: { value: 2 } },
    ]);
  });

  it('parses sets and multiple ranges', () => {
    expect(parseResources('disks:{ a, b };ports:[2000-2010,1000-1010]')).toEqual([
      { name: 'disks', type: 'SET', set: { item: ['a', 'b'] } },
      {
        name: 'ports',
        type: 'RANGES',
        ranges: {
          range: [
            { begin: 1000, end: 1010 },
            { begin: 2000, end: 2010 },
          ],
        },
      },
    ]);
  });

  it('parses the JSON form', () => {
    const json = JSON.stringify([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } },
    ]);
    expect(parseResources(json)).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } },
    ]);
  });

  it('rejects malformed text', () => {
    expect(() => parseResources('cpus')).toThrow(/expected name\(role\):value/);
    expect(() => parseResources('cpus:lots')).toThrow(/not a number/);
    expect(() => parseResources('cpus:-1')).toThrow(/negative/);
    expect(() => parseResources('cpus():1')).toThrow(/empty role/);
    expect(() => parseResources('ports:[2000-1000]')).toThrow(/begin is after end/);
    expect(() => parseResources('ports:[a-b]')).toThrow(/Invalid range/);
    expect(() => parseResources('[{"name": "cpus"')).toThrow(/Invalid resources JSON/);
  });

  // Resources::fromJSON parses with protobuf::parse (required `type`) and Resources::parse then runs
  // Resources::validate on every entry; bad entries are errors, not silently dropped.
  it('rejects JSON resources Mesos would reject', () => {
    expect(() => parseResources('[{"name": "cpus", "scalar": {"value": 1}}]')).toThrow();
    expect(() => parseResources('[{"name": "cpus", "type": "SCALAR", "scalar": {"value": -1}}]')).toThrow();
  });

  // validateCommandLineResources: "Resources with the same name ('ports') but different types are not allowed".
  it('rejects one name with two types', () => {
    expect(() => parseResources('ports:[1-2];ports:3')).toThrow(/same name/);
  });
});

describe('scalar arithmetic', () => {
  it('rounds to 3 decimal digits like Mesos fixed-point scalars', () => {
    expect(roundScalar(0.1 + 0.2)).toBe(0.3);
    expect(roundScalar(1.23456)).toBe(1.235);
    expect(parseResources('cpus:0.12345')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.123 } },
    ]);
    expect(scalarResource('cpus', 0.3333333).scalar?.value).toBe(0.333);
  });

  it('adds, subtracts and checks containment', () => {
    const a = parseResources('cpus:0.1;mem:100');
    const b = parseResources('cpus:0.2;mem:28');
    const sum = addResources(a, b);
    expect(sum).toEqual(parseResources('cpus:0.3;mem:128'));
    expect(subtractResources(sum, a)).toEqual(parseResources('cpus:0.2;mem:28'));
    expect(containsResources(sum, a)).toBe(true);
    expect(containsResources(a, sum)).toBe(false);
    // Subtracting everything leaves nothing, not zero-valued entries.
    expect(subtractResources(a, a)).toEqual([]);
  });

  it('treats reservations as distinct resources', () => {
    const agent = parseResources('cpus:1;cpus(eng):1');
    expect(containsResources(agent, parseResources('cpus:2'))).toBe(false);
    expect(containsResources(agent, parseResources('cpus(eng):1;cpus:1'))).toBe(true);
    expect(subtractResources(agent, parseResources('cpus(eng):1'))).toEqual(parseResources('cpus:1'));
  });
});

describe('range arithmetic', () => {
  const ports = (text: string): Resource[] => parseResources(`ports:${text}`);

  it('merges overlapping and adjacent ranges when adding', () => {
    expect(addResources(ports('[1000-1010]'), ports('[1011-1020]'))).toEqual(ports('[1000-1020]'));
    expect(addResources(ports('[1000-1010]'), ports('[1005-1030]'))).toEqual(ports('[1000-1030]'));
    expect(addResources(ports('[1000-1010]'), ports('[2000-2000]'))[0]?.ranges?.range).toEqual([
      { begin: 1000, end: 1010 },
      { begin: 2000, end: 2000 },
    ]);
  });

  it('splits ranges when subtracting from the middle', () => {
    expect(subtractResources(ports('[31000-31999]'), ports('[31500-31500]'))[0]?.ranges?.range).toEqual([
      { begin: 31000, end: 31499 },
      { begin: 31501, end: 31999 },
    ]);
    expect(subtractResources(ports('[1-10]'), ports('[1-3,8-10]'))[0]?.ranges?.range).toEqual([
      { begin: 4, end: 7 },
    ]);
    expect(subtractResources(ports('[1-10]'), ports('[1-10]'))).toEqual([]);
  });

  it('checks containment range by range', () => {
    expect(containsResources(ports('[1-10]'), ports('[3-4,7-7]'))).toBe(true);
    expect(containsResources(ports('[1-5,7-9]'), ports('[4-8]'))).toBe(false);
    expect(containsResources(ports('[1-5,6-9]'), ports('[4-8]'))).toBe(true);
    expect(containsResources(ports('[1-10]'), ports('[9-11]'))).toBe(false);
  });

  it('builds normalized range resources', () => {
    expect(
      rangesResource('ports', [
        { begin: 5, end: 6 },
        { begin: 1, end: 4 },
      ]).ranges?.range,
    ).toEqual([{ begin: 1, end: 6 }]);
  });
});

describe('allocatableTo', () => {
  const list = parseResources('cpus:1;cpus(eng):2;cpus(eng/web):3;cpus(ops):4');
  const roles = (role: string): string[] => allocatableTo(list, role).map((r) => r.role ?? '*');

  it('offers unreserved resources and the role and ancestor reservations', () => {
    expect(roles('*')).toEqual(['*']);
    expect(roles('eng')).toEqual(['*', 'eng']);
    expect(roles('eng/web')).toEqual(['*', 'eng', 'eng/web']);
    expect(roles('eng/web/api')).toEqual(['*', 'eng', 'eng/web']);
    expect(roles('ops')).toEqual(['*', 'ops']);
  });

  it('matches whole path components, not name prefixes', () => {
    expect(roles('engineering')).toEqual(['*']);
  });

  it('understands the post-refinement reservation stack', () => {
    const refined: Resource[] = [
      {
        name: 'cpus',
        type: 'SCALAR',
        scalar: { value: 1 },
        reservations: [
          { type: 'STATIC', role: 'eng' },
          { type: 'DYNAMIC', role: 'eng/web' },
        ],
      },
    ];
    expect(allocatableTo(refined, 'eng')).toEqual([]);
    expect(allocatableTo(refined, 'eng/web')).toHaveLength(1);
  });
});

describe('toResmap', () => {
  it('always has cpus, gpus, mem and disk', () => {
    expect(toResmap([])).toEqual({ cpus: 0, gpus: 0, mem: 0, disk: 0 });
  });

  it('renders scalars as numbers and ranges/sets as text', () => {
    expect(toResmap(parseResources(AGENT))).toEqual({
      cpus: 2,
      gpus: 0,
      mem: 1024,
      disk: 4096,
      ports: '[31000-31999]',
    });
    expect(toResmap(parseResources('ports:[31000-31099,31200-31299];disks:{a,b}'))).toMatchObject({
      ports: '[31000-31099, 31200-31299]',
      disks: '{a, b}',
    });
  });

  it('sums reservations and suffixes revocable resources', () => {
    const list: Resource[] = [
      ...parseResources('cpus:1;cpus(eng):2.5;gpus:1'),
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, revocable: {} },
    ];
    expect(toResmap(list)).toEqual({ cpus: 3.5, gpus: 1, mem: 0, disk: 0, cpus_revocable: 4 });
  });
});

describe('formatResources', () => {
  it('round-trips the text form', () => {
    for (const text of [AGENT, 'cpus(eng):1;mem:512', 'cpus:0.5;ports:[1-2,4-5]', 'disks:{a,b}']) {
      expect(formatResources(parseResources(text))).toBe(text);
      expect(parseResources(formatResources(parseResources(text)))).toEqual(parseResources(text));
    }
  });
});

describe('parseAttributes', () => {
  it('parses text, scalar and range attributes', () => {
    const attrs = parseAttributes('rack:abc;zone:us-west/1a;level:10;weight:1.5;keys:[1000-1500]');
    expect(attrs).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'abc' } },
      { name: 'zone', type: 'TEXT', text: { value: 'us-west/1a' } },
      { name: 'level', type: 'SCALAR', scalar: { value: 10 } },
      { name: 'weight', type: 'SCALAR', scalar: { value: 1.5 } },
      { name: 'keys', type: 'RANGES', ranges: { range: [{ begin: 1000, end: 1500 }] } },
    ]);
    expect(toAttributeMap(attrs)).toEqual({
      rack: 'abc',
      zone: 'us-west/1a',
      level: 10,
      weight: 1.5,
      keys: '[1000-1500]',
    });
  });

  it('rejects malformed attributes', () => {
    expect(() => parseAttributes('rack')).toThrow(/expected name:value/);
    expect(() => parseAttributes(':abc')).toThrow();
    expect(() => parseAttributes('tags:{a,b}')).toThrow();
  });

  // values::parse turns a negative number into TEXT ("Negative values not supported" as a scalar).
  it('keeps negative numbers as text, as Mesos does', () => {
    expect(parseAttributes('level:-5')).toEqual([{ name: 'level', type: 'TEXT', text: { value: '-5' } }]);
  });

  it('ignores empty items', () => {
    expect(parseAttributes('')).toEqual([]);
    expect(parseAttributes('rack:a;;')).toHaveLength(1);
  });
});
