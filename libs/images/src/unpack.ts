/**
 * Unpacks one layer (tar, optionally gzip) into a directory of its own, converting OCI whiteouts
 * into overlayfs ones (`.wh.NAME` → a 0/0 character device, `.wh..wh..opq` → the opaque xattr)
 * so the layer directories stack as overlay lowerdirs.
 *
 * Containment: an entry's path is cleaned lexically (`..` cannot climb above the layer root;
 * absolute paths are made relative to it) and every existing parent component is resolved as if
 * the layer root were `/` (a symlink to /etc leads to ROOT/etc, never to the host's). The last
 * component is never followed: what is there is removed and the new entry created with O_EXCL.
 * Hard link targets are resolved the same way, so nothing outside the layer is ever touched.
 */
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { constants as FS, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import path from 'node:path';
import { digestOfHash, type Digest } from './digest.js';
import { ImageError, errnoCode } from './errors.js';
import { lsetxattr, makedev, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from './sys.js';
import { readTar, type TarHeader } from './tar.js';

export interface UnpackResult {
  /** sha256 of the uncompressed tar: the layer's diff-id. */
  readonly diffId: Digest;
  readonly entries: number;
  /** Uncompressed bytes read. */
  readonly bytes: number;
}

export interface UnpackOptions {
  /** Called with the count of compressed-or-not input bytes as they are consumed. */
  readonly onBytes?: (n: number) => void;
  /** Names the layer in errors. */
  readonly ref?: string;
}

/** A layer's bytes: a stream, or chunks already in memory. */
export type LayerSource = AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>;

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_SYMLINK_HOPS = 40;

/** Cleans a tar path into components below the root: `../../etc/x` → [etc, x]. */
export function cleanPath(name: string): string[] {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

/** A gzip stream is recognised by its magic, so a mislabelled media type does no harm. */
async function* decompressed(source: LayerSource, ref: string, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (async function* () {
    yield* source;
  })();
  const first = await it.next();
  if (first.done === true) return;
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    onBytes?.(head.length);
    yield head;
    for (;;) {
      const next = await it.next();
      if (next.done === true) return;
      const b = Buffer.from(next.value);
      onBytes?.(b.length);
      yield b;
    }
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    yield* Readable.from(all()).pipe(createGunzip({ chunkSize: 256 * 1024 })) as AsyncIterable<Buffer>;
  } else if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    throw new ImageError('UNIMPLEMENTED', 'unpack', ref, 'zstd-compressed layers are not supported yet');
  } else {
    yield* all();
  }
}

class Unpacker {
  /** Relative paths known to be real directories (not symlinks) inside the root. */
  private readonly dirs = new Set<string>(['']);
  private readonly dirTimes: [string, number][] = [];

  constructor(
    private readonly root: string,
    private readonly ref: string,
  ) {}

  private fail(detail: string, cause?: unknown): ImageError {
    return new ImageError('FAILED_PRECONDITION', 'unpack', this.ref, detail, cause === undefined ? undefined : { cause });
  }

  /** Resolves components as if root were `/`; the last one is followed only when asked. */
  private async resolve(parts: readonly string[], followLast: boolean): Promise<string[]> {
    const resolved: string[] = [];
    const queue = [...parts];
    let hops = 0;
    while (queue.length > 0) {
      const c = queue.shift() as string;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        resolved.pop();
        continue;
      }
      if (queue.length === 0 && !followLast) {
        resolved.push(c);
        break;
      }
      const rel = [...resolved, c].join('/');
      if (this.dirs.has(rel)) {
        resolved.push(c);
        continue;
      }
      let st;
      try {
        st = await fs.lstat(path.join(this.root, rel));
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
        resolved.push(c);
        continue;
      }
      if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw this.fail(`too many symlinks resolving ${parts.join('/')}`);
        const target = await fs.readlink(path.join(this.root, rel));
        if (target.startsWith('/')) resolved.length = 0;
        queue.unshift(...target.split('/'));
        continue;
      }
      if (st.isDirectory()) this.dirs.add(rel);
      resolved.push(c);
    }
    return resolved;
  }

  /** Removes whatever is at rel (a file, link or whole tree) and forgets cached dirs below it. */
  private async remove(rel: string): Promise<void> {
    await fs.rm(path.join(this.root, rel), { recursive: true, force: true });
    for (const d of this.dirs) if (d === rel || d.startsWith(`${rel}/`)) this.dirs.delete(d);
  }

  private async ensureDir(rel: string): Promise<void> {
    if (this.dirs.has(rel)) return;
    await fs.mkdir(path.join(this.root, rel), { recursive: true, mode: 0o755 });
    this.dirs.add(rel);
  }

  async entry(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const parts = cleanPath(h.name);
    if (parts.length === 0) return; // the layer root itself: its metadata belongs to the lower layer
    const base = parts[parts.length - 1] as string;
    const parent = (await this.resolve(parts.slice(0, -1), true)).join('/');
    await this.ensureDir(parent);
    const parentAbs = path.join(this.root, parent);
    if (base === OPAQUE) {
      lsetxattr(parentAbs, 'trusted.overlay.opaque', Buffer.from('y'));
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      const name = base.slice(WHITEOUT.length);
      if (name.startsWith(WHITEOUT) || name === '' || name === '.' || name === '..') return; // aufs metadata
      const rel = parent === '' ? name : `${parent}/${name}`;
      await this.remove(rel);
      mknod(path.join(this.root, rel), S_IFCHR | 0o000, 0n);
      return;
    }
    const rel = parent === '' ? base : `${parent}/${base}`;
    const abs = path.join(this.root, rel);
    if (h.type === 'dir') {
      const st = await fs.lstat(abs).catch(() => undefined);
      if (st !== undefined && !st.isDirectory()) await this.remove(rel);
      if (st === undefined || !st.isDirectory()) await fs.mkdir(abs, { mode: 0o755 });
      this.dirs.add(rel);
      await fs.lchown(abs, h.uid, h.gid);
      await fs.chmod(abs, h.mode);
      this.dirTimes.push([abs, h.mtime]);
    } else {
      await this.remove(rel);
      switch (h.type) {
        case 'file': {
          const fh = await fs.open(abs, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, 0o600);
          try {
            for await (const chunk of body) await fh.write(chunk);
            await fh.chown(h.uid, h.gid);
            await fh.chmod(h.mode); // after chown, which clears set-id bits
            await fh.utimes(h.mtime, h.mtime);
          } finally {
            await fh.close();
          }
          break;
        }
        case 'symlink':
          // The target is stored verbatim: it is resolved inside the container, never here.
          await fs.symlink(h.linkname, abs);
          await fs.lchown(abs, h.uid, h.gid);
          await fs.lutimes(abs, h.mtime, h.mtime);
          break;
        case 'link': {
          const target = (await this.resolve(cleanPath(h.linkname), false)).join('/');
          try {
            await fs.link(path.join(this.root, target), abs);
          } catch (err) {
            throw this.fail(`hard link ${h.name} → ${h.linkname}: target not in this layer`, err);
          }
          return; // a hard link shares its target's metadata
        }
        case 'char':
        case 'block':
        case 'fifo': {
          const kind = h.type === 'char' ? S_IFCHR : h.type === 'block' ? S_IFBLK : S_IFIFO;
          mknod(abs, kind | h.mode, h.type === 'fifo' ? 0n : makedev(h.devmajor, h.devminor));
          await fs.lchown(abs, h.uid, h.gid);
          await fs.chmod(abs, h.mode);
          await fs.lutimes(abs, h.mtime, h.mtime);
          break;
        }
        default:
          break;
      }
    }
    for (const [key, value] of Object.entries(h.xattrs)) {
      // A layer may not forge overlayfs metadata (whiteouts and opaque dirs come only from .wh.).
      if (key.startsWith('trusted.overlay.')) continue;
      try {
        lsetxattr(abs, key, value);
      } catch {
        // Extended attributes the filesystem does not support are dropped, as Docker does.
      }
    }
  }

  async finish(): Promise<void> {
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const [abs, mtime] = this.dirTimes[i] as [string, number];
      await fs.utimes(abs, mtime, mtime);
    }
  }
}

/** Unpacks a layer stream into `dir` (created if missing) and returns its diff-id. */
export async function unpackLayer(source: LayerSource, dir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const ref = options.ref ?? dir;
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const hash = createHash('sha256');
  let bytes = 0;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of decompressed(source, ref, options.onBytes)) {
      hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
  }
  const unpacker = new Unpacker(dir, ref);
  let entries = 0;
  try {
    for await (const { header, body } of readTar(hashed())) {
      await unpacker.entry(header, body);
      entries++;
    }
    await unpacker.finish();
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError('FAILED_PRECONDITION', 'unpack', ref, err instanceof Error ? err.message : String(err), { cause: err });
  }
  return { diffId: digestOfHash(hash), entries, bytes };
}
