/**
 * Just enough of the protobuf wire format to read a few fields out of an encoded message, and
 * to rebuild one around bytes that are already encoded, without decoding it into objects: the
 * API server splices resourceVersions into stored objects (apiserver wire.ts), agents scan the
 * pods they watch and report status from the watched bytes, and the scheduling bench tracks its
 * pods. tsk's protos use no groups.
 */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export class WireError extends Error {
  override name = 'WireError';
}

/** The bytes of a varint. */
export function varintLength(n: number): number {
  let len = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Writes `n` at `pos`; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    out[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

export class Reader {
  pos = 0;
  readonly b: Buffer;

  constructor(bytes: Uint8Array) {
    // grpc hands messages over as Buffers; anything else is viewed as one, not copied.
    this.b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.b.length) throw new WireError('truncated varint');
      const byte = this.b[this.pos++]!;
      // Multiplication, not <<: lengths and tags stay exact past 2^31.
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new WireError('varint too long');
    }
  }

  /** An int32 (a negative one takes ten bytes; its low 32 bits are the value). */
  int32(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.b.length) throw new WireError('truncated varint');
      if (shift > 63) throw new WireError('varint too long');
      const byte = this.b[this.pos++]!;
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result | 0;
    }
  }

  /**
   * The next field's tag in the message that ends at `end`, or -1 at its end. For hot loops: a
   * loop over next() allocates nothing, where fields() takes a closure.
   */
  next(end: number): number {
    if (this.pos === end) return -1;
    if (this.pos > end) throw new WireError('a field runs past its message');
    return this.varint();
  }

  /** A length-delimited value's end (the reader is left at its start). */
  lenEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.b.length) throw new WireError('truncated field');
    return end;
  }

  string(): string {
    const end = this.lenEnd();
    const s = this.b.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_LEN) this.pos = this.lenEnd();
    else if (wireType === WIRE_FIXED64) this.pos += 8;
    else if (wireType === WIRE_FIXED32) this.pos += 4;
    else throw new WireError(`unexpected wire type ${wireType}`);
  }
}

/**
 * Calls `field(number, wireType)` for each field of the message that ends at `end`; the callback
 * reads the value or returns false to have it skipped.
 */
export function fields(r: Reader, end: number, field: (n: number, wireType: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.varint();
    const n = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (!field(n, wireType)) r.skip(wireType);
  }
  if (r.pos !== end) throw new WireError('a field runs past its message');
}

