import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Lease, type Node } from '@tsk/api';
import { connect, FakeObjectsServer, type ApiClient } from '@tsk/client';
import { Heartbeats, heartbeatTickMs } from './heartbeats.js';
import { NODE_LEASE_NAMESPACE } from './lease.js';
import { buildNode, type NodeSpecInput } from './registration.js';

let server: FakeObjectsServer;
let client: ApiClient;

beforeEach(async () => {
  server = await FakeObjectsServer.start();
  client = connect(server.address);
});

afterEach(async () => {
  client.close();
  await server.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function registerNodes(count: number): Promise<{ input: NodeSpecInput; node: Node }[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const input: NodeSpecInput = { name: `n-${i}`, capacity: { cpu: '2' }, podCIDR: `10.244.${i}.0/24`, internalIP: `172.16.0.${i + 1}` };
      return { input, node: await client.create<Node>('Node', buildNode(input, new Date())) };
    }),
  );
}

describe('heartbeatTickMs', () => {
  it('is an eighth of the renewal period, at most 250 ms', () => {
    expect(heartbeatTickMs(2_000)).toBe(250);
    expect(heartbeatTickMs(10_000)).toBe(250);
    expect(heartbeatTickMs(400)).toBe(50);
  });
});

describe('Heartbeats', () => {
  it('renews every lease within its period, grouping each tick into one Batch call', async () => {
    const nodes = await registerNodes(100);
    const periodMs = 400;
    const tickMs = 50;
    const heartbeats = new Heartbeats(client, { leaseDurationSeconds: 8, leaseRenewMs: periodMs, statusUpdateMs: 60_000, tickMs });
    for (const { input, node } of nodes) heartbeats.add(input, node, undefined);
    const start = Date.now();
    heartbeats.start();
    // The first round creates the leases (within one period); then each renewal moves renewTime on.
    await sleep(periodMs + 2 * tickMs);
    const batchesBefore = server.calls.get('Batch') ?? 0;
    const updatesBefore = server.calls.get('Update') ?? 0;
    let oldestSeen = 0;
    const sampleUntil = Date.now() + 4 * periodMs;
    while (Date.now() < sampleUntil) {
      const leases = (await client.list<Lease>('Lease', { namespace: NODE_LEASE_NAMESPACE })).items;
      expect(leases).toHaveLength(100);
      const now = Date.now();
      for (const l of leases) oldestSeen = Math.max(oldestSeen, now - Date.parse(l.spec?.renewTime ?? ''));
      await sleep(37);
    }
    heartbeats.stop();
    const elapsed = Date.now() - start;
    const updates = (server.calls.get('Update') ?? 0) - updatesBefore;
    const batches = (server.calls.get('Batch') ?? 0) - batchesBefore;
    // Every lease renewed once a period: none older than a period plus a tick (and some slack
    // for the fake server's latency), and about 100 renewals per period.
    expect(oldestSeen).toBeLessThanOrEqual(periodMs + tickMs + 100);
    expect(updates).toBeGreaterThanOrEqual(100 * 3);
    // Grouped: at most about one call per tick, each carrying many renewals.
    expect(batches).toBeLessThanOrEqual(Math.ceil(elapsed / tickMs));
    expect(updates / Math.max(1, batches)).toBeGreaterThan(5);
    expect(heartbeats.report().stats.leaseFailures).toBe(0);
  });

  it('rewrites each node status once per status period', async () => {
    const nodes = await registerNodes(20);
    const heartbeats = new Heartbeats(client, { leaseDurationSeconds: 8, leaseRenewMs: 10_000, statusUpdateMs: 300, tickMs: 50 });
    for (const { input, node } of nodes) heartbeats.add(input, node, undefined);
    heartbeats.start();
    await sleep(1_000);
    heartbeats.stop();
    const { stats } = heartbeats.report();
    expect(stats.statusFailures).toBe(0);
    // 20 nodes, a 300 ms period, about 1 s: 3 rounds, give or take one.
    expect(stats.statusUpdates).toBeGreaterThanOrEqual(40);
    expect(stats.statusUpdates).toBeLessThanOrEqual(80);
    const stored = await client.get<Node>('Node', '', 'n-0');
    expect(stored.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});
