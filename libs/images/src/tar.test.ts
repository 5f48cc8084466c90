import { describe, expect, it } from 'vitest';
import { readTar, writeTar, type TarSourceEntry } from './tar.js';

async function collect(entries: TarSourceEntry[], chunk = 7): Promise<{ name: string; type: string; linkname: string; body: string; mode: number; uid: number; mtime: number }[]> {
  const bufs: Buffer[] = [];
  for await (const b of writeTar(entries)) bufs.push(b);
  const all = Buffer.concat(bufs);
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < all.length; i += chunk) yield all.subarray(i, i + chunk);
  }
  const out = [];
  for await (const { header, body } of readTar(chunks())) {
    const parts: Buffer[] = [];
    for await (const b of body) parts.push(b);
    out.push({ name: header.name, type: header.type, linkname: header.linkname, body: Buffer.concat(parts).toString(), mode: header.mode, uid: header.uid, mtime: header.mtime });
  }
  return out;
}

describe('tar', () => {
  it('round-trips files, links, long names and big ids', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const got = await collect([
      { header: { name: 'a/', type: 'dir', mode: 0o750, mtime: 1000 } },
      { header: { name: 'a/file', type: 'file', size: 5, mode: 0o4755, uid: 3_000_000, mtime: 1234 }, body: Buffer.from('hello') },
      { header: { name: long, type: 'file', size: 3 }, body: Buffer.from('xyz') },
      { header: { name: 'a/sym', type: 'symlink', linkname: `/${'t'.repeat(200)}` } },
      { header: { name: 'a/hard', type: 'link', linkname: 'a/file' } },
    ]);
    expect(got.map((e) => e.name)).toEqual(['a/', 'a/file', long, 'a/sym', 'a/hard']);
    expect(got[1]).toMatchObject({ body: 'hello', mode: 0o4755, uid: 3_000_000, mtime: 1234 });
    expect(got[2]?.body).toBe('xyz');
    expect(got[3]?.linkname).toBe(`/${'t'.repeat(200)}`);
    expect(got[4]).toMatchObject({ type: 'link', linkname: 'a/file' });
  });

  it('skips bodies the reader does not consume', async () => {
    const bufs: Buffer[] = [];
    for await (const b of writeTar([
      { header: { name: 'x', type: 'file', size: 1000 }, body: Buffer.alloc(1000, 1) },
      { header: { name: 'y', type: 'file', size: 2 }, body: Buffer.from('ok') },
    ]))
      bufs.push(b);
    const names: string[] = [];
    for await (const { header } of readTar([Buffer.concat(bufs)])) names.push(header.name);
    expect(names).toEqual(['x', 'y']);
  });
});
