// The embedded registry (registryHandler on a plain node:http server): skopeo pushes to it and
// pulls from it, tsk pushes (monolithic and chunked) and pulls, and a blob whose bytes do not
// match its digest is refused.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapBusybox, ImageStore, pull, push, registryHandler, sha256, type ImageRecord } from '@tsk/images';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();
let server: http.Server;
let host: string;
let local: ImageStore;
let busybox: ImageRecord;

beforeAll(async () => {
  const served = await ImageStore.open(dirs.make('served'));
  server = http.createServer(registryHandler(served));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  local = await ImageStore.open(dirs.make('local'));
  busybox = await bootstrapBusybox(local);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  dirs.cleanup();
});

// Asynchronous: the registry runs in this process, so a blocking call would starve it.
async function skopeo(...args: string[]): Promise<string> {
  return (await promisify(execFile)('skopeo', args, { encoding: 'utf8' })).stdout;
}

describe('embedded registry', () => {
  it('takes pushes from tsk and skopeo and serves pulls to both', async () => {
    expect(await push(local, 'busybox', `${host}/tsk/bb:1`)).toBe(busybox.digest);
    expect(await push(local, 'busybox', `${host}/tsk/bb:chunked`, { chunkSize: 100_000 })).toBe(busybox.digest);
    const out = path.join(dirs.make('srv-oci'), 'l');
    await skopeo('copy', '--src-tls-verify=false', `docker://${host}/tsk/bb:1`, `oci:${out}:x`);
    await skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${out}:x`, `docker://${host}/skopeo/bb:2`);
    const raw = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/skopeo/bb:2`);
    const fresh = await ImageStore.open(dirs.make('srv-pull'));
    const pulled = await pull(fresh, `${host}/skopeo/bb:2`);
    expect(pulled.digest).toBe(sha256(raw));
    expect((JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${host}/tsk/bb`)) as { Tags: string[] }).Tags).toEqual(['1', 'chunked']);
  });

  it('refuses an upload whose bytes do not match its digest', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`http://${host}/v2/x/blobs/uploads/?digest=sha256:${'0'.repeat(64)}`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('not the right bytes');
    });
    expect(status).toBe(400);
  });
});
