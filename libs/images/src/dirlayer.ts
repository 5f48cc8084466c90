/**
 * A directory tree as layer entries (for images made from a root filesystem on the host, such
 * as debootstrap's): sorted paths, owners, modes and times as they are, hard links kept as
 * links, device nodes left out (a container gets its own /dev), sockets skipped.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { type TarSourceEntry } from './tar.js';

export async function* directoryEntries(root: string, options: { exclude?: (rel: string) => boolean } = {}): AsyncGenerator<TarSourceEntry> {
  const inodes = new Map<string, string>();
  async function* walk(rel: string): AsyncGenerator<TarSourceEntry> {
    const names = (await fs.readdir(path.join(root, rel))).sort();
    for (const name of names) {
      const child = rel === '' ? name : `${rel}/${name}`;
      if (options.exclude?.(child) === true) continue;
      const abs = path.join(root, child);
      const st = await fs.lstat(abs);
      const base = { name: child, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
      if (st.isDirectory()) {
        yield { header: { ...base, name: `${child}/`, type: 'dir' } };
        yield* walk(child);
      } else if (st.isSymbolicLink()) {
        yield { header: { ...base, type: 'symlink', linkname: await fs.readlink(abs) } };
      } else if (st.isFile()) {
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
      }
    }
  }
  yield* walk('');
}
