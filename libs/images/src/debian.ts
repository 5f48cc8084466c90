/**
 * `bootstrap debian:SUITE`: a minimal Debian image made with debootstrap (--variant=minbase)
 * from the host's configured Debian mirror, installing debootstrap when it is missing. The tree
 * is built in the store's temp dir and packed as one layer; apt's caches and lists are left out,
 * as the official images leave them.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createImage, writeLayer } from './create.js';
import { directoryEntries } from './dirlayer.js';
import { ImageError } from './errors.js';
import { type ImageRecord, type ImageStore } from './store.js';

const run = promisify(execFile);

/** The first Debian mirror in the host's apt sources (deb822 or one-line format). */
export async function hostMirror(etc = '/etc/apt'): Promise<string> {
  const files = [path.join(etc, 'sources.list'), ...(await fs.readdir(path.join(etc, 'sources.list.d')).catch(() => [] as string[])).sort().map((f) => path.join(etc, 'sources.list.d', f))];
  for (const f of files) {
    const text = await fs.readFile(f, 'utf8').catch(() => '');
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822 !== null && /debian/.test(deb822[1] as string) && !/security/.test(deb822[1] as string)) return deb822[1] as string;
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/m.exec(text);
    if (line !== null && !/security/.test(line[1] as string)) return line[1] as string;
  }
  return 'http://deb.debian.org/debian';
}

async function ensureDebootstrap(): Promise<void> {
  const found = await fs.access('/usr/sbin/debootstrap').then(() => true, () => false);
  if (found) return;
  try {
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'debootstrap'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    throw new ImageError('FAILED_PRECONDITION', 'bootstrap', 'debian', `debootstrap is missing and installing it failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

const LEAVE_OUT = [/^var\/cache\/apt\/archives\/.+\.deb$/, /^var\/lib\/apt\/lists\/.+/, /^dev\/.+/, /^proc\/.+/, /^sys\/.+/, /^tmp\/.+/, /^var\/log\/.+\.log$/];

export async function bootstrapDebian(store: ImageStore, suite: string, options: { name?: string; mirror?: string } = {}): Promise<ImageRecord> {
  if (!/^[a-z]+$/.test(suite)) throw new ImageError('INVALID_ARGUMENT', 'bootstrap', `debian:${suite}`, 'the tag must be a Debian suite name such as bookworm');
  await ensureDebootstrap();
  const mirror = options.mirror ?? (await hostMirror());
  const dir = store.blobs.tempPath('debootstrap');
  try {
    try {
      await run('/usr/sbin/debootstrap', ['--variant=minbase', suite, dir, mirror], { maxBuffer: 64 << 20 });
    } catch (err) {
      throw new ImageError('UNAVAILABLE', 'bootstrap', `debian:${suite}`, `debootstrap from ${mirror} failed: ${err instanceof Error ? err.message.slice(-500) : String(err)}`, { cause: err });
    }
    const layer = await writeLayer(store, directoryEntries(dir, { exclude: (rel) => LEAVE_OUT.some((re) => re.test(rel)) }));
    const created = new Date().toISOString();
    return await createImage(store, {
      layers: [layer],
      created,
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['bash'] },
      history: [{ created, created_by: `tsk image bootstrap debian:${suite} (debootstrap --variant=minbase ${mirror})` }],
      names: [options.name ?? `debian:${suite}`],
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
