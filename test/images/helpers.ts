// Shared by the image tests: temp dirs removed afterwards, tars made from entry lists.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeTar, type TarSourceEntry } from '@tsk/images';

export function tempDirs(): { make: (label: string) => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    make(label) {
      const dir = mkdtempSync(path.join(tmpdir(), `tsk-images-${label}-`));
      made.push(dir);
      return dir;
    },
    cleanup() {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

export async function tarOf(entries: TarSourceEntry[], gzip = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of writeTar(entries)) parts.push(b);
  const tar = Buffer.concat(parts);
  return gzip ? gzipSync(tar) : tar;
}

export function file(name: string, content: string, extra: Partial<TarSourceEntry['header']> = {}): TarSourceEntry {
  return { header: { name, type: 'file', size: Buffer.byteLength(content), mode: 0o644, ...extra }, body: Buffer.from(content) };
}
