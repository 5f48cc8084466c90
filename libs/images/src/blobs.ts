/**
 * Content-addressed blobs under ROOT/blobs/sha256/<hex>. A blob enters only through ingest(),
 * which streams into ROOT/tmp, checks size and digest, and renames into place: a reader never
 * sees a half-written blob and a blob whose bytes do not match its digest is never kept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { digestOfHash, hexOf, sha256, type Digest } from './digest.js';
import { ImageError, errnoCode } from './errors.js';

export interface IngestExpect {
  readonly digest?: Digest;
  readonly size?: number;
  /** For errors: what was being fetched (image reference or layer). */
  readonly step?: string;
  readonly ref?: string;
}

export class BlobStore {
  readonly dir: string;
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.dir = path.join(root, 'blobs', 'sha256');
    this.tmpDir = path.join(root, 'tmp');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await fs.mkdir(this.tmpDir, { recursive: true });
  }

  path(digest: Digest): string {
    return path.join(this.dir, hexOf(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await fs.access(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  async size(digest: Digest): Promise<number> {
    return (await fs.stat(this.path(digest))).size;
  }

  async read(digest: Digest): Promise<Buffer> {
    try {
      return await fs.readFile(this.path(digest));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new ImageError('NOT_FOUND', 'read blob', digest, 'blob not in the store');
      throw err;
    }
  }

  /** The first `n` bytes of a blob (to sniff compression without reading it all). */
  async head(digest: Digest, n: number): Promise<Buffer> {
    const fh = await fs.open(this.path(digest), 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  /** A fresh temp path in the store's filesystem (so rename into place is atomic). */
  tempPath(label = 'blob'): string {
    return path.join(this.tmpDir, `${label}-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Stores bytes held in memory (manifests, configs); returns their digest. */
  async write(data: Buffer, expect: IngestExpect = {}): Promise<Digest> {
    const digest = sha256(data);
    if (expect.digest !== undefined && expect.digest !== digest) {
      throw new ImageError('DATA_LOSS', expect.step ?? 'store blob', expect.ref ?? expect.digest, `digest mismatch: expected ${expect.digest}, content is ${digest}`);
    }
    if (await this.has(digest)) return digest;
    const tmp = this.tempPath();
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, this.path(digest));
    return digest;
  }

  /**
   * Streams a blob in, verifying it before it is kept. With no expected digest the computed one is
   * returned (used when tsk creates content itself).
   */
  async ingest(source: AsyncIterable<Buffer | Uint8Array>, expect: IngestExpect = {}, onBytes?: (n: number) => void): Promise<{ digest: Digest; size: number }> {
    const tmp = this.tempPath();
    const hash = createHash('sha256');
    let size = 0;
    const fh = await fs.open(tmp, 'wx', 0o644);
    try {
      try {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          await fh.write(chunk);
          onBytes?.(chunk.length);
        }
      } finally {
        await fh.close();
      }
      const digest = digestOfHash(hash);
      const step = expect.step ?? 'store blob';
      const ref = expect.ref ?? expect.digest ?? digest;
      if (expect.size !== undefined && expect.size !== size) {
        throw new ImageError('DATA_LOSS', step, ref, `size mismatch for ${expect.digest ?? digest}: expected ${expect.size} bytes, got ${size}`);
      }
      if (expect.digest !== undefined && expect.digest !== digest) {
        throw new ImageError('DATA_LOSS', step, ref, `digest mismatch: expected ${expect.digest}, content is ${digest}; the blob was not kept`);
      }
      await fs.rename(tmp, this.path(digest));
      return { digest, size };
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async remove(digest: Digest): Promise<void> {
    await fs.rm(this.path(digest), { force: true });
  }

  async list(): Promise<Digest[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}` as Digest);
  }
}
