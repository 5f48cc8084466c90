/**
 * At most `max` tasks in flight; the rest wait their turn, first come first served. Loops that
 * write to the API (an agent holding 1,000 nodes, the scheduler's status writes for a burst of
 * unschedulable pods) use it so a burst does not open thousands of requests at once and starve
 * the server.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) {
      // The finishing task hands its slot over (see below), so `active` already counts us.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Passing the slot directly keeps a newcomer from slipping in between: never above max.
      if (next !== undefined) next();
      else this.active--;
    }
  }

  /** Tasks running or waiting. */
  get pending(): number {
    return this.active + this.waiting.length;
  }
}
