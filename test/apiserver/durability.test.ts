/**
 * What must survive a restart or a crash of tsk-server on its embedded SQLite store: a watch
 * resumed from a resourceVersion misses nothing, an acknowledged write survives kill -9, and a
 * resourceVersion older than compaction answers 410 so the client relists.
 */
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, expectCode, startServer, type ServerProcess } from './harness.js';
import { type WatchEvent } from '@tsk/api';
import { configMap, namespace } from './scenarios.js';

const servers: ServerProcess[] = [];
async function start(args: readonly string[] = []): Promise<ServerProcess> {
  const server = await startServer({ args, apiOnly: true });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('tsk-server durability (SQLite)', () => {
  it('resumes a watch from a resourceVersion across a restart without missing an event', async () => {
    const server = await start();
    await namespace(server, 'resume');
    const rv0 = (await server.api.list({ kind: 'ConfigMap', namespace: 'resume' })).metadata!.resourceVersion!;
    const first = collect(server.api.watch({ kind: 'ConfigMap', namespace: 'resume', resourceVersion: rv0 }), (ev) => ev.length >= 2);
    await server.api.create({ object: configMap('a', 'resume') });
    await server.api.create({ object: configMap('b', 'resume') });
    const seen = await first;
    const lastRv = seen[seen.length - 1]!.object!.configMap!.metadata!.resourceVersion!;
    // Changes while nobody watches, then a restart, then more changes.
    await server.api.create({ object: configMap('c', 'resume') });
    await server.api.delete({ kind: 'ConfigMap', namespace: 'resume', name: 'a' });
    await server.restart();
    await server.api.create({ object: configMap('d', 'resume') });
    const resumed = await collect(server.api.watch({ kind: 'ConfigMap', namespace: 'resume', resourceVersion: lastRv }), (ev) => ev.length >= 3);
    expect(resumed.map((e) => [e.type, e.object?.configMap?.metadata?.name])).toEqual([
      ['ADDED', 'c'],
      ['DELETED', 'a'],
      ['ADDED', 'd'],
    ]);
    const revisions = resumed.map((e) => Number(e.object?.configMap?.metadata?.resourceVersion));
    expect([...revisions].sort((x, y) => x - y)).toEqual(revisions);
    expect(revisions[0]).toBeGreaterThan(Number(lastRv));
  });

  it('keeps every acknowledged write across kill -9', async () => {
    const server = await start();
    const acked = await Promise.all(Array.from({ length: 40 }, (_, i) => server.api.create({ object: configMap(`durable-${i}`) })));
    expect(acked).toHaveLength(40);
    await server.kill9();
    await server.start();
    const listed = await server.api.list({ kind: 'ConfigMap', namespace: 'default' });
    const names = new Set((listed.items ?? []).map((o) => o.configMap?.metadata?.name));
    for (let i = 0; i < 40; i++) expect(names.has(`durable-${i}`)).toBe(true);
  });

  it('answers a watch from a compacted resourceVersion with one 410 Expired event', async () => {
    const server = await start(['--compaction-interval', '0.2', '--compaction-retain', '5']);
    const page = await server.api.list({ kind: 'ConfigMap', namespace: 'default', limit: 1 });
    const oldRv = page.metadata!.resourceVersion!;
    for (let i = 0; i < 30; i++) await server.api.create({ object: configMap(`compacted-${i}`) });
    await new Promise((r) => setTimeout(r, 1_000));
    const events = await collect(server.api.watch({ kind: 'ConfigMap', resourceVersion: oldRv }), () => false);
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('ERROR');
    expect(events[0]!.status?.code).toBe(410);
    expect(events[0]!.status?.reason).toBe('Expired');
    // A list page from before the compaction cannot be continued either.
    const paged = await server.api.list({ kind: 'ConfigMap', namespace: 'default', limit: 2 });
    for (let i = 30; i < 45; i++) await server.api.create({ object: configMap(`compacted-${i}`) });
    await new Promise((r) => setTimeout(r, 1_000));
    const err = await expectCode(server.api.list({ kind: 'ConfigMap', namespace: 'default', limit: 2, continue: paged.metadata!.continue! }), status.OUT_OF_RANGE);
    expect(err.details).toMatch(/continue token expired/);
    // A fresh watch still works.
    const fresh = collect(server.api.watch({ kind: 'ConfigMap', namespace: 'default' }), (ev) => ev.length >= 46);
    await server.api.create({ object: configMap('after-compaction') });
    expect((await fresh).at(-1)?.object?.configMap?.metadata?.name).toBe('after-compaction');
  });

  it('sends bookmarks to watches that allow them', async () => {
    const server = await start(['--bookmark-interval', '0.2']);
    await server.api.create({ object: configMap('bm') });
    const events = await collect(server.api.watch({ kind: 'ConfigMap', namespace: 'default', allowBookmarks: true }), (ev) => ev.some((e) => e.type === 'BOOKMARK'));
    const bookmark = events.find((e) => e.type === 'BOOKMARK')!;
    expect(Number(bookmark.object?.configMap?.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('ends watches and exits 0 on SIGTERM', async () => {
    const server = await start();
    const stream = server.api.watch({ kind: 'ConfigMap', namespace: 'default' });
    const ended = new Promise<string>((resolve) => {
      stream.on('data', (_e: WatchEvent) => {});
      stream.on('end', () => resolve('end'));
      stream.on('error', (err: { code?: number }) => resolve(`error ${err.code}`));
    });
    await new Promise((r) => setTimeout(r, 200));
    await server.restart(); // SIGTERM, then start again
    expect(server.logs()).toMatch(/"msg":"stopped"/);
    expect(await ended).toBe('end');
    expect((await server.api.version()).storeBackend).toBe('sqlite');
  });
});
