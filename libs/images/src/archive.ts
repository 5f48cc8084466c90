/**
 * Image archives, both ways: `docker save` archives (manifest.json with RepoTags, Config and
 * Layers paths; both the classic layout and Docker 25's, which is also an OCI layout) and
 * OCI-layout archives (oci-layout, index.json, blobs/sha256). Import streams the tar once:
 * content-addressed blobs are verified against their file names as they are stored, other
 * files (classic layer.tar, config .json) are stored under the digest computed on the way.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest } from './digest.js';
import { ImageError } from './errors.js';
import {
  ANNOTATION_NAME,
  ANNOTATION_REF,
  canonicalJson,
  checkIndex,
  checkManifest,
  manifestKind,
  MEDIA,
  parseJson,
  pickPlatform,
  type Descriptor,
  type Index,
  type Manifest,
} from './oci.js';
import { familiarName, parseReference, taggedName } from './reference.js';
import { type ImageRecord, type ImageStore } from './store.js';
import { readTar, writeTar, type TarSourceEntry } from './tar.js';
import { cleanPath } from './unpack.js';

export type ArchiveFormat = 'docker-archive' | 'oci-archive';

interface DockerManifestItem {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Writes `refs` as one archive at `file`: OCI layout, plus manifest.json for docker-archive. */
export async function saveArchive(store: ImageStore, refs: readonly string[], file: string, format: ArchiveFormat = 'docker-archive'): Promise<void> {
  const images: { image: ImageRecord; names: string[] }[] = [];
  for (const r of refs) {
    const image = await store.resolve(r, 'save');
    let names: string[];
    try {
      const ref = parseReference(r);
      names = ref.digest === undefined && image.names.includes(taggedName(r)) ? [taggedName(r)] : [...image.names];
    } catch {
      names = [...image.names];
    }
    images.push({ image, names });
  }
  const blobs = new Map<Digest, number>();
  const index: Index = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
  const dockerManifest: DockerManifestItem[] = [];
  for (const { image, names } of images) {
    const size = await store.blobs.size(image.digest);
    for (const d of [image.digest, image.id, ...image.manifest.layers.map((l) => l.digest)]) blobs.set(d, await store.blobs.size(d));
    const desc: Descriptor = { mediaType: image.mediaType, digest: image.digest, size };
    if (names.length === 0) index.manifests.push(desc);
    for (const n of names) index.manifests.push({ ...desc, annotations: { [ANNOTATION_NAME]: n, [ANNOTATION_REF]: n.slice(n.lastIndexOf(':') + 1) } });
    dockerManifest.push({
      Config: `blobs/sha256/${image.id.slice(7)}`,
      RepoTags: names.map((n) => familiarName(parseReference(n))),
      Layers: image.manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    });
  }
  const json = (name: string, value: unknown): TarSourceEntry => {
    const body = canonicalJson(value);
    return { header: { name, type: 'file', size: body.length, mode: 0o644 }, body };
  };
  const entries: TarSourceEntry[] = [
    json('oci-layout', { imageLayoutVersion: '1.0.0' }),
    { header: { name: 'blobs/', type: 'dir' } },
    { header: { name: 'blobs/sha256/', type: 'dir' } },
    ...[...blobs].map(([d, size]): TarSourceEntry => ({ header: { name: `blobs/sha256/${d.slice(7)}`, type: 'file', size, mode: 0o644 }, body: () => createReadStream(store.blobs.path(d)) as AsyncIterable<Buffer> })),
    json('index.json', index),
  ];
  if (format === 'docker-archive') entries.push(json('manifest.json', dockerManifest));
  await pipeline(Readable.from(writeTar(entries)), createWriteStream(file));
}

