import { describe, expect, it } from 'vitest';
import { parseBytes } from '../../src/util/bytes.js';

describe('parseBytes', () => {
  it('reads Mesos byte sizes in powers of 1024', () => {
    expect(parseBytes('2GB')).toBe(2 * 1024 ** 3);
    expect(parseBytes('512mb')).toBe(512 * 1024 ** 2);
    expect(parseBytes('10B')).toBe(10);
    expect(parseBytes('1.5KB')).toBe(1536);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '2', 'GB', '-1MB', '2 PB'])
      expect(() => parseBytes(bad)).toThrow(/Invalid byte size/);
  });
});
