/**
 * The latest committed KeyValue of recently read or written keys, so that the API server's
 * read-before-write (every update reads the key first, every create its namespace) does not go
 * to SQLite each time. Only committed writes enter it (the store applies a batch's events after
 * its transaction commits), so it answers exactly what a read of the database would; reads
 * inside a write transaction still go to the database, which holds the batch's earlier writes.
 * Bounded: the least recently used keys are dropped beyond `capacity`.
 */
import type { KeyValue, StoreEvent } from '../types.js';

export class CurrentCache {
  private readonly entries = new Map<string, KeyValue>();

  constructor(private readonly capacity: number) {}

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
    this.entries.delete(kv.key);
    this.entries.set(kv.key, kv);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  /** A committed batch: puts become the keys' latest values, deletes remove them. */
  apply(events: readonly StoreEvent[]): void {
    for (const e of events) {
      if (e.type === 'put') this.set(e.kv);
      else this.entries.delete(e.kv.key);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
