/**
 * Reading `-f FILE|DIR|-` into parsed documents that remember where they came from, so an
 * error from the server about "object 3" can be told to the user as "web.yaml: document 2".
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifests, type ManifestDocument } from '@tsk/api';
import { CliError } from './errors.js';

export interface Source {
  readonly file: string;
  readonly text: string;
}

export interface LocatedDocument extends ManifestDocument {
  readonly file: string;
}

const EXTENSIONS = /\.(ya?ml|json)$/i;

/** Reads each -f argument: "-" is stdin, a directory is its .yaml/.yml/.json files, sorted. */
export async function readSources(paths: readonly string[], readStdin: () => Promise<string>): Promise<Source[]> {
  if (paths.length === 0) throw new CliError('must specify one of -f and -k');
  const out: Source[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push({ file: '<stdin>', text: await readStdin() });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new CliError(`the path "${path}" does not exist`);
    }
    const files = isDir
      ? readdirSync(path)
          .filter((f) => EXTENSIONS.test(f))
          .sort()
          .map((f) => join(path, f))
      : [path];
    for (const file of files) {
      try {
        out.push({ file, text: readFileSync(file, 'utf8') });
      } catch (err) {
        throw new CliError(`cannot read "${file}": ${(err as Error).message}`);
      }
    }
  }
  return out;
}

/** Parses every source locally; the first bad document fails with its file, document and field. */
export function parseSources(sources: readonly Source[]): LocatedDocument[] {
  return sources.flatMap((s) => parseManifests(s.text, s.file).map((d) => ({ ...d, file: s.file })));
}

/**
 * Rewrites the server's "object N (Kind ns/name): ..." (N counts the request's objects from 1)
 * as "FILE: document M (Kind ns/name): ...", naming the document in the user's own file.
 */
export function locateMessage(message: string, docs: readonly LocatedDocument[]): string {
  const m = /^object (\d+)((?: \([^)]*\))?): ?/.exec(message);
  if (m === null) return message;
  const doc = docs[Number(m[1]) - 1];
  if (doc === undefined) return message;
  return `${doc.file}: document ${doc.index}${m[2] ?? ''}: ${message.slice(m[0].length)}`;
}
