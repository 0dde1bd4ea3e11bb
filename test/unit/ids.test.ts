import { describe, expect, it } from 'vitest';
import {
  MasterIdGenerator,
  ipToUint32,
  newStatusUuid,
  newUuid,
  uint32ToIp,
  validateId,
} from '../../src/mesos/protocol/index.js';

describe('MasterIdGenerator', () => {
  it('formats framework, agent and offer ids from the master id', () => {
    const gen = new MasterIdGenerator('628984d0-7b1e-4e1f-b1df-3e1c5f7a9a00');
    expect(gen.framework()).toBe('628984d0-7b1e-4e1f-b1df-3e1c5f7a9a00-0000');
    expect(gen.framework()).toBe('628984d0-7b1e-4e1f-b1df-3e1c5f7a9a00-0001');
    expect(gen.agent()).toBe('628984d0-7b1e-4e1f-b1df-3e1c5f7a9a00-S0');
    expect(gen.agent()).toBe('628984d0-7b1e-4e1f-b1df-3e1c5f7a9a00-S1');
    expect(gen.offer()).toBe('628984d0-7b1e-4e1f-b1df-3e1c5f7a9a00-O0');
    expect(gen.offer()).toBe('628984d0-7b1e-4e1f-b1df-3e1c5f7a9a00-O1');
    expect(gen.masterId).toBe('628984d0-7b1e-4e1f-b1df-3e1c5f7a9a00');
  });

  it('keeps separate counters and widens past four digits like %04d', () => {
    const gen = new MasterIdGenerator('m');
    for (let i = 0; i < 10000; i++) gen.framework();
    expect(gen.framework()).toBe('m-10000');
    expect(gen.agent()).toBe('m-S0');
    expect(gen.offer()).toBe('m-O0');
  });

  it('uses a UUID for the master id', () => {
    expect(newUuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('validateId', () => {
  it('accepts ordinary ids', () => {
    for (const id of ['task-1', 'my.app_v2', 'a.b.c', '...', 'x'.repeat(255), 'ünïcode'])
      expect(validateId(id)).toBeNull();
  });

  it('rejects empty, too long, dot and slash ids and control characters', () => {
    for (const id of ['', 'x'.repeat(256), '.', '..', 'a/b', 'a\\b', 'a\nb', 'tab\there', 'del\u007f']) {
      expect(validateId(id), JSON.stringify(id)).not.toBeNull();
    }
  });

  it('uses the texts of common/validation.cpp validateID', () => {
    expect(validateId('')).toBe('ID must not be empty');
    expect(validateId('x'.repeat(256))).toBe('ID must not be greater than 255 characters');
    expect(validateId('..')).toBe("'..' is disallowed");
    expect(validateId('a/b')).toBe("'a/b' contains invalid characters");
  });

  // NAME_MAX limits a path component in bytes: IDs become sandbox directory names, and Mesos
  // compares std::string::length(), i.e. UTF-8 bytes.
  it('limits the length in UTF-8 bytes', () => {
    expect(validateId('é'.repeat(127))).toBeNull();
    expect(validateId('é'.repeat(128))).not.toBeNull();
  });
});

describe('MasterInfo.ip packing', () => {
  it('packs 127.0.0.1 as 16777343 and back', () => {
    expect(ipToUint32('127.0.0.1')).toBe(16777343);
    expect(uint32ToIp(16777343)).toBe('127.0.0.1');
  });

  it('round-trips addresses whose first-in-memory octet is high', () => {
    for (const ip of ['10.0.0.1', '192.168.1.200', '255.255.255.255', '0.0.0.0', '200.1.2.3']) {
      const n = ipToUint32(ip);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThanOrEqual(0xffffffff);
      expect(uint32ToIp(n)).toBe(ip);
    }
    expect(ipToUint32('255.255.255.255')).toBe(4294967295);
    expect(ipToUint32('1.2.3.4')).toBe(0x04030201);
  });

  it('rejects what is not a dotted IPv4 address', () => {
    for (const ip of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', 'localhost', '1..2.3', '1.2.3.']) {
      expect(() => ipToUint32(ip), ip).toThrow();
    }
  });
});

describe('newStatusUuid', () => {
  it('is base64 of 16 bytes of an RFC 4122 version 4 UUID', () => {
    const uuid = newStatusUuid();
    expect(uuid).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const bytes = Buffer.from(uuid, 'base64');
    expect(bytes).toHaveLength(16);
    expect(bytes[6]! >> 4).toBe(4);
    expect(bytes[8]! >> 6).toBe(0b10);
  });

  it('is different every time', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newStatusUuid()));
    expect(seen.size).toBe(1000);
  });
});
