/**
 * The OCI (and Docker schema 2) JSON shapes tsk reads and writes, with media types and the checks
 * that turn a stranger's JSON into these types (so a bad manifest fails here, naming what is wrong).
 */
import { isDigest, type Digest } from './digest.js';
import { ImageError } from './errors.js';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const MANIFEST_TYPES: readonly string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];
export const INDEX_TYPES: readonly string[] = [MEDIA.ociIndex, MEDIA.dockerList];

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

/** Annotation keys tsk puts on index.json entries: the full name (as containerd does) and the tag. */
export const ANNOTATION_NAME = 'io.containerd.image.name';
export const ANNOTATION_REF = 'org.opencontainers.image.ref.name';

function bad(step: string, ref: string, detail: string): ImageError {
  return new ImageError('INVALID_ARGUMENT', step, ref, detail);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkDescriptor(v: unknown, step: string, ref: string, where: string): Descriptor {
  if (!isObject(v)) throw bad(step, ref, `${where}: not an object`);
  if (typeof v['mediaType'] !== 'string') throw bad(step, ref, `${where}.mediaType: missing`);
  if (typeof v['digest'] !== 'string' || !isDigest(v['digest'])) throw bad(step, ref, `${where}.digest: not a sha256 digest`);
  if (typeof v['size'] !== 'number' || !Number.isSafeInteger(v['size']) || v['size'] < 0) throw bad(step, ref, `${where}.size: not a size`);
  return v as unknown as Descriptor;
}

export function parseJson(data: Buffer | string, step: string, ref: string): unknown {
  try {
    return JSON.parse(data.toString()) as unknown;
  } catch (err) {
    throw bad(step, ref, `not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Which kind of document a manifest body is: its mediaType field, else its shape. */
export function manifestKind(doc: unknown, contentType = ''): 'manifest' | 'index' | 'unknown' {
  const mt = isObject(doc) && typeof doc['mediaType'] === 'string' ? doc['mediaType'] : contentType.split(';')[0]?.trim() ?? '';
  if (MANIFEST_TYPES.includes(mt)) return 'manifest';
  if (INDEX_TYPES.includes(mt)) return 'index';
  if (isObject(doc) && Array.isArray(doc['manifests'])) return 'index';
  if (isObject(doc) && Array.isArray(doc['layers'])) return 'manifest';
  return 'unknown';
}

export function checkManifest(doc: unknown, step: string, ref: string): Manifest {
  if (!isObject(doc) || doc['schemaVersion'] !== 2) throw bad(step, ref, 'manifest: schemaVersion must be 2 (schema 1 manifests are not supported)');
  checkDescriptor(doc['config'], step, ref, 'manifest.config');
  if (!Array.isArray(doc['layers'])) throw bad(step, ref, 'manifest.layers: missing');
  doc['layers'].forEach((l, i) => checkDescriptor(l, step, ref, `manifest.layers[${i}]`));
  return doc as unknown as Manifest;
}

export function checkIndex(doc: unknown, step: string, ref: string): Index {
  if (!isObject(doc) || doc['schemaVersion'] !== 2 || !Array.isArray(doc['manifests'])) throw bad(step, ref, 'index: schemaVersion 2 and manifests[] required');
  doc['manifests'].forEach((m, i) => checkDescriptor(m, step, ref, `index.manifests[${i}]`));
  return doc as unknown as Index;
}

export function checkConfig(doc: unknown, step: string, ref: string): ImageConfig {
  if (!isObject(doc)) throw bad(step, ref, 'config: not an object');
  const rootfs = doc['rootfs'];
  if (!isObject(rootfs) || !Array.isArray(rootfs['diff_ids']) || !rootfs['diff_ids'].every((d) => typeof d === 'string' && isDigest(d))) {
    throw bad(step, ref, 'config.rootfs.diff_ids: missing or not digests');
  }
  return doc as unknown as ImageConfig;
}

/** The platform tsk runs images for (linux/amd64 on the machines it targets). */
export function hostPlatform(): Platform {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  return { os: 'linux', architecture: arch };
}

/** Picks the entry of an index for `want` (default linux/amd64), or undefined. */
export function pickPlatform(index: Index, want: Platform = { os: 'linux', architecture: 'amd64' }): Descriptor | undefined {
  return index.manifests.find(
    (m) => m.platform !== undefined && m.platform.os === want.os && m.platform.architecture === want.architecture && (want.variant === undefined || m.platform.variant === want.variant),
  );
}

/** Stable JSON for content tsk creates, so equal images get equal digests. */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
