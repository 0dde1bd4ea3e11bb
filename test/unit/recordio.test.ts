import { describe, expect, it } from 'vitest';
import { RecordIODecoder, encodeRecord, readJsonRecords } from '../../src/mesos/protocol/index.js';

describe('encodeRecord', () => {
  it('prefixes the JSON text with its byte length and a newline', () => {
    expect(encodeRecord({ type: 'HEARTBEAT' }).toString('utf8')).toBe('20\n{"type":"HEARTBEAT"}');
  });

  it('sends strings verbatim', () => {
    expect(encodeRecord('abc').toString('utf8')).toBe('3\nabc');
    expect(encodeRecord('').toString('utf8')).toBe('0\n');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const record = encodeRecord({ s: 'héllo 日本' });
    const body = JSON.stringify({ s: 'héllo 日本' });
    expect(body.length).toBe(16);
    expect(record.toString('utf8')).toBe(`${Buffer.byteLength(body)}\n${body}`);
    expect(record.toString('utf8').startsWith('21\n')).toBe(true);
  });
});

describe('RecordIODecoder', () => {
  const messages = [{ type: 'SUBSCRIBED', id: 1 }, { type: 'UPDATE', text: 'ünïcødé ✓ 日本語' }, 'plain', ''];
  const stream = Buffer.concat(messages.map((m) => encodeRecord(m)));
  const expected = messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m)));

  it('decodes several records from one chunk', () => {
    expect(new RecordIODecoder().push(stream)).toEqual(expected);
  });

  it('decodes across every possible two-chunk split, including inside headers and multibyte characters', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new RecordIODecoder();
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(out).toEqual(expected);
      expect(d.pending).toBe(0);
    }
  });

  it('decodes when fed one byte at a time', () => {
    const d = new RecordIODecoder();
    const out: string[] = [];
    for (const byte of stream) out.push(...d.push(Buffer.from([byte])));
    expect(out).toEqual(expected);
  });

  it('decodes arbitrary random splits', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 50; round++) {
      const d = new RecordIODecoder();
      const out: string[] = [];
      let at = 0;
      while (at < stream.length) {
        const size = 1 + Math.floor(random() * 12);
        out.push(...d.push(stream.subarray(at, at + size)));
        at += size;
      }
      expect(out).toEqual(expected);
    }
  });

  it('accepts string chunks as UTF-8', () => {
    const d = new RecordIODecoder();
    expect(d.push('5\nhé')).toEqual([]);
    expect(d.pending).toBe(5);
    expect(d.push('ll3\nabc')).toEqual(['héll', 'abc']);
  });

  it('keeps a partial record pending until it is complete', () => {
    const d = new RecordIODecoder();
    expect(d.push('10\n12345')).toEqual([]);
    expect(d.pending).toBe(8);
    expect(d.push('67890')).toEqual(['1234567890']);
    expect(d.pending).toBe(0);
  });

  it('rejects invalid length headers', () => {
    expect(() => new RecordIODecoder().push('abc\n{}')).toThrow(/invalid record length 'abc'/);
    expect(() => new RecordIODecoder().push('-1\n')).toThrow(/invalid record length/);
    expect(() => new RecordIODecoder().push('\n')).toThrow(/invalid record length/);
    expect(() => new RecordIODecoder().push('1.5\nab')).toThrow(/invalid record length/);
  });

  it('rejects a header that never ends', () => {
    expect(() => new RecordIODecoder().push('1'.repeat(21))).toThrow(/not a number/);
  });
});

describe('readJsonRecords', () => {
  it('parses JSON records from an async byte stream', async () => {
    const bytes = Buffer.concat([encodeRecord({ a: 1 }), encodeRecord({ b: 'ü' })]);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const out: unknown[] = [];
    for await (const record of readJsonRecords(chunks())) out.push(record);
    expect(out).toEqual([{ a: 1 }, { b: 'ü' }]);
  });
});
