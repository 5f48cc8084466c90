// `npm run bench -- store [--ops N] [--seconds N] [--watchers N] [--events N] [--watch-rate N] [--backend sqlite|etcd]`
//
// The API server end to end, per store backend (embedded SQLite, and a real etcd with fsync on,
// started here): a tsk-server process per backend, driven over gRPC from this process.
//   create, update, get, list (closed loop: throughput, p50, p99);
//   sustained 1,000 writes/s (open loop, latency from each write's scheduled time);
//   watch fan-out: 100 watchers (in 2 worker threads, so client-side decoding does not queue
//   behind itself) and 10,000 events at 1,000/s (--watch-rate): delivery lag p99 (write start to
//   arrival). At 1,000/s that is 100,000 messages/s out of one Node process, past what grpc-js
//   sends on 2 shared cores, so the lag then measures a backlog; lower rates measure latency.
// Goals (issue 2): mutating p99 < 10 ms at 1,000 writes/s on SQLite; watch lag p99 < 50 ms.
// Prints a table and the ratio SQLite/etcd measured in the same run.
import { Worker } from 'node:worker_threads';
import { WatchRequest } from '@tsk/api';
import { startEtcd, type EtcdProcess } from '@tsk/store';
import { startServer, type ServerProcess } from '../apiserver/harness.js';
import { paced, sequential, summarize, type LatencySummary } from './store-backends.js';

const GOAL_WRITE_P99_MS = 10;
const GOAL_WATCH_LAG_P99_MS = 50;

