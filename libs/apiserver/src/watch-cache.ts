/**
 * The watch cache: one store watch per kind, fanned out to every client watching that kind, so a
 * hundred watchers cost one store watch and one encoded frame per change (the stored bytes with
 * their resourceVersion spliced in, wire.ts; an object is decoded only for a filtered watcher). Each cache keeps a window of
 * recent events so a client can resume from a resourceVersion without touching the store; a
 * resourceVersion older than the window (compacted, or before the cache could replay) is answered
 * with 410 Expired, and the client lists again (Kubernetes' watch cache works the same way).
 */
import { decodeObject, encodeObject, unwrap, wrap, type KindInfo, type KindObject } from '@tsk/api';
import { type Logger } from '@tsk/log';
import { StoreCompactedError, type KeyValue, type Store, type StoreEvent } from '@tsk/store';
import { decodeStored } from './codec.js';
import { kindPrefix } from './keys.js';
import { bookmarkFrame, Watcher, type WatchSink } from './watcher.js';
import { type ObjectFilter } from './storage.js';
import { stampRevision, watchEventFrame } from './wire.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * An event as the cache keeps it: the encoded object as clients get it (an unfiltered watcher
 * needs nothing else, so nothing is decoded for it) and, decoded only when a filtered watcher
 * asks, the object and its previous state.
 */
interface CachedEvent {
  readonly revision: number;
  readonly type: EventType;
  readonly namespace: string;
  /** The encoded Object after the change, resourceVersion stamped; for DELETED the last state, stamped with the deletion's revision. */
  readonly wire: Uint8Array;
  /** The stored value the object was before the change (MODIFIED only). */
  readonly prevValue: KeyValue | undefined;
  decoded?: { readonly object: KindObject; readonly prev: KindObject | undefined };
  readonly frames: Partial<Record<EventType, Buffer>>;
}

export interface WatchCacheOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Events kept for resuming watchers. */
  readonly windowSize: number;
  /** Frames a watcher may have unsent before it is dropped with 410. */
  readonly maxQueuedPerWatcher: number;
  readonly bookmarkIntervalMs: number;
}

export interface AddWatcherOptions {
  readonly sink: WatchSink;
  readonly namespace: string;
  readonly filter: ObjectFilter | undefined;
  readonly afterRevision: number;
  readonly allowBookmarks: boolean;
  /** Frames to send first (the synthetic ADDED events of a watch without resourceVersion). */
  readonly initial?: readonly Buffer[];
}

export class WatchCache {
  private readonly info: KindInfo;
  private readonly prefix: string;
  private readonly options: WatchCacheOptions;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private readonly watchers = new Set<Watcher>();
  private events: CachedEvent[] = [];
  /** Every event of this kind with revision >= windowStart is in `events`. */
  private windowStart = 1;
  /** The highest revision this cache has seen (or windowStart - 1). */
  private lastRevision = 0;
  /**
   * The store's revision as read at the previous bookmark tick. One interval later the store
   * watch has long delivered every event up to it, so a bookmark may claim it even for a kind
   * with no events of its own (what etcd's progress notifications guarantee exactly).
   */
  private progressCandidate = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  failed: unknown;

