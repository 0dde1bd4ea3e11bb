// RecordIO framing of the v1 streaming APIs (docs/recordio.md): `<decimal length>\n<bytes>` with no
// trailer. Encoding produces one Buffer per record so a writer can send it as one HTTP chunk: some
// clients (npm mesos-framework) lose records that span chunks.

export function encodeRecord(message: unknown): Buffer {
  const body = Buffer.from(typeof message === 'string' ? message : JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

/** Incremental decoder: push bytes as they arrive, get whole records back (as UTF-8 text). */
export class RecordIODecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer | string): string[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.buffered = this.buffered.length === 0 ? bytes : Buffer.concat([this.buffered, bytes]);
    const records: string[] = [];
    for (;;) {
      const newline = this.buffered.indexOf(0x0a);
      if (newline < 0) {
        if (this.buffered.length > 20) throw new Error('RecordIO: record length is not a number');
        break;
      }
      const header = this.buffered.subarray(0, newline).toString('ascii');
      if (!/^\d+$/.test(header)) throw new Error(`RecordIO: invalid record length '${header}'`);
      const length = Number(header);
      if (this.buffered.length < newline + 1 + length) break;
      records.push(this.buffered.subarray(newline + 1, newline + 1 + length).toString('utf8'));
      this.buffered = this.buffered.subarray(newline + 1 + length);
    }
    return records;
  }

  /** Bytes received that do not yet form a whole record. */
  get pending(): number {
    return this.buffered.length;
  }
}

/** Reads JSON records from a byte stream (e.g. an HTTP response body). */
export async function* readJsonRecords<T = unknown>(
  stream: AsyncIterable<Buffer | string>,
): AsyncGenerator<T> {
  const decoder = new RecordIODecoder();
  for await (const chunk of stream) {
    for (const record of decoder.push(chunk)) yield JSON.parse(record) as T;
  }
}
