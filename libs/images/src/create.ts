/**
 * Making images from entries tsk generates (bootstrap, import of loose layers, tests, benchmarks):
 * a layer is written as a gzip'd tar blob while its diff-id is hashed on the way, then a config
 * and manifest tie the layers together. Same entries and same config → same digests.
 */
import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { digestOfHash, type Digest } from './digest.js';
import { MEDIA, canonicalJson, hostPlatform, type ContainerConfig, type Descriptor, type HistoryEntry, type ImageConfig, type Manifest } from './oci.js';
import { type ImageRecord, type ImageStore } from './store.js';
import { writeTar, type TarSourceEntry } from './tar.js';

export interface WrittenLayer {
  readonly descriptor: Descriptor;
  readonly diffId: Digest;
}

export interface LayerOptions {
  /** gzip (default) or a plain tar. */
  readonly gzip?: boolean;
  /** zlib level; 6 by default like Docker, 1 for benchmarks that do not care. */
  readonly level?: number;
  readonly onBytes?: (n: number) => void;
}

/** Writes `entries` as one layer blob; returns its descriptor and diff-id. */
export async function writeLayer(store: ImageStore, entries: Iterable<TarSourceEntry> | AsyncIterable<TarSourceEntry>, options: LayerOptions = {}): Promise<WrittenLayer> {
  const diff = createHash('sha256');
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of writeTar(entries)) {
      diff.update(chunk);
      yield chunk;
    }
  }
  const gzip = options.gzip ?? true;
  const source: AsyncIterable<Buffer> = gzip ? Readable.from(hashed()).pipe(createGzip({ level: options.level ?? 6 })) : hashed();
  const { digest, size } = await store.blobs.ingest(source, { step: 'write layer' }, options.onBytes);
  return { descriptor: { mediaType: gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest, size }, diffId: digestOfHash(diff) };
}

export interface NewImage {
  readonly layers: readonly WrittenLayer[];
  readonly config?: ContainerConfig;
  /** RFC 3339; fixed by callers that want reproducible digests. */
  readonly created?: string;
  readonly history?: readonly HistoryEntry[];
  readonly names?: readonly string[];
  readonly annotations?: Record<string, string>;
}

/** Writes the config and manifest of an image built from `layers`, and names it. */
export async function createImage(store: ImageStore, spec: NewImage): Promise<ImageRecord> {
  const platform = hostPlatform();
  const config: ImageConfig = {
    ...(spec.created !== undefined ? { created: spec.created } : {}),
    architecture: platform.architecture,
    os: platform.os,
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => l.diffId) },
    history: spec.history !== undefined ? [...spec.history] : spec.layers.map(() => ({ ...(spec.created !== undefined ? { created: spec.created } : {}), created_by: 'tsk' })),
  };
  const configBytes = canonicalJson(config);
  const configDigest = await store.blobs.write(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: configBytes.length },
    layers: spec.layers.map((l) => l.descriptor),
    ...(spec.annotations !== undefined ? { annotations: spec.annotations } : {}),
  };
  return store.addImage(canonicalJson(manifest), spec.names ?? [], MEDIA.ociManifest);
}
