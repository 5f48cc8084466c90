/**
 * RUN during a build: the command runs in a throw-away container whose rootfs is an overlay of
 * the build's layers so far with a fresh upper dir, through @tsk/runtime's library (one spawn of
 * its static helper, no Node per container). What the command changed is exactly that upper
 * dir, so it becomes the step's layer, with overlayfs's whiteouts turned into OCI ones.
 *
 * Everything lives in one directory under the store's tmp/ (upper, work, mount point, bundle,
 * runtime state, output log), on the store's filesystem so overlayfs accepts upper and work
 * together, and so a build killed half way is swept by gc like any other temp file. The overlay
 * is mounted inside the container's mount namespace, so the host keeps no mount to undo.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Runtime, type Mount, type Spec } from '@tsk/runtime';
import { writeLayer, type WrittenLayer } from './create.js';
import { ImageError } from './errors.js';
import { type ImageStore } from './store.js';
import { type TarSourceEntry } from './tar.js';

export interface RunOptions {
  /** The process's argv, already in its final form (SHELL + "-c" + text, or the JSON form). */
  readonly args: readonly string[];
  /** NAME=value, build args in scope first, ENV after (so ENV wins, as in Docker). */
  readonly env: readonly string[];
  /** WORKDIR; created in the layer when the image lacks it, as Docker does. */
  readonly cwd: string;
  /** USER: "", "name", "uid", "name:group" or "uid:gid", looked up in the image. */
  readonly user: string;
  /** host: the host's network namespace (package managers can fetch); none: only a loopback. */
  readonly network: 'host' | 'none';
  /** The layers below, as the build holds them (lowest first). */
  readonly layers: readonly WrittenLayer[];
  /** Receives the command's output, a line at a time, while it runs. */
  readonly output?: ((line: string) => void) | undefined;
  /** The Containerfile's name, for layer unpacking errors. */
  readonly label: string;
  /** FILE:LINE of the RUN, which errors name ("build FILE:LINE: RUN: exit status 3"). */
  readonly where: string;
}

/** Docker's default capability set for RUN: enough for package managers (chown, setuid, ...). */
const CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Build containers' cgroups go under one parent, like the runtime's /tsk-runtime. */
const CGROUP_PARENT = '/tsk-build';

