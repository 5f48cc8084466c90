/**
 * A container's root filesystem: the image's unpacked layers as overlayfs lowerdirs (top layer
 * first, as overlayfs wants them) plus the container's own upperdir and workdir. tsk only
 * computes the parameters and prepares the directories; the runtime does the mount.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ImageError } from './errors.js';
import { type ImageRecord, type ImageStore } from './store.js';

export interface OverlayMount {
  /** Layer directories, upper-most first (overlayfs's lowerdir order). */
  readonly lowerdirs: readonly string[];
  readonly upperdir: string;
  readonly workdir: string;
  /** Where the runtime should mount it: CONTAINER_DIR/rootfs. */
  readonly target: string;
  /** The mount(2) data string: lowerdir=...,upperdir=...,workdir=... */
  readonly options: string;
  readonly image: ImageRecord;
}

/** mount(2) data is limited to one page; overlayfs refuses longer option strings. */
const MAX_OPTIONS = 4095;

/**
 * Unpacks any missing layer of `ref` and returns the overlay parameters for a container whose
 * private directory is `containerDir` (created with upper/, work/ and rootfs/ inside).
 */
export async function rootfsFor(store: ImageStore, ref: string, containerDir: string): Promise<OverlayMount> {
  const image = await store.resolve(ref, 'rootfs');
  const diffIds = image.config.rootfs.diff_ids;
  const dirs = await Promise.all(image.manifest.layers.map((layer, i) => store.layers.ensure(layer, diffIds[i] as (typeof diffIds)[number], ref)));
  const lowerdirs = dirs.length === 0 ? [await store.layers.emptyDir()] : dirs.reverse();
  const upperdir = path.join(containerDir, 'upper');
  const workdir = path.join(containerDir, 'work');
  const target = path.join(containerDir, 'rootfs');
  await Promise.all([fs.mkdir(upperdir, { recursive: true, mode: 0o755 }), fs.mkdir(workdir, { recursive: true, mode: 0o700 }), fs.mkdir(target, { recursive: true, mode: 0o755 })]);
  const options = `lowerdir=${lowerdirs.join(':')},upperdir=${upperdir},workdir=${workdir}`;
  if (options.length > MAX_OPTIONS) {
    throw new ImageError('FAILED_PRECONDITION', 'rootfs', ref, `${lowerdirs.length} layers make overlay options of ${options.length} bytes (the kernel takes ${MAX_OPTIONS}); use a shorter image root`);
  }
  for (const p of [...lowerdirs, upperdir, workdir]) {
    if (/[,:]/.test(p)) throw new ImageError('INVALID_ARGUMENT', 'rootfs', ref, `path ${p} contains ',' or ':', which overlayfs options cannot carry`);
  }
  await store.markUsed(image.digest);
  return { lowerdirs, upperdir, workdir, target, options, image };
}
