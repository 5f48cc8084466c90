/**
 * A Map bounded to `max` entries that forgets the least recently used first. The event
 * correlator's caches use it so a cluster with many objects cannot grow them without bound
 * (client-go's correlator keeps 4,096 entries per cache the same way).
 */
export class Lru<K, V> {
  // A Map iterates in insertion order; re-inserting on every use keeps the oldest first.
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
