/**
 * Image garbage collection as kubelet does it: when the disk holding the store is fuller than a
 * high watermark, remove images no container uses, least recently used first, until usage is
 * below the low watermark. `prune` is Docker's: unnamed images (or, with all, every image not
 * in use), then blobs, layers and temp files nothing references.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Digest } from './digest.js';
import { ImageError } from './errors.js';
import { type ImageRecord, type ImageStore } from './store.js';

export interface DiskUsage {
  readonly capacity: number;
  readonly available: number;
}

export interface GcOptions {
  /** Images containers use: names, digests or IDs. Never removed. */
  readonly inUse: ReadonlySet<string> | readonly string[];
  /** Percent of the disk used above which GC runs (kubelet's default 85). */
  readonly highPercent?: number;
  /** Percent GC frees down to (kubelet's default 80). */
  readonly lowPercent?: number;
  /** How full the disk is; by default statfs of the store root. */
  readonly usage?: () => Promise<DiskUsage>;
  /** Images made or used more recently than this are kept (default 0). */
  readonly minAgeMs?: number;
}

export interface GcResult {
  readonly removed: readonly ImageRecord[];
  /** Bytes of blobs and unpacked layers deleted. */
  readonly freed: number;
  readonly usedPercentBefore: number;
}

export async function statfsUsage(dir: string): Promise<DiskUsage> {
  const s = await fs.statfs(dir);
  return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize };
}

/** Bytes a directory tree occupies on disk (allocated blocks, hard links counted once). */
export async function diskBytes(dir: string, seen = new Set<number>()): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    const st = await fs.lstat(p);
    if (seen.has(st.ino)) continue;
    seen.add(st.ino);
    total += st.blocks * 512;
    if (st.isDirectory()) total += await diskBytes(p, seen);
  }
  return total;
}

async function inUseDigests(store: ImageStore, inUse: GcOptions['inUse']): Promise<Set<Digest>> {
  const out = new Set<Digest>();
  for (const ref of inUse) {
    const image = await store.find(ref).catch(() => undefined);
    if (image !== undefined) out.add(image.digest);
  }
  return out;
}

/** Bytes removing `image` would free: its blobs and layers no other image shares. */
async function exclusiveBytes(store: ImageStore, image: ImageRecord, others: readonly ImageRecord[]): Promise<number> {
  const shared = new Set<string>();
  for (const o of others) {
    if (o.digest === image.digest) continue;
    for (const l of o.manifest.layers) shared.add(l.digest);
    for (const d of o.config.rootfs.diff_ids) shared.add(`layer:${d}`);
    shared.add(o.id);
  }
  let bytes = 0;
  for (const d of [image.digest, image.id, ...image.manifest.layers.map((l) => l.digest)]) {
    if (!shared.has(d)) bytes += await store.blobs.size(d).catch(() => 0);
  }
  for (const d of image.config.rootfs.diff_ids) if (!shared.has(`layer:${d}`)) bytes += await diskBytes(store.layers.path(d));
  return bytes;
}

/** Frees disk above the high watermark down to the low one, least recently used images first. */
export async function collectGarbage(store: ImageStore, options: GcOptions): Promise<GcResult> {
  const high = options.highPercent ?? 85;
  const low = options.lowPercent ?? 80;
  if (!(low >= 0 && low <= high && high <= 100)) throw new ImageError('INVALID_ARGUMENT', 'gc', store.root, `watermarks must satisfy 0 <= low (${low}) <= high (${high}) <= 100`);
  const usage = await (options.usage ?? (() => statfsUsage(store.root)))();
  const used = usage.capacity - usage.available;
  const usedPercentBefore = usage.capacity > 0 ? (used / usage.capacity) * 100 : 0;
  if (usedPercentBefore <= high) return { removed: [], freed: 0, usedPercentBefore };
  const toFree = used - (low / 100) * usage.capacity;
  const keep = await inUseDigests(store, options.inUse);
  const images = await store.images();
  const now = Date.now();
  const candidates: { image: ImageRecord; used: number }[] = [];
  for (const image of images) {
    if (keep.has(image.digest)) continue;
    const added = (await fs.stat(store.blobs.path(image.digest)).catch(() => undefined))?.mtimeMs ?? 0;
    const last = Math.max(await store.lastUsed(image.digest), added);
    if (options.minAgeMs !== undefined && now - last < options.minAgeMs) continue;
    candidates.push({ image, used: last });
  }
  candidates.sort((a, b) => a.used - b.used);
  const removed: ImageRecord[] = [];
  let freed = 0;
  let remaining = images;
  for (const { image } of candidates) {
    if (freed >= toFree) break;
    const bytes = await exclusiveBytes(store, image, remaining);
    await store.remove(image.digest, { force: true });
    remaining = remaining.filter((i) => i.digest !== image.digest);
    removed.push(image);
    freed += bytes;
    store.logger.info({ image: image.names[0] ?? image.digest, bytes }, 'image garbage-collected');
  }
  return { removed, freed, usedPercentBefore };
}

export interface PruneOptions {
  /** Remove every image not in use, not only unnamed ones (docker image prune -a). */
  readonly all?: boolean;
  readonly inUse?: ReadonlySet<string> | readonly string[];
  /** Orphan blobs and temp files younger than this are left (a pull may be writing them); default 1 h. */
  readonly graceMs?: number;
}

export interface PruneResult {
  readonly removed: readonly ImageRecord[];
  readonly freed: number;
}

export async function prune(store: ImageStore, options: PruneOptions = {}): Promise<PruneResult> {
  const keep = await inUseDigests(store, options.inUse ?? []);
  let images = await store.images();
  const removed: ImageRecord[] = [];
  let freed = 0;
  for (const image of [...images]) {
    if (keep.has(image.digest) || (options.all !== true && image.names.length > 0)) continue;
    freed += await exclusiveBytes(store, image, images);
    await store.remove(image.digest, { force: true });
    images = images.filter((i) => i.digest !== image.digest);
    removed.push(image);
  }
  freed += await sweepOrphans(store, options.graceMs ?? 3_600_000);
  return { removed, freed };
}

/** Deletes blobs, layer dirs and temp files that nothing references; returns bytes freed. */
export async function sweepOrphans(store: ImageStore, graceMs: number): Promise<number> {
  const live = await store.referenced();
  const cutoff = Date.now() - graceMs;
  let freed = 0;
  for (const d of await store.blobs.list()) {
    if (live.blobs.has(d)) continue;
    const st = await fs.stat(store.blobs.path(d)).catch(() => undefined);
    if (st === undefined || st.mtimeMs > cutoff) continue;
    await store.blobs.remove(d);
    freed += st.blocks * 512;
  }
  for (const d of await store.layers.list()) {
    if (live.layers.has(d)) continue;
    freed += await diskBytes(store.layers.path(d));
    await store.layers.remove(d);
  }
  for (const n of await fs.readdir(store.blobs.tmpDir).catch(() => [] as string[])) {
    const p = path.join(store.blobs.tmpDir, n);
    const st = await fs.stat(p).catch(() => undefined);
    if (st !== undefined && st.mtimeMs <= cutoff) {
      await fs.rm(p, { recursive: true, force: true });
      freed += st.blocks * 512;
    }
  }
  return freed;
}
