/**
 * A small tar reader and writer (ustar with GNU long names and pax extensions), enough for OCI
 * layers and image archives; tsk's own so that unpacking stays under its path-containment rules.
 */
import { ByteReader } from './bytes.js';

export type TarType = 'file' | 'link' | 'symlink' | 'dir' | 'char' | 'block' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (pax may carry fractions). */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from pax SCHILY.xattr.* records. */
  xattrs: Record<string, Buffer>;
}

export interface TarEntry {
  readonly header: TarHeader;
  /** The file's bytes; must be consumed (or left alone, then skipped) before the next entry. */
  readonly body: AsyncIterable<Buffer>;
}

const BLOCK = 512;
const TYPES: Record<string, TarType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };
const TYPE_FLAGS: Record<TarType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

function str(buf: Buffer, start: number, len: number): string {
  const field = buf.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function num(buf: Buffer, start: number, len: number): number {
  const field = buf.subarray(start, start + len);
  // GNU base-256 for values that do not fit in octal (big files, negative times).
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
  return sum === num(block, 148, 8);
}

function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.subarray(pos, space).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, pos + len - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.set(record.subarray(0, eq).toString('utf8'), record.subarray(eq + 1));
    pos += len;
  }
  return out;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Reads tar entries from a byte stream; after the end marker the rest of the input is drained. */
export async function* readTar(source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, Buffer>();
  for (;;) {
    const block = await reader.read(BLOCK);
    if (block === null) return;
    if (block.every((b) => b === 0)) {
      await reader.drain();
      return;
    }
    if (!checksumOk(block)) throw new Error(`tar: bad header checksum at offset ${reader.offset - BLOCK}`);
    const flag = String.fromCharCode(block[156] ?? 0);
    let size = num(block, 124, 12);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const data = (await reader.read(size)) ?? Buffer.alloc(0);
      await reader.skip(padding(size));
      if (flag === 'x') pax = parsePax(data);
      else if (flag === 'L') longName = str(data, 0, data.length);
      else if (flag === 'K') longLink = str(data, 0, data.length);
      continue; // global pax headers carry nothing an image needs
    }
    const type = TYPES[flag];
    const magic = block.subarray(257, 263).toString('latin1');
    const prefix = magic === 'ustar\0' ? str(block, 345, 155) : '';
    const name = longName ?? (prefix !== '' ? `${prefix}/${str(block, 0, 100)}` : str(block, 0, 100));
    const linkname = longLink ?? str(block, 157, 100);
    const xattrs: Record<string, Buffer> = {};
    const header: TarHeader = {
      name,
      type: type ?? 'file',
      mode: num(block, 100, 8) & 0o7777,
      uid: num(block, 108, 8),
      gid: num(block, 116, 8),
      size,
      mtime: num(block, 136, 12),
      linkname,
      uname: str(block, 265, 32),
      gname: str(block, 297, 32),
      devmajor: num(block, 329, 8),
      devminor: num(block, 337, 8),
      xattrs,
    };
    for (const [key, value] of pax) {
      const text = value.toString('utf8');
      if (key === 'path') header.name = text;
      else if (key === 'linkpath') header.linkname = text;
      else if (key === 'size') header.size = size = parseInt(text, 10);
      else if (key === 'uid') header.uid = parseInt(text, 10);
      else if (key === 'gid') header.gid = parseInt(text, 10);
      else if (key === 'mtime') header.mtime = parseFloat(text);
      else if (key === 'uname') header.uname = text;
      else if (key === 'gname') header.gname = text;
      else if (key.startsWith('SCHILY.xattr.')) xattrs[key.slice('SCHILY.xattr.'.length)] = value;
    }
    longName = longLink = undefined;
    pax = new Map();
    if (type === undefined) {
      // Unknown entry kinds (sparse files, volume labels) are skipped rather than misread.
      await reader.skip(size + padding(size));
      continue;
    }
    // Hard links, symlinks and directories carry no data, but a size field is honoured anyway.
    const dataSize = size;
    let remaining = dataSize;
    const body = (async function* () {
      while (remaining > 0) {
        for await (const part of reader.stream(remaining)) {
          remaining -= part.length;
          yield part;
        }
      }
    })();
    yield { header, body };
    // Skip whatever of the body the consumer did not read.
    await reader.skip(remaining);
    await reader.skip(padding(dataSize));
  }
}

function writeString(buf: Buffer, value: string, start: number, len: number): void {
  buf.write(value, start, len, 'utf8');
}

function writeOctal(buf: Buffer, value: number, start: number, len: number): void {
  const text = Math.floor(value).toString(8).padStart(len - 1, '0');
  buf.write(`${text}\0`, start, len, 'latin1');
}

