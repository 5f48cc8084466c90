/**
 * Informer: Kubernetes' shared informer. It lists a kind, then watches it, keeping an
 * in-memory cache keyed by "namespace/name" and calling handlers for each change. After a
 * compacted watch (ExpiredError) or a failure it relists and reconciles the fresh list against
 * the cache, so handlers see every change exactly once: an object that changed while no watch
 * ran is an update, one that vanished is a delete, and one already seen at the same
 * resourceVersion is nothing.
 */
import { ExpiredError, type KindInfo, type KindObject } from '@tsk/api';
import { silentLogger, type Logger } from '@tsk/log';
import { Backoff, sleep } from './backoff.js';
import { resolveKind, type ApiClient } from './client.js';
import { type KindRef, type ObjectEvent, type SelectorOptions } from './types.js';

export interface InformerOptions extends SelectorOptions {
  readonly logger?: Logger;
  /** Every this many ms, call onUpdate(obj, obj) for every cached object (0 = never, the default). */
  readonly resyncPeriodMs?: number;
}

export type AddHandler<T> = (object: T) => void;
export type UpdateHandler<T> = (oldObject: T, newObject: T) => void;
export type DeleteHandler<T> = (object: T) => void;

/** The cache key of an object: "namespace/name", or "name" for cluster-scoped kinds. */
export function keyOf(object: KindObject): string {
  const ns = object.metadata?.namespace ?? '';
  const name = object.metadata?.name ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}

export class Informer<T extends KindObject = KindObject> {
  readonly info: KindInfo;
  private readonly cache = new Map<string, T>();
  private readonly adds: AddHandler<T>[] = [];
  private readonly updates: UpdateHandler<T>[] = [];
  private readonly deletes: DeleteHandler<T>[] = [];
  private readonly log: Logger;
  private readonly controller = new AbortController();
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private rv = '';

  constructor(
    private readonly client: ApiClient,
    kind: KindRef,
    private readonly options: InformerOptions = {},
  ) {
    this.info = resolveKind(kind);
    this.log = (options.logger ?? silentLogger()).child({ component: 'informer', kind: this.info.kind });
  }

  /**
   * Adds an add handler. As in Kubernetes' shared informer, a handler added after the informer
   * has synced is first told about every cached object, so late subscribers miss nothing.
   */
  onAdd(handler: AddHandler<T>): this {
    this.adds.push(handler);
    if (this.synced) for (const o of this.cache.values()) this.emit([handler], (h) => h(o));
    return this;
  }

  onUpdate(handler: UpdateHandler<T>): this {
    this.updates.push(handler);
    return this;
  }

  onDelete(handler: DeleteHandler<T>): this {
    this.deletes.push(handler);
    return this;
  }

  /** Starts listing and watching in the background; idempotent. */
  start(): this {
    if (this.running === undefined && !this.controller.signal.aborted) {
      this.running = this.run();
      const period = this.options.resyncPeriodMs ?? 0;
      if (period > 0) this.resyncTimer = setInterval(() => this.resync(), period);
    }
    return this;
  }

  /** Stops the watch and the timers; resolves when the loop has ended. The cache stays readable. */
  async stop(): Promise<void> {
    this.controller.abort();
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    for (const w of this.syncWaiters) w();
    this.syncWaiters = [];
    await this.running;
  }

  /** True once the first list has been delivered to the handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced (or when stopped, or when `signal` aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced || this.controller.signal.aborted || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** A cached object. Cached objects are shared: copy before changing one. */
  get(namespace: string, name: string): T | undefined {
    return this.cache.get(this.info.namespaced && namespace !== '' ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Every cached object, optionally only those for which `filter` holds. */
  list(filter?: (object: T) => boolean): T[] {
    const all = [...this.cache.values()];
    return filter === undefined ? all : all.filter(filter);
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  /** The revision the cache reflects. */
  get resourceVersion(): string {
    return this.rv;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    const backoff = new Backoff();
    while (!signal.aborted) {
      try {
        const list = await this.client.list<T>(this.info, { ...this.selectors(), signal });
        this.replace(list.items, list.resourceVersion);
        backoff.reset();
        for await (const ev of this.client.watch<T>(this.info, {
          ...this.selectors(),
          resourceVersion: list.resourceVersion,
          allowBookmarks: true,
          signal,
        })) {
          this.apply(ev);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof ExpiredError) {
          this.log.info({ resourceVersion: this.rv }, 'watch expired; relisting');
          continue;
        }
        const delay = backoff.next();
        this.log.warn({ err: (err as Error).message, delayMs: delay }, 'list/watch failed; retrying');
        await sleep(delay, signal);
      }
    }
  }

  private selectors(): SelectorOptions {
    const o = this.options;
    return {
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      ...(o.labelSelector !== undefined ? { labelSelector: o.labelSelector } : {}),
      ...(o.fieldSelector !== undefined ? { fieldSelector: o.fieldSelector } : {}),
    };
  }

  /** Reconciles a fresh list with the cache: adds, updates (changed revision) and deletes. */
  private replace(items: readonly T[], resourceVersion: string): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      this.upsert(key, item);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit(this.deletes, (h) => h(old));
      }
    }
    this.rv = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters) w();
      this.syncWaiters = [];
    }
  }

  private apply(ev: ObjectEvent<T>): void {
    if (ev.resourceVersion !== '') this.rv = ev.resourceVersion;
    if (ev.type === 'BOOKMARK') return;
    const key = keyOf(ev.object);
    if (ev.type === 'DELETED') {
      const old = this.cache.get(key);
      if (old === undefined) return; // already gone: a replayed delete
      this.cache.delete(key);
      this.emit(this.deletes, (h) => h(ev.object));
      return;
    }
    this.upsert(key, ev.object);
  }

  private upsert(key: string, object: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, object);
    if (old === undefined) {
      this.emit(this.adds, (h) => h(object));
    } else if ((old.metadata?.resourceVersion ?? '') !== (object.metadata?.resourceVersion ?? '') || old.metadata?.uid !== object.metadata?.uid) {
      this.emit(this.updates, (h) => h(old, object));
    }
  }

  private resync(): void {
    for (const object of this.cache.values()) this.emit(this.updates, (h) => h(object, object));
  }

  /** A throwing handler is logged, never allowed to stop the informer or the other handlers. */
  private emit<H>(handlers: readonly H[], call: (h: H) => void): void {
    for (const h of handlers) {
      try {
        call(h);
      } catch (err) {
        this.log.error({ err }, 'informer handler threw');
      }
    }
  }
}
