/**
 * The latest committed KeyValue of recently read or written keys, so that the API server's
 * read-before-write (every update reads the key first, every create its namespace) does not go
 * to SQLite each time. Only committed writes enter it (the store applies a batch's events after
 * its transaction commits), so it answers exactly what a read of the database would; reads
 * inside a write transaction still go to the database, which holds the batch's earlier writes.
 * Bounded by keys and by bytes of values (objects may be up to 1.5 MiB each): the least
 * recently used keys are dropped beyond either.
 */
import type { KeyValue, StoreEvent } from '../types.js';

export class CurrentCache {
  private readonly entries = new Map<string, KeyValue>();
  private bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number = 64 * 1024 * 1024,
  ) {}

  get(key: string): KeyValue | undefined {
    const kv = this.entries.get(key);
    if (kv !== undefined) {
      // Map order is insertion order: re-inserting marks the key as recently used.
      this.entries.delete(key);
      this.entries.set(key, kv);
    }
    return kv;
  }

  set(kv: KeyValue): void {
    this.delete(kv.key);
    this.entries.set(kv.key, kv);
    this.bytes += kv.value.byteLength;
    while (this.entries.size > this.capacity || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
  }

  private delete(key: string): void {
    const kv = this.entries.get(key);
    if (kv === undefined) return;
    this.entries.delete(key);
    this.bytes -= kv.value.byteLength;
  }

  /** A committed batch: puts become the keys' latest values, deletes remove them. */
  apply(events: readonly StoreEvent[]): void {
    for (const e of events) {
      if (e.type === 'put') this.set(e.kv);
      else this.delete(e.kv.key);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the values held. */
  get valueBytes(): number {
    return this.bytes;
  }
}
