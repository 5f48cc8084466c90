/**
 * Capped exponential backoff with jitter, shared by call retries, watch resumes and informer
 * relists, so a restarting server is not hammered by every loop at once.
 */

export interface BackoffOptions {
  /** First delay; default 100 ms. */
  readonly initialMs?: number;
  /** Upper bound of any delay; default 5 s. */
  readonly maxMs?: number;
  /** Growth per attempt; default 2. */
  readonly factor?: number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 100;
    this.maxMs = options.maxMs ?? 5000;
    this.factor = options.factor ?? 2;
  }

  /** The next delay: grows by `factor` up to `maxMs`, with ±20% jitter to spread reconnects. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt++;
    const jitter = base * 0.2 * (Math.random() * 2 - 1);
    return Math.max(0, Math.min(this.maxMs, Math.round(base + jitter)));
  }

  /** Called after a success, so the next failure starts small again. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
