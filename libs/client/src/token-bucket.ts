/**
 * A token bucket read against a caller's clock: `burst` tokens at most, refilled continuously at
 * `perSecond`. It never waits: tryTake() says whether a token was there, so callers on a hot path
 * can drop instead of blocking. The clock is passed in so tests can step time.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  tryTake(now: number): boolean {
    // A clock that steps back (a test, an NTP jump) must not drain the bucket.
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
