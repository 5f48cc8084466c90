/**
 * EventCorrelator: decides, in memory and without I/O, which Event a recorded event belongs to
 * and whether it may be written at all, as client-go's EventCorrelator (tools/record) does:
 *
 * - Aggregation: events that differ only by message (same source, involvedObject, type and
 *   reason) keep their own Events up to `maxSimilar` distinct messages within a sliding window;
 *   a further new message goes into one Event per group, "(combined from similar events): <latest
 *   message>". A ReplicaSet's "Created pod: web-xxxxx" is the case it is for.
 * - Spam filter: per source + involvedObject, a token bucket (burst 25, one more every 5
 *   minutes); beyond it the event is filtered. This is what keeps a 10,000-pod scale-up from
 *   writing 10,000 SuccessfulCreate events about its ReplicaSet: every Event is a store write.
 *
 * Dedupe (the same key bumps one Event's count) is the recorder's part, since it needs what the
 * server returned. One deliberate difference from client-go: it combines from the 10th distinct
 * message on and then forgets an arbitrary message from its set; here the first `maxSimilar`
 * messages keep their own Events and every later new message is combined, which is easier to
 * reason about and gives the same bound on the number of Events.
 */
import { type ObjectReference } from '@tsk/api';
import { Lru } from './lru.js';
import { TokenBucket } from './token-bucket.js';

export interface CorrelatorOptions {
  /** Entries per cache (LRU). Default 4,096, as client-go. */
  readonly cacheSize?: number;
  /** Distinct messages per group before new ones are combined. Default 10. */
  readonly maxSimilar?: number;
  /** A group is forgotten after this long without an event. Default 10 minutes. */
  readonly similarWindowMs?: number;
  /** Events per source + object at once. Default 25. */
  readonly spamBurst?: number;
  /** Refill of that budget, events per second. Default 1 per 5 minutes. */
  readonly spamQps?: number;
}

/** What the correlator needs of an event. */
export interface CorrelatedInput {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: ObjectReference;
}

export interface Correlation {
  /** Identity of the Event this one counts towards: the same key, the same Event. */
  readonly key: string;
  /** The message to write: the event's own, or the combined one. */
  readonly message: string;
  /** True when the spam filter refused it: count it, do not write it. */
  readonly filtered: boolean;
}

interface SimilarGroup {
  readonly messages: Set<string>;
  lastSeen: number;
}

export const COMBINED_PREFIX = '(combined from similar events): ';

export class EventCorrelator {
  private readonly similar: Lru<string, SimilarGroup>;
  private readonly spam: Lru<string, TokenBucket>;
  private readonly maxSimilar: number;
  private readonly windowMs: number;
  private readonly spamBurst: number;
  private readonly spamQps: number;

  constructor(options: CorrelatorOptions = {}) {
    const size = options.cacheSize ?? 4_096;
    this.similar = new Lru(size);
    this.spam = new Lru(size);
    this.maxSimilar = options.maxSimilar ?? 10;
    this.windowMs = options.similarWindowMs ?? 600_000;
    this.spamBurst = options.spamBurst ?? 25;
    this.spamQps = options.spamQps ?? 1 / 300;
  }

  correlate(component: string, e: CorrelatedInput, now: number): Correlation {
    const o = e.involvedObject;
    // NUL cannot appear in names, so joined keys of different fields never collide.
    const objectKey = [component, o.kind ?? '', o.namespace ?? '', o.name ?? '', o.uid ?? '', o.apiVersion ?? ''].join('\u0000');
    const groupKey = `${objectKey}\u0000${e.type}\u0000${e.reason}`;

    // get() already made a live group the most recent; only a new one needs a set().
    let group = this.similar.get(groupKey);
    if (group === undefined || now - group.lastSeen > this.windowMs) {
      group = { messages: new Set(), lastSeen: now };
      this.similar.set(groupKey, group);
    }
    group.lastSeen = now;
    let key: string;
    let message = e.message;
    if (group.messages.has(e.message) || group.messages.size < this.maxSimilar) {
      group.messages.add(e.message);
      key = `E\u0000${groupKey}\u0000${e.message}`;
    } else {
      key = `A\u0000${groupKey}`;
      message = COMBINED_PREFIX + e.message;
    }

    // After aggregation, as in client-go: a repeat counts against the object's budget too.
    let bucket = this.spam.get(objectKey);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.spamBurst, this.spamQps, now);
      this.spam.set(objectKey, bucket);
    }
    return { key, message, filtered: !bucket.tryTake(now) };
  }
}