  constructor(info: KindInfo, options: WatchCacheOptions) {
    this.info = info;
    this.prefix = kindPrefix(info);
    this.options = options;
    this.logger = options.logger.child({ component: 'watch-cache', kind: info.kind });
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Starts the store watch far enough back to resume recent watchers (a restarted server too). */
  async start(): Promise<void> {
    const current = await this.options.store.currentRevision();
    this.windowStart = Math.max(1, current - this.options.windowSize + 1);
    this.lastRevision = this.windowStart - 1;
    this.running = this.run();
    this.timer = setInterval(() => void this.bookmark(), this.options.bookmarkIntervalMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const stream = this.options.store.watch(kindPrefix(this.info), { startRevision: this.windowStart, signal: this.abort.signal });
        for await (const batch of stream) this.apply(batch);
        return;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof StoreCompactedError) {
          // History before the compaction is gone: the window starts there (or now).
          const from = err.compactRevision > 0 ? err.compactRevision : (await this.options.store.currentRevision()) + 1;
          this.logger.debug({ from }, 'watch window starts after compaction');
          this.moveWindow(Math.max(from, this.lastRevision + 1), true);
          this.lastRevision = this.windowStart - 1;
          continue;
        }
        this.failed = err;
        if (this.timer !== undefined) clearInterval(this.timer);
        this.logger.error({ err }, 'store watch failed; ending every watch of this kind so clients resume');
        for (const w of [...this.watchers]) w.close();
        return;
      }
    }
  }

  private apply(batch: readonly StoreEvent[]): void {
    for (const e of batch) {
      const revision = e.kv.modRevision;
      if (revision <= this.lastRevision) continue;
      let event: CachedEvent;
      try {
        event = this.toCached(e);
      } catch (err) {
        // A value that does not decode is skipped rather than stopping the whole kind.
        this.logger.error({ err, key: e.kv.key, revision }, 'cannot decode a stored object; skipped');
        this.lastRevision = revision;
        continue;
      }
      this.lastRevision = revision;
      this.events.push(event);
      for (const w of this.watchers) this.deliver(w, event);
    }
    const excess = this.events.length - this.options.windowSize;
    if (excess > 0) {
      this.windowStart = this.events[excess - 1]!.revision + 1;
      this.events = this.events.slice(excess);
    }
  }

  /** Throws (and the event is skipped) if the stored bytes are not an object of this kind. */
  private toCached(e: StoreEvent): CachedEvent {
    const revision = e.kv.modRevision;
    const namespace = this.namespaceOf(e.kv.key);
    if (e.type === 'delete') {
      const wire =
        e.prevKv === undefined
          ? encodeObject(wrap(this.info, { metadata: { resourceVersion: String(revision) } }))
          : stampRevision(e.prevKv.value, this.info, revision);
      return { revision, type: 'DELETED', namespace, wire, prevValue: undefined, frames: {} };
    }
    const wire = stampRevision(e.kv.value, this.info, revision);
    const type: EventType = e.prevKv === undefined ? 'ADDED' : 'MODIFIED';
    return { revision, type, namespace, wire, prevValue: e.prevKv, frames: {} };
  }

  /** `/registry/<plural>/<ns>/<name>`: the namespace is in the key (keys.ts). */
  private namespaceOf(key: string): string {
    if (!this.info.namespaced) return '';
    const start = this.prefix.length;
    const slash = key.indexOf('/', start);
    return slash < 0 ? '' : key.slice(start, slash);
  }

  /** The event's object (and previous state) for a filter; decoded once, on first need. */
  private decoded(event: CachedEvent): { readonly object: KindObject; readonly prev: KindObject | undefined } {
    event.decoded ??= {
      object: unwrap(decodeObject(event.wire)).object,
      prev: event.prevValue === undefined ? undefined : decodeStored(this.info, event.prevValue),
    };
    return event.decoded;
  }

  private frame(event: CachedEvent, type: EventType): Buffer {
    return (event.frames[type] ??= watchEventFrame(type, event.wire));
  }

  /** Kubernetes' filtered-watch rule: entering the filter is ADDED, leaving it is DELETED. */
  private deliver(w: Watcher, event: CachedEvent): void {
    if (event.revision <= w.lastRevision) return;
    if (w.namespace !== '' && event.namespace !== w.namespace) return;
    let type: EventType | undefined = event.type;
    if (w.filter !== undefined) {
      const { object, prev } = this.decoded(event);
      const now = w.filter(object);
      if (event.type === 'MODIFIED') {
        const before = prev !== undefined && w.filter(prev);
        type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
      } else if (!now) {
        type = undefined;
      }
    }
    if (type === undefined) return;
    w.push(this.frame(event, type), event.revision);
  }

  /** Attaches a client; throws ExpiredRevision when its revision is older than the window. */
  addWatcher(options: AddWatcherOptions): Watcher {
    if (this.failed !== undefined) throw new CacheFailedError(this.info.kind);
    const watcher = new Watcher({
      sink: options.sink,
      namespace: options.namespace,
      filter: options.filter,
      afterRevision: options.afterRevision,
      allowBookmarks: options.allowBookmarks,
      maxQueued: Math.max(this.options.maxQueuedPerWatcher, (options.initial?.length ?? 0) + this.events.length),
      onClose: (w) => this.watchers.delete(w),
    });
    if (options.afterRevision + 1 < this.windowStart) {
      watcher.expire(`resourceVersion ${options.afterRevision} is too old (the oldest available is ${this.windowStart - 1}); list again`);
      return watcher;
    }
    for (const frame of options.initial ?? []) watcher.push(frame, options.afterRevision);
    for (const event of this.events) this.deliver(watcher, event);
    if (!watcher.isClosed) this.watchers.add(watcher);
    return watcher;
  }

  /** The store compacted up to `revision`: older resourceVersions now answer 410. */
  compacted(revision: number): void {
    // Attached watchers already have every event up to now: only new watchers are affected.
    this.moveWindow(revision, false);
  }

  private moveWindow(start: number, expireAttached: boolean): void {
    if (start <= this.windowStart) return;
    this.windowStart = start;
    const keep = this.events.findIndex((e) => e.revision >= start);
    this.events = keep < 0 ? [] : this.events.slice(keep);
    if (!expireAttached) return;
    for (const w of [...this.watchers]) {
      if (w.lastRevision + 1 < start) {
        w.expire(`events after resourceVersion ${w.lastRevision} were compacted; list again`);
      }
    }
  }

  private async bookmark(): Promise<void> {
    const revision = Math.max(this.lastRevision, this.progressCandidate);
    let frame: Buffer | undefined;
    for (const w of this.watchers) {
      if (!w.allowBookmarks || w.pending > 0 || w.lastRevision > revision) continue;
      frame ??= bookmarkFrame(this.info, revision);
      w.push(frame, revision);
    }
    try {
      this.progressCandidate = await this.options.store.currentRevision();
    } catch {
      // the store is down: no progress to claim next time
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const w of [...this.watchers]) w.close();
    await this.running;
  }
}

export class CacheFailedError extends Error {
  override name = 'CacheFailedError';
  constructor(kind: string) {
    super(`the watch cache of ${kind} has failed`);
  }
}
