import { status } from '@grpc/grpc-js';
import { AlreadyExistsError, NotFoundError, UnavailableError, type ConfigMap } from '@tsk/api';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_WRITES_PER_CALL } from './batcher.js';
import { connect, type ApiClient } from './client.js';
import { FakeObjectsServer, type FakeServerOptions } from './fake-server.js';

let server: FakeObjectsServer | undefined;
let client: ApiClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.stop();
  client = undefined;
  server = undefined;
});

async function start(options: FakeServerOptions = {}, batchWrites = true): Promise<{ server: FakeObjectsServer; client: ApiClient }> {
  server = await FakeObjectsServer.start(options);
  client = connect(server.address, { batchWrites });
  return { server, client };
}

const cm = (name: string, data: Record<string, string> = { a: '1' }): ConfigMap => ({ metadata: { name, namespace: 'default' }, data });

describe('write batching', () => {
  it('sends the writes issued together as one Batch call, each with its own result', async () => {
    const { server, client } = await start();
    await client.create('ConfigMap', cm('taken'));
    const writes = [
      client.create('ConfigMap', cm('a')),
      client.create('ConfigMap', cm('b', { b: '2' })),
      client.create('ConfigMap', cm('taken')),
      client.delete('ConfigMap', 'default', 'missing'),
    ];
    const settled = await Promise.allSettled(writes);
    expect(server.calls.get('Batch')).toBe(1);
    expect(server.calls.get('Create')).toBe(4); // the lone first create, then three in the batch
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { metadata: { name: 'a' } } });
    expect(settled[1]).toMatchObject({ status: 'fulfilled', value: { data: { b: '2' } } });
    expect(settled[2]).toMatchObject({ status: 'rejected' });
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(AlreadyExistsError);
    expect((settled[3] as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundError);
    expect((await client.list<ConfigMap>('ConfigMap', { namespace: 'default' })).items.map((c) => c.metadata?.name).sort()).toEqual(['a', 'b', 'taken']);
  });

  it('sends a write issued alone as its own unary call', async () => {
    const { server, client } = await start();
    await client.create('ConfigMap', cm('alone'));
    await client.update('ConfigMap', { ...cm('alone'), data: { a: '2' } });
    expect(server.calls.get('Batch')).toBeUndefined();
    expect(server.calls.get('Update')).toBe(1);
  });

  it('splits more writes than one call may carry into several calls', async () => {
    const { server, client } = await start();
    const n = MAX_WRITES_PER_CALL * 2 + 10;
    const created = await Promise.all(Array.from({ length: n }, (_, i) => client.create('ConfigMap', cm(`many-${i}`))));
    expect(created.map((c) => c.metadata?.name)).toEqual(Array.from({ length: n }, (_, i) => `many-${i}`));
    expect(server.calls.get('Batch')).toBeGreaterThanOrEqual(3);
    expect(server.store.revision).toBeGreaterThanOrEqual(n);
  });

  it('splits writes into calls of at most 4 MiB, so big objects still go together', async () => {
    const { server, client } = await start();
    const big = 'x'.repeat(900 * 1024);
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => client.create('ConfigMap', cm(`big-${i}`, { big }))));
    expect(created.every((c) => c.data?.['big']?.length === big.length)).toBe(true);
    // 12 objects of 0.9 MiB: four to a call under the 4 MiB cap (the fake server, like grpc's
    // default, refuses messages over 4 MiB).
    expect(server.calls.get('Batch')).toBeGreaterThanOrEqual(3);
  });

  it('fails every write of a batch whose call fails, with the typed error', async () => {
    const { server, client } = await start();
    server.failNext('Batch', status.UNAVAILABLE);
    const settled = await Promise.allSettled([client.create('ConfigMap', cm('x')), client.create('ConfigMap', cm('y'))]);
    for (const s of settled) expect((s as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
  });

  it('falls back to one call per write on a server without Batch, and stays there', async () => {
    const { server, client } = await start({ batch: false });
    const first = await Promise.all([client.create('ConfigMap', cm('p')), client.create('ConfigMap', cm('q'))]);
    expect(first.map((c) => c.metadata?.name)).toEqual(['p', 'q']);
    await Promise.all([client.create('ConfigMap', cm('r')), client.create('ConfigMap', cm('s'))]);
    expect(server.calls.get('Batch')).toBe(1);
    expect(server.calls.get('Create')).toBe(4);
  });

  it('rejects an aborted write at once and keeps the others', async () => {
    const { client } = await start();
    const abort = new AbortController();
    const kept = client.create('ConfigMap', cm('kept'));
    const dropped = client.create('ConfigMap', cm('dropped'), { signal: abort.signal });
    abort.abort(new Error('caller gave up'));
    await expect(dropped).rejects.toThrow('caller gave up');
    await expect(kept).resolves.toMatchObject({ metadata: { name: 'kept' } });
  });

  it('can be turned off', async () => {
    const { server, client } = await start({}, false);
    await Promise.all([client.create('ConfigMap', cm('u')), client.create('ConfigMap', cm('v'))]);
    expect(server.calls.get('Batch')).toBeUndefined();
    expect(server.calls.get('Create')).toBe(2);
  });
});
