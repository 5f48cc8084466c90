// etcd-specific behaviour beyond the conformance suite: an unreachable etcd, a watch that waits
// through an outage, key prefixes that keep two clusters apart, and the startEtcd helper itself.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '@tsk/log';
import { openStore, startEtcd, StoreUnavailableError, type EtcdProcess, type Store, type StoreEvent } from '@tsk/store';

const logger = silentLogger();
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
let etcd: EtcdProcess;
const stores: Store[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await etcd?.stop();
});

async function open(prefix: string, options: { requestTimeoutMs?: number } = {}): Promise<Store> {
  const store = await openStore(`${etcd.url}?prefix=${encodeURIComponent(prefix)}`, { logger, ...options });
  stores.push(store);
  return store;
}

it('fails with StoreUnavailableError naming the endpoints when etcd cannot be reached', async () => {
  const dead = await startEtcd();
  const endpoints = dead.endpoints;
  await dead.stop();
  const started = Date.now();
  const err = await openStore(`etcd://${endpoints}`, { logger, connectTimeoutMs: 500 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StoreUnavailableError);
  expect((err as Error).message).toContain(endpoints);
  expect(Date.now() - started).toBeLessThan(5000);
});

it('keeps a watch through an etcd outage, started while etcd is down', async () => {
  const store = await open('/outage/');
  const written: number[] = [];
  for (let i = 0; i < 5; i++) written.push((await store.create(`k${i}`, enc(`${i}`))).revision);
  await etcd.kill();
  // While etcd is down, requests fail fast with a clear error.
  const err = await store.get('k0').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StoreUnavailableError);
  expect((err as Error).message).toContain(etcd.endpoints);

  const ac = new AbortController();
  const iterator = store.watch('', { startRevision: written[0] ?? 0, signal: ac.signal })[Symbol.asyncIterator]();
  const events: StoreEvent[] = [];
  const pulling = (async () => {
    while (events.length < 10) {
      const next = await iterator.next();
      if (next.done === true) break;
      events.push(...next.value);
    }
  })();
  try {
    await new Promise((resolve) => setTimeout(resolve, 400));
    await etcd.start();
    for (let i = 5; i < 10; i++) {
      for (let attempt = 0; ; attempt++) {
        try {
          written.push((await store.create(`k${i}`, enc(`${i}`))).revision);
          break;
        } catch (e) {
          if (!(e instanceof StoreUnavailableError) || attempt > 50) throw e;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
    await Promise.race([pulling, new Promise((_, reject) => setTimeout(() => reject(new Error('watch did not resume')), 15_000))]);
    expect(events.map((e) => e.kv.modRevision)).toEqual(written);
  } finally {
    ac.abort();
    await pulling.catch(() => undefined);
    await iterator.return?.();
  }
});

it('keeps stores with different prefixes apart', async () => {
  const a = await open('/cluster-a');
  const b = await open('/cluster-b');
  const start = (await a.currentRevision()) + 1;
  await a.create('/registry/x', enc('a'));
  await b.create('/registry/x', enc('b'));
  await b.create('/registry/y', enc('b'));
  expect((await a.list('')).kvs.map((kv) => kv.key)).toEqual(['/registry/x']);
  expect((await b.count('/registry/')).count).toBe(2);
  const ac = new AbortController();
  const iterator = a.watch('', { startRevision: start, signal: ac.signal })[Symbol.asyncIterator]();
  const first = await iterator.next();
  expect(first.done === true ? [] : first.value.map((e) => e.kv.key)).toEqual(['/registry/x']);
  ac.abort();
  await iterator.return?.();
});

it('startEtcd stops exactly its process and removes its data dir', async () => {
  const other = await startEtcd({ prefix: '/p' });
  expect(other.url).toBe(`etcd://${other.endpoints}?prefix=%2Fp`);
  const pid = other.pid ?? 0;
  expect(pid).toBeGreaterThan(0);
  expect(existsSync(other.dataDir)).toBe(true);
  await other.stop();
  expect(existsSync(other.dataDir)).toBe(false);
  expect(() => process.kill(pid, 0)).toThrow();
  // The shared etcd is untouched.
  expect(etcd.pid).toBeGreaterThan(0);
});
