/**
 * EventSink: writes the controllers' Event actions through the API off the reconcile path.
 * record() only enqueues (a bounded queue: when full, the event is dropped and counted, so a slow
 * store never slows reconciles); a couple of writers drain it under a token bucket. Repeats are
 * aggregated as Kubernetes' event correlator does: the same involvedObject, type, reason and
 * message bump count and lastTimestamp of the Event already written instead of creating another.
 */
import { type Event } from '@tsk/api';
import { type ApiClient } from '@tsk/client';
import { type Logger } from '@tsk/log';
import { type RecordEvent } from '../actions.js';

export interface EventSinkOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  /** source.component / reportingComponent of the Events, e.g. "replicaset-controller". */
  readonly component: string;
  /** Events waiting to be written; beyond this they are dropped. Default 1,000. */
  readonly queueSize?: number;
  /** Writes in flight at once. Default 2. */
  readonly concurrency?: number;
  /** Event writes per second at most (burst as large); a 10,000-pod scale-up must not write 10,000 events at once. Default 100. */
  readonly qps?: number;
}

interface Pending {
  readonly component: string;
  readonly event: RecordEvent;
}

interface Aggregate {
  event: Event;
  count: number;
}

/** Aggregates remembered at most (oldest forgotten first), as the correlator's LRU cache. */
const MAX_AGGREGATES = 4_096;

export function eventTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class EventSink {
  private readonly queue: Pending[] = [];
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly writing = new Map<string, Promise<void>>();
  private readonly log: Logger;
  private inFlight = 0;
  private seq = 0;
  private tokens: number;
  private refilledAt = Date.now();
  private idle: (() => void)[] = [];
  private readonly stats = { written: 0, aggregated: 0, dropped: 0, failed: 0 };

  constructor(private readonly options: EventSinkOptions) {
    this.log = options.logger.child({ component: 'events' });
    this.tokens = options.qps ?? 100;
  }

  get metrics(): Readonly<{ written: number; aggregated: number; dropped: number; failed: number; queued: number }> {
    return { ...this.stats, queued: this.queue.length };
  }

  /** Enqueues an Event action; never waits. `component` overrides the sink's default source. */
  record(event: RecordEvent, component = this.options.component): void {
    if (this.queue.length >= (this.options.queueSize ?? 1_000) || !this.takeToken()) {
      this.stats.dropped++;
      return;
    }
    this.queue.push({ component, event });
    this.drain();
  }

  /** Resolves once everything queued has been written (tests, shutdown). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private takeToken(): boolean {
    const qps = this.options.qps ?? 100;
    const now = Date.now();
    this.tokens = Math.min(qps, this.tokens + ((now - this.refilledAt) / 1000) * qps);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
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
          for (const r of this.idle) r();
          this.idle = [];
        }
      });
    }
  }

  /** Writes of one aggregate follow each other, so two writers never create it twice. */
  private async write(p: Pending): Promise<void> {
    const e = p.event;
    const o = e.involvedObject;
    const key = [p.component, o.kind, o.namespace, o.name, o.uid ?? '', e.eventType, e.reason, e.message].join('\u0000');
    const next = (this.writing.get(key) ?? Promise.resolve()).then(() => this.writeOne(p, key));
    this.writing.set(key, next);
    await next;
    if (this.writing.get(key) === next) this.writing.delete(key);
  }

  private async writeOne(p: Pending, key: string): Promise<void> {
    const e = p.event;
    const now = eventTimestamp(Date.now());
    const agg = this.aggregates.get(key);
    try {
      if (agg !== undefined) {
        agg.count++;
        // Refresh its place in the LRU order.
        this.aggregates.delete(key);
        this.aggregates.set(key, agg);
        const { resourceVersion: _rv, ...meta } = agg.event.metadata ?? {};
        agg.event = await this.options.client.update<Event>('Event', { ...agg.event, metadata: meta, count: agg.count, lastTimestamp: now });
        this.stats.aggregated++;
      } else {
        const event = await this.options.client.create<Event>('Event', this.build(p, now));
        this.remember(key, { event, count: 1 });
        this.stats.written++;
      }
    } catch (err) {
      // Best effort: forget the aggregate (it may be gone, e.g. expired) so the next repeat starts afresh.
      this.aggregates.delete(key);
      this.stats.failed++;
      this.log.debug({ reason: e.reason, err: (err as Error).message }, 'event not written');
    }
  }

  private build(p: Pending, now: string): Event {
    const o = p.event.involvedObject;
    // Kubernetes names events <object>.<hex timestamp>; the sequence keeps two in one ms apart.
    const suffix = (Date.now() * 1000 + (this.seq++ % 1000)).toString(16);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      // Cluster-scoped objects (nodes) get their events in "default", as in Kubernetes.
      metadata: { name: `${o.name}.${suffix}`, namespace: o.namespace === '' ? 'default' : o.namespace },
      involvedObject: { kind: o.kind, name: o.name, ...(o.namespace !== '' ? { namespace: o.namespace } : {}), ...(o.uid !== undefined ? { uid: o.uid } : {}) },
      reason: p.event.reason,
      message: p.event.message,
      type: p.event.eventType,
      source: { component: p.component },
      reportingComponent: p.component,
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
