// RUN in builds, as root on the real kernel: shell and exec forms with ENV and WORKDIR applied,
// each RUN a layer from the overlay upper dir (whiteouts for deletions), the step cache, and a
// failing RUN that names its line and status and leaves no container, mount, cgroup or temp dir.
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapBusybox, build, ImageStore, readTar, type ImageRecord } from '@tsk/images';
import { removeBuildCgroups, tempDirs } from './helpers.js';

const dirs = tempDirs();
let store: ImageStore;

const CONTAINERFILE = `FROM busybox
RUN echo hello > /greeting && rm /etc/group
ENV FOO=bar
RUN ["sh","-c","echo $FOO > /foo"]
WORKDIR /app
RUN pwd > /where
RUN --network=none cat /sys/class/net/*/address | wc -l > /nics
`;

function context(containerfile: string): string {
  const ctx = dirs.make('run-ctx');
  writeFileSync(path.join(ctx, 'Containerfile'), containerfile);
  return ctx;
}

/** Every entry of every layer of `image`, top layer last, with file contents. */
async function layerFiles(image: ImageRecord): Promise<Array<Map<string, string>>> {
  const out: Array<Map<string, string>> = [];
  for (const d of image.manifest.layers) {
    const files = new Map<string, string>();
    for await (const e of readTar(createReadStream(store.blobs.path(d.digest)).pipe(createGunzip()))) {
      const parts: Buffer[] = [];
      for await (const b of e.body) parts.push(b);
      files.set(e.header.name.replace(/\/$/, ''), Buffer.concat(parts).toString());
    }
    out.push(files);
  }
  return out;
}

function tmpEntries(): string[] {
  return readdirSync(store.blobs.tmpDir).filter((n) => n.startsWith('run-'));
}

function buildCgroups(): string[] {
  const found: string[] = [];
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = `/sys/fs/cgroup/${h}/tsk-build`;
    if (existsSync(dir)) found.push(...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${h}/${e.name}`));
  }
  return found;
}

beforeAll(async () => {
  store = await ImageStore.open(dirs.make('run-store'));
  await bootstrapBusybox(store);
  mkdirSync(store.blobs.tmpDir, { recursive: true });
});
afterAll(() => {
  dirs.cleanup();
  removeBuildCgroups();
});

describe('build RUN', () => {
  let first: ImageRecord;
  const ctx = (): string => context(CONTAINERFILE);
  let dir = '';

  it('runs shell and exec forms with ENV and WORKDIR, one layer each', async () => {
    dir = ctx();
    const base = await store.resolve('busybox', 'test');
    const lines: string[] = [];
    first = await build(store, { contextDir: dir, tags: ['run:1'], output: (l) => lines.push(l) });
    const layers = await layerFiles(first);
    expect(layers.length).toBe(base.manifest.layers.length + 4);
    const [greet, foo, where, nics] = layers.slice(-4) as [Map<string, string>, Map<string, string>, Map<string, string>, Map<string, string>];
    expect(greet.get('greeting')).toBe('hello\n');
    expect(greet.has('etc/.wh.group')).toBe(true);
    expect(foo.get('foo')).toBe('bar\n');
    expect(where.get('where')).toBe('/app\n');
    // WORKDIR made /app, and the RUN's layer carries it.
    expect(where.has('app')).toBe(true);
    // --network=none: a private namespace with only lo.
    expect(nics.get('nics')).toBe('1\n');
    expect(lines.filter((l) => l === '--> CACHED')).toEqual([]);
    expect(tmpEntries()).toEqual([]);
  });

  it('rebuilds from the cache: CACHED for every step, the same image', async () => {
    const lines: string[] = [];
    const again = await build(store, { contextDir: dir, tags: ['run:2'], output: (l) => lines.push(l) });
    const steps = lines.filter((l) => l.startsWith('STEP ')).length;
    expect(lines.filter((l) => l === '--> CACHED').length).toBe(steps - 1); // all but FROM
    expect(again.digest).toBe(first.digest);
  });

  it('has the host network by default', async () => {
    const file = 'FROM busybox\nRUN touch /etc/resolv.conf /etc/hosts\nRUN cat /sys/class/net/*/address | wc -l > /nics && cat /etc/resolv.conf > /resolv\n';
    const image = await build(store, { contextDir: context(file) });
    const top = (await layerFiles(image)).at(-1) as Map<string, string>;
    const hostNics = readdirSync('/sys/class/net').length;
    expect(Number(top.get('nics'))).toBe(hostNics);
    // The host's resolver config is bound over the image's file, and stays out of the layer.
    expect(top.get('resolv')).toBe(readFileSync('/etc/resolv.conf', 'utf8'));
    expect([...top.keys()].filter((k) => k.startsWith('etc'))).toEqual([]);
  });

  it('runs as USER, marks a directory a RUN replaced as opaque, and sees the image as it is now', async () => {
    const file = 'FROM busybox\nRUN mkdir -m 777 /out\nUSER nobody:nogroup\nRUN id -u > /out/uid && id -g >> /out/uid\nUSER root\nRUN rm -rf /etc && mkdir /etc && echo x > /etc/only\n';
    const image = await build(store, { contextDir: context(file) });
    const [asUser, replaced] = (await layerFiles(image)).slice(-2) as [Map<string, string>, Map<string, string>];
    expect(asUser.get('out/uid')).toBe('65534\n65534\n');
    expect(replaced.has('etc/.wh..wh..opq')).toBe(true);
    expect(replaced.get('etc/only')).toBe('x\n');
    // /etc/passwd is hidden by the opaque /etc now: the name no longer resolves.
    await expect(build(store, { contextDir: context(`${file}USER nobody\nRUN true\n`) })).rejects.toThrow(/Containerfile:8: RUN: USER nobody: no user "nobody"/);
  });

  it('streams the output of a failing RUN, names its line and status, and leaves nothing behind', async () => {
    const lines: string[] = [];
    const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    const cgroupsBefore = buildCgroups();
    await expect(build(store, { contextDir: context('FROM busybox\nENV X=1\nRUN echo about to fail; echo on stderr >&2; exit 3\n'), output: (l) => lines.push(l) })).rejects.toThrow(
      'build Containerfile:3: RUN: exit status 3',
    );
    expect(lines).toContain('about to fail');
    expect(lines).toContain('on stderr');
    expect(tmpEntries()).toEqual([]);
    expect(buildCgroups()).toEqual(cgroupsBefore);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(mountsBefore);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(store.root);
  });

  it('refuses an unknown --network mode', async () => {
    await expect(build(store, { contextDir: context('FROM busybox\nRUN --network=bridge true\n') })).rejects.toThrow(/Containerfile:2: RUN: --network=bridge/);
  });
});
