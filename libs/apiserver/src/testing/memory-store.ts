/**
 * A small in-memory Store with the same contract as the SQLite and etcd backends: one revision
 * counter, history kept until compacted, watches that replay history then follow live writes.
 * For unit tests of the API server and of loops built on it; not for production (no durability).
 */
import {
  StoreClosedError,
  StoreCompactedError,
  StoreLeaseNotFoundError,
  type GetResult,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreEvent,
  type WatchOptions,
  type WriteOptions,
  type WriteResult,
} from '@tsk/store';

function inPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix);
}

/** Byte order of UTF-8 equals code point order; JS string compare is UTF-16 order, close enough for ASCII keys. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export class MemoryStore implements Store {
  readonly backend = 'memory';
  private readonly data = new Map<string, KeyValue>();
  private readonly history: StoreEvent[] = [];
  private revision = 1;
  private compacted = 0;
  private closed = false;
  private nextLease = 1;
  private readonly leases = new Set<number>();
  private readonly listeners = new Set<() => void>();

  private check(): void {
    if (this.closed) throw new StoreClosedError(this.backend);
  }

  get(key: string): Promise<GetResult> {
    this.check();
    return Promise.resolve({ kv: this.data.get(key), revision: this.revision });
  }

  list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.check();
    const at = options.revision ?? this.revision;
    if (options.revision !== undefined && options.revision < this.compacted) {
      return Promise.reject(new StoreCompactedError(this.compacted, options.revision));
    }
    const snapshot = at === this.revision ? [...this.data.values()] : this.snapshotAt(prefix, at);
    let kvs = snapshot
      .filter((kv) => inPrefix(kv.key, prefix) && (options.startKey === undefined || compareKeys(kv.key, options.startKey) >= 0))
      .sort((a, b) => compareKeys(a.key, b.key));
    const limit = options.limit ?? 0;
    const more = limit > 0 && kvs.length > limit;
    if (more) kvs = kvs.slice(0, limit);
    return Promise.resolve({ kvs, revision: at, more });
  }

  private snapshotAt(prefix: string, at: number): KeyValue[] {
    // Undo the history after `at`, newest first.
    const state = new Map(this.data);
    for (let i = this.history.length - 1; i >= 0; i--) {
      const e = this.history[i]!;
      if (e.kv.modRevision <= at) break;
      if (!inPrefix(e.kv.key, prefix)) continue;
      if (e.prevKv === undefined) state.delete(e.kv.key);
      else state.set(e.kv.key, e.prevKv);
    }
    return [...state.values()];
  }

  count(prefix: string): Promise<{ readonly count: number; readonly revision: number }> {
    this.check();
    const count = [...this.data.keys()].filter((k) => inPrefix(k, prefix)).length;
    return Promise.resolve({ count, revision: this.revision });
  }

  private write(type: 'put' | 'delete', key: string, value: Uint8Array, lease: number): WriteResult {
    const prev = this.data.get(key);
    this.revision++;
    const kv: KeyValue = {
      key,
      value: type === 'put' ? value : new Uint8Array(),
      createRevision: type === 'put' && prev !== undefined ? prev.createRevision : this.revision,
      modRevision: this.revision,
      lease,
    };
    if (type === 'put') this.data.set(key, kv);
    else this.data.delete(key);
    this.history.push({ type, kv, prevKv: prev });
    for (const l of this.listeners) l();
    return { succeeded: true, revision: this.revision, kv: type === 'put' ? kv : prev };
  }

  create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    this.check();
    const existing = this.data.get(key);
    if (existing !== undefined) return Promise.resolve({ succeeded: false, revision: this.revision, kv: existing });
    return Promise.resolve(this.write('put', key, value, options.lease ?? 0));
  }

  update(key: string, value: Uint8Array, expected: number, options: WriteOptions = {}): Promise<WriteResult> {
    this.check();
    const existing = this.data.get(key);
    if (existing === undefined || existing.modRevision !== expected) {
      return Promise.resolve({ succeeded: false, revision: this.revision, kv: existing });
    }
    return Promise.resolve(this.write('put', key, value, options.lease ?? 0));
  }

  delete(key: string, expected?: number): Promise<WriteResult> {
    this.check();
    const existing = this.data.get(key);
    if (existing === undefined || (expected !== undefined && existing.modRevision !== expected)) {
      return Promise.resolve({ succeeded: false, revision: this.revision, kv: existing });
    }
    return Promise.resolve(this.write('delete', key, new Uint8Array(), 0));
  }

  async *watch(prefix: string, options: WatchOptions): AsyncIterable<readonly StoreEvent[]> {
    this.check();
    if (options.startRevision > 0 && options.startRevision < this.compacted) {
      throw new StoreCompactedError(this.compacted, options.startRevision);
    }
    let next = Math.max(options.startRevision, 1);
    let wake: (() => void) | undefined;
    const listener = (): void => wake?.();
    this.listeners.add(listener);
    const onAbort = (): void => wake?.();
    options.signal?.addEventListener('abort', onAbort);
    try {
      while (options.signal?.aborted !== true && !this.closed) {
        const batch = this.history.filter((e) => e.kv.modRevision >= next && inPrefix(e.kv.key, prefix));
        if (batch.length > 0) {
          next = batch[batch.length - 1]!.kv.modRevision + 1;
          yield batch;
          continue;
        }
        next = Math.max(next, this.revision + 1);
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.listeners.delete(listener);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  currentRevision(): Promise<number> {
    this.check();
    return Promise.resolve(this.revision);
  }

  compact(revision: number): Promise<void> {
    this.check();
    if (revision <= this.compacted) return Promise.resolve();
    this.compacted = Math.min(revision, this.revision);
    const keep = this.history.findIndex((e) => e.kv.modRevision >= this.compacted);
    this.history.splice(0, keep < 0 ? this.history.length : keep);
    return Promise.resolve();
  }

  grantLease(_ttlSeconds: number): Promise<number> {
    const id = this.nextLease++;
    this.leases.add(id);
    return Promise.resolve(id);
  }

  keepAliveLease(lease: number): Promise<void> {
    return this.leases.has(lease) ? Promise.resolve() : Promise.reject(new StoreLeaseNotFoundError(lease));
  }

  revokeLease(lease: number): Promise<void> {
    this.leases.delete(lease);
    for (const kv of [...this.data.values()]) if (kv.lease === lease) this.write('delete', kv.key, new Uint8Array(), 0);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const l of this.listeners) l();
    return Promise.resolve();
  }
}
