// SQLite-only: the conformance suite (quick, in-process) and what only an embedded store has:
// a catch-up longer than one query batch and than the in-memory event ring, and reopening.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { silentLogger } from '@tsk/log';
import { describeStoreConformance } from '../conformance.js';
import type { StoreEvent } from '../types.js';
import { SqliteStore } from './store.js';

const logger = silentLogger();
const dir = mkdtempSync(join(tmpdir(), 'tsk-sqlite-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStoreConformance('sqlite (unit)', async () => ({
  open: async () => SqliteStore.open(join(dir, `c${++n}.db`), { logger }),
  async interrupt(store) {
    await store.close();
    return SqliteStore.open((store as SqliteStore).path, { logger });
  },
  watchesSurviveInterrupt: false,
  teardown: async () => undefined,
}));

it('catches a watch up over more events than one batch and than the memory ring', async () => {
  const path = join(dir, 'catch-up.db');
  // A small ring, so that a short history already overflows it (the default is 8192).
  let store = SqliteStore.open(path, { logger, ringSize: 100 });
  const total = 2500;
  for (let i = 0; i < total; i++) await store.create(`k/${String(i).padStart(6, '0')}`, new Uint8Array([i % 256]));
  // The ring now holds only the latest events: a watch from 1 reads the log table first.
  const ac = new AbortController();
  const seen: StoreEvent[] = [];
  for await (const batch of store.watch('k/', { startRevision: 1, signal: ac.signal })) {
    seen.push(...batch);
    if (seen.length >= total) break;
  }
  expect(seen.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  await store.close();
  store = SqliteStore.open(path, { logger });
  expect(await store.currentRevision()).toBe(total);
  expect((await store.count('k/')).count).toBe(total);
  await store.close();
});

it('names the path when the database cannot be opened', async () => {
  const { StoreUnavailableError } = await import('../errors.js');
  // A directory that cannot exist: its parent is a regular file.
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const path = join(file, 'sub', 'state.db');
  expect(() => SqliteStore.open(path, { logger })).toThrow(StoreUnavailableError);
  expect(() => SqliteStore.open(path, { logger })).toThrow(path);
});

it('refuses a second store on the same file while the first is open', async () => {
  const { StoreUnavailableError } = await import('../errors.js');
  const path = join(dir, 'locked.db');
  const first = SqliteStore.open(path, { logger });
  expect(() => SqliteStore.open(path, { logger })).toThrow(StoreUnavailableError);
  await first.close();
  const again = SqliteStore.open(path, { logger });
  await again.close();
});

it('group-commits concurrent writes, each with its own outcome', async () => {
  const { StoreLeaseNotFoundError } = await import('../errors.js');
  const store = SqliteStore.open(join(dir, 'group.db'), { logger });
  try {
    const base = await store.create('k', new Uint8Array([0]));
    // Issued together, so they share one transaction: one CAS wins, one loses, a bad lease
    // fails alone, and the rest are written.
    const results = await Promise.allSettled([
      store.update('k', new Uint8Array([1]), base.revision),
      store.update('k', new Uint8Array([2]), base.revision),
      store.create('bad', new Uint8Array([3]), { lease: 999_999 }),
      ...Array.from({ length: 20 }, (_, i) => store.create(`g/${i}`, new Uint8Array([i]))),
    ]);
    const [first, second, bad, ...rest] = results;
    expect(first).toMatchObject({ status: 'fulfilled', value: { succeeded: true } });
    expect(second).toMatchObject({ status: 'fulfilled', value: { succeeded: false } });
    expect(bad?.status === 'rejected' ? bad.reason : undefined).toBeInstanceOf(StoreLeaseNotFoundError);
    const revisions = rest.map((r) => (r.status === 'fulfilled' ? r.value.revision : 0));
    expect(revisions).toEqual(Array.from({ length: 20 }, (_, i) => base.revision + 2 + i));
    expect(await store.currentRevision()).toBe(base.revision + 21);
    expect((await store.get('bad')).kv).toBeUndefined();
  } finally {
    await store.close();
  }
});

it('loses only the write that fails halfway through a group commit', async () => {
  const store = SqliteStore.open(join(dir, 'halfway.db'), { logger });
  try {
    // The log row of "broken" is inserted, then its `current` row fails (as a full disk
    // would): the batch is run again with a savepoint per write, so that log row is undone and
    // every other write of the batch still lands, at consecutive revisions.
    const stmts = (store as unknown as { stmts: { upsertCurrent: { run: (...args: unknown[]) => unknown } } }).stmts;
    const real = stmts.upsertCurrent.run.bind(stmts.upsertCurrent);
    stmts.upsertCurrent.run = (...args: unknown[]) => {
      if (Buffer.isBuffer(args[0]) && args[0].toString() === 'broken') throw new Error('SQLITE_FULL: database or disk is full');
      return real(...args);
    };
    const results = await Promise.allSettled([
      store.create('a', new Uint8Array([1])),
      store.create('broken', new Uint8Array([2])),
      store.create('b', new Uint8Array([3])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'StoreUnavailableError' });
    expect((await store.get('broken')).kv).toBeUndefined();
    const a = (await store.get('a')).kv!;
    const b = (await store.get('b')).kv!;
    expect(b.modRevision).toBe(a.modRevision + 1);
    expect(await store.currentRevision()).toBe(b.modRevision);
    // The history holds no trace of the failed write either.
    const events: StoreEvent[] = [];
    for await (const batch of store.watch('', { startRevision: 1, signal: AbortSignal.timeout(200) })) {
      events.push(...batch);
      if (events.length >= 2) break;
    }
    expect(events.map((e) => e.kv.key)).toEqual(['a', 'b']);
  } finally {
    await store.close();
  }
});
