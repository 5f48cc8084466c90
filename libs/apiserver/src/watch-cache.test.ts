import { WatchEvent, kindOf, type KindObject } from '@tsk/api';
import { silentLogger } from '@tsk/log';
import { afterEach, describe, expect, it } from 'vitest';
import { Storage, compileFilter } from './storage.js';
import { MemoryStore } from './testing/memory-store.js';
import { WatchCache } from './watch-cache.js';
import { type WatchSink } from './watcher.js';

const CM = kindOf('ConfigMap');

/** A sink that records decoded frames; `blocked` makes it push back and never drain. */
function sink(blocked = false): WatchSink & { events: WatchEvent[]; ended: boolean } {
  const s = {
    events: [] as WatchEvent[],
    ended: false,
    write(frame: Buffer): boolean {
      s.events.push(WatchEvent.decode(frame));
      return !blocked;
    },
    onDrain(): void {},
    end(): void {
      s.ended = true;
    },
  };
  return s;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

describe('WatchCache', () => {
  let cache: WatchCache | undefined;
  afterEach(async () => {
    await cache?.stop();
  });

  async function setup(options: Partial<{ windowSize: number; maxQueuedPerWatcher: number }> = {}) {
    const store = new MemoryStore();
    const storage = new Storage({ store, logger: silentLogger() });
    await storage.create(kindOf('Namespace'), { metadata: { name: 'default' } });
    cache = new WatchCache(CM, { store, logger: silentLogger(), windowSize: options.windowSize ?? 100, maxQueuedPerWatcher: options.maxQueuedPerWatcher ?? 100, bookmarkIntervalMs: 60_000 });
    await cache.start();
    const create = (name: string, labels: Record<string, string> = {}): Promise<KindObject> =>
      storage.create(CM, { metadata: { name, namespace: 'default', labels }, data: {} } as KindObject);
    return { store, storage, cache, create };
  }

  it('fans one store watch out to every watcher, resuming from a revision', async () => {
    const { create, cache } = await setup();
    const a = await create('a');
    const s1 = sink();
    const s2 = sink();
    cache.addWatcher({ sink: s1, namespace: '', filter: undefined, afterRevision: 0, allowBookmarks: false });
    cache.addWatcher({ sink: s2, namespace: 'default', filter: undefined, afterRevision: Number(a.metadata!.resourceVersion), allowBookmarks: false });
    await create('b');
    await tick();
    expect(s1.events.map((e) => e.object?.configMap?.metadata?.name)).toEqual(['a', 'b']);
    expect(s2.events.map((e) => e.object?.configMap?.metadata?.name)).toEqual(['b']);
  });

  it('sends DELETED when an object stops matching a filter', async () => {
    const { create, storage, cache } = await setup();
    const s = sink();
    cache.addWatcher({ sink: s, namespace: '', filter: compileFilter('team=a', ''), afterRevision: 0, allowBookmarks: false });
    const x = await create('x', { team: 'a' });
    await storage.update(CM, { ...x, metadata: { ...x.metadata, labels: { team: 'b' } } }, false);
    await create('y', { team: 'b' });
    await tick();
    expect(s.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('drops a watcher that falls behind with 410, without holding the others up', async () => {
    const { create, cache } = await setup({ maxQueuedPerWatcher: 5 });
    const slow = sink(true);
    const fast = sink();
    cache.addWatcher({ sink: slow, namespace: '', filter: undefined, afterRevision: 0, allowBookmarks: false });
    cache.addWatcher({ sink: fast, namespace: '', filter: undefined, afterRevision: 0, allowBookmarks: false });
    for (let i = 0; i < 20; i++) await create(`o-${i}`);
    await tick();
    expect(fast.events).toHaveLength(20);
    expect(slow.ended).toBe(true);
    expect(slow.events.at(-1)?.type).toBe('ERROR');
    expect(slow.events.at(-1)?.status?.code).toBe(410);
    expect(cache.watcherCount).toBe(1);
  });

  it('answers 410 for a revision older than the window or the compaction', async () => {
    const { create, store, cache } = await setup({ windowSize: 5 });
    for (let i = 0; i < 10; i++) await create(`o-${i}`);
    await tick();
    const old = sink();
    cache.addWatcher({ sink: old, namespace: '', filter: undefined, afterRevision: 1, allowBookmarks: false });
    expect(old.events.map((e) => e.status?.code)).toEqual([410]);
    const current = await store.currentRevision();
    await store.compact(current);
    cache.compacted(current);
    const before = sink();
    cache.addWatcher({ sink: before, namespace: '', filter: undefined, afterRevision: current - 2, allowBookmarks: false });
    expect(before.events[0]?.status?.reason).toBe('Expired');
    const fine = sink();
    cache.addWatcher({ sink: fine, namespace: '', filter: undefined, afterRevision: current, allowBookmarks: false });
    expect(fine.ended).toBe(false);
  });
});
