/**
 * The one conformance suite both backends must pass (vitest). A backend passes a small harness:
 * how to open a store on fresh state and how to break and restore its connection. The suite
 * never assumes revisions start at 1 or are contiguous per prefix, because etcd tests share one
 * etcd (one revision counter) between stores with different prefixes.
 *
 * Not exported from the package index (it imports vitest); test files import it by path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreClosedError, StoreCompactedError, StoreLeaseNotFoundError, StoreUnavailableError } from './errors.js';
import type { Store, StoreEvent, WriteResult } from './types.js';

export interface ConformanceBackend {
  /** A store over fresh, empty state (a new file, or a new etcd prefix). */
  open(): Promise<Store>;
  /**
   * Breaks the connection between `store` and its backend, then restores it; returns the store
   * to go on with. etcd: the etcd process is restarted and the same store (and its watches)
   * must carry on. SQLite: the store is closed and reopened on the same file.
   */
  interrupt(store: Store): Promise<Store>;
  /** True when watches survive interrupt() (etcd); false when they end and are resumed (SQLite). */
  readonly watchesSurviveInterrupt: boolean;
  /** Releases what the harness started (an etcd process, temp dirs). */
  teardown(): Promise<void>;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ok(result: WriteResult): number {
  expect(result.succeeded).toBe(true);
  return result.revision;
}

/** A watch whose events are pulled on demand and which is always cleaned up. */
class Watch {
  private readonly ac = new AbortController();
  private readonly iterator: AsyncIterator<readonly StoreEvent[]>;
  readonly events: StoreEvent[] = [];

  constructor(store: Store, prefix: string, startRevision: number) {
    this.iterator = store.watch(prefix, { startRevision, signal: this.ac.signal })[Symbol.asyncIterator]();
  }

  /** Pulls until at least `n` events have arrived in all; fails after `timeoutMs`. */
  async until(n: number, timeoutMs = 10_000): Promise<StoreEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n) {
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(left, 0))));
      const next = await Promise.race([this.iterator.next(), timeout]).finally(() => clearTimeout(timer));
      if (next === 'timeout') throw new Error(`watch: ${this.events.length} of ${n} events after ${timeoutMs} ms`);
      if (next.done === true) throw new Error(`watch ended after ${this.events.length} of ${n} events`);
      this.events.push(...next.value);
    }
    return this.events;
  }

  /** The next pull, expected to throw. */
  async failure(): Promise<unknown> {
    try {
      await this.iterator.next();
    } catch (err) {
      return err;
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.ac.abort();
    await this.iterator.return?.();
  }
}

/** Retries a write while the backend comes back (after an etcd restart). */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof StoreUnavailableError) || attempt > 100) throw err;
      await sleep(100);
    }
  }
}

