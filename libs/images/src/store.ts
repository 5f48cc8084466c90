/**
 * The image store: an OCI image layout under a root directory (oci-layout, index.json,
 * blobs/sha256), whose index.json entries carry each image's full name (containerd's
 * io.containerd.image.name) and tag (org.opencontainers.image.ref.name). One entry per name; an
 * image that lost its last name stays as an unnamed (dangling) entry until removed or pruned.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { silentLogger, type Logger } from '@tsk/log';
import { BlobStore } from './blobs.js';
import { isDigest, type Digest } from './digest.js';
import { ImageError, errnoCode } from './errors.js';
import { LayerCache } from './layers.js';
import { FileLock } from './lock.js';
import {
  ANNOTATION_NAME,
  ANNOTATION_REF,
  checkConfig,
  checkManifest,
  MEDIA,
  parseJson,
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
} from './oci.js';
import { parseReference, repoName, taggedName } from './reference.js';

export interface ImageRecord {
  /** Digest of the image manifest: what a registry and `name@digest` address. */
  readonly digest: Digest;
  readonly mediaType: string;
  /** Full names: docker.io/library/busybox:latest. */
  readonly names: readonly string[];
  readonly manifest: Manifest;
  /** Digest of the config: Docker's image ID. */
  readonly id: Digest;
  readonly config: ImageConfig;
}

export interface StoreOptions {
  readonly logger?: Logger;
}

const EMPTY_INDEX: Index = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };

export class ImageStore {
  readonly blobs: BlobStore;
  readonly layers: LayerCache;
  readonly logger: Logger;
  private readonly indexPath: string;
  private readonly lock: FileLock;
  private cached: { mtimeMs: number; size: number; index: Index } | undefined;
  /** Manifests and configs are immutable by digest, so parsed ones are kept. */
  private readonly docs = new Map<Digest, unknown>();

  private constructor(
    readonly root: string,
    options: StoreOptions,
  ) {
    this.logger = options.logger ?? silentLogger();
    this.blobs = new BlobStore(root);
    this.layers = new LayerCache(root, this.blobs, this.logger);
    this.indexPath = path.join(root, 'index.json');
    this.lock = new FileLock(path.join(root, 'index.lock'));
  }

  /** Opens (creating when missing) the store at `root`. */
  static async open(root: string, options: StoreOptions = {}): Promise<ImageStore> {
    const store = new ImageStore(path.resolve(root), options);
    try {
      await store.blobs.init();
      await store.layers.init();
      const layout = path.join(store.root, 'oci-layout');
      await fs.writeFile(layout, JSON.stringify({ imageLayoutVersion: '1.0.0' }), { flag: 'wx' }).catch((err: unknown) => {
        if (errnoCode(err) !== 'EEXIST') throw err;
      });
    } catch (err) {
      if (err instanceof ImageError) throw err;
      throw new ImageError('FAILED_PRECONDITION', 'open image store', store.root, err instanceof Error ? err.message : String(err), { cause: err });
    }
    return store;
  }

