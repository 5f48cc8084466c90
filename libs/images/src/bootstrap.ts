/**
 * Base images made offline from the host. `busybox` is one layer: the host's static
 * /bin/busybox, a symlink per applet (as `busybox --install -s` would make), /etc/passwd and
 * /etc/group, and a config running `sh`. Entries are sorted and every time is fixed, so the same
 * host binary always gives the same digest.
 */
import { execFile } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { createImage, writeLayer } from './create.js';
import { ImageError } from './errors.js';
import { type ImageRecord, type ImageStore } from './store.js';
import { type TarSourceEntry } from './tar.js';
export { bootstrapDebian, hostMirror } from './debian.js';
import { bootstrapDebian } from './debian.js';

const run = promisify(execFile);

export interface BootstrapOptions {
  /** The busybox binary to package (default /bin/busybox, installing busybox-static if missing). */
  readonly busybox?: string;
  /** Name to give the image (default busybox:latest). */
  readonly name?: string;
}

/** Fixed time for every entry and the config: 2000-01-01T00:00:00Z. */
const EPOCH = 946684800;
const CREATED = new Date(EPOCH * 1000).toISOString();

/** True when the ELF file has no PT_INTERP header, i.e. it needs no dynamic loader. */
async function isStatic(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false; // ELF64 only
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    await fh.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } finally {
    await fh.close();
  }
}

async function hostBusybox(wanted: string | undefined): Promise<string> {
  const file = wanted ?? '/bin/busybox';
  const present = await fs.access(file).then(
    () => true,
    () => false,
  );
  if (!present && wanted === undefined) {
    try {
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'busybox-static'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (err) {
      throw new ImageError('FAILED_PRECONDITION', 'bootstrap', 'busybox', `no ${file} and installing busybox-static failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!(await isStatic(file).catch(() => false))) {
    throw new ImageError('FAILED_PRECONDITION', 'bootstrap', 'busybox', `${file} is missing or not a static binary (install the busybox-static package)`);
  }
  return file;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\ndaemon:x:1:\ntty:x:5:\nnogroup:x:65534:\n';

/** The busybox layer's entries, sorted by path. */
export async function busyboxEntries(binary: string): Promise<TarSourceEntry[]> {
  const { stdout } = await run(binary, ['--list-full']);
  const applets = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'bin/busybox' && !l.includes('..') && /^[\w./[-]+$/.test(l));
  const size = (await fs.stat(binary)).size;
  const dirs = new Set(['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp', 'usr', 'usr/bin', 'usr/sbin', 'sbin', 'var']);
  for (const a of applets) {
    const parts = a.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries: TarSourceEntry[] = [];
  for (const d of dirs) entries.push({ header: { name: `${d}/`, type: 'dir', mode: d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755, mtime: EPOCH } });
  entries.push({ header: { name: 'bin/busybox', type: 'file', mode: 0o755, size, mtime: EPOCH }, body: () => createReadStream(binary) as AsyncIterable<Buffer> });
  for (const a of applets) entries.push({ header: { name: a, type: 'symlink', linkname: '/bin/busybox', mode: 0o777, mtime: EPOCH } });
  entries.push({ header: { name: 'etc/passwd', type: 'file', mode: 0o644, size: PASSWD.length, mtime: EPOCH }, body: Buffer.from(PASSWD) });
  entries.push({ header: { name: 'etc/group', type: 'file', mode: 0o644, size: GROUP.length, mtime: EPOCH }, body: Buffer.from(GROUP) });
  return entries.sort((a, b) => (a.header.name < b.header.name ? -1 : a.header.name > b.header.name ? 1 : 0));
}

/** Makes busybox:latest (or options.name) from the host's static busybox. */
export async function bootstrapBusybox(store: ImageStore, options: BootstrapOptions = {}): Promise<ImageRecord> {
  const binary = await hostBusybox(options.busybox);
  const layer = await writeLayer(store, await busyboxEntries(binary));
  return createImage(store, {
    layers: [layer],
    created: CREATED,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    history: [{ created: CREATED, created_by: `tsk image bootstrap busybox (${binary})` }],
    names: [options.name ?? 'busybox:latest'],
  });
}

/** `bootstrap NAME`: busybox[:tag] from the host binary, debian:SUITE with debootstrap. */
export async function bootstrap(store: ImageStore, what: string, options: BootstrapOptions = {}): Promise<ImageRecord> {
  const [base, tag] = what.split(':');
  if (base === 'busybox') return bootstrapBusybox(store, { ...options, name: options.name ?? (tag !== undefined ? what : 'busybox:latest') });
  if (base === 'debian') return bootstrapDebian(store, tag ?? 'bookworm', { ...(options.name !== undefined ? { name: options.name } : {}) });
  throw new ImageError('UNIMPLEMENTED', 'bootstrap', what, 'tsk can bootstrap busybox and debian:SUITE');
}
