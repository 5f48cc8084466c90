/**
 * The build context: .containerignore / .dockerignore rules (Go filepath.Match patterns, `**`,
 * `!` exceptions, last match wins), COPY sources with globs, and the tar entries and content
 * digest of what a COPY takes. The digest covers paths, modes, owners and bytes but not mtimes,
 * so touching a file does not invalidate the cache, as in Docker.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { type Digest, digestOfHash } from './digest.js';
import { ImageError } from './errors.js';
import { readTar, type TarSourceEntry } from './tar.js';
import { cleanPath } from './unpack.js';

interface Rule {
  readonly re: RegExp;
  readonly exclude: boolean;
}

function globToRegex(pattern: string): string {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i] as string}`;
    else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return re;
}

export class IgnoreRules {
  private constructor(private readonly rules: readonly Rule[]) {}

  static parse(text: string): IgnoreRules {
    const rules: Rule[] = [];
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exclude = !line.startsWith('!');
      const pattern = cleanPath(exclude ? line : line.slice(1).trim()).join('/');
      if (pattern === '') continue;
      // A pattern matching a directory also matches everything below it.
      rules.push({ re: new RegExp(`^${globToRegex(pattern)}(/.*)?$`), exclude });
    }
    return new IgnoreRules(rules);
  }

  static async load(contextDir: string): Promise<IgnoreRules> {
    for (const name of ['.containerignore', '.dockerignore']) {
      const text = await fs.readFile(path.join(contextDir, name), 'utf8').catch(() => undefined);
      if (text !== undefined) return IgnoreRules.parse(text);
    }
    return new IgnoreRules([]);
  }

  /** Whether `rel` (a clean relative path) is left out of the context. */
  ignored(rel: string): boolean {
    let out = false;
    for (const r of this.rules) if (r.re.test(rel)) out = r.exclude;
    return out;
  }
}

export interface ContextFile {
  /** Path relative to the context. */
  readonly rel: string;
  /** Destination path inside the image (relative, clean). */
  readonly dest: string;
  readonly stat: Stats;
  readonly linkname?: string;
  /** Permission bits to use instead of the file's own (COPY --chmod). */
  readonly mode?: number;
}

function modeOf(f: ContextFile): number {
  return f.mode ?? f.stat.mode & 0o7777;
}

/** Expands one COPY source (may be a glob) to context-relative paths that exist and are not ignored. */
export async function expandSource(contextDir: string, source: string, ignore: IgnoreRules): Promise<string[]> {
  const parts = cleanPath(source);
  let found = [''];
  for (const part of parts) {
    const next: string[] = [];
    if (/[*?[]/.test(part)) {
      const re = new RegExp(`^${globToRegex(part)}$`);
      for (const dir of found) {
        const names = await fs.readdir(path.join(contextDir, dir)).catch(() => [] as string[]);
        for (const n of names.sort()) if (re.test(n)) next.push(dir === '' ? n : `${dir}/${n}`);
      }
    } else {
      for (const dir of found) next.push(dir === '' ? part : `${dir}/${part}`);
    }
    found = next;
  }
  const out: string[] = [];
  for (const rel of found) {
    if (rel !== '' && ignore.ignored(rel)) continue;
    if (await fs.lstat(path.join(contextDir, rel)).then(() => true, () => false)) out.push(rel);
  }
  return out;
}

/** Every file under `rel` (itself when a file), with its destination under `dest`. */
export async function walk(contextDir: string, rel: string, dest: string, ignore: IgnoreRules, out: ContextFile[]): Promise<void> {
  const abs = path.join(contextDir, rel);
  const stat = await fs.lstat(abs);
  if (stat.isSymbolicLink()) {
    out.push({ rel, dest, stat, linkname: await fs.readlink(abs) });
    return;
  }
  out.push({ rel, dest, stat });
  if (!stat.isDirectory()) return;
  for (const name of (await fs.readdir(abs)).sort()) {
    const child = rel === '' ? name : `${rel}/${name}`;
    if (ignore.ignored(child)) continue;
    await walk(contextDir, child, dest === '' ? name : `${dest}/${name}`, ignore, out);
  }
}

export interface Ownership {
  readonly uid: number;
  readonly gid: number;
}

/** Tar entries for `files`, with parent directories of the destination created first. */
export function copyEntries(contextDir: string, files: readonly ContextFile[], owner: Ownership | undefined, parents: readonly string[]): TarSourceEntry[] {
  const entries: TarSourceEntry[] = [];
  for (const p of parents) entries.push({ header: { name: `${p}/`, type: 'dir', mode: 0o755 } });
  for (const f of files) entries.push(...entryFor(contextDir, f, owner));
  return entries;
}

function entryFor(contextDir: string, f: ContextFile, owner: Ownership | undefined): TarSourceEntry[] {
  const base = { name: f.dest, mode: modeOf(f), uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, mtime: Math.floor(f.stat.mtimeMs / 1000) };
  if (f.linkname !== undefined) return [{ header: { ...base, type: 'symlink', linkname: f.linkname } }];
  if (f.stat.isDirectory()) return [{ header: { ...base, name: `${f.dest}/`, type: 'dir' } }];
  if (f.stat.isFile()) {
    const abs = path.join(contextDir, f.rel);
    return [{ header: { ...base, type: 'file', size: f.stat.size }, body: () => createReadStream(abs) as AsyncIterable<Buffer> }];
  }
  throw new ImageError('INVALID_ARGUMENT', 'build', f.rel, 'only files, directories and symlinks can be copied');
}

/** Whether a context file is a tar archive (plain or gzip) that ADD unpacks. */
export async function isArchive(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(265);
    const { bytesRead } = await fh.read(head, 0, 265, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
    return bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

/** Entries of an archive ADD unpacks under `dest`, streamed (each body read once, in order). */
export async function* archiveEntries(file: string, dest: string): AsyncGenerator<TarSourceEntry> {
  const gz = await fs.open(file, 'r').then(async (fh) => {
    const b = Buffer.alloc(2);
    await fh.read(b, 0, 2, 0);
    await fh.close();
    return b[0] === 0x1f && b[1] === 0x8b;
  });
  const raw = createReadStream(file);
  const stream = gz ? raw.pipe(createGunzip()) : raw;
  for await (const { header, body } of readTar(stream as AsyncIterable<Buffer>)) {
    const rel = cleanPath(header.name).join('/');
    const name = [dest, rel].filter((x) => x !== '').join('/');
    if (name === '') continue;
    const linkname = header.type === 'link' ? [dest, cleanPath(header.linkname).join('/')].filter((x) => x !== '').join('/') : header.linkname;
    yield { header: { ...header, name: header.type === 'dir' ? `${name}/` : name, linkname }, body };
  }
}

/** The content digest of what a COPY takes: paths, kinds, modes, link targets and file bytes. */
export async function contentDigest(contextDir: string, files: readonly ContextFile[], owner: Ownership | undefined): Promise<Digest> {
  const h = createHash('sha256');
  h.update(`owner ${owner?.uid ?? 0}:${owner?.gid ?? 0}\n`);
  for (const f of files) {
    const kind = f.linkname !== undefined ? 'l' : f.stat.isDirectory() ? 'd' : 'f';
    h.update(`${kind} ${f.dest} ${modeOf(f).toString(8)} ${f.linkname ?? ''}\n`);
    if (kind === 'f') for await (const chunk of createReadStream(path.join(contextDir, f.rel))) h.update(chunk as Buffer);
  }
  return digestOfHash(h);
}
