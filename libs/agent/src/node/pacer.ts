/**
 * Runs one periodic task per item (a lease renewal per node) with the items' deadlines spread
 * evenly over the period, so 1,000 nodes renewing every 5 s cost 200 small writes a second rather
 * than 1,000 at once every 5 s. One timer serves every item; a task still running when its next
 * turn comes is skipped that turn (a slow server gets fewer renewals, never a pile-up).
 */
export interface PacerOptions {
  readonly periodMs: number;
  /** How often the timer looks for due items; small enough that turns stay spread. */
  readonly tickMs?: number;
}

interface Slot<K> {
  readonly key: K;
  due: number;
  running: boolean;
}

export class Pacer<K> {
  private readonly slots: Slot<K>[] = [];
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: PacerOptions,
    private readonly task: (key: K) => Promise<void>,
  ) {}

  /** Adds an item; its first turn comes after its share of the period, not at once. */
  add(key: K, now = Date.now()): void {
    this.slots.push({ key, due: now, running: false });
    this.respace(now);
  }

  /** Re-spreads the deadlines evenly: item i of n first comes due at now + period * (i + 1) / n. */
  private respace(now: number): void {
    const n = this.slots.length;
    this.slots.forEach((s, i) => (s.due = now + (this.options.periodMs * (i + 1)) / n));
    this.cursor = 0;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(Date.now()), this.options.tickMs ?? 50);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Fires every item whose turn has come; deadlines increase along the cursor, so it stops at the first that is not due. */
  private tick(now: number): void {
    const n = this.slots.length;
    for (let fired = 0; fired < n; fired++) {
      const slot = this.slots[this.cursor];
      if (slot === undefined || slot.due > now) return;
      slot.due += this.options.periodMs;
      this.cursor = (this.cursor + 1) % n;
      if (slot.running) continue;
      slot.running = true;
      void this.task(slot.key).finally(() => (slot.running = false));
    }
  }
}