interface WatcherJob {
  readonly address: string;
  readonly watchers: number;
  readonly events: number;
  /** The encoded WatchRequest, base64. */
  readonly request: string;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Worker side, plain JavaScript (eval'd: tsx does not reach worker threads). The watches are raw
 * HTTP/2 gRPC streams, parsed just enough to find each frame's "@@<ms>" write time: grpc-js's
 * per-message cost on the client would otherwise be most of what is measured on 2 cores.
 */
const WORKER_JS = `
const { parentPort, workerData: job } = require('node:worker_threads');
const http2 = require('node:http2');
const request = Buffer.from(job.request, 'base64');
const header = Buffer.alloc(5);
header.writeUInt32BE(request.length, 1);
const body = Buffer.concat([header, request]);
const sessions = Array.from({ length: Math.max(1, Math.ceil(job.watchers / 25)) }, () => http2.connect('http://' + job.address));
const lags = [];
let ready = 0;
const marker = Buffer.from('@@');
Promise.all(Array.from({ length: job.watchers }, (_, w) => new Promise((resolve, reject) => {
  const stream = sessions[w % sessions.length].request({ ':method': 'POST', ':path': '/tsk.v1.Objects/Watch', 'content-type': 'application/grpc', te: 'trailers' });
  stream.end(body);
  let seen = 0;
  let pending = Buffer.alloc(0);
  stream.on('response', () => { if (++ready === job.watchers) parentPort.postMessage({ ready: true }); });
  stream.on('data', (chunk) => {
    const arrived = performance.timeOrigin + performance.now();
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      const frame = pending.subarray(5, 5 + length);
      pending = pending.subarray(5 + length);
      const at = frame.indexOf(marker);
      if (at < 0) continue;
      let end = at + 2;
      while (end < frame.length && ((frame[end] >= 48 && frame[end] <= 57) || frame[end] === 46)) end++;
      lags.push(arrived - Number(frame.subarray(at + 2, end).toString()));
      if (++seen === job.events) { stream.close(); resolve(); }
    }
  });
  stream.on('error', reject);
  stream.on('close', resolve);
}))).then(() => { for (const s of sessions) s.close(); parentPort.postMessage({ lags }); });
`;

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

function cm(name: string, namespace: string, data: Record<string, string>): { configMap: object } {
  return { configMap: { metadata: { name, namespace }, data } };
}

async function watchFanOut(server: ServerProcess, watchers: number, events: number, rate: number): Promise<LatencySummary> {
  await server.api.create({ object: { namespace: { metadata: { name: 'bench-watch' } } } });
  const rv = (await server.api.list({ kind: 'ConfigMap', namespace: 'bench-watch' })).metadata!.resourceVersion!;
  const request = Buffer.from(WatchRequest.encode({ kind: 'ConfigMap', namespace: 'bench-watch', resourceVersion: rv }).finish()).toString('base64');
  const threads = Math.min(2, watchers);
  const workers = Array.from({ length: threads }, (_, i) => {
    const job: WatcherJob = { address: server.grpcAddress, watchers: Math.floor(watchers / threads) + (i < watchers % threads ? 1 : 0), events, request };
    return new Worker(WORKER_JS, { eval: true, workerData: job });
  });
  const results = workers.map(
    (w) =>
      new Promise<{ ready: Promise<void>; lags: Promise<number[]> }>((resolveOuter) => {
        let readyResolve!: () => void;
        const ready = new Promise<void>((r) => (readyResolve = r));
        const lags = new Promise<number[]>((resolve, reject) => {
          w.on('message', (m: { ready?: boolean; lags?: number[] }) => {
            if (m.ready) readyResolve();
            if (m.lags) resolve(m.lags);
          });
          w.on('error', reject);
        });
        resolveOuter({ ready, lags });
      }),
  );
  const handles = await Promise.all(results);
  await Promise.all(handles.map((h) => h.ready));
  const start = performance.now();
  await paced(rate, (events / rate) * 1000, (i) => server.api.create({ object: cm(`e-${i}`, 'bench-watch', { t: `@@${now()}` }) }));
  const lags = (await Promise.all(handles.map((h) => h.lags))).flat();
  await Promise.all(workers.map((w) => w.terminate()));
  return summarize(lags, (performance.now() - start) / 1000);
}

interface Scrape {
  /** Cumulative Create latency buckets (le in seconds -> count). */
  readonly buckets: Map<number, number>;
  /** Server event loop delay since the previous scrape, ms. */
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
}

async function scrape(server: ServerProcess): Promise<Scrape> {
  const text = await (await fetch(`http://${server.httpAddress}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const m of text.matchAll(/tsk_apiserver_request_duration_seconds_bucket\{method="Create",le="([^"]+)"\} (\d+)/g)) {
    buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  }
  const loop = (q: string): number => Number(new RegExp(`nodejs_eventloop_delay_seconds\\{quantile="${q}"\\} (\\S+)`).exec(text)?.[1] ?? NaN) * 1000;
  return { buckets, loopP99Ms: loop('0.99'), loopMaxMs: loop('1') };
}

/** The server's own view: the histogram bucket that holds the p99 of the calls between two scrapes. */
function serverP99Ms(before: Map<number, number>, after: Map<number, number>): number {
  const les = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const le of les) if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= 0.99 * total) return le * 1000;
  return Infinity;
}

interface Measured {
  readonly rows: Record<string, LatencySummary>;
  readonly serverP99Ms: number;
  /** Server event loop delay (p99, max ms) during the sustained writes and the watch fan-out. */
  readonly loop: { readonly writes: Scrape; readonly watch: Scrape };
}

async function measure(server: ServerProcess, args: string[]): Promise<Measured> {
  const n = Number(flag(args, 'ops', '2000'));
  const seconds = Number(flag(args, 'seconds', '5'));
  const { api } = server;
  await api.create({ object: { namespace: { metadata: { name: 'bench' } } } });
  const data = { payload: 'x'.repeat(512) };
  const create = await sequential(n, (i) => api.create({ object: cm(`o-${i}`, 'bench', data) }));
  const update = await sequential(n, (i) => api.update({ object: cm(`o-${i % n}`, 'bench', { payload: `y${i}` }) }));
  const get = await sequential(n, (i) => api.get({ kind: 'ConfigMap', namespace: 'bench', name: `o-${i % n}` }));
  const list = await sequential(100, () => api.list({ kind: 'ConfigMap', namespace: 'bench', limit: 100 }));
  const before = await scrape(server);
  const sustained = await paced(1000, seconds * 1000, (i) => api.create({ object: cm(`s-${i}`, 'bench', data) }));
  const afterWrites = await scrape(server);
  const serverSide = serverP99Ms(before.buckets, afterWrites.buckets);
  const watchers = Number(flag(args, 'watchers', '100'));
  const events = Number(flag(args, 'events', '10000'));
  const rate = Number(flag(args, 'watch-rate', '1000'));
  await scrape(server);
  const lag = await watchFanOut(server, watchers, events, rate);
  const afterWatch = await scrape(server);
  const rows = {
    create,
    update,
    get,
    'list (limit 100)': list,
    'create @1000/s sustained': sustained,
    [`watch lag (${watchers} watchers, ${events} ev @${rate}/s)`]: lag,
  };
  return { rows, serverP99Ms: serverSide, loop: { writes: afterWrites, watch: afterWatch } };
}

const col = (s: LatencySummary | undefined): string =>
  s === undefined ? ''.padEnd(34) : `${s.ratePerSec.toFixed(0).padStart(7)}/s ${s.p50Ms.toFixed(2).padStart(8)} ${s.p99Ms.toFixed(2).padStart(8)}`;

export default async function main(args: string[]): Promise<void> {
  const only = flag(args, 'backend', '');
  const results: Record<string, Record<string, LatencySummary>> = {};
  const serverSideP99: Record<string, number> = {};
  const loops: Record<string, Measured['loop']> = {};
  for (const backend of ['sqlite', 'etcd'] as const) {
    if (only !== '' && only !== backend) continue;
    let etcd: EtcdProcess | undefined;
    let server: ServerProcess | undefined;
    try {
      if (backend === 'etcd') etcd = await startEtcd({ fsync: true });
      server = await startServer(etcd === undefined ? { apiOnly: true } : { store: etcd.url, apiOnly: true });
      process.stderr.write(`measuring ${backend}...\n`);
      const measured = await measure(server, args);
      results[backend] = measured.rows;
      serverSideP99[backend] = measured.serverP99Ms;
      loops[backend] = measured.loop;
    } finally {
      await server?.stop();
      await etcd?.stop();
    }
  }
  const rows = Object.keys(results['sqlite'] ?? results['etcd'] ?? {});
  const header = `${'operation'.padEnd(42)} ${'sqlite: rate     p50 ms   p99 ms'.padEnd(34)}   ${'etcd: rate       p50 ms   p99 ms'.padEnd(34)}   sqlite/etcd rate  p99`;
  process.stdout.write(`${header}\n${'-'.repeat(header.length)}\n`);
  for (const row of rows) {
    const s = results['sqlite']?.[row];
    const e = results['etcd']?.[row];
    const ratio = s && e ? `${(s.ratePerSec / e.ratePerSec).toFixed(2).padStart(16)} ${(s.p99Ms / e.p99Ms).toFixed(2).padStart(5)}` : '';
    process.stdout.write(`${row.padEnd(42)} ${col(s)}   ${col(e)}   ${ratio}\n`);
  }
  const sustained = results['sqlite']?.['create @1000/s sustained'];
  const lagRow = rows.find((r) => r.startsWith('watch lag'));
  const lag = lagRow === undefined ? undefined : results['sqlite']?.[lagRow];
  process.stdout.write('\n');
  for (const [backend, p99] of Object.entries(serverSideP99)) {
    process.stdout.write(`${backend}: at 1,000 creates/s, p99 inside the server (its /metrics histogram) <= ${p99} ms\n`);
    const l = loops[backend];
    if (l !== undefined) {
      process.stdout.write(
        `${backend}: server event loop delay p99/max: ${l.writes.loopP99Ms.toFixed(1)}/${l.writes.loopMaxMs.toFixed(1)} ms during the writes, ` +
          `${l.watch.loopP99Ms.toFixed(1)}/${l.watch.loopMaxMs.toFixed(1)} ms during the fan-out\n`,
      );
    }
  }
  if (sustained) process.stdout.write(`goal: SQLite mutating p99 at 1,000 writes/s < ${GOAL_WRITE_P99_MS} ms: ${sustained.p99Ms.toFixed(2)} ms end to end (client included) ${sustained.p99Ms < GOAL_WRITE_P99_MS ? 'MET' : 'MISSED'}\n`);
  if (lag) process.stdout.write(`goal: watch lag p99 < ${GOAL_WATCH_LAG_P99_MS} ms: ${lag.p99Ms.toFixed(2)} ms ${lag.p99Ms < GOAL_WATCH_LAG_P99_MS ? 'MET' : 'MISSED'}\n`);
}
