// tsk-server's embedded registry (issue 4 item 5), as a user meets it: a real tsk-server serves
// the OCI distribution API at /v2/ on its --http-listen port out of DATA_DIR/registry. skopeo
// pushes an image there and pulls it back, tsk's client (tsctl image pull) pulls it, and
// `tsctl image push busybox` with no destination lands there. tsctl and skopeo run as the
// processes a user would start; the server is stopped by pid in afterAll.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@tsk/images';
import { REPO, startServer, type ServerProcess } from '../apiserver/harness.js';

const run = promisify(execFile);
const TSCTL = path.join(REPO, 'apps/tsctl/bin/tsctl.js');
const IMAGE_JS = path.join(REPO, 'apps/tsctl/dist/commands/image.js');

let server: ServerProcess;
let tmp: string;
/** The registry's HOST:PORT: the server's HTTP listener. */
let registry: string;
/** tsctl's own image store, where busybox is bootstrapped. */
let root: string;
/** The bootstrapped busybox: manifest digest and image ID (config digest). */
let local: { digest: string; id: string };

/** A HOME without ~/.tsk/config, so the user's own config cannot steer tsctl. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, HOME: tmp };
  delete e['TSK_REGISTRY'];
  delete e['TSK_SERVER'];
  delete e['TSK_IMAGE_ROOT'];
  return { ...e, ...extra };
}

async function tsctl(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<string> {
  return (await run(process.execPath, [TSCTL, ...args], { env: env(extraEnv), encoding: 'utf8' })).stdout;
}

async function skopeo(...args: string[]): Promise<string> {
  return (await run('skopeo', args, { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
}

async function inspect(storeRoot: string, ref: string): Promise<{ Id: string; Digest: string; RootFS: { Layers: string[] } }> {
  const docs = JSON.parse(await tsctl(['image', 'inspect', ref, '--root', storeRoot])) as { Id: string; Digest: string; RootFS: { Layers: string[] } }[];
  return docs[0]!;
}

beforeAll(async () => {
  if (!existsSync(IMAGE_JS)) throw new Error('build first (npx tsc -b)');
  tmp = mkdtempSync(path.join(tmpdir(), 'tsk-registry-'));
  server = await startServer({ apiOnly: true });
  registry = server.httpAddress;
  root = path.join(tmp, 'local');
  await tsctl(['image', 'bootstrap', 'busybox', '--root', root]);
  const doc = await inspect(root, 'busybox');
  local = { digest: doc.Digest, id: doc.Id };
});

afterAll(async () => {
  await server?.stop();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

describe('embedded registry in tsk-server', () => {
  it('answers the API version check on the HTTP port', async () => {
    for (const p of ['/v2/', '/v2']) {
      const res = await fetch(`http://${registry}${p}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    }
    // The listener's own routes still answer beside it.
    expect((await fetch(`http://${registry}/healthz`)).status).toBe(200);
  });

  it('takes a push from skopeo and serves it back to skopeo and to tsk', async () => {
    const archive = path.join(tmp, 'busybox.oci.tar');
    await tsctl(['image', 'save', 'busybox', '-o', archive, '--format', 'oci-archive', '--root', root]);
    await skopeo('copy', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${registry}/skopeo/busybox:1`);
    // skopeo keeps the OCI manifest as it is, so the registry holds the very manifest tsk made.
    const raw = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${registry}/skopeo/busybox:1`);
    expect(sha256(raw)).toBe(local.digest);
    // The image lives in the server's data dir, in an image store named as Docker names it.
    const index = readFileSync(path.join(server.dataDir, 'registry', 'index.json'), 'utf8');
    expect(index).toContain('docker.io/skopeo/busybox:1');

    const out = path.join(tmp, 'skopeo-pulled');
    await skopeo('copy', '--src-tls-verify=false', `docker://${registry}/skopeo/busybox:1`, `oci:${out}:bb`);
    const layout = JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(layout.manifests.map((m) => m.digest)).toEqual([local.digest]);

    const pulledRoot = path.join(tmp, 'tsk-pulled');
    await tsctl(['image', 'pull', `${registry}/skopeo/busybox:1`, '--root', pulledRoot]);
    const pulled = await inspect(pulledRoot, `${registry}/skopeo/busybox:1`);
    expect(pulled.Digest).toBe(local.digest);
    expect(pulled.Id).toBe(local.id);
  });

  it('is where `tsctl image push NAME` goes with no destination', async () => {
    const out = await tsctl(['image', 'push', 'busybox', '--root', root], { TSK_REGISTRY: registry });
    expect(out).toMatch(new RegExp(`^The push refers to repository \\[${registry}/busybox\\]\\n`));
    expect(out).toContain(`latest: digest: ${local.digest} size: `);
    expect(JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${registry}/busybox`))).toMatchObject({ Tags: ['latest'] });
    expect(sha256(await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${registry}/busybox:latest`))).toBe(local.digest);

    // --registry wins over $TSK_REGISTRY (which points nowhere here).
    await tsctl(['image', 'tag', 'busybox', 'tools/bb:2', '--root', root]);
    await tsctl(['image', 'push', 'tools/bb:2', '--registry', registry, '--root', root], { TSK_REGISTRY: '127.0.0.1:1' });
    expect(JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${registry}/tools/bb`))).toMatchObject({ Tags: ['2'] });
  });

  it('keeps what it holds across a server restart', async () => {
    await server.restart();
    expect(sha256(await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${registry}/busybox:latest`))).toBe(local.digest);
  });
});

describe('the default cluster registry address', () => {
  type Fns = {
    clusterRegistry: (flags: { registry?: string; server?: string }, env: NodeJS.ProcessEnv, home: string) => string;
    defaultPushDestination: (name: string, registry: string) => string | undefined;
  };
  let fns: Fns;
  beforeAll(async () => {
    // From tsctl's build output, as test/images/cli.test.ts loads it: tests do not reach into
    // another package's sources.
    fns = (await import(pathToFileURL(IMAGE_JS).href)) as Fns;
  });

  it('is --registry, else $TSK_REGISTRY, else the tsk-server host on port 6444', () => {
    const { clusterRegistry } = fns;
    expect(clusterRegistry({ registry: 'r.example:5000', server: 's:1' }, { TSK_REGISTRY: 'e:2' }, tmp)).toBe('r.example:5000');
    expect(clusterRegistry({ server: 's:1' }, { TSK_REGISTRY: 'e:2' }, tmp)).toBe('e:2');
    expect(clusterRegistry({ server: '10.0.0.5:6443' }, {}, tmp)).toBe('10.0.0.5:6444');
    expect(clusterRegistry({}, { TSK_SERVER: '[::1]:7000' }, tmp)).toBe('[::1]:6444');
    expect(clusterRegistry({}, {}, tmp)).toBe('127.0.0.1:6444');
    expect(() => clusterRegistry({ registry: 'no port' }, {}, tmp)).toThrow(/expected HOST:PORT/);
  });

  it('takes NAME into the cluster registry unless NAME names a registry', () => {
    const { defaultPushDestination } = fns;
    expect(defaultPushDestination('busybox', 'h:6444')).toBe('h:6444/busybox:latest');
    expect(defaultPushDestination('me/app:v1', 'h:6444')).toBe('h:6444/me/app:v1');
    expect(defaultPushDestination('docker.io/library/busybox', 'h:6444')).toBeUndefined();
    expect(defaultPushDestination('localhost:5000/app', 'h:6444')).toBeUndefined();
  });
});
