/**
 * Events, written off the scheduling path. Kubernetes' event recorder is asynchronous, rate
 * limited and aggregating; so is this one: record() only enqueues, a few writers drain the queue,
 * a full queue drops (and counts) the event rather than slowing binds, and a repeat of the same
 * reason for the same object (FailedScheduling on every retry) updates one Event's count instead
 * of creating another.
 */
import { type Event, type ObjectReference } from '@tsk/api';
import { type ApiClient } from '@tsk/client';
import { type Logger } from '@tsk/log';

export interface EventRecorderOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  readonly component: string;
  /** Events waiting to be written; beyond this they are dropped. */
  readonly queueSize?: number;
  /** Writes in flight at once. */
  readonly concurrency?: number;
  /**
   * Events written per second at most (a token bucket with this burst): events share the store
   * with binds, and 10,000 binds must not pay for 10,000 event writes. Beyond it, dropped.
   */
  readonly qps?: number;
}

export interface RecordedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly involved: ObjectReference;
}

interface Aggregate {
  event: Event | undefined;
  count: number;
}

export const DEFAULT_EVENT_QPS = 100;

/** Aggregates are kept for this many objects at most (oldest forgotten first). */
const MAX_AGGREGATES = 10_000;

export class EventRecorder {
  private readonly queue: RecordedEvent[] = [];
  private readonly aggregates = new Map<string, Aggregate>();
  private inFlight = 0;
  private seq = 0;
  private readonly log: Logger;
  private readonly stats = { written: 0, dropped: 0, failed: 0 };
  private idle: (() => void)[] = [];
  private tokens: number;
  private refilledAt = Date.now();

  constructor(private readonly options: EventRecorderOptions) {
    this.log = options.logger.child({ component: 'events' });
    this.tokens = options.qps ?? DEFAULT_EVENT_QPS;
  }

  get metrics(): Readonly<{ written: number; dropped: number; failed: number; queued: number }> {
    return { ...this.stats, queued: this.queue.length };
  }

  record(event: RecordedEvent): void {
    if (!this.takeToken() || this.queue.length >= (this.options.queueSize ?? 1_000)) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(event);
    this.drain();
  }

  private takeToken(): boolean {
    const qps = this.options.qps ?? DEFAULT_EVENT_QPS;
    const now = Date.now();
    this.tokens = Math.min(qps, this.tokens + ((now - this.refilledAt) / 1000) * qps);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Resolves when everything queued has been written (tests, shutdown). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private drain(): void {
    const max = this.options.concurrency ?? 4;
    while (this.inFlight < max) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.inFlight++;
      void this.write(next).finally(() => {
        this.inFlight--;
        this.drain();
        if (this.queue.length === 0 && this.inFlight === 0) {
          for (const r of this.idle) r();
          this.idle = [];
        }
      });
    }
  }

  private async write(e: RecordedEvent): Promise<void> {
    const key = `${e.involved.uid ?? ''}/${e.reason}`;
    const agg = this.aggregates.get(key);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      if (agg?.event !== undefined) {
        agg.count++;
        const { resourceVersion: _rv, ...meta } = agg.event.metadata ?? {};
        agg.event = await this.options.client.update<Event>('Event', { ...agg.event, metadata: meta, message: e.message, count: agg.count, lastTimestamp: now });
      } else {
        const event = await this.options.client.create<Event>('Event', this.build(e, now));
        // Only warnings repeat (FailedScheduling on each retry); a Scheduled event never does.
        if (e.type === 'Warning') this.remember(key, { event, count: 1 });
      }
      this.stats.written++;
    } catch (err) {
      // An event is best effort; forget the aggregate so the next one starts afresh.
      this.aggregates.delete(key);
      this.stats.failed++;
      this.log.debug({ reason: e.reason, err: (err as Error).message }, 'event not written');
    }
  }

  private build(e: RecordedEvent, now: string): Event {
    const suffix = (Date.now() * 1000 + (this.seq++ % 1000)).toString(16);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${e.involved.name ?? 'object'}.${suffix}`, namespace: e.involved.namespace ?? 'default' },
      involvedObject: e.involved,
      reason: e.reason,
      message: e.message,
      type: e.type,
      source: { component: this.options.component },
      reportingComponent: this.options.component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
  }

  private remember(key: string, agg: Aggregate): void {
    if (this.aggregates.size >= MAX_AGGREGATES) {
      const oldest = this.aggregates.keys().next().value;
      if (oldest !== undefined) this.aggregates.delete(oldest);
    }
    this.aggregates.set(key, agg);
  }
}