  async readIndex(): Promise<Index> {
    let st;
    try {
      st = await fs.stat(this.indexPath);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return structuredClone(EMPTY_INDEX);
      throw err;
    }
    if (this.cached !== undefined && this.cached.mtimeMs === st.mtimeMs && this.cached.size === st.size) return structuredClone(this.cached.index);
    const index = parseJson(await fs.readFile(this.indexPath), 'read index', this.indexPath) as Index;
    if (!Array.isArray(index.manifests)) throw new ImageError('DATA_LOSS', 'read index', this.indexPath, 'manifests[] missing');
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, index };
    return structuredClone(index);
  }

  /** Read-modify-write of index.json under the store lock, replaced atomically. */
  private async updateIndex(change: (index: Index) => void): Promise<void> {
    await this.lock.with(async () => {
      const index = await this.readIndex();
      change(index);
      const tmp = this.blobs.tempPath('index');
      await fs.writeFile(tmp, `${JSON.stringify(index, null, 2)}\n`);
      await fs.rename(tmp, this.indexPath);
    });
  }

  async manifest(digest: Digest, ref = digest as string): Promise<Manifest> {
    const hit = this.docs.get(digest);
    if (hit !== undefined) return hit as Manifest;
    const m = checkManifest(parseJson(await this.blobs.read(digest), 'read manifest', ref), 'read manifest', ref);
    this.docs.set(digest, m);
    return m;
  }

  async config(digest: Digest, ref = digest as string): Promise<ImageConfig> {
    const hit = this.docs.get(digest);
    if (hit !== undefined) return hit as ImageConfig;
    const c = checkConfig(parseJson(await this.blobs.read(digest), 'read config', ref), 'read config', ref);
    this.docs.set(digest, c);
    return c;
  }

  private async record(desc: Descriptor, names: string[]): Promise<ImageRecord> {
    const manifest = await this.manifest(desc.digest);
    const config = await this.config(manifest.config.digest);
    return { digest: desc.digest, mediaType: desc.mediaType, names, manifest, id: manifest.config.digest, config };
  }

  /** Every image, one record per manifest, names sorted. */
  async images(): Promise<ImageRecord[]> {
    const index = await this.readIndex();
    const byDigest = new Map<Digest, { desc: Descriptor; names: string[] }>();
    for (const d of index.manifests) {
      const entry = byDigest.get(d.digest) ?? { desc: d, names: [] };
      const name = d.annotations?.[ANNOTATION_NAME];
      if (name !== undefined) entry.names.push(name);
      byDigest.set(d.digest, entry);
    }
    const out: ImageRecord[] = [];
    for (const { desc, names } of byDigest.values()) out.push(await this.record(desc, names.sort()));
    return out;
  }

  /** The image `input` names (name[:tag], name@digest, a full digest or an ID prefix), or undefined. */
  async find(input: string): Promise<ImageRecord | undefined> {
    const images = await this.images();
    const trimmed = input.trim();
    if (isDigest(trimmed)) return images.find((i) => i.digest === trimmed || i.id === trimmed);
    let byName: ImageRecord | undefined;
    try {
      const ref = parseReference(trimmed);
      if (ref.digest !== undefined) {
        byName = images.find((i) => i.digest === ref.digest);
      } else {
        const name = `${repoName(ref)}:${ref.tag ?? 'latest'}`;
        byName = images.find((i) => i.names.includes(name));
      }
    } catch (err) {
      if (!/^[0-9a-f]{4,64}$/.test(trimmed)) throw err;
    }
    if (byName !== undefined) return byName;
    // Docker accepts an unambiguous prefix of the image ID.
    const hex = trimmed.replace(/^sha256:/, '');
    if (/^[0-9a-f]{4,64}$/.test(hex)) {
      const matches = images.filter((i) => i.id.slice(7).startsWith(hex));
      if (matches.length > 1) throw new ImageError('FAILED_PRECONDITION', 'resolve', input, `ambiguous image ID prefix (${matches.length} images)`);
      return matches[0];
    }
    return undefined;
  }

  async resolve(input: string, step = 'resolve'): Promise<ImageRecord> {
    const found = await this.find(input);
    if (found === undefined) throw new ImageError('NOT_FOUND', step, input, 'no such image in the local store');
    return found;
  }

  /**
   * Records an image whose manifest bytes are given; every blob it references must already be
   * in the store. Each name moves to this image (the image that held it keeps its other names,
   * or stays unnamed).
   */
  async addImage(manifestBytes: Buffer, names: readonly string[], mediaType?: string): Promise<ImageRecord> {
    const ref = names[0] ?? 'image';
    const manifest = checkManifest(parseJson(manifestBytes, 'add image', ref), 'add image', ref);
    for (const d of [manifest.config, ...manifest.layers]) {
      if (!(await this.blobs.has(d.digest))) throw new ImageError('FAILED_PRECONDITION', 'add image', ref, `blob ${d.digest} is missing from the store`);
    }
    const config = await this.config(manifest.config.digest, ref);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new ImageError('INVALID_ARGUMENT', 'add image', ref, `config has ${config.rootfs.diff_ids.length} diff_ids for ${manifest.layers.length} layers`);
    }
    const digest = await this.blobs.write(manifestBytes);
    const full = names.map(taggedName);
    const desc: Descriptor = { mediaType: mediaType ?? manifest.mediaType ?? MEDIA.ociManifest, digest, size: manifestBytes.length };
    await this.updateIndex((index) => {
      const before = snapshot(index);
      index.manifests = index.manifests.filter((d) => {
        const n = d.annotations?.[ANNOTATION_NAME];
        return n === undefined ? d.digest !== digest : !full.includes(n);
      });
      for (const name of full) index.manifests.push(namedEntry(desc, name));
      before.set(digest, desc);
      keepUnnamed(index, before);
    });
    return this.resolve(digest);
  }

  /** Docker's `tag SOURCE TARGET`. */
  async tag(source: string, target: string): Promise<void> {
    const image = await this.resolve(source, 'tag');
    const name = taggedName(target);
    await this.updateIndex((index) => {
      const before = snapshot(index);
      const desc = before.get(image.digest) as Descriptor;
      index.manifests = index.manifests.filter((d) => d.annotations?.[ANNOTATION_NAME] !== name && !(d.digest === image.digest && d.annotations?.[ANNOTATION_NAME] === undefined));
      index.manifests.push(namedEntry(desc, name));
      keepUnnamed(index, before);
    });
  }

  /**
   * Docker's `rmi`: a name untags (the image goes when its last name does); an ID or digest
   * removes the image, refused while it has several names unless forced. Blobs and unpacked
   * layers no other image uses go with it. Callers must not remove an image a container uses.
   */
  async remove(input: string, options: { force?: boolean } = {}): Promise<{ untagged: string[]; deleted: Digest[] }> {
    const image = await this.resolve(input, 'rm');
    let byName: string | undefined;
    // A name untags; a digest or an ID (prefix) means the image itself.
    if (!isDigest(input.trim()) && !/^[0-9a-f]{12,64}$/.test(input)) {
      try {
        const ref = parseReference(input);
        if (ref.digest === undefined) byName = `${repoName(ref)}:${ref.tag ?? 'latest'}`;
      } catch {
        // an ID prefix
      }
    }
    if (byName === undefined && image.names.length > 1 && options.force !== true) {
      throw new ImageError('FAILED_PRECONDITION', 'rm', input, `image is referenced by ${image.names.length} names (${image.names.join(', ')}); remove by name or force`);
    }
    const untagged = byName !== undefined ? [byName] : [...image.names];
    const goes = byName === undefined || image.names.length <= 1;
    await this.updateIndex((index) => {
      index.manifests = index.manifests.filter((d) => d.digest !== image.digest || (!goes && d.annotations?.[ANNOTATION_NAME] !== byName));
    });
    if (!goes) return { untagged, deleted: [] };
    return { untagged, deleted: [image.digest, ...(await this.sweep([image]))] };
  }

  /** Removes the blobs and layer dirs of `gone` images that no remaining image references. */
  async sweep(gone: readonly ImageRecord[]): Promise<Digest[]> {
    const live = await this.referenced();
    const deleted: Digest[] = [];
    for (const image of gone) {
      if (live.blobs.has(image.digest)) continue;
      await this.blobs.remove(image.digest);
      for (const d of [image.manifest.config, ...image.manifest.layers]) {
        if (!live.blobs.has(d.digest)) {
          await this.blobs.remove(d.digest);
          deleted.push(d.digest);
        }
      }
      for (const diffId of image.config.rootfs.diff_ids) if (!live.layers.has(diffId)) await this.layers.remove(diffId);
    }
    return deleted;
  }

  /**
   * Records that a container was just made from the image (for GC's least-recently-used order):
   * the mtime of ROOT/used/<hex>, one cheap write instead of rewriting index.json.
   */
  async markUsed(digest: Digest): Promise<void> {
    const file = path.join(this.root, 'used', digest.slice(7));
    const now = new Date();
    try {
      await fs.utimes(file, now, now);
    } catch {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, '');
    }
  }

  /** When a container was last made from the image (ms since the epoch), or 0. */
  async lastUsed(digest: Digest): Promise<number> {
    return (await fs.stat(path.join(this.root, 'used', digest.slice(7))).catch(() => undefined))?.mtimeMs ?? 0;
  }

  /** Every blob and diff-id some image in the index needs. */
  async referenced(): Promise<{ blobs: Set<Digest>; layers: Set<Digest> }> {
    const blobs = new Set<Digest>();
    const layers = new Set<Digest>();
    for (const image of await this.images()) {
      blobs.add(image.digest);
      blobs.add(image.id);
      for (const l of image.manifest.layers) blobs.add(l.digest);
      for (const d of image.config.rootfs.diff_ids) layers.add(d);
    }
    return { blobs, layers };
  }
}

function namedEntry(desc: Descriptor, name: string): Descriptor {
  const tag = name.slice(name.lastIndexOf(':') + 1);
  return { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [ANNOTATION_NAME]: name, [ANNOTATION_REF]: tag } };
}

function snapshot(index: Index): Map<Digest, Descriptor> {
  return new Map(index.manifests.map((d) => [d.digest, d]));
}

/** An image that lost its last name keeps one unnamed entry (Docker's <none>:<none>). */
function keepUnnamed(index: Index, before: Map<Digest, Descriptor>): void {
  const present = new Set(index.manifests.map((d) => d.digest));
  for (const [digest, d] of before) {
    if (!present.has(digest)) index.manifests.push({ mediaType: d.mediaType, digest, size: d.size });
  }
}
