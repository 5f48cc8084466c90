/**
 * Pull-style reads over a stream of chunks: exact-size reads for headers and zero-copy streaming
 * for bodies, so a tar reader can parse a gzip stream without buffering whole files.
 */
export class ByteReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Buffer | Uint8Array | string>;
  /** Total bytes handed out so far (for progress and error offsets). */
  offset = 0;

  constructor(source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>) {
    this.iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (async function* () {
      yield* source;
    })();
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.iterator.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    const v = next.value;
    const buf = typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    if (buf.length > 0) {
      this.chunks.push(buf);
      this.buffered += buf.length;
    }
    return true;
  }

  /** Up to `max` bytes from the front of the buffer (at least one unless at the end). */
  private async take(max: number): Promise<Buffer | null> {
    while (this.buffered === 0) if (!(await this.fill())) return null;
    const head = this.chunks[0] as Buffer;
    let out: Buffer;
    if (head.length <= max) {
      this.chunks.shift();
      out = head;
    } else {
      out = head.subarray(0, max);
      this.chunks[0] = head.subarray(max);
    }
    this.buffered -= out.length;
    this.offset += out.length;
    return out;
  }

  /** Exactly `n` bytes; null at a clean end of input; throws on a truncated read. */
  async read(n: number): Promise<Buffer | null> {
    while (this.buffered < n) {
      if (!(await this.fill())) break;
    }
    if (this.buffered === 0 && n > 0) return null;
    if (this.buffered < n) throw new Error(`unexpected end of data at offset ${this.offset + this.buffered} (wanted ${n} bytes)`);
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const part = (await this.take(left)) as Buffer;
      parts.push(part);
      left -= part.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, n);
  }

  /** Streams exactly `n` bytes as they arrive. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      const part = await this.take(left);
      if (part === null) throw new Error(`unexpected end of data at offset ${this.offset} (${left} bytes missing)`);
      left -= part.length;
      yield part;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n)) {
      // discard
    }
  }

  /** Reads to the end, discarding (so a hashing source sees every byte). */
  async drain(): Promise<void> {
    while ((await this.take(1 << 20)) !== null) {
      // discard
    }
  }
}
