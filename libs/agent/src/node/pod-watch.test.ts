import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kindOf, type Pod } from '@tsk/api';
import { connect, FakeObjectsServer, type ApiClient } from '@tsk/client';
import { silentLogger } from '@tsk/log';
import { NodePodWatch, type ScannedPod } from './pod-watch.js';

const POD = kindOf('Pod');
let server: FakeObjectsServer;
let client: ApiClient;
let watch: NodePodWatch | undefined;

beforeEach(async () => {
  server = await FakeObjectsServer.start();
  client = connect(server.address, { retry: { maxAttempts: 50, initialMs: 20, maxMs: 100 } });
});

afterEach(async () => {
  await watch?.stop();
  watch = undefined;
  client.close();
  await server.stop();
});

const pod = (name: string, nodeName: string): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...(nodeName !== '' ? { nodeName } : {}) },
});

async function eventually(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function record(): { seen: string[]; gone: string[]; last: Map<string, ScannedPod>; handlers: ConstructorParameters<typeof NodePodWatch>[2] } {
  const seen: string[] = [];
  const gone: string[] = [];
  const last = new Map<string, ScannedPod>();
  return {
    seen,
    gone,
    last,
    handlers: {
      onPod: (p, node) => {
        seen.push(`${p.name}@${node}:${p.phase}`);
        last.set(p.name, p);
      },
      onGone: (p, node) => gone.push(`${p.name}@${node}`),
    },
  };
}

describe('NodePodWatch', () => {
  it('hands over the pods bound to its nodes, each change once, and their deletion', async () => {
    await client.create('Pod', pod('listed', 'a'));
    await client.create('Pod', pod('elsewhere-listed', 'z'));
    const r = record();
    watch = new NodePodWatch(client, ['a', 'b'], r.handlers, silentLogger());
    await watch.start();
    expect(r.seen).toEqual(['listed@a:']);

    await client.create('Pod', pod('unbound', ''));
    await client.create('Pod', pod('other', 'z'));
    const created = await client.create<Pod>('Pod', pod('mine', 'b'));
    await eventually(() => r.seen.length === 2, 'the bound pod');
    expect(r.seen[1]).toBe('mine@b:');
    expect(r.last.get('mine')?.pod()).toEqual(created);

    await client.updateStatus<Pod>('Pod', { ...created, metadata: { ...created.metadata, resourceVersion: '' }, status: { phase: 'Running', podIP: '10.0.0.5' } });
    await eventually(() => r.seen.length === 3, 'the status change');
    expect(r.seen[2]).toBe('mine@b:Running');
    expect(r.last.get('mine')?.podIP).toBe('10.0.0.5');

    await client.delete('Pod', 'default', 'mine');
    await client.delete('Pod', 'default', 'other');
    await eventually(() => r.gone.length === 1, 'the deletion');
    expect(r.gone).toEqual(['mine@b']);
    expect(r.seen).toHaveLength(3);
  });

  it('resumes a dropped stream without repeats, and relists after 410, telling what vanished meanwhile', async () => {
    await client.create('Pod', pod('p1', 'a'));
    await client.create('Pod', pod('p2', 'a'));
    const r = record();
    watch = new NodePodWatch(client, ['a'], r.handlers, silentLogger());
    await watch.start();
    expect(r.seen).toEqual(['p1@a:', 'p2@a:']);

    server.dropWatches();
    await client.create('Pod', pod('p3', 'a'));
    await eventually(() => r.seen.length === 3, 'p3 after the resume');
    expect(r.seen[2]).toBe('p3@a:');

    // The server loses its history while p2 is deleted and p4 created unseen: the resume gets
    // 410 and the relist must report p2 gone and p4 new, and nothing else again.
    await server.stop();
    server.store.delete(POD, 'default', 'p2');
    server.store.create(POD, pod('p4', 'a'));
    server.store.compact();
    await server.restart();
    await eventually(() => r.gone.length === 1 && r.seen.length === 4, 'the relist');
    expect(r.gone).toEqual(['p2@a']);
    expect(r.seen[3]).toBe('p4@a:');
    await client.create('Pod', pod('p5', 'a'));
    await eventually(() => r.seen.length === 5, 'p5 on the new watch');
  });

  it('asks the server to filter when it holds one node', async () => {
    const r = record();
    watch = new NodePodWatch(client, ['solo'], r.handlers, silentLogger());
    await watch.start();
    await client.create('Pod', pod('x', 'other'));
    await client.create('Pod', pod('y', 'solo'));
    await eventually(() => r.seen.length === 1, 'the pod of solo');
    expect(r.seen).toEqual(['y@solo:']);
  });
});