/** Runs one RUN step and returns the layer of what it changed; throws `exit status N` on failure. */
export async function runStep(store: ImageStore, options: RunOptions): Promise<WrittenLayer> {
  const id = `build-${process.pid}-${randomBytes(6).toString('hex')}`;
  await fs.mkdir(store.blobs.tmpDir, { recursive: true });
  const dir = await fs.mkdtemp(path.join(store.blobs.tmpDir, 'run-'));
  try {
    const lowerdirs = await lowerDirs(store, options);
    const upperdir = path.join(dir, 'upper');
    const workdir = path.join(dir, 'work');
    const rootfs = path.join(dir, 'rootfs');
    const bundle = path.join(dir, 'bundle');
    for (const d of [upperdir, workdir, rootfs, bundle]) await fs.mkdir(d, { mode: 0o755 });
    const cwd = path.posix.resolve('/', options.cwd === '' ? '/' : options.cwd);
    if ((await lookup(lowerdirs, cwd)) === undefined) await fs.mkdir(path.join(upperdir, cwd), { recursive: true, mode: 0o755 });
    const spec = await buildSpec(lowerdirs, options, rootfs, cwd, id).catch((err: unknown) => {
      throw new ImageError('NOT_FOUND', 'build', options.where, `RUN: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
    const code = await runContainer(id, dir, bundle, { lowerdirs, upperdir, workdir }, options.output);
    if (code !== 0) throw new ImageError('FAILED_PRECONDITION', 'build', options.where, `RUN: exit status ${code}`);
    await dropBindCopyUps(upperdir, lowerdirs, spec.mounts ?? []);
    return await writeLayer(store, upperEntries(upperdir));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function lowerDirs(store: ImageStore, options: RunOptions): Promise<string[]> {
  const dirs: string[] = [];
  for (const l of options.layers) dirs.push(await store.layers.ensure(l.descriptor, l.diffId, options.label));
  // overlayfs wants the upper-most lower first, and at least one.
  return dirs.length === 0 ? [await store.layers.emptyDir()] : dirs.reverse();
}

/**
 * lstat of `p` as the merged rootfs shows it: the layer cache keeps layers in overlayfs's own
 * format, so a 0/0 device (whiteout) or an opaque ancestor in a layer hides what lies below.
 */
async function lookup(lowerdirs: readonly string[], p: string): Promise<{ dir: string; st: Stats } | undefined> {
  const parts = p.split('/').filter((x) => x !== '');
  for (const dir of lowerdirs) {
    let partial = dir;
    for (const [i, name] of parts.entries()) {
      partial = path.join(partial, name);
      const st = await fs.lstat(partial).catch(() => undefined);
      if (st === undefined) break;
      if (isWhiteout(st)) return undefined;
      if (i === parts.length - 1) return { dir, st };
      if (!st.isDirectory()) return undefined; // a file (or symlink, not followed) over a parent
      if (lgetxattr(partial, 'trusted.overlay.opaque')?.toString() === 'y') {
        // Nothing of this subtree comes from below: the rest is in this layer or nowhere.
        const rest = await fs.lstat(path.join(dir, p)).catch(() => undefined);
        return rest !== undefined && !isWhiteout(rest) ? { dir, st: rest } : undefined;
      }
    }
  }
  return undefined;
}

/**
 * Mounting over a file of the overlay copies it up, so the host files bound read-only at
 * /etc/resolv.conf and /etc/hosts would land in the layer. The command cannot have changed them
 * (read-only mount points: no write, no unlink), so the copies go, and so do parent dirs that
 * were only copied up for them (empty, not opaque, owner and mode as below).
 */
async function dropBindCopyUps(upper: string, lowerdirs: readonly string[], mounts: readonly Mount[]): Promise<void> {
  for (const m of mounts) {
    if (m.type !== 'bind') continue;
    const st = await fs.lstat(path.join(upper, m.destination)).catch(() => undefined);
    if (st?.isFile() !== true) continue;
    await fs.rm(path.join(upper, m.destination));
    for (let dir = path.posix.dirname(m.destination); dir !== '/'; dir = path.posix.dirname(dir)) {
      const abs = path.join(upper, dir);
      const mine = await fs.lstat(abs).catch(() => undefined);
      const below = (await lookup(lowerdirs, dir))?.st;
      if (mine === undefined || below === undefined || (await fs.readdir(abs)).length > 0) break;
      if (lgetxattr(abs, 'trusted.overlay.opaque') !== undefined) break;
      if (mine.mode !== below.mode || mine.uid !== below.uid || mine.gid !== below.gid) break;
      await fs.rmdir(abs);
    }
  }
}

/** uid and gid of USER, names resolved in the image's /etc/passwd and /etc/group. */
async function resolveUser(lowerdirs: readonly string[], user: string): Promise<{ uid: number; gid: number }> {
  if (user === '') return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const table = async (file: string): Promise<string[][]> => {
    const found = await lookup(lowerdirs, `/etc/${file}`);
    const text = found !== undefined ? await fs.readFile(path.join(found.dir, 'etc', file), 'utf8').catch(() => '') : '';
    return text.split('\n').map((l) => l.split(':'));
  };
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const row = (await table('passwd')).find((r) => r[2] === u);
    if (row !== undefined) gid = Number(row[3]);
  } else {
    const row = (await table('passwd')).find((r) => r[0] === u);
    if (row === undefined) throw new Error(`USER ${user}: no user "${u}" in the image's /etc/passwd`);
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = (await table('group')).find((r) => r[0] === g);
      if (row === undefined) throw new Error(`USER ${user}: no group "${g}" in the image's /etc/group`);
      gid = Number(row[2]);
    }
  }
  return { uid, gid: gid ?? uid };
}

async function buildSpec(lowerdirs: readonly string[], options: RunOptions, rootfs: string, cwd: string, id: string): Promise<Spec> {
  const env = [...options.env];
  if (!env.some((e) => e.startsWith('PATH='))) env.push(DEFAULT_PATH);
  const mounts: Mount[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
  if (options.network === 'host') {
    // Name resolution as on the host, without changing the layer: bind only over a file the
    // image already has (a new mount point would land in the upper dir).
    for (const f of ['/etc/resolv.conf', '/etc/hosts']) {
      const st = await fs.stat(f).catch(() => undefined);
      if (st?.isFile() === true && (await lookup(lowerdirs, f))?.st.isFile() === true) {
        mounts.push({ destination: f, type: 'bind', source: f, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] });
      }
    }
  }
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  // Omitting the network namespace joins the host's; 'none' gets a private one with only lo.
  if (options.network === 'none') namespaces.push({ type: 'network' });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: await resolveUser(lowerdirs, options.user),
      args: [...options.args],
      env,
      cwd,
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      noNewPrivileges: false,
    },
    root: { path: rootfs, readonly: false },
    hostname: 'tsk-build',
    mounts,
    linux: {
      namespaces,
      cgroupsPath: `${CGROUP_PARENT}/${id}`,
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** Runs the container to its end, streaming its output; returns its exit status (128+N for a
 * signal, as a shell reports it). Removes the container, its cgroup and state in every case. */
async function runContainer(
  id: string,
  dir: string,
  bundle: string,
  overlay: { lowerdirs: string[]; upperdir: string; workdir: string },
  output: ((line: string) => void) | undefined,
): Promise<number> {
  const rt = new Runtime({ root: path.join(dir, 'state') });
  const logPath = path.join(dir, 'output.log');
  const log = await fs.open(logPath, 'w');
  const tail = new LogTail(logPath, output);
  let started = false;
  try {
    const c = await rt.run(id, { bundle, stdio: ['ignore', log.fd, log.fd], overlay, attach: true });
    started = true;
    const timer = setInterval(() => void tail.poll(), 100);
    try {
      const exit = await c.exited;
      return exit.signal > 0 ? 128 + exit.signal : exit.exitCode;
    } finally {
      clearInterval(timer);
      await tail.poll(true);
    }
  } finally {
    await log.close();
    if (started) await rt.delete(id, true);
  }
}

/** Follows the output file from another handle and hands out whole lines as they come. */
class LogTail {
  private offset = 0;
  private partial = '';
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly output: ((line: string) => void) | undefined,
  ) {}

  poll(final = false): Promise<void> {
    // Polls are chained so two never read the same bytes.
    this.busy = this.busy.then(() => this.read(final)).catch(() => undefined);
    return this.busy;
  }

  private async read(final: boolean): Promise<void> {
    if (this.output === undefined) return;
    const fh = await fs.open(this.file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.partial += buf.subarray(0, bytesRead).toString('utf8');
      }
    } finally {
      await fh.close();
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.output(l);
    if (final && this.partial !== '') {
      this.output(this.partial);
      this.partial = '';
    }
  }
}

type Lgetxattr = (path: string, name: string, value: Buffer, size: number) => number;
let lgetxattrFn: Lgetxattr | undefined;
const xattrBuf = Buffer.alloc(4096);

/** Node has no getxattr; koffi (as sys.ts loads it for lsetxattr) reaches libc's. */
function lgetxattr(p: string, name: string): Buffer | undefined {
  if (lgetxattrFn === undefined) {
    const koffi = createRequire(import.meta.url)('koffi') as { load(name: string): { func(decl: string): Lgetxattr } };
    lgetxattrFn = koffi.load('libc.so.6').func('long lgetxattr(const char *path, const char *name, void *value, size_t size)');
  }
  // One buffer of XATTR_SIZE_MAX would be 64 KiB; overlay's values (y, a path) fit in a page.
  const n = lgetxattrFn(p, name, xattrBuf, xattrBuf.length);
  return n < 0 ? undefined : Buffer.from(xattrBuf.subarray(0, n));
}

/** An overlay whiteout: a character device with device number 0/0. */
function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * The upper dir as layer entries, in sorted order: files, links and dirs as they are, whiteout
 * devices as `.wh.NAME` files and opaque dirs (trusted.overlay.opaque=y) with `.wh..wh..opq`.
 */
export async function* upperEntries(upper: string): AsyncGenerator<TarSourceEntry> {
  const inodes = new Map<string, string>();
  async function* walk(rel: string): AsyncGenerator<TarSourceEntry> {
    const names = (await fs.readdir(path.join(upper, rel))).sort();
    for (const name of names) {
      const child = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(upper, child);
      const st = await fs.lstat(abs);
      const base = { name: child, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
      if (isWhiteout(st)) {
        const wh = rel === '' ? `.wh.${name}` : `${rel}/.wh.${name}`;
        yield { header: { ...base, name: wh, type: 'file', size: 0, mode: 0o644, uid: 0, gid: 0 } };
      } else if (st.isDirectory()) {
        // With redirect_dir (a renamed lower dir) the upper dir holds a pointer, not the files;
        // tsk's overlay runs without it, and a layer made from one would silently lose files.
        if (lgetxattr(abs, 'trusted.overlay.redirect') !== undefined) {
          throw new Error(`${child}: overlayfs redirect_dir is on (renamed directory); it cannot be turned into a layer`);
        }
        yield { header: { ...base, name: `${child}/`, type: 'dir' } };
        if (lgetxattr(abs, 'trusted.overlay.opaque')?.toString() === 'y') {
          yield { header: { ...base, name: `${child}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o644, uid: 0, gid: 0 } };
        }
        yield* walk(child);
      } else if (st.isSymbolicLink()) {
        yield { header: { ...base, type: 'symlink', linkname: await fs.readlink(abs) } };
      } else if (st.isFile()) {
        if (lgetxattr(abs, 'trusted.overlay.metacopy') !== undefined) {
          throw new Error(`${child}: overlayfs metacopy is on (metadata-only copy-up); it cannot be turned into a layer`);
        }
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? inodes.get(key) : undefined;
        if (first !== undefined) {
          yield { header: { ...base, type: 'link', linkname: first } };
          continue;
        }
        if (st.nlink > 1) inodes.set(key, child);
        yield { header: { ...base, type: 'file', size: st.size }, body: () => createReadStream(abs) as AsyncIterable<Buffer> };
      } else if (st.isFIFO()) {
        yield { header: { ...base, type: 'fifo' } };
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        // A device node a step made on purpose (mknod): kept, with its numbers.
        const rdev = st.rdev;
        const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
        const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
        yield { header: { ...base, type: st.isCharacterDevice() ? 'char' : 'block', devmajor: major, devminor: minor } };
      }
      // Sockets are skipped: they mean nothing in an image.
    }
  }
  yield* walk('');
}
