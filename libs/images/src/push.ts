/**
 * `push`: upload the blobs the registry lacks (a HEAD checks each first), monolithically or in
 * chunks, then the manifest with its exact stored bytes, so the pushed digest equals the local
 * one.
 */
import { createReadStream } from 'node:fs';
import { type Logger } from '@tsk/log';
import { type Digest } from './digest.js';
import { ImageError } from './errors.js';
import { discard, header, type HttpResponse } from './http.js';
import { type Descriptor } from './oci.js';
import { silentProgress, type ProgressReporter } from './progress.js';
import { eachLimit } from './pull.js';
import { familiarName, parseReference } from './reference.js';
import { RegistryClient, type RegistryOptions } from './registry.js';
import { type ImageStore } from './store.js';

export interface PushOptions extends RegistryOptions {
  readonly progress?: ProgressReporter;
  /** Upload in PATCH chunks of this many bytes; by default one PUT per blob. */
  readonly chunkSize?: number;
  readonly concurrency?: number;
  readonly logger?: Logger;
}

function location(client: RegistryClient, res: HttpResponse, ref: string): URL {
  const loc = header(res, 'location');
  if (loc === undefined) throw new ImageError('FAILED_PRECONDITION', 'push', ref, `upload response without a Location (HTTP ${res.status})`);
  return new URL(loc, client.url(''));
}

async function uploadBlob(store: ImageStore, client: RegistryClient, ref: string, desc: Descriptor, options: PushOptions, progress: ProgressReporter): Promise<void> {
  progress.start(desc.digest, 'Pushing', desc.size);
  const head = await client.send('push', 'HEAD', client.repoUrl(`blobs/${desc.digest}`));
  await discard(head);
  if (head.status === 200) {
    progress.done(desc.digest, 'Layer already exists');
    return;
  }
  const start = await client.send('push', 'POST', client.repoUrl('blobs/uploads/'), { 'Content-Length': '0' });
  if (start.status !== 202) throw await client.unexpected('push', start, `starting the upload of ${desc.digest}`);
  await discard(start);
  let url = location(client, start, ref);
  const file = store.blobs.path(desc.digest);
  const chunk = options.chunkSize;
  if (chunk !== undefined && chunk > 0) {
    for (let offset = 0; offset < desc.size; offset += chunk) {
      const end = Math.min(offset + chunk, desc.size) - 1;
      const res = await client.send(
        'push',
        'PATCH',
        url,
        { 'Content-Type': 'application/octet-stream', 'Content-Length': String(end - offset + 1), 'Content-Range': `${offset}-${end}` },
        () => createReadStream(file, { start: offset, end }),
      );
      if (res.status !== 202) throw await client.unexpected('push', res, `chunk ${offset}-${end} of ${desc.digest}`);
      await discard(res);
      progress.advance(desc.digest, end - offset + 1);
      url = location(client, res, ref);
    }
    url.searchParams.set('digest', desc.digest);
    const done = await client.send('push', 'PUT', url, { 'Content-Length': '0' });
    if (done.status !== 201) throw await client.unexpected('push', done, `completing the upload of ${desc.digest}`);
    await discard(done);
  } else {
    url.searchParams.set('digest', desc.digest);
    const res = await client.send('push', 'PUT', url, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) }, async function* () {
      for await (const b of createReadStream(file, { highWaterMark: 1 << 20 })) {
        progress.advance(desc.digest, (b as Buffer).length);
        yield b as Buffer;
      }
    });
    if (res.status !== 201) throw await client.unexpected('push', res, `uploading ${desc.digest}`);
    await discard(res);
  }
  progress.done(desc.digest, 'Pushed');
}

/** Pushes local image `source` to `dest` (default: source's own name); returns the manifest digest. */
export async function push(store: ImageStore, source: string, dest: string | undefined, options: PushOptions = {}): Promise<Digest> {
  const image = await store.resolve(source, 'push');
  const target = parseReference(dest ?? source);
  const ref = familiarName(target);
  const progress = options.progress ?? silentProgress;
  const client = new RegistryClient(target.registry, target.repository, 'pull,push', options, ref);
  const started = Date.now();
  await eachLimit(image.manifest.layers, options.concurrency ?? 3, (l) => uploadBlob(store, client, ref, l, options, progress));
  await uploadBlob(store, client, ref, image.manifest.config, options, progress);
  const bytes = await store.blobs.read(image.digest);
  const reference = target.tag ?? image.digest;
  const res = await client.send('push', 'PUT', client.repoUrl(`manifests/${reference}`), { 'Content-Type': image.mediaType, 'Content-Length': String(bytes.length) }, bytes);
  if (res.status !== 201) throw await client.unexpected('push', res, `manifest ${reference}`);
  await discard(res);
  const claimed = header(res, 'docker-content-digest');
  if (claimed !== undefined && claimed !== image.digest) throw new ImageError('DATA_LOSS', 'push', ref, `registry stored the manifest as ${claimed}, expected ${image.digest}`);
  progress.finish();
  options.logger?.info({ image: ref, digest: image.digest, ms: Date.now() - started }, 'pushed');
  return image.digest;
}
