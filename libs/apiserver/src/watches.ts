/**
 * Watch entry point: finds (or starts) the kind's shared cache and attaches a client to it,
 * first with a list when the client gave no resourceVersion.
 */
import { WatchEvent, wrap, type KindInfo } from '@tsk/api';
import { type Logger } from '@tsk/log';
import { parseResourceVersion } from './keys.js';
import { compileFilter, type Storage } from './storage.js';
import { WatchCache } from './watch-cache.js';
import { type Watcher, type WatchSink } from './watcher.js';

export interface WatchesOptions {
  readonly storage: Storage;
  readonly logger: Logger;
  readonly windowSize?: number;
  readonly maxQueuedPerWatcher?: number;
  readonly bookmarkIntervalMs?: number;
}

export interface WatchQuery {
  readonly namespace: string;
  readonly labelSelector: string;
  readonly fieldSelector: string;
  readonly resourceVersion: string;
  readonly allowBookmarks: boolean;
}

export class Watches {
  private readonly caches = new Map<string, Promise<WatchCache>>();
  private readonly options: WatchesOptions;
  private compactedTo = 0;
  private stopped = false;

  constructor(options: WatchesOptions) {
    this.options = options;
  }

  /** Number of client watches open right now (for /metrics). */
  async count(): Promise<number> {
    let n = 0;
    for (const c of this.caches.values()) n += (await c).watcherCount;
    return n;
  }

  private cache(info: KindInfo): Promise<WatchCache> {
    let cache = this.caches.get(info.kind);
    if (cache === undefined) {
      const created = new WatchCache(info, {
        store: this.options.storage.store,
        logger: this.options.logger,
        windowSize: this.options.windowSize ?? 10_000,
        maxQueuedPerWatcher: this.options.maxQueuedPerWatcher ?? 10_000,
        bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 5_000,
      });
      cache = created.start().then(() => {
        if (this.compactedTo > 0) created.compacted(this.compactedTo);
        return created;
      });
      this.caches.set(info.kind, cache);
      // A cache that failed to start is forgotten so the next watch tries again.
      cache.catch(() => this.caches.delete(info.kind));
    }
    return cache.then((c) => {
      if (c.failed === undefined) return c;
      this.caches.delete(info.kind);
      return this.cache(info);
    });
  }

  async watch(info: KindInfo, query: WatchQuery, sink: WatchSink, signal?: AbortSignal): Promise<Watcher> {
    if (this.stopped) throw new Error('the server is shutting down');
    const namespace = info.namespaced ? query.namespace : '';
    const filter = compileFilter(query.labelSelector, query.fieldSelector);
    const from = parseResourceVersion(query.resourceVersion, 'resourceVersion');
    const cache = await this.cache(info);
    if (from !== undefined) {
      return cache.addWatcher({ sink, namespace, filter, afterRevision: from, allowBookmarks: query.allowBookmarks });
    }
    const list = await this.options.storage.list(
      info,
      { namespace, labelSelector: query.labelSelector, fieldSelector: query.fieldSelector },
      signal,
    );
    const initial = list.items.map((object) =>
      Buffer.from(WatchEvent.encode({ type: 'ADDED', object: wrap(info, object) }).finish()),
    );
    return cache.addWatcher({
      sink,
      namespace,
      filter,
      afterRevision: Number(list.resourceVersion),
      allowBookmarks: query.allowBookmarks,
      initial,
    });
  }

  /** Called by the compactor: watches from before `revision` now answer 410. */
  async compacted(revision: number): Promise<void> {
    this.compactedTo = Math.max(this.compactedTo, revision);
    for (const c of this.caches.values()) {
      try {
        (await c).compacted(revision);
      } catch {
        // a cache that failed to start has nothing to trim
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const caches = [...this.caches.values()];
    this.caches.clear();
    await Promise.allSettled(caches.map(async (c) => (await c).stop()));
  }
}
