// Store-level measurement helpers for the store benchmark (the API-level bench reuses them), and,
// as a default export, a quick backend comparison: `npm run bench -- store-backends [SECONDS]`
// measures SQLite and etcd (fsync on, as in production) side by side and prints ratios.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@tsk/log';
import { openStore, startEtcd, type Store } from '@tsk/store';

export interface LatencySummary {
  readonly count: number;
  readonly seconds: number;
  readonly ratePerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function summarize(latenciesMs: readonly number[], seconds: number): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    count: sorted.length,
    seconds,
    ratePerSec: seconds > 0 ? sorted.length / seconds : 0,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}

/**
 * Runs `op` open-loop at `rate` per second for `durationMs`: each call is started at its
 * scheduled time whether or not earlier ones finished, and its latency counts from that time,
 * so a stall shows up in the percentiles instead of silently lowering the rate.
 */
export async function paced(rate: number, durationMs: number, op: (i: number) => Promise<unknown>): Promise<LatencySummary> {
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.floor((rate * durationMs) / 1000);
  let issued = 0;
  while (issued < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
    for (; issued < due; issued++) {
      const scheduled = start + (issued * 1000) / rate;
      const i = issued;
      inflight.push(op(i).then(() => void latencies.push(performance.now() - scheduled)));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inflight);
  return summarize(latencies, (performance.now() - start) / 1000);
}

/** Runs `op` closed-loop (one at a time) `count` times: throughput and latency. */
export async function sequential(count: number, op: (i: number) => Promise<unknown>): Promise<LatencySummary> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op(i);
    latencies.push(performance.now() - t);
  }
  return summarize(latencies, (performance.now() - start) / 1000);
}

/**
 * Watch fan-out: `watchers` watches on `prefix`, `events` writes (each value carries its write
 * time), and the lag from write start to delivery at every watcher. Each watcher ends (and its
 * watch is closed by the for-await) once it has seen every event.
 */
export async function watchLag(store: Store, options: { watchers: number; events: number; prefix: string; rate: number }): Promise<LatencySummary> {
  const start = (await store.currentRevision()) + 1;
  const lags: number[] = [];
  const done = Array.from({ length: options.watchers }, async () => {
    let seen = 0;
    for await (const batch of store.watch(options.prefix, { startRevision: start })) {
      const now = performance.now();
      for (const event of batch) lags.push(now - Number(new TextDecoder().decode(event.kv.value)));
      seen += batch.length;
      if (seen >= options.events) return;
    }
  });
  const t = performance.now();
  await paced(options.rate, (options.events / options.rate) * 1000, (i) =>
    store.create(`${options.prefix}${i}`, new TextEncoder().encode(String(performance.now()))),
  );
  await Promise.all(done);
  return summarize(lags, (performance.now() - t) / 1000);
}

/** Opens a store of the given backend on fresh state (etcd: a private etcd with fsync on). */
export async function withBackend<T>(backend: 'sqlite' | 'etcd', fn: (store: Store) => Promise<T>): Promise<T> {
  const logger = silentLogger();
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tsk-bench-'));
    const store = await openStore(`sqlite://${join(dir, 'state.db')}`, { logger });
    try {
      return await fn(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const etcd = await startEtcd({ fsync: true });
  try {
    const store = await openStore(etcd.url, { logger });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await etcd.stop();
  }
}

const fmt = (s: LatencySummary): string =>
  `${s.ratePerSec.toFixed(0).padStart(7)}/s  p50 ${s.p50Ms.toFixed(2).padStart(7)} ms  p99 ${s.p99Ms.toFixed(2).padStart(7)} ms`;

export default async function main(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 3);
  const results: Record<string, Record<string, LatencySummary>> = {};
  for (const backend of ['sqlite', 'etcd'] as const) {
    results[backend] = await withBackend(backend, async (store) => {
      const value = new Uint8Array(1024);
      const writes = await paced(1000, seconds * 1000, (i) => store.create(`/bench/w/${i}`, value));
      const seqCreate = await sequential(2000, (i) => store.create(`/bench/s/${i}`, value));
      const gets = await sequential(2000, (i) => store.get(`/bench/s/${i}`));
      const lists = await sequential(50, () => store.list('/bench/s/', { limit: 500 }));
      const lag1 = await watchLag(store, { watchers: 1, events: 2000, prefix: '/bench/watch1/', rate: 1000 });
      const lag = await watchLag(store, { watchers: 100, events: 2000, prefix: '/bench/watch/', rate: 1000 });
      return {
        'create @1000/s': writes,
        'create (closed loop)': seqCreate,
        get: gets,
        'list 500': lists,
        'watch lag x1': lag1,
        'watch lag x100': lag,
      };
    });
  }
  const sqlite = results['sqlite'] ?? {};
  const etcd = results['etcd'] ?? {};
  process.stdout.write(`${'operation'.padEnd(22)}${'sqlite'.padEnd(44)}${'etcd (fsync)'.padEnd(44)}p99 sqlite/etcd\n`);
  for (const [name, s] of Object.entries(sqlite)) {
    const e = etcd[name];
    if (e === undefined) continue;
    process.stdout.write(`${name.padEnd(22)}${fmt(s).padEnd(44)}${fmt(e).padEnd(44)}${(s.p99Ms / e.p99Ms).toFixed(2)}\n`);
  }
}