/** Imports every image of the archive at `file`; `names` (if given) name a single-image archive. */
export async function importArchive(store: ImageStore, file: string, options: { names?: readonly string[] } = {}): Promise<ImageRecord[]> {
  const step = 'import';
  const stored = new Map<string, { digest: Digest; size: number }>();
  const small = new Map<string, Buffer>();
  try {
    for await (const { header, body } of readTar(createReadStream(file, { highWaterMark: 1 << 20 }))) {
      if (header.type !== 'file') continue;
      const p = cleanPath(header.name).join('/');
      const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(p);
      if (m !== null) {
        const digest = `sha256:${m[1] as string}` as Digest;
        stored.set(p, await store.blobs.ingest(body, { digest, size: header.size, step, ref: `${file} ${p}` }));
      } else if (['index.json', 'manifest.json', 'oci-layout', 'repositories'].includes(p)) {
        const parts: Buffer[] = [];
        for await (const b of body) parts.push(b);
        small.set(p, Buffer.concat(parts));
      } else if (p.endsWith('.tar') || p.endsWith('.json') || p.endsWith('.tar.gz')) {
        stored.set(p, await store.blobs.ingest(body, { step, ref: `${file} ${p}` }));
      }
    }
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError('INVALID_ARGUMENT', step, file, `not a readable image archive: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const indexBytes = small.get('index.json');
  const manifestJson = small.get('manifest.json');
  const docker = manifestJson === undefined ? undefined : (parseJson(manifestJson, step, `${file} manifest.json`) as DockerManifestItem[]);
  let out: ImageRecord[];
  if (indexBytes !== undefined) out = await importOci(store, file, indexBytes, docker);
  else if (docker !== undefined) out = await importDocker(store, file, docker, stored);
  else throw new ImageError('INVALID_ARGUMENT', step, file, 'neither index.json nor manifest.json in the archive (not an OCI or docker-save archive)');
  if (options.names !== undefined && options.names.length > 0) {
    if (out.length !== 1) throw new ImageError('INVALID_ARGUMENT', step, file, `--tag needs an archive with one image, this one has ${out.length}`);
    for (const n of options.names) await store.tag((out[0] as ImageRecord).digest, n);
    out = [await store.resolve((out[0] as ImageRecord).digest)];
  }
  return out;
}

function nameOf(annotations: Record<string, string> | undefined): string | undefined {
  const full = annotations?.[ANNOTATION_NAME];
  if (full !== undefined) return full;
  const ref = annotations?.[ANNOTATION_REF];
  // skopeo and others write the whole reference as ref.name; a bare tag names nothing.
  if (ref !== undefined && /[/:]/.test(ref)) {
    try {
      return taggedName(ref);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function importOci(store: ImageStore, file: string, indexBytes: Buffer, docker: DockerManifestItem[] | undefined): Promise<ImageRecord[]> {
  const index = checkIndex(parseJson(indexBytes, 'import', `${file} index.json`), 'import', file);
  const byDigest = new Map<Digest, { bytes: Buffer; mediaType: string; names: Set<string> }>();
  const visit = async (desc: Descriptor, names: string[]): Promise<void> => {
    const bytes = await store.blobs.read(desc.digest).catch(() => {
      throw new ImageError('INVALID_ARGUMENT', 'import', file, `index.json names ${desc.digest}, which is not in the archive`);
    });
    const doc = parseJson(bytes, 'import', file);
    if (manifestKind(doc, desc.mediaType) === 'index') {
      const nested = checkIndex(doc, 'import', file);
      const chosen = pickPlatform(nested) ?? (nested.manifests.length === 1 ? nested.manifests[0] : undefined);
      if (chosen === undefined) throw new ImageError('NOT_FOUND', 'import', file, 'no linux/amd64 image in the archive index');
      await visit(chosen, names);
      return;
    }
    const m = checkManifest(doc, 'import', file);
    const entry = byDigest.get(desc.digest) ?? { bytes, mediaType: m.mediaType ?? desc.mediaType, names: new Set<string>() };
    for (const n of names) entry.names.add(n);
    byDigest.set(desc.digest, entry);
  };
  for (const desc of index.manifests) {
    const n = nameOf(desc.annotations);
    await visit(desc, n === undefined ? [] : [n]);
  }
  // Docker 25 archives also list RepoTags in manifest.json; use them when index.json has no names.
  for (const item of docker ?? []) {
    const config = /([0-9a-f]{64})/.exec(item.Config)?.[1];
    for (const e of byDigest.values()) {
      const m = parseJson(e.bytes, 'import', file) as Manifest;
      if (config !== undefined && m.config.digest === `sha256:${config}` && e.names.size === 0) for (const t of item.RepoTags ?? []) e.names.add(taggedName(t));
    }
  }
  const out: ImageRecord[] = [];
  for (const e of byDigest.values()) out.push(await store.addImage(e.bytes, [...e.names], e.mediaType));
  return out;
}

async function importDocker(store: ImageStore, file: string, items: DockerManifestItem[], stored: Map<string, { digest: Digest; size: number }>): Promise<ImageRecord[]> {
  const out: ImageRecord[] = [];
  const find = (p: string): { digest: Digest; size: number } => {
    const hit = stored.get(cleanPath(p).join('/'));
    if (hit === undefined) throw new ImageError('INVALID_ARGUMENT', 'import', file, `manifest.json names ${p}, which is not in the archive`);
    return hit;
  };
  for (const item of items) {
    const config = find(item.Config);
    const configDoc = await store.config(config.digest, file);
    const layers: Descriptor[] = [];
    for (const [i, p] of item.Layers.entries()) {
      const blob = find(p);
      const head = await store.blobs.head(blob.digest, 2);
      const gzip = head[0] === 0x1f && head[1] === 0x8b;
      if (!gzip && configDoc.rootfs.diff_ids[i] !== blob.digest) {
        throw new ImageError('DATA_LOSS', 'import', file, `layer ${p} has digest ${blob.digest} but the config says diff-id ${configDoc.rootfs.diff_ids[i] ?? '(none)'}`);
      }
      layers.push({ mediaType: gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest: blob.digest, size: blob.size });
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: config.digest, size: config.size }, layers };
    const names = (item.RepoTags ?? []).map((t) => taggedName(t));
    out.push(await store.addImage(canonicalJson(manifest), names, MEDIA.ociManifest));
  }
  return out;
}

