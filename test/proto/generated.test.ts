// The generated code in libs/api/src/gen must be exactly what `npm run proto` makes from proto/:
// a proto change without regeneration (or a hand edit of gen/) fails here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const committed = join(root, 'libs/api/src/gen');
const fresh = mkdtempSync(join(tmpdir(), 'tsk-gen-'));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('generated code', () => {
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('is what npm run proto makes from proto/', () => {
    execFileSync('node', [join(root, 'scripts/gen-proto.mjs'), '--out', fresh], { cwd: root, stdio: 'pipe' });
    const want = files(fresh).map((f) => relative(fresh, f)).sort();
    const have = files(committed).map((f) => relative(committed, f)).sort();
    expect(have, 'files in libs/api/src/gen (run `npm run proto`)').toEqual(want);
    for (const name of want) {
      const a = readFileSync(join(fresh, name), 'utf8');
      const b = readFileSync(join(committed, name), 'utf8');
      expect(b === a, `libs/api/src/gen/${name} is stale or hand-edited: run \`npm run proto\``).toBe(true);
    }
  });
});
