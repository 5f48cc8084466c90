/**
 * EventRecorder: writes Events through the API off the caller's hot path, for the scheduler, the
 * controllers and the node lifecycle loop alike.
 *
 * record() never waits: it correlates the event in memory (see event-correlator.ts), counts it
 * on the Event it belongs to, and queues that Event for a write. A few writers drain the queue.
 * Writes cost store transactions shared with binds and pod creates, so there are three brakes:
 * - dedupe: a repeat of an Event still waiting in the queue rides on that write (its count is
 *   read when the write starts), and a repeat after it updates the Event (count, lastTimestamp)
 *   rather than creating another;
 * - the correlator's aggregation and per-object spam filter;
 * - a bounded queue and a global token bucket (qps): beyond them the event is dropped and
 *   counted rather than delaying the caller.
 * As in client-go, an event that was filtered or dropped still counts on its Event, so the next
 * write of that Event carries the true count.
 */
import { NotFoundError, type Event, type ObjectReference } from '@tsk/api';
import { type Logger } from '@tsk/log';
import { type ApiClient } from './client.js';
import { EventCorrelator, type CorrelatorOptions } from './event-correlator.js';
import { Lru } from './lru.js';
import { TokenBucket } from './token-bucket.js';

export const DEFAULT_EVENT_QPS = 100;

export interface EventRecorderOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  /** source.component / reportingComponent, e.g. "default-scheduler"; record() may override it. */
  readonly component: string;
  /** Events waiting to be written; beyond this they are dropped. Default 1,000. */
  readonly queueSize?: number;
  /** Writes in flight at once. Default 2. */
  readonly concurrency?: number;
  /** Event writes per second at most, burst as large. Default 100. */
  readonly qps?: number;
  /** Milliseconds since the epoch; tests pass a stepped clock. Default Date.now. */
  readonly clock?: () => number;
  /** Aggregation, spam filter and cache bounds; client-go's defaults. */
  readonly correlation?: CorrelatorOptions;
}

export interface RecordedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /** Namespace "" or absent for cluster-scoped objects; their Events go to "default". */
  readonly involvedObject: ObjectReference;
}

export interface EventRecorderMetrics {
  /** Creates and updates that succeeded. */
  readonly written: number;
  /** Refused by the queue bound or the qps bucket. */
  readonly dropped: number;
  /** Refused by the per-object spam filter. */
  readonly filtered: number;
  /** Writes that failed (best effort: not retried). */
  readonly failed: number;
  readonly queued: number;
}

/** One Event as this recorder knows it: client-go's eventLog plus the object the server returned. */
interface Observed {
  readonly component: string;
  readonly involvedObject: ObjectReference;
  readonly type: string;
  readonly reason: string;
  readonly name: string;
  readonly namespace: string;
  readonly firstTimestamp: string;
  message: string;
  lastTimestamp: string;
  count: number;
  written: Event | undefined;
  queued: boolean;
  writing: boolean;
  /** Recorded again while being written: queue it once more when that write ends. */
  again: boolean;
}

let lastSecond = NaN;
let lastStamp = '';

/**
 * RFC 3339 seconds, as Kubernetes writes Event timestamps. Every recorded event asks for one and
 * they come thousands per second, so the string of the last second is kept.
 */
export function eventTimestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastStamp = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastStamp;
}

export class EventRecorder {
  private readonly queue: Observed[] = [];
  private readonly correlator: EventCorrelator;
  // Keys are the correlator's; an entry evicted while queued is still written, a later repeat
  // then starts a new Event (best effort, as the bound is the point).
  private readonly observed: Lru<string, Observed>;
  private readonly bucket: TokenBucket;
  private readonly clock: () => number;
  private readonly log: Logger;
  private inFlight = 0;
  private seq = 0;
  private idle: (() => void)[] = [];
  private readonly stats = { written: 0, dropped: 0, filtered: 0, failed: 0 };

  constructor(private readonly options: EventRecorderOptions) {
    this.log = options.logger.child({ component: 'events' });
    this.clock = options.clock ?? Date.now;
    this.correlator = new EventCorrelator(options.correlation);
    this.observed = new Lru(options.correlation?.cacheSize ?? 4_096);
    const qps = options.qps ?? DEFAULT_EVENT_QPS;
    this.bucket = new TokenBucket(qps, qps, this.clock());
  }

