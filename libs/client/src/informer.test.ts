import { status as Status } from '@grpc/grpc-js';
import { kindOf, type ConfigMap } from '@tsk/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type ApiClient } from './client.js';
import { FakeObjectsServer } from './fake-server.js';
import { Informer, keyOf } from './informer.js';

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

const cm = (name: string, v = '1', namespace = 'default'): ConfigMap => ({ metadata: { name, namespace }, data: { v } });

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function recording(informer: Informer<ConfigMap>): string[] {
  const log: string[] = [];
  informer
    .onAdd((o) => log.push(`add ${keyOf(o)} ${o.data?.['v'] ?? ''}`))
    .onUpdate((a, b) => log.push(`update ${keyOf(b)} ${a.data?.['v'] ?? ''}->${b.data?.['v'] ?? ''}`))
    .onDelete((o) => log.push(`delete ${keyOf(o)}`));
  return log;
}

describe('Informer', () => {
  it('syncs a list into the cache, then follows the watch', async () => {
    await client.create('ConfigMap', cm('a'));
    await client.create('ConfigMap', cm('b', '1', 'other'));
    const informer = new Informer<ConfigMap>(client, 'ConfigMap');
    const log = recording(informer);
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    await informer.waitForSync();
    expect(informer.hasSynced()).toBe(true);
    expect(log.sort()).toEqual(['add default/a 1', 'add other/b 1']);
    expect(informer.get('other', 'b')?.data).toEqual({ v: '1' });
    const a = await client.get<ConfigMap>('ConfigMap', 'default', 'a');
    await client.update('ConfigMap', { ...a, data: { v: '2' } });
    await client.delete('ConfigMap', 'other', 'b');
    await until(() => log.length === 4);
    expect(log.slice(2)).toEqual(['update default/a 1->2', 'delete other/b']);
    expect(informer.keys()).toEqual(['default/a']);
    await informer.stop();
  });

  it('relists after 410 Expired and reconciles: no event lost, none repeated', async () => {
    await client.create('ConfigMap', cm('keep'));
    await client.create('ConfigMap', cm('change'));
    await client.create('ConfigMap', cm('gone'));
    const informer = new Informer<ConfigMap>(client, 'ConfigMap', { namespace: 'default' });
    const log = recording(informer);
    await informer.start().waitForSync();
    expect(log).toHaveLength(3);
    log.length = 0;

    // Changes made while the watch is down and its revision compacted away.
    await server.stop();
    await server.restart();
    server.failNext('Watch', Status.UNAVAILABLE, 1);
    const change = await client.get<ConfigMap>('ConfigMap', 'default', 'change');
    await client.update('ConfigMap', { ...change, data: { v: '2' } });
    await client.delete('ConfigMap', 'default', 'gone');
    await client.create('ConfigMap', cm('new'));
    server.store.compact();
    await until(() => log.length === 3);
    expect(log.sort()).toEqual(['add default/new 1', 'delete default/gone', 'update default/change 1->2']);

    // A 410 on a live watch relists; an unchanged world delivers nothing.
    log.length = 0;
    const lists = server.calls.get('List') ?? 0;
    await until(() => server.openWatches === 1);
    server.expireWatches();
    await until(() => (server.calls.get('List') ?? 0) > lists && server.openWatches === 1);
    await client.create('ConfigMap', cm('later'));
    await until(() => log.length === 1);
    expect(log).toEqual(['add default/later 1']);
    expect(informer.list().map(keyOf).sort()).toEqual(['default/change', 'default/keep', 'default/later', 'default/new']);
    await informer.stop();
  });

  it('keeps going when a handler throws, and resyncs on a period', async () => {
    await client.create('ConfigMap', cm('a'));
    const informer = new Informer<ConfigMap>(client, 'ConfigMap', { resyncPeriodMs: 50 });
    let updates = 0;
    informer.onAdd(() => {
      throw new Error('handler bug');
    });
    informer.onUpdate((a, b) => {
      if (a === b) updates++;
    });
    await informer.start().waitForSync();
    await until(() => updates >= 2);
    await client.create('ConfigMap', cm('b'));
    await until(() => informer.get('default', 'b') !== undefined);
    await informer.stop();
  });

  it('stop() releases waiters even before sync', async () => {
    await server.stop();
    const informer = new Informer<ConfigMap>(client, 'ConfigMap').start();
    const waiting = informer.waitForSync();
    await informer.stop();
    await waiting;
    expect(informer.hasSynced()).toBe(false);
  });
});

describe('InformerFactory and modify', () => {
  it('shares one informer per kind and filter, replaying the cache to late handlers', async () => {
    const { InformerFactory } = await import('./factory.js');
    await client.create('ConfigMap', cm('a'));
    const factory = new InformerFactory(client);
    const first = factory.informer<ConfigMap>('ConfigMap');
    expect(factory.informer('configmaps')).toBe(first);
    expect(factory.informer('ConfigMap', { namespace: 'x' })).not.toBe(first);
    await factory.start().waitForSync();
    const late: string[] = [];
    first.onAdd((o) => late.push(keyOf(o)));
    expect(late).toEqual(['default/a']);
    expect(server.calls.get('List')).toBe(2); // two informers, not three
    await factory.stop();
  });

  it('modify retries a read-modify-write on conflict', async () => {
    const { modify } = await import('./conflict.js');
    await client.create('ConfigMap', cm('m'));
    let calls = 0;
    const result = await modify<ConfigMap>(client, 'ConfigMap', 'default', 'm', (o) => {
      calls++;
      if (calls === 1) {
        // A concurrent writer gets in between our read and our write.
        server.store.update(kindOf('ConfigMap'), cm('m', 'other'));
      }
      o.data = { ...o.data, mine: 'yes' };
    });
    expect(calls).toBe(2);
    expect(result.data).toEqual({ v: 'other', mine: 'yes' });
    expect(await modify<ConfigMap>(client, 'ConfigMap', 'default', 'm', () => false)).toMatchObject({ data: { mine: 'yes' } });
  });
});
