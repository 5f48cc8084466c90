/**
 * `pull`: resolve a reference to an image manifest (choosing linux/amd64 from a manifest list
 * or OCI index), download the config and the layers the store lacks, a few at a time, each
 * verified against its digest before it is kept, then name the image.
 */
import { type Logger } from '@tsk/log';
import { sha256, type Digest } from './digest.js';
import { ImageError } from './errors.js';
import { header, readBody } from './http.js';
import { checkIndex, checkManifest, manifestKind, MEDIA, parseJson, pickPlatform, type Descriptor, type Manifest, type Platform } from './oci.js';
import { silentProgress, type ProgressReporter } from './progress.js';
import { familiarName, parseReference, repoName, type Reference } from './reference.js';
import { RegistryClient, type RegistryOptions } from './registry.js';
import { type ImageRecord, type ImageStore } from './store.js';

export interface PullOptions extends RegistryOptions {
  readonly progress?: ProgressReporter;
  readonly platform?: Platform;
  /** Blobs downloaded at once (default 3, as Docker). */
  readonly concurrency?: number;
  readonly logger?: Logger;
}

const ACCEPT = [MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerList].join(', ');

/** Runs `fn` over `items` with at most `limit` in flight; the first failure wins. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(workers);
}

async function fetchManifest(client: RegistryClient, ref: string, reference: string, expected: Digest | undefined): Promise<{ bytes: Buffer; digest: Digest; contentType: string }> {
  const res = await client.send('pull', 'GET', client.repoUrl(`manifests/${reference}`), { Accept: ACCEPT });
  if (res.status !== 200) throw await client.unexpected('pull', res, `manifest ${reference}`);
  const bytes = await readBody(res, 4 << 20);
  const digest = sha256(bytes);
  const claimed = header(res, 'docker-content-digest');
  if (expected !== undefined && digest !== expected) throw new ImageError('DATA_LOSS', 'pull', ref, `manifest digest mismatch: asked for ${expected}, got content ${digest}`);
  if (expected === undefined && claimed !== undefined && claimed.startsWith('sha256:') && claimed !== digest) {
    throw new ImageError('DATA_LOSS', 'pull', ref, `manifest digest mismatch: registry says ${claimed}, content is ${digest}`);
  }
  return { bytes, digest, contentType: header(res, 'content-type') ?? '' };
}

/** Resolves `ref` to a single-platform manifest (bytes kept exact, so its digest is preserved). */
export async function resolveManifest(client: RegistryClient, ref: string, parsed: Reference, platform?: Platform): Promise<{ bytes: Buffer; digest: Digest; manifest: Manifest; mediaType: string }> {
  let got = await fetchManifest(client, ref, parsed.digest ?? parsed.tag ?? 'latest', parsed.digest);
  let doc = parseJson(got.bytes, 'pull', ref);
  if (manifestKind(doc, got.contentType) === 'index') {
    const index = checkIndex(doc, 'pull', ref);
    const want = platform ?? { os: 'linux', architecture: 'amd64' };
    const chosen = pickPlatform(index, want);
    if (chosen === undefined) {
      const have = index.manifests.map((m) => (m.platform === undefined ? '?' : `${m.platform.os}/${m.platform.architecture}`)).join(', ');
      throw new ImageError('NOT_FOUND', 'pull', ref, `no ${want.os}/${want.architecture} image in the index (it has: ${have})`);
    }
    got = await fetchManifest(client, ref, chosen.digest, chosen.digest);
    doc = parseJson(got.bytes, 'pull', ref);
  }
  if (manifestKind(doc, got.contentType) !== 'manifest') throw new ImageError('UNIMPLEMENTED', 'pull', ref, `unsupported manifest type ${got.contentType || 'unknown'}`);
  const manifest = checkManifest(doc, 'pull', ref);
  const mediaType = manifest.mediaType ?? (got.contentType.split(';')[0] as string);
  return { bytes: got.bytes, digest: got.digest, manifest, mediaType };
}

async function fetchBlob(store: ImageStore, client: RegistryClient, ref: string, desc: Descriptor, progress: ProgressReporter, label: string): Promise<void> {
  if (await store.blobs.has(desc.digest)) {
    progress.start(desc.digest, label, desc.size);
    progress.done(desc.digest, 'Already exists');
    return;
  }
  progress.start(desc.digest, label, desc.size);
  const res = await client.send('pull', 'GET', client.repoUrl(`blobs/${desc.digest}`));
  if (res.status !== 200) throw await client.unexpected('pull', res, `blob ${desc.digest}`);
  await store.blobs.ingest(res.body, { digest: desc.digest, size: desc.size, step: 'pull', ref }, (n) => progress.advance(desc.digest, n));
  progress.done(desc.digest, 'Pull complete');
}

/** Pulls `input` into the store and returns the image (named name:tag when pulled by tag). */
export async function pull(store: ImageStore, input: string, options: PullOptions = {}): Promise<ImageRecord> {
  const parsed = parseReference(input);
  const ref = familiarName(parsed);
  const progress = options.progress ?? silentProgress;
  const client = new RegistryClient(parsed.registry, parsed.repository, 'pull', options, ref);
  const started = Date.now();
  const { bytes, manifest, mediaType, digest } = await resolveManifest(client, ref, parsed, options.platform);
  for (const l of manifest.layers) {
    if (l.mediaType === MEDIA.dockerForeignLayer) throw new ImageError('UNIMPLEMENTED', 'pull', ref, `foreign (non-distributable) layer ${l.digest} is not supported`);
  }
  await fetchBlob(store, client, ref, manifest.config, progress, 'Downloading config');
  await eachLimit(manifest.layers, options.concurrency ?? 3, (l) => fetchBlob(store, client, ref, l, progress, 'Downloading'));
  const names = parsed.tag !== undefined ? [`${repoName(parsed)}:${parsed.tag}`] : [];
  const image = await store.addImage(bytes, names, mediaType);
  progress.finish();
  options.logger?.info({ image: ref, digest, layers: manifest.layers.length, ms: Date.now() - started }, 'pulled');
  return image;
}
