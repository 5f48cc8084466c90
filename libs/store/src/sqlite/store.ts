/**
 * The embedded SQLite backend (better-sqlite3, like k3s's kine). This process is the only
 * writer, so the revision counter lives in memory, every write is one synchronous transaction
 * (WAL + synchronous=FULL: an acknowledged write is on disk and survives kill -9), and watchers
 * are woken in-process right after each commit. Recent events stay in a memory ring so that
 * caught-up watchers never query; a watcher that is behind reads the log table.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '@tsk/log';
import {
  StoreClosedError,
  StoreCompactedError,
  StoreFutureRevisionError,
  StoreInvalidArgumentError,
  StoreLeaseNotFoundError,
  StoreUnavailableError,
} from '../errors.js';
import { asBuffer, checkKey, checkRevision, listRange } from '../keys.js';
import type {
  GetResult,
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  UpdateOptions,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../types.js';
import { Checkpointer } from './checkpointer.js';
import { CurrentCache } from './current-cache.js';
import { WalSync } from './wal-sync.js';
import { acquireLock } from './lock.js';
import { EMPTY, type LogRow, SCHEMA, toEvent, toKv } from './schema.js';
import { prepareStatements, type Statements } from './statements.js';


export interface SqliteStoreOptions {
  readonly logger: Logger;
  /** How often expired leases are swept (ms). */
  readonly leaseSweepMs?: number;
  /** Recent events kept in memory for caught-up watchers (default 8192; small in tests). */
  readonly ringSize?: number;
}

/** Events kept in memory for watchers that are caught up (a write costs one entry). */
const RING_SIZE_DEFAULT = 8192;
/** Rows per catch-up query, so a far-behind watcher neither blocks the loop nor buffers it all. */
const CATCH_UP_BATCH = 1000;


/** Keys whose latest value get() answers from memory (and 64 MiB of values at most, current-cache.ts). */
const CURRENT_CACHE_KEYS = 32_768;

interface QueuedWrite {
  readonly fn: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** A write of a batch committed without savepoints failed after it may have changed rows. */
class PartialWriteError extends Error {
  override name = 'PartialWriteError';
  constructor(readonly error: unknown) {
    super('a write failed halfway', { cause: error });
  }
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private readonly logger: Logger;
  /** The last committed revision (reads see it; it may not be on disk yet). */
  private revision: number;
  /** The last revision on disk and handed to watchers: events are published in order, once durable. */
  private publishedRevision: number;
  private compactRevision: number;
  private readonly wal: WalSync;
  /** Latest committed values of recently used keys, for get(). */
  private readonly current = new CurrentCache(CURRENT_CACHE_KEYS);
  /** Every commit's durability, settled in commit order; close() waits for it. */
  private durable: Promise<void> = Promise.resolve();
  /** Events for revisions ringStart .. ringStart + ring.length - 1 (one event per revision). */
  private ring: StoreEvent[] = [];
  private ringStart: number;
  private readonly wakers = new Set<() => void>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly checkpointer: Checkpointer;
  private readonly ringSize: number;
  private readonly unlock: () => void;
  private closed = false;

