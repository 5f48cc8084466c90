import { status as Status } from '@grpc/grpc-js';
import { AlreadyExistsError, ConflictError, InvalidError, kindOf, NotFoundError, UnavailableError, type ConfigMap, type Pod } from '@tsk/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type ApiClient } from './client.js';
import { FakeObjectsServer } from './fake-server.js';

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

const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({ metadata: { name, namespace: 'default' }, data });

describe('ApiClient', () => {
  it('creates, gets, lists, updates and deletes typed objects', async () => {
    const created = await client.create('ConfigMap', cm('a', { k: 'v' }));
    expect(created.metadata?.uid).not.toBe('');
    const got = await client.get<ConfigMap>('cm', 'default', 'a');
    expect(got.data).toEqual({ k: 'v' });
    await client.create('configmaps', cm('b'));
    const list = await client.list<ConfigMap>('ConfigMap', { namespace: 'default' });
    expect(list.items.map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(Number(list.resourceVersion)).toBeGreaterThan(0);
    const updated = await client.update('ConfigMap', { ...got, data: { k: 'w' } });
    expect(updated.data).toEqual({ k: 'w' });
    const deleted = await client.delete<ConfigMap>('ConfigMap', 'default', 'a');
    expect(deleted.metadata?.name).toBe('a');
    await expect(client.get('ConfigMap', 'default', 'a')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('maps gRPC statuses to typed errors', async () => {
    const first = await client.create('ConfigMap', cm('a'));
    await expect(client.create('ConfigMap', cm('a'))).rejects.toBeInstanceOf(AlreadyExistsError);
    await client.update('ConfigMap', { ...first, data: { x: '1' } });
    // `first` carries a stale resourceVersion now.
    const stale = client.update('ConfigMap', { ...first, data: { x: '2' } });
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(client.create('ConfigMap', cm('Bad_Name'))).rejects.toBeInstanceOf(InvalidError);
    await expect(client.get('nonsense', 'default', 'x')).rejects.toThrow(/unknown kind "nonsense"/);
    const err = await client.get('Pod', 'default', 'nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe('pods "nope" not found');
  });

  it('retries idempotent calls on UNAVAILABLE, not writes', async () => {
    await client.create('ConfigMap', cm('a'));
    server.failNext('Get', Status.UNAVAILABLE, 2);
    await expect(client.get('ConfigMap', 'default', 'a')).resolves.toBeDefined();
    expect(server.calls.get('Get')).toBe(3);
    server.failNext('Create', Status.UNAVAILABLE, 1);
    await expect(client.create('ConfigMap', cm('b'))).rejects.toBeInstanceOf(UnavailableError);
    expect(server.calls.get('Create')).toBe(2);
  });

  it('surfaces an unreachable server as UnavailableError naming it', async () => {
    const address = server.address;
    await server.stop();
    const err = await client.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toContain(address);
  });

  it('rides out a server restart on reads', async () => {
    await client.create('ConfigMap', cm('a'));
    await server.stop();
    const pending = client.get('ConfigMap', 'default', 'a').catch(() => undefined);
    setTimeout(() => void server.restart(), 30);
    const slow = connect(server.address, { retry: { initialMs: 50, maxMs: 100, maxAttempts: 20 } });
    await expect(slow.get('ConfigMap', 'default', 'a')).resolves.toBeDefined();
    await pending;
    slow.close();
  });

  it('applies in one request and reports created, unchanged and configured', async () => {
    const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const first = await client.apply([{ info: kindOf('Pod'), object: pod }, { info: kindOf('ConfigMap'), object: cm('a') }]);
    expect(first.map((r) => `${r.info.kind}/${r.action}`)).toEqual(['Pod/created', 'ConfigMap/created']);
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';
    expect((await client.applyManifest(manifest))[0]?.action).toBe('unchanged');
    const changed = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n';
    expect((await client.applyManifest(changed, { dryRun: true }))[0]?.action).toBe('configured');
    expect((await client.get<ConfigMap>('cm', 'default', 'a')).data).toEqual({});
  });

  it('honours an AbortSignal and reports the version', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(client.version({ signal: ac.signal })).rejects.toThrow('stop');
    expect((await client.version()).version).toBe('v0.0.0-fake');
  });
});
