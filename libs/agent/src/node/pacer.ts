/**
 * Runs one periodic task per item (a lease renewal per node) with the items' deadlines spread
 * evenly over the period, so 1,000 nodes renewing every 2 s cost 500 small writes a second rather
 * than 1,000 at once every 2 s. One timer serves every item; a task still running when its next
 * turn comes is skipped that turn (a slow server gets fewer renewals, never a pile-up).
 *
 * Every item due at a tick is started in the same turn of the event loop, with the tick's time:
 * an ApiClient sends writes issued together as one Batch call, so the tick is also how the
 * writes are grouped (tickMs = periodMs / 8 gives 8 calls a period, each with an eighth of the
 * items, and a turn at most one tick after its slot).
 */
export interface PacerOptions {
  readonly periodMs: number;
  /** How often the timer looks for due items: the items due meanwhile start together. */
  readonly tickMs?: number;
}

interface Slot<K> {
  readonly key: K;
  due: number;
  running: boolean;
}

/** The golden ratio's fractional part: i * PHI mod 1 spreads any number of items evenly over [0, 1). */
const PHI = 0.6180339887498949;

export class Pacer<K> {
  private readonly slots: Slot<K>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: PacerOptions,
    /** `now` is the tick's time, the same for every item started by that tick. */
    private readonly task: (key: K, now: number) => Promise<void>,
  ) {}

  /**
   * Adds an item; its first turn comes within one period, at an offset that keeps all items
   * spread however many are added and when (nodes join one by one while the first already renew).
   */
  add(key: K, now = Date.now()): void {
    const offset = ((this.slots.length + 1) * PHI) % 1;
    this.slots.push({ key, due: now + offset * this.options.periodMs, running: false });
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

  /** Fires every item whose turn has come. A process that was stalled does not catch up in a burst. */
  private tick(now: number): void {
    for (const slot of this.slots) {
      if (slot.due > now) continue;
      slot.due = slot.due + this.options.periodMs > now ? slot.due + this.options.periodMs : now + this.options.periodMs;
      if (slot.running) continue;
      slot.running = true;
      void this.task(slot.key, now).finally(() => (slot.running = false));
    }
  }
}
