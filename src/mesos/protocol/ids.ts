// ID formats (Master::new*Id) and the validation Mesos applies to framework-chosen IDs.
import { randomBytes, randomUUID } from 'node:crypto';

export function newUuid(): string {
  return randomUUID();
}

/** A status-update uuid: 16 random bytes (RFC 4122 v4), base64 as Mesos's JSON carries bytes. */
export function newStatusUuid(): string {
  const bytes = randomBytes(16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return bytes.toString('base64');
}

/** Generates framework, agent and offer IDs the way a Mesos master does, from its own UUID. */
export class MasterIdGenerator {
  private frameworks = 0;
  private agents = 0;
  private offers = 0;

  constructor(readonly masterId: string) {}

  framework(): string {
    return `${this.masterId}-${String(this.frameworks++).padStart(4, '0')}`;
  }

  agent(): string {
    return `${this.masterId}-S${this.agents++}`;
  }

  offer(): string {
    return `${this.masterId}-O${this.offers++}`;
  }
}

/**
 * Validates a framework-chosen ID (TaskID, ExecutorID...) as src/common/validation.cpp does;
 * returns the error text or null.
 */
export function validateId(value: string): string | null {
  if (value.length === 0) return 'ID must not be empty';
  // IDs become directory names, so the limit is NAME_MAX bytes, not characters.
  if (Buffer.byteLength(value, 'utf8') > 255) return 'ID must not be greater than 255 characters';
  if (value === '.' || value === '..') return `'${value}' is disallowed`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(value)) return `'${value}' contains invalid characters`;
  return null;
}

/** MasterInfo.ip: the IPv4 address's network-order bytes read as a little-endian uint32. */
export function ipToUint32(ip: string): number {
  const texts = ip.split('.');
  const parts = texts.map(Number);
  if (texts.length !== 4 || texts.some((t) => !/^\d{1,3}$/.test(t)) || parts.some((p) => p > 255)) {
    throw new Error(`Not an IPv4 address: ${ip}`);
  }
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}

export function uint32ToIp(value: number): string {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff].join('.');
}
