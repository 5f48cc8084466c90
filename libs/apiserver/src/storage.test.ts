import { ConflictError, ExpiredError, NotFoundError, kindOf, type ConfigMap, type KindObject } from '@tsk/api';
import { silentLogger } from '@tsk/log';
import { describe, expect, it } from 'vitest';
import { Compactor } from './compactor.js';
import { deleteObject } from './deletion.js';
import { Storage } from './storage.js';
import { MemoryStore } from './testing/memory-store.js';

const CM = kindOf('ConfigMap');

async function setup() {
  const store = new MemoryStore();
  const storage = new Storage({ store, logger: silentLogger() });
  await storage.create(kindOf('Namespace'), { metadata: { name: 'default' } });
  const cm = (name: string, data: Record<string, string> = {}): KindObject => ({ metadata: { name, namespace: 'default' }, data }) as ConfigMap;
  return { store, storage, cm };
}

describe('Storage', () => {
  it('retries an unconditional update and refuses a stale one', async () => {
    const { storage, cm } = await setup();
    const v1 = await storage.create(CM, cm('a', { x: '1' }));
    const v2 = await storage.update(CM, { ...cm('a', { x: '2' }) }, false);
    expect(v2.metadata?.resourceVersion).not.toBe(v1.metadata?.resourceVersion);
    await expect(storage.update(CM, { ...cm('a', { x: '3' }), metadata: v1.metadata }, false)).rejects.toBeInstanceOf(ConflictError);
    expect(((await storage.get(CM, 'default', 'a')) as ConfigMap).data).toEqual({ x: '2' });
  });

  it('keeps resourceVersion on a no-op update', async () => {
    const { storage, cm } = await setup();
    const v1 = await storage.create(CM, cm('a', { x: '1' }));
    const same = await storage.update(CM, v1, false);
    expect(same.metadata?.resourceVersion).toBe(v1.metadata?.resourceVersion);
  });

  it('pages a list from one snapshot and expires a token after compaction', async () => {
    const { store, storage, cm } = await setup();
    for (let i = 0; i < 5; i++) await storage.create(CM, cm(`c-${i}`));
    const first = await storage.list(CM, { namespace: 'default', limit: 2 });
    await storage.create(CM, cm('c-9'));
    const second = await storage.list(CM, { namespace: 'default', limit: 10, continueToken: first.continueToken });
    expect(second.items.map((o) => o.metadata?.name)).toEqual(['c-2', 'c-3', 'c-4']);
    await store.compact(await store.currentRevision());
    await expect(storage.list(CM, { namespace: 'default', limit: 2, continueToken: first.continueToken })).rejects.toBeInstanceOf(ExpiredError);
  });

  it('deletes a finalized object when its last finalizer goes', async () => {
    const { storage, cm } = await setup();
    const held = await storage.create(CM, { ...cm('held'), metadata: { name: 'held', namespace: 'default', finalizers: ['x'] } });
    const marked = await deleteObject(storage, CM, 'default', 'held', { propagationPolicy: 'Foreground' });
    expect(marked.metadata?.deletionTimestamp).toBeTruthy();
    expect(marked.metadata?.finalizers).toEqual(['x', 'foregroundDeletion']);
    await storage.update(CM, { ...held, metadata: { ...marked.metadata, finalizers: [] } }, false);
    await expect(storage.get(CM, 'default', 'held')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('Compactor', () => {
  it('keeps at most keepRevisions and about keepMs of history', async () => {
    const store = new MemoryStore();
    const compacted: number[] = [];
    const compactor = new Compactor({ store, logger: silentLogger(), keepRevisions: 10, keepMs: 60_000, onCompacted: async (r) => void compacted.push(r) });
    for (let i = 0; i < 30; i++) await store.create(`/k/${i}`, new Uint8Array());
    expect(await compactor.once(0)).toBe(21);
    const wide = new Compactor({ store, logger: silentLogger(), keepRevisions: 1_000, keepMs: 60_000, onCompacted: async () => {} });
    expect(await wide.once(0)).toBe(0);
    for (let i = 30; i < 40; i++) await store.create(`/k/${i}`, new Uint8Array());
    expect(await wide.once(61_000)).toBe(31);
    expect(compacted).toEqual([21]);
  });
});