function paxRecord(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function headerBlock(h: Pick<TarHeader, 'name' | 'mode' | 'uid' | 'gid' | 'size' | 'mtime' | 'linkname' | 'uname' | 'gname' | 'devmajor' | 'devminor'>, flag: string): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, h.name, 0, 100);
  writeOctal(buf, h.mode & 0o7777, 100, 8);
  writeOctal(buf, h.uid, 108, 8);
  writeOctal(buf, h.gid, 116, 8);
  writeOctal(buf, h.size, 124, 12);
  writeOctal(buf, Math.max(0, h.mtime), 136, 12);
  buf.write(flag, 156, 1, 'latin1');
  writeString(buf, h.linkname, 157, 100);
  buf.write('ustar\x0000', 257, 8, 'latin1');
  writeString(buf, h.uname, 265, 32);
  writeString(buf, h.gname, 297, 32);
  writeOctal(buf, h.devmajor, 329, 8);
  writeOctal(buf, h.devminor, 337, 8);
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += buf[i] ?? 0;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return buf;
}

const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;

export type TarInput = Partial<TarHeader> & { name: string; type: TarType };

/** The header blocks (pax extension first when a field does not fit ustar) for one entry. */
export function encodeHeader(input: TarInput): Buffer {
  const h = {
    mode: input.type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    linkname: '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
    ...input,
  };
  const records: Buffer[] = [];
  const nameBytes = Buffer.byteLength(h.name);
  if (nameBytes > 100 || /[^\x20-\x7e]/.test(h.name)) records.push(paxRecord('path', h.name));
  if (Buffer.byteLength(h.linkname) > 100 || /[^\x20-\x7e]/.test(h.linkname)) records.push(paxRecord('linkpath', h.linkname));
  if (h.size > MAX_OCTAL_11) records.push(paxRecord('size', String(h.size)));
  if (h.uid > MAX_OCTAL_7) records.push(paxRecord('uid', String(h.uid)));
  if (h.gid > MAX_OCTAL_7) records.push(paxRecord('gid', String(h.gid)));
  if (!Number.isInteger(h.mtime)) records.push(paxRecord('mtime', h.mtime.toFixed(9).replace(/0+$/, '')));
  for (const key of Object.keys(h.xattrs).sort()) records.push(paxRecord(`SCHILY.xattr.${key}`, h.xattrs[key] as Buffer));
  const main = headerBlock(
    { ...h, name: Buffer.from(h.name).subarray(0, 100).toString('utf8'), size: Math.min(h.size, MAX_OCTAL_11), uid: Math.min(h.uid, MAX_OCTAL_7), gid: Math.min(h.gid, MAX_OCTAL_7), mtime: Math.floor(h.mtime) },
    TYPE_FLAGS[h.type],
  );
  if (records.length === 0) return main;
  const data = Buffer.concat(records);
  const paxName = `PaxHeaders.0/${h.name.split('/').filter(Boolean).pop() ?? 'x'}`.slice(0, 99);
  const paxHead = headerBlock({ name: paxName, mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: Math.floor(h.mtime), linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 }, 'x');
  return Buffer.concat([paxHead, data, Buffer.alloc(padding(data.length)), main]);
}

/** Zero padding after a body of `size` bytes. */
export function bodyPadding(size: number): Buffer {
  return Buffer.alloc(padding(size));
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_END = Buffer.alloc(BLOCK * 2);

export interface TarSourceEntry {
  readonly header: TarInput;
  /** File contents (size must equal header.size); absent for non-files. */
  readonly body?: Buffer | AsyncIterable<Buffer> | (() => AsyncIterable<Buffer>);
}

/** Serialises entries as a tar byte stream (pipe it through gzip for a compressed layer). */
export async function* writeTar(entries: AsyncIterable<TarSourceEntry> | Iterable<TarSourceEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    const size = entry.header.type === 'file' ? (entry.header.size ?? 0) : 0;
    yield encodeHeader({ ...entry.header, size });
    if (size > 0 && entry.body !== undefined) {
      let written = 0;
      const body = typeof entry.body === 'function' ? entry.body() : entry.body;
      if (Buffer.isBuffer(body)) {
        written = body.length;
        yield body;
      } else {
        for await (const chunk of body) {
          written += chunk.length;
          yield chunk;
        }
      }
      if (written !== size) throw new Error(`tar: ${entry.header.name}: body has ${written} bytes, header says ${size}`);
      yield bodyPadding(size);
    } else if (size > 0) {
      throw new Error(`tar: ${entry.header.name}: no body for a ${size}-byte file`);
    }
  }
  yield TAR_END;
}