export function describeStoreConformance(name: string, factory: () => Promise<ConformanceBackend>): void {
  describe(`store conformance: ${name}`, () => {
    let backend: ConformanceBackend;
    const open: Store[] = [];
    const watches: Watch[] = [];

    beforeAll(async () => {
      backend = await factory();
    });
    afterAll(async () => {
      await Promise.all(watches.map((w) => w.close()));
      await Promise.all(open.map((s) => s.close()));
      await backend?.teardown();
    });

    async function fresh(): Promise<Store> {
      const store = await backend.open();
      open.push(store);
      return store;
    }
    function watch(store: Store, prefix: string, startRevision: number): Watch {
      const w = new Watch(store, prefix, startRevision);
      watches.push(w);
      return w;
    }

    it('orders writes: revisions strictly increase and lists are sorted by key', async () => {
      const store = await fresh();
      const before = await store.currentRevision();
      const keys = ['b', 'a/2', 'c', 'a/10', 'a/1', 'é', 'Z'];
      const revisions: number[] = [];
      for (const key of keys) revisions.push(ok(await store.create(key, enc(`v-${key}`))));
      expect(revisions[0]).toBeGreaterThan(before);
      for (let i = 1; i < revisions.length; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1] ?? 0);
      const list = await store.list('');
      expect(list.kvs.map((kv) => kv.key)).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      expect(list.revision).toBe(revisions[revisions.length - 1]);
      expect(list.more).toBe(false);
      expect(await store.currentRevision()).toBe(revisions[revisions.length - 1]);
      const got = await store.get('c');
      expect(got.kv).toMatchObject({ key: 'c', createRevision: revisions[2], modRevision: revisions[2], lease: 0 });
      expect(dec(got.kv?.value ?? enc(''))).toBe('v-c');
      expect(got.revision).toBe(revisions[revisions.length - 1]);
      expect((await store.get('missing')).kv).toBeUndefined();
    });

    it('creates only if absent, returning the existing key and writing nothing otherwise', async () => {
      const store = await fresh();
      const first = await store.create('k', enc('one'));
      expect(first.succeeded).toBe(true);
      expect(first.kv).toMatchObject({ key: 'k', createRevision: first.revision, modRevision: first.revision });
      const second = await store.create('k', enc('two'));
      expect(second.succeeded).toBe(false);
      expect(second.kv?.modRevision).toBe(first.revision);
      expect(dec(second.kv?.value ?? enc(''))).toBe('one');
      expect(await store.currentRevision()).toBe(first.revision);
    });

    it('updates by compare-and-swap on modRevision', async () => {
      const store = await fresh();
      const created = ok(await store.create('k', enc('v1')));
      const updated = await store.update('k', enc('v2'), created);
      expect(updated.succeeded).toBe(true);
      expect(updated.kv).toMatchObject({ createRevision: created, modRevision: updated.revision });
      expect(updated.revision).toBeGreaterThan(created);
      // A stale update fails, returns the key as it is now, and writes nothing.
      const stale = await store.update('k', enc('v3'), created);
      expect(stale.succeeded).toBe(false);
      expect(stale.kv?.modRevision).toBe(updated.revision);
      expect(dec(stale.kv?.value ?? enc(''))).toBe('v2');
      expect(await store.currentRevision()).toBe(updated.revision);
      expect(dec((await store.get('k')).kv?.value ?? enc(''))).toBe('v2');
      const absent = await store.update('nope', enc('x'), updated.revision);
      expect(absent).toMatchObject({ succeeded: false, kv: undefined });
      expect((await store.update('nope', enc('x'), 0)).succeeded).toBe(false);
    });

    it('updates with the key as the caller read it: the revision still decides, and the watch sees the true previous value', async () => {
      const store = await fresh();
      const created = ok(await store.create('k', enc('v1')));
      const w = watch(store, 'k', created + 1);
      const read = (await store.get('k')).kv!;
      const updated = await store.update('k', enc('v2'), created, { current: read });
      expect(updated.succeeded).toBe(true);
      // The read is stale now: the update it is passed with fails and returns the key as it is.
      const stale = await store.update('k', enc('v3'), created, { current: read });
      expect(stale.succeeded).toBe(false);
      expect(stale.kv?.modRevision).toBe(updated.revision);
      expect(dec(stale.kv?.value ?? enc(''))).toBe('v2');
      // A read that names the current revision but was changed since (as by another server) is
      // caught by the revision of the key, not trusted.
      const other = await store.update('k', enc('v4'), updated.revision);
      const lying = await store.update('k', enc('v5'), updated.revision, { current: { ...read, modRevision: updated.revision } });
      expect(lying.succeeded).toBe(false);
      expect(dec(lying.kv?.value ?? enc(''))).toBe('v4');
      const events = await w.until(2);
      expect(events.map((e) => [dec(e.kv.value), dec(e.prevKv?.value ?? enc(''))])).toEqual([
        ['v2', 'v1'],
        ['v4', 'v2'],
      ]);
      expect(other.succeeded).toBe(true);
    });

    it('deletes with and without a precondition', async () => {
      const store = await fresh();
      const a = ok(await store.create('a', enc('A')));
      const deleted = await store.delete('a');
      expect(deleted.succeeded).toBe(true);
      expect(deleted.kv).toMatchObject({ key: 'a', modRevision: a });
      expect(deleted.revision).toBeGreaterThan(a);
      expect((await store.get('a')).kv).toBeUndefined();
      expect((await store.delete('a')).succeeded).toBe(false);

      const b = ok(await store.create('b', enc('B')));
      const b2 = ok(await store.update('b', enc('B2'), b));
      const stale = await store.delete('b', b);
      expect(stale.succeeded).toBe(false);
      expect(stale.kv?.modRevision).toBe(b2);
      expect((await store.get('b')).kv?.modRevision).toBe(b2);
      expect((await store.delete('b', b2)).succeeded).toBe(true);
      // A key created again starts a new life: a new createRevision.
      const again = await store.create('a', enc('A2'));
      expect(again.kv?.createRevision).toBe(again.revision);
    });

    it('lists and counts at a past revision, with paging', async () => {
      const store = await fresh();
      for (let i = 0; i < 10; i++) ok(await store.create(`p/${i}`, enc(`v${i}`)));
      ok(await store.create('pq', enc('outside the prefix')));
      const at = await store.currentRevision();
      const p3 = (await store.get('p/3')).kv;
      ok(await store.update('p/3', enc('changed'), p3?.modRevision ?? 0));
      ok(await store.delete('p/5'));
      ok(await store.create('p/a', enc('later')));

      expect((await store.count('p/')).count).toBe(10);
      const now = await store.list('p/');
      expect(now.kvs.map((kv) => kv.key)).toEqual(['p/0', 'p/1', 'p/2', 'p/3', 'p/4', 'p/6', 'p/7', 'p/8', 'p/9', 'p/a']);
      const past = await store.list('p/', { revision: at });
      expect(past.revision).toBe(at);
      expect(past.kvs.map((kv) => kv.key)).toEqual(['p/0', 'p/1', 'p/2', 'p/3', 'p/4', 'p/5', 'p/6', 'p/7', 'p/8', 'p/9']);
      expect(dec(past.kvs[3]?.value ?? enc(''))).toBe('v3');

      // Pages of 3 at a fixed revision: startKey is the last key plus a zero byte.
      const pages: string[][] = [];
      let startKey: string | undefined;
      for (;;) {
        const page = await store.list('p/', { limit: 3, revision: at, ...(startKey === undefined ? {} : { startKey }) });
        pages.push(page.kvs.map((kv) => kv.key));
        const last = page.kvs[page.kvs.length - 1];
        if (!page.more || last === undefined) break;
        startKey = `${last.key}\0`;
      }
      expect(pages).toEqual([['p/0', 'p/1', 'p/2'], ['p/3', 'p/4', 'p/5'], ['p/6', 'p/7', 'p/8'], ['p/9']]);
      const exact = await store.list('p/', { limit: 10 });
      expect(exact.more).toBe(false);
    });

    it('watches from a revision: every later event exactly once, in order, with prevKv', async () => {
      const store = await fresh();
      ok(await store.create('other/x', enc('not watched')));
      const r1 = ok(await store.create('w/a', enc('1')));
      const r2 = ok(await store.update('w/a', enc('2'), r1));
      const r3 = ok(await store.create('w/b', enc('3')));
      const w = watch(store, 'w/', r1);
      const r4 = ok(await store.delete('w/a'));
      ok(await store.create('other/y', enc('not watched')));
      const r5 = ok(await store.create('w/c', enc('5')));
      const events = await w.until(5);
      await sleep(100);
      expect(events.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
        ['put', 'w/a', r1],
        ['put', 'w/a', r2],
        ['put', 'w/b', r3],
        ['delete', 'w/a', r4],
        ['put', 'w/c', r5],
      ]);
      expect(events[0]?.prevKv).toBeUndefined();
      expect(events[1]?.prevKv).toMatchObject({ key: 'w/a', modRevision: r1 });
      expect(dec(events[1]?.kv.value ?? enc(''))).toBe('2');
      expect(events[1]?.kv.createRevision).toBe(r1);
      expect(events[3]?.prevKv).toMatchObject({ key: 'w/a', modRevision: r2 });
      expect(events[3]?.kv.value.length).toBe(0);
    });

    it('resumes a watch across a lost connection without losing or duplicating events', async () => {
      let store = await fresh();
      const start = (await store.currentRevision()) + 1;
      const written: number[] = [];
      for (let i = 0; i < 10; i++) written.push(ok(await store.create(`r/${i}`, enc(`${i}`))));
      let w = watch(store, 'r/', start);
      await w.until(5);
      const seen = [...w.events];
      store = await backend.interrupt(store);
      if (!open.includes(store)) open.push(store);
      if (backend.watchesSurviveInterrupt) {
        for (let i = 10; i < 20; i++) written.push(ok(await retrying(() => store.create(`r/${i}`, enc(`${i}`)))));
        await w.until(20);
        seen.length = 0;
        seen.push(...w.events);
      } else {
        // The old watch ends with StoreClosedError; the client resumes from what it saw.
        const failure = await w.failure();
        expect(failure).toBeInstanceOf(StoreClosedError);
        const last = seen[seen.length - 1]?.kv.modRevision ?? 0;
        w = watch(store, 'r/', last + 1);
        for (let i = 10; i < 20; i++) written.push(ok(await store.create(`r/${i}`, enc(`${i}`))));
        await w.until(20 - seen.length);
        seen.push(...w.events);
      }
      await sleep(100);
      expect(seen.map((e) => e.kv.modRevision)).toEqual(written);
    });

    it('fails reads and watches of compacted revisions with StoreCompactedError', async () => {
      const store = await fresh();
      const r1 = ok(await store.create('c/k', enc('1')));
      const r2 = ok(await store.update('c/k', enc('2'), r1));
      const r3 = ok(await store.update('c/k', enc('3'), r2));
      ok(await store.create('c/gone', enc('x')));
      ok(await store.delete('c/gone'));
      await store.compact(r3);
      await store.compact(r2); // compacting to an older revision again is a no-op
      const err = await store.list('c/', { revision: r1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreCompactedError);
      expect((err as StoreCompactedError).requestedRevision).toBe(r1);
      expect((err as StoreCompactedError).compactRevision).toBe(r3);
      const old = watch(store, 'c/', r1);
      const watchErr = await old.failure();
      expect(watchErr).toBeInstanceOf(StoreCompactedError);
      // At and after the compact revision, history answers as before.
      const at = await store.list('c/', { revision: r3 });
      expect(at.kvs.map((kv) => [kv.key, dec(kv.value)])).toEqual([['c/k', '3']]);
      const w = watch(store, 'c/', r3);
      const events = await w.until(3);
      expect(events.map((e) => [e.type, e.kv.key])).toEqual([
        ['put', 'c/k'],
        ['put', 'c/gone'],
        ['delete', 'c/gone'],
      ]);
    });

    it('deletes the keys of an expired or revoked lease, with watch events', async () => {
      const store = await fresh();
      const start = (await store.currentRevision()) + 1;
      const w = watch(store, 'l/', start);
      const short = await store.grantLease(1);
      const long = await store.grantLease(30);
      ok(await store.create('l/short', enc('s'), { lease: short }));
      ok(await store.create('l/long', enc('l'), { lease: long }));
      ok(await store.create('l/none', enc('n')));
      expect((await store.get('l/short')).kv?.lease).toBe(short);
      await store.keepAliveLease(long);
      const events = await w.until(4, 10_000);
      expect(events[3]).toMatchObject({ type: 'delete', kv: { key: 'l/short' } });
      expect((await store.get('l/short')).kv).toBeUndefined();
      await expect(store.keepAliveLease(short)).rejects.toBeInstanceOf(StoreLeaseNotFoundError);
      await store.revokeLease(long);
      await w.until(5);
      expect(w.events[4]).toMatchObject({ type: 'delete', kv: { key: 'l/long' } });
      expect((await store.list('l/')).kvs.map((kv) => kv.key)).toEqual(['l/none']);
      await store.revokeLease(long); // revoking twice is fine
      await expect(store.create('l/bad', enc('x'), { lease: long })).rejects.toBeInstanceOf(StoreLeaseNotFoundError);
    });

    it('refuses use after close with StoreClosedError', async () => {
      const store = await fresh();
      await store.close();
      await expect(store.get('x')).rejects.toBeInstanceOf(StoreClosedError);
      await store.close();
    });
  });
}
