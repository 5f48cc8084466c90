/**
 * Periodic store compaction, so history does not grow forever: keeps about `keepMs` of history
 * but never more than `keepRevisions` revisions, whichever is less, and tells the watch caches so
 * resuming from before the compaction answers 410.
 */
import { type Logger } from '@tsk/log';
import { type Store } from '@tsk/store';

export interface CompactorOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly intervalMs?: number;
  readonly keepMs?: number;
  readonly keepRevisions?: number;
  readonly onCompacted: (revision: number) => Promise<void>;
}

export class Compactor {
  private readonly options: CompactorOptions;
  private readonly logger: Logger;
  private readonly samples: Array<{ readonly at: number; readonly revision: number }> = [];
  private compactedTo = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(options: CompactorOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'compactor' });
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.once()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, 'compaction failed; will retry'))
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs ?? 60_000);
    this.timer.unref();
  }

  /** One compaction step; returns the revision compacted to (0 when nothing was done). */
  async once(now = Date.now()): Promise<number> {
    const current = await this.options.store.currentRevision();
    this.samples.push({ at: now, revision: current });
    const keepMs = this.options.keepMs ?? 5 * 60_000;
    // The newest sample at least keepMs old marks how far back the time window reaches.
    let byTime = 0;
    while (this.samples.length > 1 && this.samples[1]!.at <= now - keepMs) this.samples.shift();
    if (this.samples[0]!.at <= now - keepMs) byTime = this.samples[0]!.revision;
    const byCount = current - (this.options.keepRevisions ?? 10_000);
    const target = Math.min(Math.max(byTime, byCount), current);
    if (target <= this.compactedTo || target < 1) return 0;
    await this.options.store.compact(target);
    this.compactedTo = target;
    this.logger.debug({ revision: target, current }, 'compacted');
    await this.options.onCompacted(target);
    return target;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }
}
