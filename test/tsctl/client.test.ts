/**
 * @tsk/client against a real tsk-server: typed errors, a watch that resumes across a server
 * restart without losing or repeating an event, 410 after compaction, and an informer that
 * relists through it all.
 */
import { AlreadyExistsError, ConflictError, ExpiredError, NotFoundError, type ConfigMap } from '@tsk/api';
import { connect, Informer, keyOf, type ApiClient, type ObjectEvent } from '@tsk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TskServer } from './harness.js';

let server: TskServer;
let client: ApiClient;

beforeAll(async () => {
  // Compact every second down to the newest revision, so 410 Expired is quick to provoke.
  server = await startServer(['--compaction-interval', '1', '--compaction-retain', '1', '--bookmark-interval', '1']);
  client = connect(server.address, { retry: { maxAttempts: 40, initialMs: 50, maxMs: 250 } });
});

afterAll(async () => {
  client?.close();
  await server?.stop();
});

const cm = (name: string, v = '1'): ConfigMap => ({ metadata: { name, namespace: 'default' }, data: { v } });

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('@tsk/client against tsk-server', () => {
  it('maps server errors to typed errors', async () => {
    const a = await client.create('ConfigMap', cm('typed'));
    await expect(client.create('ConfigMap', cm('typed'))).rejects.toBeInstanceOf(AlreadyExistsError);
    await client.update('ConfigMap', { ...a, data: { v: '2' } });
    await expect(client.update('ConfigMap', { ...a, data: { v: '3' } })).rejects.toBeInstanceOf(ConflictError);
    await expect(client.get('ConfigMap', 'default', 'nope')).rejects.toBeInstanceOf(NotFoundError);
    await client.delete('ConfigMap', 'default', 'typed');
  });

  it('a watch resumes across a server restart, each change seen once', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of client.watch<ConfigMap>('ConfigMap', { namespace: 'default', signal: ac.signal, labelSelector: '' })) {
        if (ev.object.metadata?.name?.startsWith('w-') === true) seen.push(`${ev.type} ${ev.object.metadata.name}`);
      }
    })();
    await client.create('ConfigMap', cm('w-before'));
    await until(() => seen.length === 1);
    await server.restart();
    await client.create('ConfigMap', cm('w-after'));
    await client.delete('ConfigMap', 'default', 'w-before');
    await until(() => seen.length === 3);
    ac.abort();
    await done;
    expect(seen).toEqual(['ADDED w-before', 'ADDED w-after', 'DELETED w-before']);
  });

  it('a watch from a compacted resourceVersion ends with ExpiredError', async () => {
    const start = (await client.list('ConfigMap')).resourceVersion;
    for (let i = 0; i < 5; i++) await client.create('ConfigMap', cm(`c-${i}`));
    let error: unknown;
    const deadline = Date.now() + 15_000;
    // Compaction runs every second; until it has, the watch from `start` is still valid.
    while (error === undefined && Date.now() < deadline) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 1500);
      try {
        for await (const ev of client.watch('ConfigMap', { resourceVersion: start, signal: ac.signal })) void (ev satisfies ObjectEvent);
      } catch (err) {
        error = err;
      } finally {
        clearTimeout(timer);
      }
    }
    expect(error).toBeInstanceOf(ExpiredError);
  });

  it('an informer syncs, follows, and survives a restart with compaction in between', async () => {
    const informer = new Informer<ConfigMap>(client, 'ConfigMap', { namespace: 'default' });
    const log: string[] = [];
    informer
      .onAdd((o) => log.push(`add ${keyOf(o)}`))
      .onUpdate((a, b) => a !== b && log.push(`update ${keyOf(b)} ${a.data?.['v'] ?? ''}->${b.data?.['v'] ?? ''}`))
      .onDelete((o) => log.push(`delete ${keyOf(o)}`));
    await client.create('ConfigMap', cm('i-keep'));
    await client.create('ConfigMap', cm('i-gone'));
    await informer.start().waitForSync();
    expect(informer.get('default', 'i-keep')?.data).toEqual({ v: '1' });
    log.length = 0;
    await server.restart();
    const keep = await client.get<ConfigMap>('ConfigMap', 'default', 'i-keep');
    await client.update('ConfigMap', { ...keep, data: { v: '2' } });
    await client.delete('ConfigMap', 'default', 'i-gone');
    await client.create('ConfigMap', cm('i-new'));
    await until(() => log.length >= 3);
    await new Promise((r) => setTimeout(r, 1500)); // would a duplicate arrive late?
    expect([...log].sort()).toEqual(['add default/i-new', 'delete default/i-gone', 'update default/i-keep 1->2']);
    expect(informer.get('default', 'i-gone')).toBeUndefined();
    await informer.stop();
  });
});
