/**
 * A resumable etcd watch. etcd3's own Watcher resumes after a reconnect from the revision in the
 * last response header, which during catch-up is the store's current revision rather than the
 * last event sent, so a reconnect in the middle of a catch-up would skip events. Here the raw
 * Watch stream is used instead: every (re)connect asks for exactly lastDeliveredRevision + 1,
 * events already delivered are dropped, and reconnects back off exponentially up to a cap.
 */
import type { Etcd3, IDuplexStream, IWatchRequest, IWatchResponse } from 'etcd3';
import type { Logger } from '@tsk/log';
import { StoreClosedError, StoreCompactedError, StoreError } from '../errors.js';
import type { KeyValue, StoreEvent } from '../types.js';
import { fromEtcdKv, num } from './client.js';

export interface WatchTarget {
  readonly client: Etcd3;
  readonly logger: Logger;
  readonly nsLength: number;
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  readonly isClosed: () => boolean;
  /** Tells the store about a compact revision etcd reported, for later read errors. */
  readonly onCompacted: (revision: number) => void;
}

const BACKOFF_START_MS = 50;
const BACKOFF_CAP_MS = 2000;
const EMPTY = Buffer.alloc(0);

type Item = { readonly kind: 'events'; readonly events: StoreEvent[] } | { readonly kind: 'created' } | { readonly kind: 'broken'; readonly error: unknown } | { readonly kind: 'fatal'; readonly error: Error };

/** One Watch stream: its responses as a queue the generator pulls from. */
class Session {
  private readonly items: Item[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly stream: IDuplexStream<IWatchRequest, IWatchResponse>,
    private readonly target: WatchTarget,
    private readonly startRevision: number,
  ) {
    stream.on('data', (res) => this.onResponse(res));
    stream.on('error', (error) => this.push({ kind: 'broken', error }));
    stream.on('end', () => this.push({ kind: 'broken', error: new Error('watch stream ended') }));
    stream.write({
      create_request: {
        key: target.key,
        range_end: target.rangeEnd,
        start_revision: startRevision,
        prev_kv: true,
      },
    });
  }

  private onResponse(res: IWatchResponse): void {
    if (res.canceled) {
      const compactRevision = num(res.compact_revision);
      if (compactRevision > 0) {
        this.target.onCompacted(compactRevision);
        this.push({ kind: 'fatal', error: new StoreCompactedError(compactRevision, this.startRevision) });
      } else {
        this.push({ kind: 'fatal', error: new StoreError(`etcd canceled the watch: ${res.cancel_reason}`) });
      }
      return;
    }
    if (res.created) {
      this.push({ kind: 'created' });
      return;
    }
    if (res.events.length === 0) return; // a progress notification
    const ns = this.target.nsLength;
    const events = res.events.map((e): StoreEvent => {
      const prevKv: KeyValue | undefined = e.prev_kv === undefined || e.prev_kv === null ? undefined : fromEtcdKv(e.prev_kv, ns);
      if (e.type === 'Delete') {
        const key = e.kv.key.subarray(ns).toString('utf8');
        return { type: 'delete', kv: { key, value: EMPTY, createRevision: 0, modRevision: num(e.kv.mod_revision), lease: 0 }, prevKv };
      }
      return { type: 'put', kv: fromEtcdKv(e.kv, ns), prevKv };
    });
    this.push({ kind: 'events', events });
  }

  private push(item: Item): void {
    if (this.ended) return;
    if (item.kind === 'broken' || item.kind === 'fatal') this.ended = true;
    this.items.push(item);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** The next item, or undefined when `signal` aborted first. */
  async next(signal: AbortSignal | undefined): Promise<Item | undefined> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) return item;
      if (signal?.aborted === true) return undefined;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiter = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  cancel(): void {
    this.ended = true;
    // Cancelling makes grpc emit a CANCELLED error; it is expected, so swallow it.
    this.stream.on('error', () => undefined);
    this.stream.cancel();
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Streams events with revision >= startRevision until `signal` aborts or the store closes. */
export async function* watchEtcd(
  target: WatchTarget,
  startRevision: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<readonly StoreEvent[]> {
  let next = startRevision;
  let failures = 0;
  const aborted = (): boolean => signal?.aborted === true;
  while (signal?.aborted !== true && !target.isClosed()) {
    let session: Session | undefined;
    let brokenBy: unknown;
    try {
      session = new Session(await target.client.watchClient.watch(), target, next);
      for (;;) {
        const item = await session.next(signal);
        if (item === undefined) break;
        if (item.kind === 'fatal') throw item.error;
        if (item.kind === 'broken') {
          brokenBy = item.error;
          break;
        }
        if (item.kind === 'created') {
          if (failures > 0) target.logger.info({ revision: next }, 'watch resumed');
          failures = 0;
          continue;
        }
        // After a reconnect etcd may send again what was delivered before the break.
        const fresh = item.events.filter((e) => e.kv.modRevision >= next);
        const last = fresh[fresh.length - 1];
        if (last === undefined) continue;
        next = last.kv.modRevision + 1;
        yield fresh;
      }
    } catch (err) {
      if (err instanceof StoreError) throw err;
      brokenBy = err;
    } finally {
      session?.cancel();
    }
    if (aborted() || target.isClosed()) break;
    const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** failures);
    failures++;
    target.logger.warn({ err: brokenBy, revision: next, retryInMs: delay }, 'watch stream lost; resuming');
    await sleep(delay, signal);
  }
  if (target.isClosed()) throw new StoreClosedError('etcd');
}
