/**
 * The scheduling queue, after kube-scheduler's: an active heap ordered by priority (higher first)
 * then arrival, a backoff area for pods that failed (1 s doubling to 60 s), and an unschedulable
 * area whose pods wait for their backoff or for a cluster event (a node added or changed, a pod
 * deleted) that may make them fit, whichever comes first. Pods are held by key; the loop reads the
 * pod itself from its informer when it pops one, so the queue never schedules a stale copy.
 */

export const INITIAL_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 60_000;

interface Entry {
  readonly key: string;
  readonly priority: number;
  readonly seq: number;
}

interface Waiting {
  readonly priority: number;
  readonly readyAt: number;
}

export interface QueueClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?: () => unknown } | number;
}

const REAL_CLOCK: QueueClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
};

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

export class SchedulingQueue {
  private heap: Entry[] = [];
  private readonly active = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  /** Failed attempts per pod, for its backoff; cleared when the pod is bound or gone. */
  private readonly attempts = new Map<string, number>();
  private seq = 0;
  private timerAt = Infinity;

  constructor(
    /** Called when pods become active (added, or moved from waiting). */
    private readonly onActive: () => void,
    private readonly clock: QueueClock = REAL_CLOCK,
  ) {}

  get activeCount(): number {
    return this.heap.length;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  has(key: string): boolean {
    return this.active.has(key) || this.waiting.has(key);
  }

  /** A new or changed pending pod: active at once unless it is waiting out a backoff. */
  add(key: string, priority: number): void {
    if (this.active.has(key) || this.waiting.has(key)) return;
    this.push(key, priority);
    this.onActive();
  }

  pop(): string | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    this.active.delete(top.key);
    return top.key;
  }

  /** A failed attempt: the pod waits out its backoff (or a cluster event) before it is tried again. */
  backoff(key: string, priority: number): number {
    const attempts = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempts);
    const delay = backoffMs(attempts);
    const readyAt = this.clock.now() + delay;
    this.waiting.set(key, { priority, readyAt });
    this.armTimer(readyAt);
    return delay;
  }

  /** The pod is bound or gone: forget it entirely. */
  done(key: string): void {
    this.attempts.delete(key);
    this.waiting.delete(key);
    if (this.active.delete(key)) this.heap = this.heap.filter((e) => e.key !== key);
  }

  /** Kubernetes' "move all to active queue" on a cluster event that may let waiting pods fit. */
  moveAllToActive(): number {
    const n = this.waiting.size;
    if (n === 0) return 0;
    for (const [key, w] of this.waiting) this.push(key, w.priority);
    this.waiting.clear();
    this.onActive();
    return n;
  }

  private flushDue(): void {
    this.timerAt = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    let moved = false;
    for (const [key, w] of this.waiting) {
      if (w.readyAt <= now) {
        this.waiting.delete(key);
        this.push(key, w.priority);
        moved = true;
      } else {
        next = Math.min(next, w.readyAt);
      }
    }
    if (next !== Infinity) this.armTimer(next);
    if (moved) this.onActive();
  }

  private armTimer(at: number): void {
    if (at >= this.timerAt) return;
    this.timerAt = at;
    const t = this.clock.setTimeout(() => this.flushDue(), Math.max(0, at - this.clock.now()));
    if (typeof t === 'object') t.unref?.();
  }

  private push(key: string, priority: number): void {
    this.active.add(key);
    this.heap.push({ key, priority, seq: this.seq++ });
    this.up(this.heap.length - 1);
  }

  private before(a: Entry, b: Entry): boolean {
    return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) return;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < h.length && this.before(h[l]!, h[best]!)) best = l;
      if (r < h.length && this.before(h[r]!, h[best]!)) best = r;
      if (best === i) return;
      [h[i], h[best]] = [h[best]!, h[i]!];
      i = best;
    }
  }
}