  private constructor(readonly path: string, options: SqliteStoreOptions) {
    this.logger = options.logger.child({ component: 'store', backend: 'sqlite' });
    this.ringSize = options.ringSize ?? RING_SIZE_DEFAULT;
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new StoreUnavailableError(`cannot create the directory of SQLite store ${path}: ${String(err)}`, { cause: err });
    }
    this.unlock = acquireLock(path);
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      // NORMAL: SQLite itself does not fsync at commit; the store fdatasyncs the WAL on libuv's
      // thread pool after each group commit and acknowledges (and publishes) the writes only
      // then (see wal-sync.ts). That is FULL's guarantee, an acknowledged write is on disk and
      // survives power loss and kill -9, without blocking the event loop for the fsync.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = OFF');
      // Checkpoints run in a worker (see checkpointer.ts), never inside a write.
      this.db.pragma('wal_autocheckpoint = 0');
      this.db.exec(SCHEMA);
    } catch (err) {
      this.unlock();
      throw new StoreUnavailableError(`cannot open SQLite store ${path}: ${String(err)}`, { cause: err });
    }
    this.stmts = prepareStatements(this.db);
    this.wal = new WalSync(`${path}-wal`, () => {
      if (!this.flushAfterSync) return;
      this.flushAfterSync = false;
      this.flush();
    });
    this.revision = this.stmts.maxRevision.get()?.seq ?? 0;
    this.publishedRevision = this.revision;
    this.compactRevision = this.stmts.getMeta.get('compact_revision')?.value ?? 0;
    this.ringStart = this.revision + 1;
    this.checkpointer = new Checkpointer(path, this.logger);
    this.sweeper = setInterval(() => this.sweepLeases(), options.leaseSweepMs ?? 250);
    // The sweeper must never keep a process alive on its own.
    this.sweeper.unref();
    this.logger.debug({ path, revision: this.revision, compactRevision: this.compactRevision }, 'opened');
  }

  static open(path: string, options: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(path, options);
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreClosedError(this.backend);
  }

  async get(key: string): Promise<GetResult> {
    this.checkOpen();
    checkKey(key);
    let kv = this.current.get(key);
    if (kv === undefined) {
      const row = this.stmts.current.get(Buffer.from(key, 'utf8'));
      if (row !== undefined) {
        kv = toKv(row);
        this.current.set(kv);
      }
    }
    return { kv, revision: this.revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const limit = options.limit ?? 0;
    checkRevision('limit', limit);
    const { start, end } = listRange(prefix, options.startKey);
    // Fetch one more than asked to learn whether more keys follow; SQLite's LIMIT -1 is "all".
    const sqlLimit = limit > 0 ? limit + 1 : -1;
    let rows: LogRow[];
    const at = options.revision;
    if (at === undefined || at === 0 || at === this.revision) {
      rows = this.stmts.listCurrent.all(start, end, sqlLimit);
    } else {
      this.checkReadRevision(at);
      rows = this.stmts.listAt.all(start, end, at, sqlLimit);
    }
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { kvs: rows.map(toKv), revision: at !== undefined && at > 0 ? at : this.revision, more };
  }

  private checkReadRevision(revision: number): void {
    checkRevision('revision', revision);
    if (revision < this.compactRevision) throw new StoreCompactedError(this.compactRevision, revision);
    if (revision > this.revision) throw new StoreFutureRevisionError(revision, this.revision);
  }

  async count(prefix: string): Promise<{ readonly count: number; readonly revision: number }> {
    this.checkOpen();
    const { start, end } = listRange(prefix, undefined);
    return { count: this.stmts.count.get(start, end)?.n ?? 0, revision: this.revision };
  }

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    this.checkOpen();
    checkKey(key);
    const k = Buffer.from(key, 'utf8');
    return this.write(() => {
      const existing = this.stmts.current.get(k);
      if (existing !== undefined) return { succeeded: false, revision: this.revision, kv: toKv(existing) };
      return this.put(k, key, asBuffer(value), undefined, options.lease ?? 0);
    });
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, options: UpdateOptions = {}): Promise<WriteResult> {
    this.checkOpen();
    checkKey(key);
    checkRevision('expectedModRevision', expectedModRevision);
    const k = Buffer.from(key, 'utf8');
    const known = options.current !== undefined && options.current.key === key && options.current.modRevision === expectedModRevision ? options.current : undefined;
    return this.write(() => {
      if (known !== undefined) {
        // The caller read this very revision: its row need not be read again, only checked.
        const row = this.stmts.currentRevision.get(k);
        if (row?.revision === expectedModRevision) {
          const existing: LogRow = { revision: known.modRevision, key: k, deleted: 0, create_revision: known.createRevision, lease: row.lease, value: asBuffer(known.value) };
          return this.put(k, key, asBuffer(value), existing, options.lease ?? 0);
        }
      }
      const existing = this.stmts.current.get(k);
      if (existing === undefined || existing.revision !== expectedModRevision) {
        return { succeeded: false, revision: this.revision, kv: existing === undefined ? undefined : toKv(existing) };
      }
      return this.put(k, key, asBuffer(value), existing, options.lease ?? 0);
    });
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    this.checkOpen();
    checkKey(key);
    if (expectedModRevision !== undefined) checkRevision('expectedModRevision', expectedModRevision);
    const k = Buffer.from(key, 'utf8');
    return this.write(() => this.deleteInTx(k, key, expectedModRevision));
  }

  /**
   * Queues `fn` for the next group commit and resolves once it is committed (on disk).
   *
   * Group commit: every write queued while the previous commit's fsync blocked the thread runs
   * in ONE transaction, each write keeping its own outcome (a write that fails changes nothing; see commit()),
   * so one fsync acknowledges them all. A slow disk then costs latency, not throughput: with a
   * 4 ms fsync, one transaction per write would top out at 250 writes/s.
   */
  private write<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError(this.backend));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private queue: QueuedWrite[] = [];
  private flushScheduled = false;
  private flushAfterSync = false;

  private asStoreError(err: unknown): unknown {
    if (err instanceof Error && err.name.startsWith('Store')) return err;
    return new StoreUnavailableError(`SQLite write to ${this.path} failed: ${String(err)}`, { cause: err });
  }

  /**
   * Runs `batch` in one transaction. Without savepoints (the common case: a SAVEPOINT and
   * RELEASE per write were a tenth of the server's event loop) a write may fail only before it
   * changes anything (a precondition such as a lost lease); any other failure aborts the
   * transaction with PartialWriteError and the caller runs the batch again with `savepoints`.
   */
  private commit(batch: readonly QueuedWrite[], savepoints: boolean): { pending: StoreEvent[]; outcomes: Outcome[] } {
    const pending: StoreEvent[] = [];
    const outcomes: Outcome[] = [];
    this.pendingEvents = pending;
    this.db
      .transaction(() => {
        for (const op of batch) {
          const revision = this.revision;
          const events = pending.length;
          try {
            // Nested, better-sqlite3 runs it in a SAVEPOINT.
            outcomes.push({ ok: true, value: savepoints ? this.db.transaction(op.fn)() : op.fn() });
          } catch (error) {
            if (!savepoints && !(error instanceof StoreLeaseNotFoundError)) throw new PartialWriteError(error);
            this.revision = revision;
            pending.length = events;
            outcomes.push({ ok: false, error });
          }
        }
      })
      .immediate();
    return { pending, outcomes };
  }

  /**
   * Commits every queued write in one transaction, then publishes events and settles them.
   * While the WAL's fsync runs, the writes wait for it to end and then commit together (the
   * classic group commit): committed now, they would wait for the next fsync anyway, and one
   * bigger transaction writes each touched page once instead of once per small commit.
   */
  private flush(force = false): void {
    this.flushScheduled = false;
    if (!force && this.wal.busy) {
      this.flushAfterSync = true;
      return;
    }
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.closed) {
      for (const op of batch) op.reject(new StoreClosedError(this.backend));
      return;
    }
    const before = this.revision;
    let pending: StoreEvent[] = [];
    let outcomes: Outcome[] = [];
    try {
      try {
        ({ pending, outcomes } = this.commit(batch, false));
      } catch (err) {
        if (!(err instanceof PartialWriteError)) throw err;
        // A write failed halfway (a statement error, not a precondition): nothing is committed.
        // Again, each write in its own savepoint so that only the failing one is lost.
        this.revision = before;
        ({ pending, outcomes } = this.commit(batch, true));
      }
    } catch (err) {
      // The commit failed: nothing of the batch is written; forget the revisions it used.
      this.revision = before;
      const error = this.asStoreError(err);
      for (const op of batch) op.reject(error);
      return;
    } finally {
      this.pendingEvents = undefined;
    }
    // Committed: reads now see these writes (the database would show them too).
    this.current.apply(pending);
    const settle = (): void => {
      this.publish(pending);
      batch.forEach((op, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok === true) op.resolve(outcome.value);
        else op.reject(this.asStoreError(outcome?.error));
      });
    };
    if (pending.length === 0) {
      // Nothing was written (every op failed its precondition): nothing to wait for, but the
      // answers still go out after those of earlier batches.
      this.durable = this.durable.then(settle);
      return;
    }
    const synced = this.wal.sync();
    this.durable = Promise.all([this.durable, synced]).then(settle, (err: unknown) => {
      // The commit is in SQLite but its fsync failed: the disk is in trouble. Nothing of the
      // batch is acknowledged, but its events are published: readers already see those rows,
      // and watchers must not diverge from what a list returns.
      const error = new StoreUnavailableError(`fsync of the SQLite WAL of ${this.path} failed: ${String(err)}`, { cause: err });
      this.logger.error({ err }, 'WAL fsync failed');
      this.publish(pending);
      for (const op of batch) op.reject(error);
    });
  }

  private pendingEvents: StoreEvent[] | undefined;

  private put(k: Buffer, key: string, value: Buffer, existing: LogRow | undefined, lease: number): WriteResult {
    if (lease !== 0) this.liveLease(lease);
    const revision = this.revision + 1;
    const createRevision = existing === undefined ? revision : existing.create_revision;
    this.stmts.insertLog.run(revision, k, existing === undefined ? 1 : 0, 0, createRevision, existing?.revision ?? 0, lease, value);
    this.stmts.upsertCurrent.run(k, revision, lease);
    this.revision = revision;
    const kv: KeyValue = { key, value, createRevision, modRevision: revision, lease };
    this.pendingEvents?.push({ type: 'put', kv, prevKv: existing === undefined ? undefined : toKv(existing) });
    return { succeeded: true, revision, kv };
  }

  private deleteInTx(k: Buffer, key: string, expectedModRevision: number | undefined): WriteResult {
    const existing = this.stmts.current.get(k);
    if (existing === undefined || (expectedModRevision !== undefined && existing.revision !== expectedModRevision)) {
      return { succeeded: false, revision: this.revision, kv: existing === undefined ? undefined : toKv(existing) };
    }
    const revision = this.revision + 1;
    this.stmts.insertLog.run(revision, k, 0, 1, existing.create_revision, existing.revision, 0, EMPTY);
    this.stmts.deleteCurrent.run(k);
    this.revision = revision;
    const prevKv = toKv(existing);
    this.pendingEvents?.push({
      type: 'delete',
      kv: { key, value: EMPTY, createRevision: 0, modRevision: revision, lease: 0 },
      prevKv,
    });
    return { succeeded: true, revision, kv: prevKv };
  }

  /** Appends committed events to the ring and wakes every watcher. */
  private publish(events: readonly StoreEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) this.ring.push(event);
    this.publishedRevision = events[events.length - 1]!.kv.modRevision;
    if (this.ring.length > 2 * this.ringSize) {
      const drop = this.ring.length - this.ringSize;
      this.ring = this.ring.slice(drop);
      this.ringStart += drop;
    }
    this.wake();
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }

  async *watch(prefix: string, options: WatchOptions): AsyncIterable<readonly StoreEvent[]> {
    this.checkOpen();
    checkRevision('startRevision', options.startRevision);
    const { signal } = options;
    // startRevision 0 means "from now", as in etcd.
    let next = options.startRevision > 0 ? options.startRevision : this.publishedRevision + 1;
    const { start, end } = listRange(prefix, undefined);
    for (;;) {
      if (signal?.aborted === true) return;
      if (this.closed) throw new StoreClosedError(this.backend);
      if (next < this.compactRevision) throw new StoreCompactedError(this.compactRevision, next);
      // Only what is durable and published: a committed batch waiting for its fsync is not.
      const upTo = this.publishedRevision;
      if (next <= upTo) {
        let batch: StoreEvent[];
        if (next >= this.ringStart) {
          batch = [];
          for (let i = next - this.ringStart; i < this.ring.length; i++) {
            const event = this.ring[i];
            if (event !== undefined && event.kv.key.startsWith(prefix)) batch.push(event);
          }
          next = upTo + 1;
        } else {
          const rows = this.stmts.events.all(next, upTo, start, end, CATCH_UP_BATCH);
          const last = rows[rows.length - 1];
          next = rows.length === CATCH_UP_BATCH && last !== undefined ? last.revision + 1 : upTo + 1;
          batch = rows.map(toEvent);
        }
        if (batch.length > 0) yield batch;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          this.wakers.delete(done);
          resolve();
        };
        this.wakers.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.revision;
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    checkRevision('revision', revision);
    if (revision <= this.compactRevision) return;
    if (revision > this.revision) throw new StoreFutureRevisionError(revision, this.revision);
    const started = performance.now();
    const removed = this.db
      .transaction(() => {
        const info = this.stmts.compact.run(revision, revision);
        this.stmts.setMeta.run('compact_revision', revision);
        return info.changes;
      })
      .immediate();
    this.compactRevision = revision;
    this.logger.debug({ revision, removed, ms: Math.round(performance.now() - started) }, 'compacted');
    // Watchers that are behind must learn that their history is gone.
    this.wake();
  }

  async grantLease(ttlSeconds: number): Promise<number> {
    this.checkOpen();
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new StoreInvalidArgumentError(`lease TTL must be a whole number of seconds >= 1, got ${ttlSeconds}`);
    }
    const info = this.stmts.insertLease.run(ttlSeconds, Date.now() + ttlSeconds * 1000);
    return Number(info.lastInsertRowid);
  }

  async keepAliveLease(lease: number): Promise<void> {
    this.checkOpen();
    const row = this.liveLease(lease);
    this.stmts.renewLease.run(Date.now() + row.ttl * 1000, lease);
  }

  /** The lease row, or StoreLeaseNotFoundError when it is gone or already past its expiry. */
  private liveLease(lease: number): { ttl: number } {
    const row = this.stmts.getLease.get(lease);
    if (row === undefined || row.expires_at <= Date.now()) throw new StoreLeaseNotFoundError(lease);
    return row;
  }

  async revokeLease(lease: number): Promise<void> {
    this.checkOpen();
    await this.revoke(lease);
  }

  /** Deletes the lease and, as ordinary deletes that watchers see, every key attached to it. */
  private revoke(lease: number): Promise<void> {
    return this.write(() => {
      for (const { key } of this.stmts.leaseKeys.all(lease)) this.deleteInTx(key, key.toString('utf8'), undefined);
      this.stmts.deleteLease.run(lease);
    });
  }

  private sweepLeases(): void {
    if (this.closed) return;
    try {
      for (const { id } of this.stmts.expiredLeases.all(Date.now())) {
        this.logger.debug({ lease: id }, 'lease expired');
        this.revoke(id).catch((err: unknown) => this.logger.error({ err, lease: id }, 'lease expiry failed'));
      }
    } catch (err) {
      this.logger.error({ err }, 'lease sweep failed');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already accepted are committed, not dropped.
    this.flush(true);
    this.closed = true;
    await this.durable.catch(() => undefined);
    this.wal.close();
    clearInterval(this.sweeper);
    await this.checkpointer.close();
    this.db.close();
    this.unlock();
    // Wake watchers so that they end with StoreClosedError instead of waiting forever.
    this.wake();
    this.logger.debug({ path: this.path }, 'closed');
  }
}
