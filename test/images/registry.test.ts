// The registry client against Debian's docker-registry, with skopeo as the second client: what
// tsk pushes skopeo must copy, what skopeo pushes tsk must pull; plus manifest lists, chunked
// uploads, Bearer and Basic auth (through a proxy that demands them) and digest verification.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapBusybox, createImage, ImageStore, MEDIA, pull, push, sha256, writeLayer, type ImageRecord } from '@tsk/images';
import { tempDirs } from './helpers.js';
import { startProxy, startRegistry, type TestProxy, type TestRegistry } from './registry-server.js';

const dirs = tempDirs();
let registry: TestRegistry;
const proxies: TestProxy[] = [];
let store: ImageStore;
let busybox: ImageRecord;

beforeAll(async () => {
  registry = await startRegistry();
  store = await ImageStore.open(dirs.make('reg-store'));
  busybox = await bootstrapBusybox(store);
});
afterAll(async () => {
  for (const p of proxies) await p.stop();
  await registry?.stop();
  dirs.cleanup();
});

function skopeo(...args: string[]): string {
  return execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function putManifest(host: string, repo: string, ref: string, mediaType: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${host}/v2/${repo}/manifests/${ref}`, { method: 'PUT', headers: { 'Content-Type': mediaType } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('registry client', () => {
  it('pushes what skopeo can copy, with the same digest', async () => {
    const digest = await push(store, 'busybox', `${registry.host}/tsk/busybox:1`);
    expect(digest).toBe(busybox.digest);
    const raw = skopeo('inspect', '--tls-verify=false', '--raw', `docker://${registry.host}/tsk/busybox:1`);
    expect(sha256(raw)).toBe(busybox.digest);
    const out = path.join(dirs.make('skopeo-oci'), 'layout');
    skopeo('copy', '--src-tls-verify=false', `docker://${registry.host}/tsk/busybox:1`, `oci:${out}:copied`);
    expect(readdirSync(path.join(out, 'blobs/sha256')).sort()).toEqual([busybox.digest, busybox.id, ...busybox.manifest.layers.map((l) => l.digest)].map((d) => d.slice(7)).sort());
    // A second push finds every blob already there.
    const lines: string[] = [];
    await push(store, 'busybox', `${registry.host}/tsk/busybox:1`, { progress: { start() {}, advance() {}, done: (_id, s) => lines.push(s), finish() {} } });
    expect(lines).toEqual(['Layer already exists', 'Layer already exists']);
  });

  it('pushes in chunks and pulls back by tag and by digest', async () => {
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    const layer = await writeLayer(store, [{ header: { name: 'big', type: 'file', size: big.length }, body: big }], { gzip: false });
    const image = await createImage(store, { layers: [layer], names: ['chunky:1'] });
    await push(store, 'chunky:1', `${registry.host}/tsk/chunky:1`, { chunkSize: 64 * 1024 });
    const other = await ImageStore.open(dirs.make('pull-store'));
    const byTag = await pull(other, `${registry.host}/tsk/chunky:1`);
    expect(byTag.digest).toBe(image.digest);
    expect(byTag.names).toEqual([`${registry.host}/tsk/chunky:1`]);
    const byDigest = await pull(await ImageStore.open(dirs.make('pull-digest')), `${registry.host}/tsk/busybox@${busybox.digest}`);
    expect(byDigest.digest).toBe(busybox.digest);
  });

  it('pulls what skopeo pushed (Docker schema 2) and picks linux/amd64 from an index', async () => {
    const layout = path.join(dirs.make('src-layout'), 'l');
    skopeo('copy', '--src-tls-verify=false', `docker://${registry.host}/tsk/busybox:1`, `oci:${layout}:src`);
    skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${layout}:src`, `docker://${registry.host}/skopeo/bb:v2s2`);
    const fresh = await ImageStore.open(dirs.make('pull-skopeo'));
    const got = await pull(fresh, `${registry.host}/skopeo/bb:v2s2`);
    expect(got.mediaType).toBe(MEDIA.dockerManifest);
    expect(got.config.rootfs.diff_ids).toEqual(busybox.config.rootfs.diff_ids);
    const size = (await store.blobs.read(busybox.digest)).length;
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [
        { mediaType: MEDIA.ociManifest, digest: got.digest === busybox.digest ? got.digest : busybox.digest, size, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: MEDIA.ociManifest, digest: busybox.digest, size, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    expect(await putManifest(registry.host, 'tsk/busybox', 'multi', MEDIA.ociIndex, Buffer.from(JSON.stringify(index)))).toBe(201);
    const multi = await pull(await ImageStore.open(dirs.make('pull-multi')), `${registry.host}/tsk/busybox:multi`);
    expect(multi.digest).toBe(busybox.digest);
    await expect(pull(fresh, `${registry.host}/tsk/busybox:multi`, { platform: { os: 'linux', architecture: 's390x' } })).rejects.toThrow(/no linux\/s390x image in the index \(it has: linux\/arm64, linux\/amd64\)/);
  });

  it('authenticates with Bearer tokens and Basic credentials', async () => {
    const bearer = await startProxy(registry.host, 'bearer');
    proxies.push(bearer);
    const credentials = { username: 'user', password: 'secret' };
    await push(store, 'busybox', `${bearer.host}/auth/bb:1`, { credentials });
    expect(bearer.tokenRequests[0]).toContain('scope=repository%3Aauth%2Fbb%3Apull%2Cpush');
    const pulled = await pull(await ImageStore.open(dirs.make('pull-bearer')), `${bearer.host}/auth/bb:1`, { credentials });
    expect(pulled.digest).toBe(busybox.digest);
    await expect(pull(await ImageStore.open(dirs.make('pull-bad')), `${bearer.host}/auth/bb:1`, { credentials: { username: 'user', password: 'wrong' } })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    const basic = await startProxy(registry.host, 'basic');
    proxies.push(basic);
    expect((await pull(await ImageStore.open(dirs.make('pull-basic')), `${basic.host}/auth/bb:1`, { credentials })).digest).toBe(busybox.digest);
    await expect(pull(await ImageStore.open(dirs.make('pull-basic2')), `${basic.host}/auth/bb:1`)).rejects.toThrow(/wants credentials/);
  });

  it('refuses a blob whose bytes do not match its digest and keeps nothing of it', async () => {
    const corrupt = await startProxy(registry.host, 'corrupt');
    proxies.push(corrupt);
    const fresh = await ImageStore.open(dirs.make('pull-corrupt'));
    await expect(pull(fresh, `${corrupt.host}/tsk/busybox:1`)).rejects.toThrow(/pull .*digest mismatch: expected sha256:[0-9a-f]{64}, content is sha256:[0-9a-f]{64}; the blob was not kept/);
    expect(readdirSync(path.join(fresh.root, 'tmp'))).toEqual([]);
    expect(await fresh.blobs.list()).toEqual([]);
    expect(await fresh.images()).toEqual([]);
  });

  it('speaks TLS to a registry that is not on loopback, plain HTTP only with --insecure', async () => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
    if (address === undefined) return; // no non-loopback address on this host
    const remote = await startRegistry(address);
    try {
      await expect(push(store, 'busybox', `${remote.host}/x/bb:1`)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining(`cannot reach https://${remote.host}`) });
      expect(await push(store, 'busybox', `${remote.host}/x/bb:1`, { insecure: true })).toBe(busybox.digest);
      expect((await pull(await ImageStore.open(dirs.make('pull-insecure')), `${remote.host}/x/bb:1`, { insecure: true })).digest).toBe(busybox.digest);
    } finally {
      await remote.stop();
    }
  });

  it('reports a missing image with the reference', async () => {
    await expect(pull(store, `${registry.host}/nope/nothing:1`)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(`pull ${registry.host}/nope/nothing:1`) });
  });
});

