/** Key helpers shared by both backends: keys are UTF-8 strings ordered by their bytes. */
import { StoreInvalidArgumentError } from './errors.js';

/**
 * The first byte string after every key that starts with `prefix` (etcd's range_end). UTF-8 never
 * contains 0xff, so for the empty prefix [0xff] bounds every key, and incrementing the last byte
 * of a non-empty prefix never overflows.
 */
export function prefixEnd(prefix: Buffer): Buffer {
  if (prefix.length === 0) return Buffer.from([0xff]);
  const end = Buffer.from(prefix);
  const last = end.length - 1;
  end[last] = (end[last] ?? 0) + 1;
  return end;
}

/** Range [start, end) for a list under `prefix` that may start later at `startKey`. */
export function listRange(prefix: string, startKey: string | undefined): { start: Buffer; end: Buffer } {
  const p = Buffer.from(prefix, 'utf8');
  const end = prefixEnd(p);
  if (startKey === undefined) return { start: p, end };
  const s = Buffer.from(startKey, 'utf8');
  return { start: Buffer.compare(s, p) > 0 ? s : p, end };
}

export function checkKey(key: string): void {
  if (key.length === 0) throw new StoreInvalidArgumentError('a key must not be empty');
}

export function checkRevision(name: string, revision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new StoreInvalidArgumentError(`${name} must be a non-negative integer, got ${revision}`);
  }
}

/** A view of the bytes as a Buffer without copying (drivers bind Buffers, callers pass Uint8Array). */
export function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
