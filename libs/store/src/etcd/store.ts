/**
 * The etcd backend, through the `etcd3` client's raw KV, Lease and Watch RPCs. Keys live under
 * the URL's prefix so that clusters can share an etcd. Every compare-and-swap is one etcd txn
 * whose failure branch reads the key, so a failed compare returns the key as it is in the same
 * round trip. Reads are linearizable (never `serializable`).
 */
import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Etcd3, IRequestOp, ICompare, ITxnResponse } from 'etcd3';
import type { Logger } from '@tsk/log';
import { StoreClosedError, StoreError, StoreInvalidArgumentError, StoreUnavailableError } from '../errors.js';
import { asBuffer, checkKey, checkRevision, listRange, prefixEnd } from '../keys.js';
import type {
  GetResult,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../types.js';
import { createClient, fromEtcdKv, num, toStoreError } from './client.js';
import { watchEtcd } from './watch.js';

export interface EtcdStoreOptions {
  readonly logger: Logger;
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

export class EtcdStore implements Store {
  readonly backend = 'etcd';
  private readonly client: Etcd3;
  private readonly ns: Buffer;
  private readonly logger: Logger;
  private readonly closing = new AbortController();
  /** The latest compact revision seen (by compact() or a watch); etcd reads do not report it. */
  private knownCompactRevision = 0;

  private constructor(
    private readonly endpoints: readonly string[],
    prefix: string,
    options: EtcdStoreOptions,
  ) {
    this.ns = Buffer.from(prefix, 'utf8');
    this.logger = options.logger.child({ component: 'store', backend: 'etcd' });
    this.client = createClient(endpoints, options.requestTimeoutMs ?? 5000);
    // Every watch listens on this signal; hundreds of watches on one store are normal.
    setMaxListeners(0, this.closing.signal);
  }

  /** Connects and checks that etcd answers; StoreUnavailableError names the endpoints if not. */
  static async open(endpoints: readonly string[], prefix: string, options: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(endpoints, prefix, options);
    const deadline = Date.now() + (options.connectTimeoutMs ?? 5000);
    for (;;) {
      try {
        const revision = await store.currentRevision();
        store.logger.debug({ endpoints, prefix, revision }, 'connected');
        return store;
      } catch (err) {
        if (Date.now() >= deadline) {
          await store.close();
          throw err instanceof StoreUnavailableError
            ? err
            : new StoreUnavailableError(`cannot reach etcd at ${endpoints.join(',')}: ${String(err)}`, { cause: err });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private k(key: string): Buffer {
    return Buffer.concat([this.ns, Buffer.from(key, 'utf8')]);
  }

  private range(prefix: string, startKey?: string): { key: Buffer; range_end: Buffer } {
    const { start, end } = listRange(prefix, startKey);
    return { key: Buffer.concat([this.ns, start]), range_end: Buffer.concat([this.ns, end]) };
  }

  /** Runs one etcd call, mapping its failure to a store error. */
  private async call<T>(what: string, fn: () => Promise<T>, extra: { revision?: number; lease?: number } = {}): Promise<T> {
    if (this.closing.signal.aborted) throw new StoreClosedError(this.backend);
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(err, { endpoints: this.endpoints, what, compactRevision: this.knownCompactRevision, ...extra });
    }
  }

  async get(key: string): Promise<GetResult> {
    checkKey(key);
    const res = await this.call('get', () => this.client.kv.range({ key: this.k(key) }));
    const kv = res.kvs[0];
    return { kv: kv === undefined ? undefined : fromEtcdKv(kv, this.ns.length), revision: num(res.header.revision) };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const limit = options.limit ?? 0;
    const revision = options.revision ?? 0;
    checkRevision('limit', limit);
    checkRevision('revision', revision);
    const res = await this.call(
      'list',
      () => this.client.kv.range({ ...this.range(prefix, options.startKey), limit, revision }),
      { revision },
    );
    return {
      kvs: res.kvs.map((kv) => fromEtcdKv(kv, this.ns.length)),
      revision: revision > 0 ? revision : num(res.header.revision),
      more: res.more,
    };
  }

  async count(prefix: string): Promise<{ readonly count: number; readonly revision: number }> {
    const res = await this.call('count', () => this.client.kv.range({ ...this.range(prefix), count_only: true }));
    return { count: num(res.count), revision: num(res.header.revision) };
  }

  private txn(what: string, compare: ICompare, success: IRequestOp, key: Buffer, lease: number): Promise<ITxnResponse> {
    return this.call(what, () => this.client.kv.txn({ compare: [compare], success: [success], failure: [{ request_range: { key } }] }), {
      lease,
    });
  }

  /** The result of a txn whose failure branch is a range of the key. */
  private failed(res: ITxnResponse): WriteResult {
    const kv = res.responses[0]?.response_range?.kvs[0];
    return { succeeded: false, revision: num(res.header.revision), kv: kv === undefined ? undefined : fromEtcdKv(kv, this.ns.length) };
  }

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    checkKey(key);
    const k = this.k(key);
    const lease = options.lease ?? 0;
    const v = asBuffer(value);
    const res = await this.txn(
      'create',
      { key: k, target: 'Create', result: 'Equal', create_revision: 0 },
      { request_put: { key: k, value: v, lease } },
      k,
      lease,
    );
    if (!res.succeeded) return this.failed(res);
    const revision = num(res.header.revision);
    return { succeeded: true, revision, kv: { key, value: v, createRevision: revision, modRevision: revision, lease } };
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, options: WriteOptions = {}): Promise<WriteResult> {
    checkKey(key);
    checkRevision('expectedModRevision', expectedModRevision);
    // modRevision 0 would match an absent key in etcd's compare; an update needs the key to exist.
    if (expectedModRevision === 0) {
      const current = await this.get(key);
      return { succeeded: false, revision: current.revision, kv: current.kv };
    }
    const k = this.k(key);
    const lease = options.lease ?? 0;
    const v = asBuffer(value);
    const res = await this.txn(
      'update',
      { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision },
      { request_put: { key: k, value: v, lease, prev_kv: true } },
      k,
      lease,
    );
    if (!res.succeeded) return this.failed(res);
    const revision = num(res.header.revision);
    const prev = res.responses[0]?.response_put?.prev_kv;
    const createRevision = prev === undefined || prev === null ? revision : num(prev.create_revision);
    return { succeeded: true, revision, kv: { key, value: v, createRevision, modRevision: revision, lease } };
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    checkKey(key);
    if (expectedModRevision !== undefined) checkRevision('expectedModRevision', expectedModRevision);
    const k = this.k(key);
    const compare: ICompare =
      expectedModRevision === undefined || expectedModRevision === 0
        ? { key: k, target: 'Create', result: 'Greater', create_revision: 0 }
        : { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision };
    const res = await this.txn('delete', compare, { request_delete_range: { key: k, prev_kv: true } }, k, 0);
    if (!res.succeeded) return this.failed(res);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    return { succeeded: true, revision: num(res.header.revision), kv: prev === undefined ? undefined : fromEtcdKv(prev, this.ns.length) };
  }

  async *watch(prefix: string, options: WatchOptions): AsyncIterable<readonly StoreEvent[]> {
    checkRevision('startRevision', options.startRevision);
    if (this.closing.signal.aborted) throw new StoreClosedError(this.backend);
    // startRevision 0 means "from now": pin it to a revision so that a reconnect cannot skip.
    const start = options.startRevision > 0 ? options.startRevision : (await this.currentRevision()) + 1;
    const signal = options.signal === undefined ? this.closing.signal : AbortSignal.any([options.signal, this.closing.signal]);
    const { key, range_end } = this.range(prefix);
    yield* watchEtcd(
      {
        client: this.client,
        logger: this.logger.child({ prefix }),
        nsLength: this.ns.length,
        key,
        rangeEnd: range_end,
        isClosed: () => this.closing.signal.aborted,
        onCompacted: (revision) => {
          this.knownCompactRevision = Math.max(this.knownCompactRevision, revision);
        },
      },
      start,
      signal,
    );
  }

  async currentRevision(): Promise<number> {
    // Any linearizable read returns the store's revision in its header; this one reads nothing.
    const res = await this.call('read revision', () =>
      this.client.kv.range({ key: this.ns.length > 0 ? this.ns : Buffer.from([0]), range_end: prefixEnd(this.ns), count_only: true, limit: 1 }),
    );
    return num(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    checkRevision('revision', revision);
    try {
      await this.call('compact', () => this.client.kv.compact({ revision, physical: true }), { revision });
    } catch (err) {
      // Compacting to a revision at or below the last compaction is a no-op, as in SQLite.
      if (!(err instanceof StoreError && err.name === 'StoreCompactedError')) throw err;
    }
    this.knownCompactRevision = Math.max(this.knownCompactRevision, revision);
  }

  async grantLease(ttlSeconds: number): Promise<number> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new StoreInvalidArgumentError(`lease TTL must be a whole number of seconds >= 1, got ${ttlSeconds}`);
    }
    // etcd's own lease IDs use all 63 bits and would lose precision as a JS number, so the
    // store picks an ID that fits in 53 bits (a clash with an existing lease is retried).
    for (let attempt = 0; ; attempt++) {
      const id = randomInt(1, 2 ** 47) * 64 + randomInt(0, 64);
      try {
        const res = await this.call('grant lease', () => this.client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: id }));
        if (res.error !== '') throw new StoreUnavailableError(`etcd refused a lease: ${res.error}`);
        return num(res.ID);
      } catch (err) {
        const clash = err instanceof StoreError && err.message.includes('lease already exists');
        if (!clash || attempt >= 3) throw err;
      }
    }
  }

  async keepAliveLease(lease: number): Promise<void> {
    const ttl = await this.call(
      'keep lease alive',
      async () => {
        const stream = await this.client.leaseClient.leaseKeepAlive();
        try {
          return await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('no keepalive answer within 5 s')), 5000);
            stream.on('data', (res) => {
              clearTimeout(timer);
              resolve(num(res.TTL));
            });
            stream.on('error', (err) => {
              clearTimeout(timer);
              reject(err);
            });
            stream.write({ ID: lease });
          });
        } finally {
          stream.on('error', () => undefined);
          stream.cancel();
        }
      },
      { lease },
    );
    // etcd answers a keepalive for an unknown (expired, revoked) lease with TTL 0.
    if (ttl <= 0) throw toStoreError(new Error('etcdserver: requested lease not found'), { endpoints: this.endpoints, what: 'keepalive', lease, compactRevision: 0 });
  }

  async revokeLease(lease: number): Promise<void> {
    try {
      await this.call('revoke lease', () => this.client.leaseClient.leaseRevoke({ ID: lease }), { lease });
    } catch (err) {
      // Revoking a lease that is already gone is done.
      if (!(err instanceof StoreError && err.name === 'StoreLeaseNotFoundError')) throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.client.close();
  }
}

