// Shared by the image tests: temp dirs removed afterwards, tars made from entry lists.
import { existsSync, mkdtempSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
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

/**
 * Removes the build containers' cgroup parent (/tsk-build) from every v1 hierarchy (or the v2
 * tree) once it is empty, so RUN tests leave no cgroup behind. A parent still holding a running
 * build elsewhere is left alone (rmdir of a non-empty cgroup fails).
 */
export function removeBuildCgroups(): void {
  const root = '/sys/fs/cgroup';
  const dirs = existsSync(`${root}/cgroup.controllers`) ? [root] : readdirSync(root).map((h) => `${root}/${h}`);
  for (const dir of dirs) {
    try {
      rmdirSync(`${dir}/tsk-build`);
    } catch {
      // absent, or still in use
    }
  }
}
