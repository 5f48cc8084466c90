// Layer unpacking against crafted tars: containment of every path-traversal trick, overlayfs
// whiteouts, and preservation of links, modes, owners and times.
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256, unpackLayer } from '@tsk/images';
import { file, tarOf, tempDirs } from './helpers.js';

const dirs = tempDirs();
let base: string;
let layer: string;
let outside: string;

beforeEach(() => {
  base = dirs.make('unpack');
  layer = path.join(base, 'layer');
  outside = path.join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'victim'), 'original');
});
afterEach(() => dirs.cleanup());

function xattr(p: string, name: string): string {
  // Node cannot read xattrs; python can (getfattr is not always installed).
  const script = 'import os,sys\ntry: sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())\nexcept OSError: pass';
  return execFileSync('python3', ['-c', script, p, name], { encoding: 'utf8' });
}

describe('unpackLayer containment', () => {
  it('clamps ../ and absolute paths inside the layer', async () => {
    const rel = path.relative('/', path.join(outside, 'victim'));
    const tar = await tarOf([file('../../../../../../' + rel, 'pwned-dotdot'), file(`/${rel}`, 'pwned-abs'), file('a/../../b', 'b')]);
    await unpackLayer([tar], layer);
    expect(readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('original');
    expect(readFileSync(path.join(layer, rel), 'utf8')).toBe('pwned-abs');
    expect(readFileSync(path.join(layer, 'b'), 'utf8')).toBe('b');
  });

  it('never writes through a symlink that points outside', async () => {
    const tar = await tarOf([
      { header: { name: 'esc', type: 'symlink', linkname: outside } },
      file('esc/victim', 'through-abs-link'),
      { header: { name: 'rel', type: 'symlink', linkname: '../../../../../../../..' + outside } },
      file('rel/victim', 'through-rel-link'),
      // The last component is replaced, not followed: a file entry over a symlink.
      { header: { name: 'last', type: 'symlink', linkname: path.join(outside, 'victim') } },
      file('last', 'replaced'),
    ]);
    await unpackLayer([tar], layer);
    expect(readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('original');
    expect(readFileSync(path.join(layer, outside, 'victim'), 'utf8')).toBe('through-rel-link');
    expect(lstatSync(path.join(layer, 'esc')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(layer, 'last'), 'utf8')).toBe('replaced');
  });

  it('refuses hard links to files outside the layer', async () => {
    const tar = await tarOf([{ header: { name: 'h', type: 'link', linkname: path.join(outside, 'victim') } }]);
    await expect(unpackLayer([tar], layer)).rejects.toThrow(/hard link/);
    const tar2 = await tarOf([{ header: { name: 'esc', type: 'symlink', linkname: outside } }, { header: { name: 'h', type: 'link', linkname: 'esc/victim' } }]);
    await expect(unpackLayer([tar2], path.join(base, 'layer2'))).rejects.toThrow(/hard link/);
    expect(statSync(path.join(outside, 'victim')).nlink).toBe(1);
  });
});

describe('unpackLayer content', () => {
  it('preserves hard links, symlinks, modes, owners and times; reports the diff-id', async () => {
    const tar = await tarOf([
      { header: { name: 'd/', type: 'dir', mode: 0o750, uid: 7, gid: 8, mtime: 1_000_000 } },
      file('d/f', 'data', { mode: 0o4755, uid: 1000, gid: 1001, mtime: 2_000_000 }),
      { header: { name: 'd/h', type: 'link', linkname: 'd/f' } },
      { header: { name: 'd/s', type: 'symlink', linkname: '/etc/shadow', uid: 5, gid: 6, mtime: 3_000_000 } },
      { header: { name: 'fifo', type: 'fifo', mode: 0o600 } },
      { header: { name: 'd/x', type: 'file', size: 1, mode: 0o644, xattrs: { 'user.tsk': Buffer.from('v'), 'trusted.overlay.opaque': Buffer.from('y') } }, body: Buffer.from('x') },
    ]);
    const result = await unpackLayer([tar], layer);
    expect(result.diffId).toBe(sha256(tar));
    const d = statSync(path.join(layer, 'd'));
    expect(d.mode & 0o7777).toBe(0o750);
    expect([d.uid, d.gid, d.mtimeMs / 1000]).toEqual([7, 8, 1_000_000]);
    const f = statSync(path.join(layer, 'd/f'));
    expect(f.mode & 0o7777).toBe(0o4755);
    expect([f.uid, f.gid, f.mtimeMs / 1000, f.nlink]).toEqual([1000, 1001, 2_000_000, 2]);
    expect(statSync(path.join(layer, 'd/h')).ino).toBe(f.ino);
    const s = lstatSync(path.join(layer, 'd/s'));
    expect(readlinkSync(path.join(layer, 'd/s'))).toBe('/etc/shadow');
    expect([s.uid, s.gid, s.mtimeMs / 1000]).toEqual([5, 6, 3_000_000]);
    expect(lstatSync(path.join(layer, 'fifo')).isFIFO()).toBe(true);
    expect(xattr(path.join(layer, 'd/x'), 'user.tsk')).toBe('v');
    expect(xattr(path.join(layer, 'd/x'), 'trusted.overlay.opaque')).toBe('');
  });

  it('turns .wh. files into overlay whiteouts and .wh..wh..opq into opaque dirs (gzip)', async () => {
    const tar = await tarOf([file('keep', 'k'), file('gone', 'this layer had it first'), file('.wh.gone', ''), file('dir/.wh..wh..opq', ''), file('dir/new', 'n'), file('sub/.wh.old', '')], true);
    await unpackLayer([tar], layer);
    for (const wh of ['gone', 'sub/old']) {
      const st = lstatSync(path.join(layer, wh));
      expect(st.isCharacterDevice()).toBe(true);
      expect(st.rdev).toBe(0);
    }
    expect(existsSync(path.join(layer, '.wh.gone'))).toBe(false);
    expect(xattr(path.join(layer, 'dir'), 'trusted.overlay.opaque')).toBe('y');
    expect(readFileSync(path.join(layer, 'dir/new'), 'utf8')).toBe('n');
  });

  it('fails on a truncated or corrupt layer with the step named', async () => {
    const tar = await tarOf([file('a', 'x'.repeat(5000))]);
    await expect(unpackLayer([tar.subarray(0, 2000)], layer, { ref: 'busybox:latest' })).rejects.toThrow(/unpack busybox:latest: .*end of data/);
    const bad = Buffer.from(tar);
    bad[10] = 0x41;
    await expect(unpackLayer([bad], path.join(base, 'l2'))).rejects.toThrow(/checksum/);
  });
});
