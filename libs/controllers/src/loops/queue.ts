/**
 * WorkQueue: client-go's rate-limited work queue of keys. A key is queued at most once however
 * often it is added (level-triggered loops only need to know "look at this again"), one worker
 * at a time holds a key (a key added while it is being processed runs again after done()), a
 * failing key backs off exponentially per key (5 ms doubling to 60 s), and addAfter() keeps the
 * earliest of several pending delays so a reconciler's RequeueAfter is never postponed.
 */

export const BASE_BACKOFF_MS = 5;
export const MAX_BACKOFF_MS = 60_000;

/** Delay before retry number `failures` (1-based): 5 ms, 10 ms, 20 ms, ... capped at 60 s. */
export function backoffDelayMs(failures: number, baseMs = BASE_BACKOFF_MS, maxMs = MAX_BACKOFF_MS): number {
  if (failures <= 0) return 0;
  // Past 2^24 the product is far over any sane cap; avoid Infinity arithmetic.
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 24));
}

export interface WorkQueueOptions {
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

interface Delayed {
  readonly due: number;
  readonly timer: NodeJS.Timeout;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys waiting in `queue` or waiting to be re-queued after their worker finishes. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, Delayed>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions = {}) {}

  /** Queues `key` unless it is already queued; a key being processed runs again after done(). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds `key` after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.due <= due) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    // A pending requeue must not keep a process alive that is otherwise done.
    timer.unref();
    this.delayed.set(key, { due, timer });
  }

  /** Re-adds a key that failed, after its per-key exponential backoff. */
  addRateLimited(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, backoffDelayMs(n, this.options.baseBackoffMs, this.options.maxBackoffMs));
  }

  /** The key succeeded: its next failure starts the backoff from the bottom again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times in a row `key` has failed. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process (marked as processing), or undefined once shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker is finished with `key`; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  get length(): number {
    return this.queue.length;
  }

  /** Keys with a delayed add pending (RequeueAfter or backoff). */
  get delayedCount(): number {
    return this.delayed.size;
  }

  /** Wakes waiting workers with undefined and drops delayed adds. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
    this.queue.length = 0;
    this.dirty.clear();
  }
}
