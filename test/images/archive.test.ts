// Archives both ways, with skopeo as the other party: what tsk saves skopeo reads, what skopeo
// writes tsk imports, and a save/import round trip keeps the manifest digest.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapBusybox, importArchive, ImageStore, saveArchive, type ImageRecord } from '@tsk/images';
import { tarOf, tempDirs } from './helpers.js';

const dirs = tempDirs();
let store: ImageStore;
let busybox: ImageRecord;
let work: string;

beforeAll(async () => {
  store = await ImageStore.open(dirs.make('arch-store'));
  busybox = await bootstrapBusybox(store);
  await store.tag('busybox', 'example.com/team/bb:v1');
  work = dirs.make('arch-work');
});
afterAll(() => dirs.cleanup());

function skopeo(...args: string[]): string {
  return execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('archives', () => {
  it('saves a docker archive that skopeo reads and that imports back unchanged', async () => {
    const file = path.join(work, 'bb.tar');
    await saveArchive(store, ['busybox:latest'], file, 'docker-archive');
    const info = JSON.parse(skopeo('inspect', `docker-archive:${file}`)) as { RepoTags: string[]; Layers: string[] };
    expect(info.Layers).toHaveLength(1);
    const out = path.join(work, 'from-docker');
    skopeo('copy', `docker-archive:${file}`, `oci:${out}:x`);
    const fresh = await ImageStore.open(dirs.make('arch-import'));
    const [image] = await importArchive(fresh, file);
    expect(image?.digest).toBe(busybox.digest);
    expect(image?.names).toEqual(['docker.io/library/busybox:latest']);
  });

  it('saves an OCI archive that skopeo copies and that imports back with all names', async () => {
    const file = path.join(work, 'bb-oci.tar');
    await saveArchive(store, [busybox.digest], file, 'oci-archive');
    skopeo('copy', `oci-archive:${file}:latest`, `oci:${path.join(work, 'from-oci')}:y`);
    const fresh = await ImageStore.open(dirs.make('arch-import-oci'));
    const [image] = await importArchive(fresh, file);
    expect(image?.digest).toBe(busybox.digest);
    expect(image?.names).toEqual(['docker.io/library/busybox:latest', 'example.com/team/bb:v1']);
  });

  it('imports the docker and OCI archives skopeo writes', async () => {
    const layout = path.join(work, 'layout');
    const src = path.join(work, 'bb-src.tar');
    await saveArchive(store, ['busybox'], src, 'oci-archive');
    skopeo('copy', `oci-archive:${src}:latest`, `oci:${layout}:latest`);
    const dockerFile = path.join(work, 'skopeo-docker.tar');
    skopeo('copy', `oci:${layout}:latest`, `docker-archive:${dockerFile}:skopeo/made:1`);
    const fresh = await ImageStore.open(dirs.make('arch-skopeo'));
    const [fromDocker] = await importArchive(fresh, dockerFile);
    expect(fromDocker?.names).toEqual(['docker.io/skopeo/made:1']);
    expect(fromDocker?.config.rootfs.diff_ids).toEqual(busybox.config.rootfs.diff_ids);
    const ociFile = path.join(work, 'skopeo-oci.tar');
    skopeo('copy', `oci:${layout}:latest`, `oci-archive:${ociFile}:other/name:2`);
    const [fromOci] = await importArchive(fresh, ociFile);
    expect(fromOci?.names).toEqual(['docker.io/other/name:2']);
  });

  it('refuses archives with a blob that does not match its name, keeping nothing', async () => {
    const file = path.join(work, 'bad.tar');
    writeFileSync(file, await tarOf([{ header: { name: `blobs/sha256/${'0'.repeat(64)}`, type: 'file', size: 3 }, body: Buffer.from('bad') }]));
    const fresh = await ImageStore.open(dirs.make('arch-bad'));
    await expect(importArchive(fresh, file)).rejects.toThrow(/import .*digest mismatch/);
    expect(readdirSync(path.join(fresh.root, 'blobs/sha256'))).toEqual([]);
    writeFileSync(file, await tarOf([{ header: { name: 'hello', type: 'file', size: 2 }, body: Buffer.from('hi') }]));
    await expect(importArchive(fresh, file)).rejects.toThrow(/neither index.json nor manifest.json/);
  });
});
