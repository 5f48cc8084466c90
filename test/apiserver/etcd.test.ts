/** The same API server scenarios against a real etcd (Debian's etcd-server), started here. */
import { startEtcd, type EtcdProcess } from '@tsk/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, type ServerProcess } from './harness.js';
import * as s from './scenarios.js';

describe('API server on etcd', () => {
  let etcd: EtcdProcess | undefined;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    etcd = await startEtcd({ prefix: '/tsk-test' });
    server = await startServer({ store: etcd.url, apiOnly: true });
  });
  afterAll(async () => {
    await server?.stop();
    await etcd?.stop();
  });

  it('creates, reads, updates and deletes', () => s.crud(server!));
  it('refuses a stale update with ABORTED and writes nothing', () => s.optimisticConcurrency(server!));
  it('bumps generation only on spec changes', () => s.generation(server!));
  it('applies: created, configured, unchanged', () => s.apply(server!));
  it('stores nothing of a refused multi-document apply', () => s.refusedApplyStoresNothing(server!));
  it('lists with selectors and pages', () => s.listPaging(server!));
  it('holds deletions for finalizers and bound pods', () => s.finalizersAndGrace(server!));
  it('watches with filters', () => s.watchBasics(server!));
  it('deletes everything in a deleted namespace', () => s.namespaceCascade(server!));
  it('answers each write of a batch on its own', () => s.batch(server!));

  it('reports the etcd backend and resumes a watch across a server restart', async () => {
    expect((await server!.api.version()).storeBackend).toBe('etcd');
    const rv = (await server!.api.list({ kind: 'ConfigMap', namespace: 'default' })).metadata!.resourceVersion!;
    await server!.api.create({ object: s.configMap('etcd-1') });
    await server!.restart();
    await server!.api.create({ object: s.configMap('etcd-2') });
    const events = await collect(server!.api.watch({ kind: 'ConfigMap', namespace: 'default', resourceVersion: rv }), (ev) => ev.length >= 2);
    expect(events.map((e) => e.object?.configMap?.metadata?.name)).toEqual(['etcd-1', 'etcd-2']);
  });
});