  get metrics(): EventRecorderMetrics {
    return { ...this.stats, queued: this.queue.length };
  }

  /** Counts the event and queues its write; never waits. */
  record(event: RecordedEvent, component = this.options.component): void {
    const now = this.clock();
    const c = this.correlator.correlate(component, event, now);
    let o = this.observed.get(c.key);
    if (o === undefined) {
      o = this.observe(component, event, now);
      this.observed.set(c.key, o);
    }
    o.count++;
    o.lastTimestamp = eventTimestamp(now);
    o.message = c.message;
    if (c.filtered) {
      this.stats.filtered++;
      return;
    }
    // Already due to be written: that write reads the count when it starts.
    if (o.queued || o.again) return;
    if (this.queue.length >= (this.options.queueSize ?? 1_000) || !this.bucket.tryTake(now)) {
      this.stats.dropped++;
      return;
    }
    // One write per Event at a time, so two writers never create it twice.
    if (o.writing) {
      o.again = true;
      return;
    }
    this.enqueue(o);
  }

  /** Resolves once everything queued has been written (tests, shutdown). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private observe(component: string, e: RecordedEvent, now: number): Observed {
    // Absent and empty fields are left out, so a Node's involvedObject has no namespace.
    // (By hand rather than through Object.entries/fromEntries: one of these per recorded event.)
    const ref: Record<string, string> = {};
    const given = e.involvedObject as Readonly<Record<string, string | undefined>>;
    for (const k in given) {
      const v = given[k];
      if (v !== undefined && v !== '') ref[k] = v;
    }
    // Kubernetes names events <object>.<hex timestamp>; the sequence keeps two in one ms apart.
    const suffix = (now * 1000 + (this.seq++ % 1000)).toString(16);
    return {
      component,
      involvedObject: ref as ObjectReference,
      type: e.type,
      reason: e.reason,
      name: `${ref.name ?? 'object'}.${suffix}`,
      // Cluster-scoped objects (nodes) get their events in "default", as in Kubernetes.
      namespace: ref.namespace ?? 'default',
      firstTimestamp: eventTimestamp(now),
      message: e.message,
      lastTimestamp: eventTimestamp(now),
      count: 0,
      written: undefined,
      queued: false,
      writing: false,
      again: false,
    };
  }

  private enqueue(o: Observed): void {
    o.queued = true;
    this.queue.push(o);
    this.drain();
  }

  private drain(): void {
    const max = this.options.concurrency ?? 2;
    while (this.inFlight < max) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.inFlight++;
      void this.write(next).finally(() => {
        this.inFlight--;
        this.drain();
        if (this.queue.length === 0 && this.inFlight === 0) {
          for (const resolve of this.idle) resolve();
          this.idle = [];
        }
      });
    }
  }

  private async write(o: Observed): Promise<void> {
    o.queued = false;
    o.writing = true;
    const client = this.options.client;
    try {
      const event = this.body(o);
      if (o.written === undefined) {
        o.written = await client.create<Event>('Event', event);
      } else {
        // No resourceVersion: the last write wins, as only this recorder writes this Event.
        const { resourceVersion: _rv, ...meta } = o.written.metadata ?? {};
        try {
          o.written = await client.update<Event>('Event', { ...event, metadata: { ...meta, ...event.metadata } });
        } catch (err) {
          // Expired or deleted meanwhile: write it again, as client-go does after a failed patch.
          if (!(err instanceof NotFoundError)) throw err;
          o.written = await client.create<Event>('Event', event);
        }
      }
      this.stats.written++;
    } catch (err) {
      this.stats.failed++;
      this.log.debug({ reason: o.reason, err: (err as Error).message }, 'event not written');
    } finally {
      o.writing = false;
      if (o.again) {
        o.again = false;
        o.queued = true;
        this.queue.push(o);
      }
    }
  }

  private body(o: Observed): Event {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: o.name, namespace: o.namespace },
      involvedObject: o.involvedObject,
      reason: o.reason,
      message: o.message,
      type: o.type,
      source: { component: o.component },
      reportingComponent: o.component,
      firstTimestamp: o.firstTimestamp,
      lastTimestamp: o.lastTimestamp,
      count: o.count,
    };
  }
}
