import { status as Status } from '@grpc/grpc-js';
import { ExpiredError, InvalidError, type ConfigMap } from '@tsk/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type ApiClient } from './client.js';
import { FakeObjectsServer } from './fake-server.js';
import { type ObjectEvent } from './types.js';
import { laterVersion } from './watch.js';

let server: FakeObjectsServer;
let client: ApiClient;

beforeEach(async () => {
  server = await FakeObjectsServer.start();
  client = connect(server.address, { retry: { initialMs: 10, maxMs: 50 } });
});

afterEach(async () => {
  client.close();
  await server.stop();
});

const cm = (name: string, v = '1'): ConfigMap => ({ metadata: { name, namespace: 'default' }, data: { v } });

/** Reads events from a watch into an array, in the background, until aborted. */
function collect(iterable: AsyncIterable<ObjectEvent<ConfigMap>>) {
  const events: string[] = [];
  let error: unknown;
  const done = (async () => {
    try {
      for await (const ev of iterable) events.push(`${ev.type} ${ev.object.metadata?.name ?? ''}`);
    } catch (err) {
      error = err;
    }
  })();
  return { events, done, error: () => error };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('watch', () => {
  it('lists first, then streams changes, and ends quietly on abort', async () => {
    await client.create('ConfigMap', cm('a'));
    const ac = new AbortController();
    const w = collect(client.watch<ConfigMap>('cm', { namespace: 'default', signal: ac.signal }));
    await until(() => w.events.length === 1);
    await client.create('ConfigMap', cm('b'));
    const b = await client.get<ConfigMap>('ConfigMap', 'default', 'b');
    await client.update('ConfigMap', { ...b, data: { v: '2' } });
    await client.delete('ConfigMap', 'default', 'a');
    await until(() => w.events.length === 4);
    ac.abort();
    await w.done;
    expect(w.events).toEqual(['ADDED a', 'ADDED b', 'MODIFIED b', 'DELETED a']);
    expect(w.error()).toBeUndefined();
  });

  it('resumes after dropped streams without losing or repeating an event', async () => {
    const ac = new AbortController();
    const w = collect(client.watch<ConfigMap>('ConfigMap', { signal: ac.signal }));
    await until(() => server.openWatches === 1);
    for (let i = 0; i < 5; i++) {
      await client.create('ConfigMap', cm(`o${i}`));
      server.dropWatches(i % 2 === 0 ? Status.UNAVAILABLE : Status.INTERNAL);
      await client.create('ConfigMap', cm(`p${i}`)); // written while no stream is open
      await until(() => server.openWatches === 1);
    }
    await server.restart();
    await client.create('ConfigMap', cm('after-restart'));
    await until(() => w.events.length === 11);
    ac.abort();
    await w.done;
    const expected = [0, 1, 2, 3, 4].flatMap((i) => [`ADDED o${i}`, `ADDED p${i}`]).concat('ADDED after-restart');
    expect(w.events).toEqual(expected);
    expect(server.calls.get('Watch')).toBeGreaterThanOrEqual(7);
  });

  it('resumes from a bookmark, so compaction behind it does not expire the watch', async () => {
    await client.create('ConfigMap', cm('a'));
    const events: ObjectEvent<ConfigMap>[] = [];
    const ac = new AbortController();
    const done = (async () => {
      for await (const ev of client.watch<ConfigMap>('ConfigMap', { signal: ac.signal, allowBookmarks: true, resourceVersion: server.store.revision.toString() })) events.push(ev);
    })();
    await until(() => server.openWatches === 1);
    await client.create('Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    server.bookmark();
    await until(() => events.length === 1);
    expect(events[0]?.type).toBe('BOOKMARK');
    expect(events[0]?.resourceVersion).toBe(String(server.store.revision));
    server.store.compact();
    server.dropWatches();
    await until(() => server.openWatches === 1);
    await client.create('ConfigMap', cm('b'));
    await until(() => events.length === 2);
    expect(events[1]?.type).toBe('ADDED');
    ac.abort();
    await done;
  });

  it('ends with ExpiredError on a 410 ERROR event or a compacted resourceVersion', async () => {
    const w = collect(client.watch<ConfigMap>('ConfigMap', { resourceVersion: '1' }));
    await until(() => server.openWatches === 1);
    server.expireWatches();
    await w.done;
    expect(w.error()).toBeInstanceOf(ExpiredError);

    await client.create('ConfigMap', cm('a'));
    await client.create('ConfigMap', cm('b'));
    server.store.compact();
    const old = collect(client.watch<ConfigMap>('ConfigMap', { resourceVersion: '1' }));
    await old.done;
    expect(old.error()).toBeInstanceOf(ExpiredError);
  });

  it('throws request errors instead of retrying them', async () => {
    const w = collect(client.watch<ConfigMap>('ConfigMap', { resourceVersion: '1', labelSelector: '!!bad' }));
    await w.done;
    expect(w.error()).toBeInstanceOf(InvalidError);
  });

  it('orders revisions numerically', () => {
    expect(laterVersion('9', '10')).toBe('10');
    expect(laterVersion('10', '9')).toBe('10');
    expect(laterVersion('', '3')).toBe('3');
    expect(laterVersion('3', '')).toBe('3');
  });
});
