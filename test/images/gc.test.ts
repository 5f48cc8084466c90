// Garbage collection: above the high watermark, unused images go least recently used first
// until usage is under the low one; images in use are never removed; prune removes unnamed
// images (or all unused ones) and orphaned blobs.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectGarbage, createImage, diskBytes, ImageStore, prune, rootfsFor, writeLayer, type ImageRecord } from '@tsk/images';
import { file, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const SIZE = 400_000;

async function images(): Promise<{ store: ImageStore; a: ImageRecord; b: ImageRecord; c: ImageRecord }> {
  const store = await ImageStore.open(dirs.make('gc'));
  const base = await writeLayer(store, [file('etc/base', 'shared')]);
  const make = async (name: string): Promise<ImageRecord> => {
    const data = randomBytes(SIZE);
    const own = await writeLayer(store, [{ header: { name: `data-${name}`, type: 'file', size: data.length }, body: data }], { level: 1 });
    return createImage(store, { layers: [base, own], names: [name] });
  };
  const a = await make('a');
  const b = await make('b');
  const c = await make('c');
  // Containers made from a, then b, then c: a is the least recently used.
  const containers = dirs.make('gc-containers');
  for (const name of ['a', 'b', 'c']) {
    await rootfsFor(store, name, path.join(containers, name));
    await new Promise((r) => setTimeout(r, 20));
  }
  return { store, a, b, c };
}

describe('collectGarbage', () => {
  it('removes least recently used unused images down to the low watermark, never one in use', async () => {
    const { store, a, b, c } = await images();
    const used = await diskBytes(store.root);
    const capacity = Math.round(used / 0.9);
    const usage = async (): Promise<{ capacity: number; available: number }> => ({ capacity, available: capacity - (await diskBytes(store.root)) });
    // Freeing about half an image's worth is needed: one image (b, the oldest unused) suffices.
    const low = ((used - SIZE) / capacity) * 100;
    const result = await collectGarbage(store, { inUse: ['a'], highPercent: 85, lowPercent: low, usage });
    expect(result.usedPercentBefore).toBeGreaterThan(85);
    expect(result.removed.map((i) => i.digest)).toEqual([b.digest]);
    expect(result.freed).toBeGreaterThan(SIZE * 2); // blob and unpacked layer
    expect((await store.images()).map((i) => i.digest).sort()).toEqual([a.digest, c.digest].sort());
    const after = await usage();
    expect(((after.capacity - after.available) / after.capacity) * 100).toBeLessThan(low);
    // Nothing unused left but c; with everything in use nothing goes, however full the disk.
    const none = await collectGarbage(store, { inUse: new Set(['a', c.id]), highPercent: 1, lowPercent: 0, usage });
    expect(none.removed).toEqual([]);
    // The shared base layer survives as long as one image has it.
    expect(await store.layers.has(a.config.rootfs.diff_ids[0] as ImageRecord['id'])).toBe(true);
  });

  it('does nothing below the high watermark', async () => {
    const { store } = await images();
    const result = await collectGarbage(store, { inUse: [], highPercent: 99, lowPercent: 50, usage: async () => ({ capacity: 100, available: 50 }) });
    expect(result).toEqual({ removed: [], freed: 0, usedPercentBefore: 50 });
    await expect(collectGarbage(store, { inUse: [], highPercent: 50, lowPercent: 60 })).rejects.toThrow(/watermarks/);
  });
});

describe('prune', () => {
  it('removes unnamed images, then with all every unused image, and orphan blobs', async () => {
    const { store, a, b } = await images();
    await store.tag('b', 'a'); // a's name moves to b: the old a is now unnamed
    const orphan = await store.blobs.write(Buffer.from('nobody references me'));
    const first = await prune(store, { graceMs: 0 });
    expect(first.removed.map((i) => i.digest)).toEqual([a.digest]);
    expect(await store.blobs.has(orphan)).toBe(false);
    const all = await prune(store, { all: true, inUse: ['c'] });
    expect(all.removed.map((i) => i.digest)).toEqual([b.digest]);
    expect((await store.images()).map((i) => i.names)).toEqual([['docker.io/library/c:latest']]);
  });
});
