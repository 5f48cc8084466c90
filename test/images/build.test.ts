// Containerfile builds without RUN: every file-changing step a layer, config steps, ignore
// files, ADD of archives, the step cache (CACHED on an unchanged rebuild, same digest), and
// errors that name the Containerfile line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapBusybox, build, ImageStore, rootfsFor } from '@tsk/images';
import { file, removeBuildCgroups, tarOf, tempDirs } from './helpers.js';

const dirs = tempDirs();
let store: ImageStore;
let ctx: string;

function write(rel: string, content: string | Buffer): void {
  const p = path.join(ctx, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
}

const CONTAINERFILE = `# a comment
ARG BASE=busybox
FROM \${BASE}
ARG VERSION=1.0
ENV APP=/app \\
    VERSION=$VERSION
WORKDIR $APP
COPY --chown=1000:1000 src/ ./
COPY a.txt b.txt /data/
ADD files.tar.gz /x/
LABEL org.example.version=\${VERSION} maintainer="me <me@example.com>"
EXPOSE 8080 53/udp
USER nobody
ENTRYPOINT ["/bin/sh"]
CMD ["-c", "cat /app/main.txt"]
`;

beforeAll(async () => {
  store = await ImageStore.open(dirs.make('build-store'));
  await bootstrapBusybox(store);
  ctx = dirs.make('build-ctx');
  write('Containerfile', CONTAINERFILE);
  write('.dockerignore', 'src/secret.txt\n**/*.log\n!src/keep.log\n');
  write('src/main.txt', 'main\n');
  write('src/secret.txt', 'secret\n');
  write('src/debug.log', 'noise\n');
  write('src/keep.log', 'kept\n');
  write('src/sub/deep.txt', 'deep\n');
  write('a.txt', 'a\n');
  write('b.txt', 'b\n');
  write('files.tar.gz', await tarOf([file('one', '1'), { header: { name: 'dir/', type: 'dir' } }, file('dir/two', '2')], true));
});
afterAll(() => {
  dirs.cleanup();
  removeBuildCgroups();
});

describe('build', () => {
  it('builds layers and config, and the result runs', async () => {
    const lines: string[] = [];
    const image = await build(store, { contextDir: ctx, tags: ['app:1'], output: (l) => lines.push(l) });
    expect(lines[0]).toBe('STEP 1/12: FROM ${BASE}');
    expect(lines).toContain('STEP 5/12: COPY --chown=1000:1000 src/ ./');
    expect(image.names).toEqual(['docker.io/library/app:1']);
    expect(image.manifest.layers).toHaveLength(4);
    const c = image.config.config ?? {};
    expect(c.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP=/app', 'VERSION=1.0']);
    expect(c.WorkingDir).toBe('/app');
    expect(c.Labels).toEqual({ 'org.example.version': '1.0', maintainer: 'me <me@example.com>' });
    expect(c.ExposedPorts).toEqual({ '8080/tcp': {}, '53/udp': {} });
    expect(c.User).toBe('nobody');
    expect(c.Entrypoint).toEqual(['/bin/sh']);
    expect(c.Cmd).toEqual(['-c', 'cat /app/main.txt']);
    const mount = await rootfsFor(store, 'app:1', path.join(dirs.make('build-c'), 'c'));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', mount.options, mount.target]);
    try {
      const sh = (cmd: string): string => execFileSync('chroot', [mount.target, '/bin/sh', '-c', cmd], { encoding: 'utf8' }).trim();
      expect(sh('cat /app/main.txt /app/sub/deep.txt /app/keep.log /data/a.txt /data/b.txt /x/one /x/dir/two')).toBe('main\ndeep\nkept\na\nb\n12');
      expect(sh('ls /app')).toBe('keep.log\nmain.txt\nsub');
      expect(sh('stat -c %u:%g /app/main.txt')).toBe('1000:1000');
      expect(sh('ls /bin | wc -l')).not.toBe('0');
    } finally {
      execFileSync('umount', [mount.target]);
    }
  });

  it('reuses every step on an unchanged rebuild, and the digest stays', async () => {
    const first = await store.resolve('app:1');
    const lines: string[] = [];
    const started = performance.now();
    const again = await build(store, { contextDir: ctx, tags: ['app:1'], output: (l) => lines.push(l) });
    expect(performance.now() - started).toBeLessThan(500);
    expect(again.digest).toBe(first.digest);
    expect(lines.filter((l) => l === '--> CACHED')).toHaveLength(11);
    // A changed file rebuilds its COPY; the steps before it stay cached.
    write('a.txt', 'changed\n');
    const changed: string[] = [];
    const other = await build(store, { contextDir: ctx, tags: ['app:2'], output: (l) => changed.push(l) });
    expect(other.digest).not.toBe(first.digest);
    expect(changed.slice(0, changed.indexOf('STEP 6/12: COPY a.txt b.txt /data/'))).toContain('--> CACHED');
    expect(changed[changed.indexOf('STEP 6/12: COPY a.txt b.txt /data/') + 1]).toMatch(/^--> [0-9a-f]{12}$/);
    write('a.txt', 'a\n');
  });

  it('gives a COPY-only build the same digest in another store', async () => {
    const other = await ImageStore.open(dirs.make('build-store2'));
    await bootstrapBusybox(other);
    const a = await build(store, { contextDir: ctx, noCache: true });
    const b = await build(other, { contextDir: ctx });
    expect(b.digest).toBe(a.digest);
  });

  it('names the Containerfile line of an error', async () => {
    const bad = dirs.make('build-bad');
    writeFileSync(path.join(bad, 'Dockerfile'), 'FROM busybox\n\nRUN exit 3\n');
    await expect(build(store, { contextDir: bad })).rejects.toThrow('build Dockerfile:3: RUN: exit status 3');
    writeFileSync(path.join(bad, 'Dockerfile'), 'FROM busybox\nCOPY nothere /x\n');
    await expect(build(store, { contextDir: bad })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'build Dockerfile:2: COPY: nothere: no such file or directory in the build context' });
    writeFileSync(path.join(bad, 'Dockerfile'), 'FROM busybox\nHEALTHCHECK CMD true\n');
    await expect(build(store, { contextDir: bad })).rejects.toThrow('build Dockerfile:2: HEALTHCHECK: instruction HEALTHCHECK is not supported');
  });
});
