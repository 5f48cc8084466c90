/**
 * sha256 digests ("sha256:<64 hex>"), the only algorithm OCI requires and the only one tsk writes.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ImageError } from './errors.js';

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

export function parseDigest(value: string, step = 'digest'): Digest {
  if (!isDigest(value)) throw new ImageError('INVALID_ARGUMENT', step, value, 'not a sha256 digest (sha256:<64 hex digits>)');
  return value;
}

export function sha256(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

export function digestOfHash(hash: Hash): Digest {
  return `sha256:${hash.digest('hex')}`;
}

export async function sha256File(path: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
  }
  return { digest: digestOfHash(hash), size };
}
