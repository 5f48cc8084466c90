/**
 * The layer cache: each layer unpacked once, by diff-id, into ROOT/layers/<hex>, and shared as a
 * read-only overlayfs lowerdir by every container of every image that has it. Unpacking goes to
 * a temp dir renamed into place, so a crash never leaves a half layer that looks complete.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Logger } from '@tsk/log';
import { type BlobStore } from './blobs.js';
import { hexOf, type Digest } from './digest.js';
import { ImageError, errnoCode } from './errors.js';
import { type Descriptor } from './oci.js';
import { unpackLayer } from './unpack.js';

export class LayerCache {
  readonly dir: string;
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    root: string,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
  ) {
    this.dir = path.join(root, 'layers');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  path(diffId: Digest): string {
    return path.join(this.dir, hexOf(diffId));
  }

  async has(diffId: Digest): Promise<boolean> {
    try {
      await fs.access(this.path(diffId));
      return true;
    } catch {
      return false;
    }
  }

  /** The unpacked directory of a layer, unpacking it from its blob the first time. */
  ensure(layer: Descriptor, diffId: Digest, ref: string): Promise<string> {
    const key = hexOf(diffId);
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const p = this.unpackOnce(layer, diffId, ref).finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private async unpackOnce(layer: Descriptor, diffId: Digest, ref: string): Promise<string> {
    const final = this.path(diffId);
    if (await this.has(diffId)) return final;
    if (!(await this.blobs.has(layer.digest))) throw new ImageError('NOT_FOUND', 'unpack', ref, `layer blob ${layer.digest} is not in the store`);
    const tmp = path.join(this.dir, `.tmp-${hexOf(diffId).slice(0, 12)}-${randomBytes(4).toString('hex')}`);
    const started = Date.now();
    try {
      const result = await unpackLayer(createReadStream(this.blobs.path(layer.digest), { highWaterMark: 1 << 20 }), tmp, { ref: `${ref} layer ${layer.digest}` });
      if (result.diffId !== diffId) {
        throw new ImageError('DATA_LOSS', 'unpack', ref, `layer ${layer.digest} unpacks to diff-id ${result.diffId}, but the image config says ${diffId}`);
      }
      try {
        await fs.rename(tmp, final);
      } catch (err) {
        // Another process unpacked it first: theirs is as good as ours.
        if (errnoCode(err) !== 'ENOTEMPTY' && errnoCode(err) !== 'EEXIST') throw err;
        await fs.rm(tmp, { recursive: true, force: true });
      }
      this.logger.debug({ layer: diffId, entries: result.entries, bytes: result.bytes, ms: Date.now() - started }, 'layer unpacked');
      return final;
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  async remove(diffId: Digest): Promise<void> {
    await fs.rm(this.path(diffId), { recursive: true, force: true });
  }

  /** diff-ids of the unpacked layers (temp dirs of interrupted unpacks are not layers). */
  async list(): Promise<Digest[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}` as Digest);
  }

  /** Removes temp dirs left by interrupted unpacks. */
  async cleanTemp(): Promise<void> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    for (const n of names) if (n.startsWith('.tmp-')) await fs.rm(path.join(this.dir, n), { recursive: true, force: true });
  }

  /** An empty directory used as the only lowerdir of an image without layers. */
  async emptyDir(): Promise<string> {
    const dir = path.join(this.dir, 'empty');
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }
}
