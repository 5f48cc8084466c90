// An acknowledged SQLite write survives kill -9: a child writes and prints each acknowledged
// revision; it is killed with SIGKILL mid-stream; the reopened store has every one of them
// (and takes over the lock file the killed writer left behind).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '@tsk/log';
import { openStore, StoreUnavailableError } from '@tsk/store';

const writer = fileURLToPath(new URL('../../libs/store/src/testing/sqlite-writer.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('keeps every acknowledged write after SIGKILL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsk-durability-'));
  dirs.push(dir);
  const path = join(dir, 'state.db');
  const child = spawn(process.execPath, ['--import', 'tsx', writer, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`writer too slow: ${out.length} bytes; ${err}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // Kill it mid-stream, once it has acknowledged a good number of writes.
        if (out.split('\n').length > 300) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`writer exited with ${code}: ${err}`)));
    });
    // While the writer runs, it owns the file: a second store refuses to open it.
    const refused = await openStore(`sqlite://${path}`, { logger: silentLogger() }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect(String(refused)).toContain(`in use by process ${child.pid}`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const acked = out
    .split('\n')
    .filter((line) => /^\d+ \d+$/.test(line))
    .map((line) => line.split(' ').map(Number) as [number, number]);
  expect(acked.length).toBeGreaterThanOrEqual(300);
  const store = await openStore(`sqlite://${path}`, { logger: silentLogger() });
  try {
    for (const [i, revision] of acked) {
      const { kv } = await store.get(`d/${i}`);
      expect(kv?.modRevision, `d/${i}`).toBe(revision);
    }
    const last = acked[acked.length - 1]?.[1] ?? 0;
    expect(await store.currentRevision()).toBeGreaterThanOrEqual(last);
    // The reopened store goes on from where the killed one stopped.
    const next = await store.create('after', new Uint8Array([1]));
    expect(next.revision).toBeGreaterThan(last);
  } finally {
    await store.close();
  }
});
