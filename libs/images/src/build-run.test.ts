// upperEntries: an overlay upper dir as layer entries. Whiteout devices and the opaque xattr
// need root (mknod, trusted.* xattrs), so those cases are skipped for other users.
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { upperEntries } from './build-run.js';
import { lsetxattr, mknod, S_IFCHR } from './sys.js';

const root = process.getuid?.() === 0;
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function names(upper: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of upperEntries(upper)) out.push(`${e.header.type} ${e.header.name}${e.header.linkname !== undefined ? ` -> ${e.header.linkname}` : ''}`);
  return out;
}

describe('upperEntries', () => {
  it('lists files, dirs, symlinks and hard links in sorted order', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsk-upper-'));
    mkdirSync(path.join(dir, 'b/c'), { recursive: true });
    writeFileSync(path.join(dir, 'b/c/f'), 'x');
    linkSync(path.join(dir, 'b/c/f'), path.join(dir, 'b/g'));
    symlinkSync('/b/g', path.join(dir, 'a'));
    expect(await names(dir)).toEqual(['symlink a -> /b/g', 'dir b/', 'dir b/c/', 'file b/c/f', 'link b/g -> b/c/f']);
  });

  it.runIf(root)('turns 0/0 character devices into .wh. files and opaque dirs into .wh..wh..opq', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsk-upper-'));
    mkdirSync(path.join(dir, 'etc'));
    mknod(path.join(dir, 'etc/group'), S_IFCHR | 0o000);
    mknod(path.join(dir, 'gone'), S_IFCHR | 0o000);
    mkdirSync(path.join(dir, 'opaque'));
    lsetxattr(path.join(dir, 'opaque'), 'trusted.overlay.opaque', Buffer.from('y'));
    writeFileSync(path.join(dir, 'opaque/new'), 'n');
    expect(await names(dir)).toEqual(['dir etc/', 'file etc/.wh.group', 'file .wh.gone', 'dir opaque/', 'file opaque/.wh..wh..opq', 'file opaque/new']);
  });

  it.runIf(root)('refuses a redirected directory rather than write a layer missing its files', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsk-upper-'));
    mkdirSync(path.join(dir, 'moved'));
    lsetxattr(path.join(dir, 'moved'), 'trusted.overlay.redirect', Buffer.from('/orig'));
    await expect(names(dir)).rejects.toThrow(/redirect_dir/);
  });
});
