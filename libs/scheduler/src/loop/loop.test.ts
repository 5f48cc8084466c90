import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Event, type Node, type Pod } from '@tsk/api';
import { connect, FakeObjectsServer, type ApiClient } from '@tsk/client';
import { silentLogger } from '@tsk/log';
import { SchedulerLoop } from './loop.js';

let server: FakeObjectsServer;
let client: ApiClient;
const loops: SchedulerLoop[] = [];

function node(name: string, cpu: string, pods = '110'): Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: { capacity: { cpu, memory: '4Gi', pods }, allocatable: { cpu, memory: '4Gi', pods }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(name: string, cpu = '100m', priority?: number): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu } } }], ...(priority !== undefined ? { priority } : {}) },
  };
}

async function until<T>(what: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function start(): Promise<SchedulerLoop> {
  const loop = new SchedulerLoop({ client, logger: silentLogger() });
  loops.push(loop);
  await loop.start();
  return loop;
}

beforeEach(async () => {
  server = await FakeObjectsServer.start();
  client = connect(server.address, { retry: { initialMs: 10, maxMs: 50 } });
});

afterEach(async () => {
  for (const l of loops.splice(0)) await l.stop();
  client.close();
  await server.stop();
});

describe('SchedulerLoop', () => {
  it('binds every pending pod within the nodes’ capacity and records Scheduled events', async () => {
    for (let i = 0; i < 4; i++) await client.create('Node', node(`n${i}`, '1', '3'));
    const loop = await start();
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.create('Pod', pod(`p${i}`))));
    const bound = await until(async () => {
      const { items } = await client.list<Pod>('Pod');
      return items.every((p) => (p.spec?.nodeName ?? '') !== '') ? items : undefined;
    });
    const perNode = new Map<string, number>();
    for (const p of bound) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    expect([...perNode.values()].every((n) => n === 3)).toBe(true);
    expect(loop.metrics().bound).toBe(12);
    await loop.flushEvents();
    const events = (await client.list<Event>('Event')).items;
    expect(events.filter((e) => e.reason === 'Scheduled')).toHaveLength(12);
  });

  it('marks an unschedulable pod and binds it once a big enough node appears', async () => {
    await client.create('Node', node('small', '1'));
    const loop = await start();
    await client.create('Pod', pod('big', '4'));
    const marked = await until(async () => {
      const p = await client.get<Pod>('Pod', 'default', 'big');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(marked.reason).toBe('Unschedulable');
    expect(marked.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');
    await loop.flushEvents();
    await client.create('Node', node('large', '8'));
    const placed = await until(async () => {
      const p = await client.get<Pod>('Pod', 'default', 'big');
      return p.spec?.nodeName !== undefined && p.spec.nodeName !== '' ? p.spec.nodeName : undefined;
    }, 3_000); // well under the backoff: the node's arrival wakes it
    expect(placed).toBe('large');
  });

  it('records FailedScheduling on every retry of a pod as one Event whose count grows', async () => {
    await client.create('Node', node('small', '1'));
    const loop = await start();
    await client.create('Pod', pod('big', '4'));
    const failed = async (): Promise<Event[]> => (await client.list<Event>('Event', { namespace: 'default' })).items.filter((e) => e.reason === 'FailedScheduling');
    await until(async () => ((await failed()).length > 0 ? true : undefined));
    // A node update wakes the unschedulable pod; the same verdict again is the same Event.
    for (let i = 0; i < 3; i++) {
      const n = await client.get<Node>('Node', '', 'small');
      await client.update<Node>('Node', { ...n, metadata: { ...n.metadata, labels: { ...n.metadata?.labels, round: String(i) } } });
      await until(async () => ((await failed())[0]?.count ?? 0) >= i + 2 ? true : undefined);
      await loop.flushEvents();
    }
    const events = await failed();
    expect(events).toHaveLength(1);
    expect(events[0]?.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('schedules higher priority first when capacity is short', async () => {
    await client.create('Node', node('only', '1', '1'));
    await client.create('Pod', pod('low', '100m', 0));
    await client.create('Pod', pod('high', '100m', 1000));
    await start();
    const winner = await until(async () => {
      const { items } = await client.list<Pod>('Pod');
      return items.find((p) => (p.spec?.nodeName ?? '') !== '')?.metadata?.name;
    });
    expect(winner).toBe('high');
  });

  it('leaves a pod that someone else bound and ignores pods of other schedulers', async () => {
    await client.create('Node', node('n0', '4'));
    const other = pod('theirs');
    other.spec!.schedulerName = 'other-scheduler';
    await client.create('Pod', other);
    await start();
    await client.create('Pod', pod('mine'));
    await until(async () => ((await client.get<Pod>('Pod', 'default', 'mine')).spec?.nodeName ?? '') !== '' || undefined);
    expect((await client.get<Pod>('Pod', 'default', 'theirs')).spec?.nodeName ?? '').toBe('');
  });
});
