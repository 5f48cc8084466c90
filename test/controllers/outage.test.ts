/**
 * A server outage is not a node outage. tsk-server is killed and stays down longer than the node
 * grace period while the agents keep running (they cannot renew their leases meanwhile); when it
 * comes back, no node may be called dead and no pod evicted: the node lifecycle times heartbeats
 * by its own clock, from when it first sees them, so every node gets a full grace period to
 * renew, and clients redial a lost server at most 2 s apart. (Timing silence by the leases'
 * renewTime would call every node dead on the first pass.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Event, type Node, type Pod } from '@tsk/api';
import { deployment, podsOf, runningPods, startCluster, type Cluster } from './cluster.js';

const GRACE_MS = 8_000;

describe('server outage', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
    await cluster.addAgent('stay', 2);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('calls no node dead and evicts nothing after tsk-server was down longer than the grace period', async () => {
    const { client, server } = cluster;
    await client.create('Deployment', deployment('outage', 4));
    const before = await runningPods(client, 'outage', 4);

    await server.kill9();
    // 20 s: long enough that gRPC's default redial backoff (1.6x per try, up to 120 s) would leave
    // the agents away for more than the grace period after the server is back.
    await new Promise((r) => setTimeout(r, GRACE_MS + 12_000));
    await server.start();

    // Watch the nodes through the first grace period after the restart and a bit more.
    const seen = new Set<string>();
    const until = Date.now() + GRACE_MS + 3_000;
    while (Date.now() < until) {
      const nodes = await client.list<Node>('Node').then((l) => l.items).catch(() => [] as Node[]);
      for (const n of nodes) seen.add(`${n.metadata?.name ?? ''}=${n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? ''}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect([...seen].sort()).toEqual(['stay-0=True', 'stay-1=True']);
    const after = await podsOf(client, 'outage');
    expect(after.map((p) => p.metadata?.uid).sort()).toEqual(before.map((p) => p.metadata?.uid).sort());
    expect(after.every((p: Pod) => p.status?.phase === 'Running')).toBe(true);
    const events = (await client.list<Event>('Event')).items.filter((e) => e.reason === 'NodeNotReady' || e.reason === 'TaintManagerEviction');
    expect(events).toEqual([]);
  });
});
