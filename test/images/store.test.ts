// The image store: names, tags, removal, layer cache, and a container rootfs mounted for real
// with overlayfs (whiteouts from an upper layer must hide the lower layer's files).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapBusybox, createImage, diskBytes, ImageStore, rootfsFor, writeLayer, type TarSourceEntry } from '@tsk/images';
import { file, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

async function twoLayerImage(store: ImageStore, names: string[]): Promise<Awaited<ReturnType<typeof createImage>>> {
  const lower: TarSourceEntry[] = [file('etc/os', 'lower'), file('old', 'to be removed'), file('dir/a', 'a'), { header: { name: 'bin/', type: 'dir' } }];
  const upper: TarSourceEntry[] = [file('.wh.old', ''), file('dir/.wh..wh..opq', ''), file('dir/b', 'b'), file('etc/os', 'upper')];
  return createImage(store, { layers: [await writeLayer(store, lower), await writeLayer(store, upper)], names, created: '2020-01-01T00:00:00Z', config: { Cmd: ['sh'] } });
}

describe('ImageStore', () => {
  let store: ImageStore;
  beforeAll(async () => {
    store = await ImageStore.open(dirs.make('store'));
  });

  it('is an OCI image layout whose index names images', async () => {
    const image = await twoLayerImage(store, ['app']);
    expect(JSON.parse(readFileSync(path.join(store.root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(path.join(store.root, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    expect(index.manifests).toEqual([
      expect.objectContaining({ digest: image.digest, annotations: { 'io.containerd.image.name': 'docker.io/library/app:latest', 'org.opencontainers.image.ref.name': 'latest' } }),
    ]);
    expect(readdirSync(path.join(store.root, 'blobs/sha256'))).toHaveLength(4);
  });

  it('finds images by name, full name, digest, name@digest and ID prefix', async () => {
    const image = await store.resolve('app:latest');
    for (const ref of ['app', 'docker.io/library/app:latest', image.digest, `app@${image.digest}`, image.id.slice(7, 19), image.id]) {
      expect((await store.resolve(ref)).digest).toBe(image.digest);
    }
    await expect(store.resolve('nope')).rejects.toThrow(/resolve nope: no such image/);
  });

  it('tags, untags and removes as docker rmi does', async () => {
    const image = await store.resolve('app');
    await store.tag('app', '127.0.0.1:5000/team/app:v1');
    expect((await store.resolve('app')).names).toEqual(['127.0.0.1:5000/team/app:v1', 'docker.io/library/app:latest']);
    await expect(store.remove(image.id.slice(7, 19))).rejects.toThrow(/referenced by 2 names/);
    expect(await store.remove('app')).toEqual({ untagged: ['docker.io/library/app:latest'], deleted: [] });
    expect(await store.blobs.has(image.digest)).toBe(true);
    const removed = await store.remove('127.0.0.1:5000/team/app:v1');
    expect(removed.deleted).toHaveLength(4);
    expect(await store.images()).toEqual([]);
    expect(readdirSync(path.join(store.root, 'blobs/sha256'))).toEqual([]);
  });

  it('keeps an image whose name moved as an unnamed (dangling) image', async () => {
    const first = await twoLayerImage(store, ['moving:1']);
    const layer = await writeLayer(store, [file('x', 'other')]);
    const second = await createImage(store, { layers: [layer], names: ['moving:1'] });
    const images = await store.images();
    expect(images.find((i) => i.digest === first.digest)?.names).toEqual([]);
    expect(images.find((i) => i.digest === second.digest)?.names).toEqual(['docker.io/library/moving:1']);
    await store.remove(first.digest);
    await store.remove('moving:1');
  });
});

describe('rootfsFor', () => {
  it('unpacks each layer once and gives overlay parameters that mount', async () => {
    const store = await ImageStore.open(dirs.make('rootfs'));
    const image = await twoLayerImage(store, ['app']);
    const containers = dirs.make('containers');
    const a = await rootfsFor(store, 'app', path.join(containers, 'a'));
    const b = await rootfsFor(store, 'app', path.join(containers, 'b'));
    expect(a.lowerdirs).toEqual([...image.config.rootfs.diff_ids].reverse().map((d) => path.join(store.root, 'layers', d.slice(7))));
    expect(b.lowerdirs).toEqual(a.lowerdirs);
    expect(await store.layers.list()).toHaveLength(2);
    expect(a.options).toBe(`lowerdir=${a.lowerdirs.join(':')},upperdir=${a.upperdir},workdir=${a.workdir}`);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', a.options, a.target]);
    try {
      expect(readFileSync(path.join(a.target, 'etc/os'), 'utf8')).toBe('upper');
      expect(existsSync(path.join(a.target, 'old'))).toBe(false);
      expect(readdirSync(path.join(a.target, 'dir'))).toEqual(['b']);
      writeFileSync(path.join(a.target, 'new'), 'container');
      expect(readFileSync(path.join(a.upperdir, 'new'), 'utf8')).toBe('container');
      expect(a.lowerdirs.some((l) => existsSync(path.join(l, 'new')))).toBe(false);
    } finally {
      execFileSync('umount', [a.target]);
    }
  });
});

describe('many containers', () => {
  it('100 containers from one image add only their own (empty) upper dirs to the disk', async () => {
    const store = await ImageStore.open(dirs.make('hundred'));
    await bootstrapBusybox(store);
    const containers = dirs.make('hundred-c');
    await rootfsFor(store, 'busybox', path.join(containers, 'first'));
    const storeBytes = await diskBytes(store.root);
    const before = await diskBytes(containers);
    for (let i = 0; i < 100; i++) await rootfsFor(store, 'busybox', path.join(containers, `c${i}`));
    const perContainer = ((await diskBytes(containers)) - before) / 100;
    // upper/, work/ and rootfs/ plus the container dir: four directory blocks each.
    expect(perContainer).toBeLessThanOrEqual(4 * 4096);
    // Only the last-used marker may change in the store; no layer is unpacked twice.
    expect(Math.abs((await diskBytes(store.root)) - storeBytes)).toBeLessThanOrEqual(4096);
    expect(await store.layers.list()).toHaveLength(1);
  });
});

describe('bootstrap busybox', () => {
  it('is deterministic and runs in an overlay rootfs', async () => {
    const one = await ImageStore.open(dirs.make('bb1'));
    const two = await ImageStore.open(dirs.make('bb2'));
    const a = await bootstrapBusybox(one);
    const b = await bootstrapBusybox(two);
    expect(a.digest).toBe(b.digest);
    expect(a.names).toEqual(['docker.io/library/busybox:latest']);
    expect(a.config.config?.Cmd).toEqual(['sh']);
    expect((await bootstrapBusybox(one)).digest).toBe(a.digest);
    const mount = await rootfsFor(one, 'busybox', path.join(dirs.make('bbc'), 'c1'));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', mount.options, mount.target]);
    try {
      const out = execFileSync('chroot', [mount.target, '/bin/sh', '-c', 'echo hello from $(cat /etc/passwd | head -1 | cut -d: -f1); ls /bin | wc -l'], { encoding: 'utf8' });
      const [hello, count] = out.trim().split('\n');
      expect(hello).toBe('hello from root');
      expect(Number(count)).toBeGreaterThan(50);
    } finally {
      execFileSync('umount', [mount.target]);
    }
  });
});
