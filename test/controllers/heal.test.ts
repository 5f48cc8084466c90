/**
 * Self-healing when a node dies: SIGKILL one of two hollow-agent processes and time how long it
 * takes until every replica of a Deployment is Running on the surviving nodes again, with
 * tsk-server's defaults (the controller manager's node lifecycle controller).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Event, type Node, type Pod } from '@tsk/api';
import { deployment, eventually, NS, podsOf, runningPods, startCluster, type Cluster } from './cluster.js';

describe('node loss', () => {
  const label = 'tsk-server defaults';
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
    await cluster.addAgent('keep', 2);
    await cluster.addAgent('lost', 2);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('replaces the pods of a killed node on other nodes within 30 s', async () => {
    const { client } = cluster;
    const replicas = 6;
    await client.create('Deployment', deployment('heal', replicas));
    const before = await runningPods(client, 'heal', replicas, 30_000);
    const lostPods = before.filter((p) => p.spec?.nodeName?.startsWith('lost-'));
    expect(lostPods.length).toBeGreaterThan(0);

    const victim = cluster.agents[1]!;
    const killedAt = Date.now();
    await victim.kill9();

    const healed = await eventually(
      async () => {
        const pods = await podsOf(client, 'heal');
        const ok = pods.length === replicas && pods.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName?.startsWith('keep-') === true);
        return ok ? pods : undefined;
      },
      45_000,
      'replacement pods Running on the surviving nodes',
    );
    const seconds = (Date.now() - killedAt) / 1000;
    console.log(`time to heal (${label}): ${seconds.toFixed(1)} s from SIGKILL to ${replicas}/${replicas} Running on surviving nodes (${lostPods.length} pods replaced)`);
    expect(seconds).toBeLessThan(30);
    expect(healed.filter((p) => !before.some((b) => b.metadata?.uid === p.metadata?.uid)).length).toBe(lostPods.length);

    // The lost nodes are Unknown and tainted unreachable; the evicted pods are terminating there.
    const nodes = (await client.list<Node>('Node')).items.filter((n) => n.metadata?.name?.startsWith('lost-'));
    for (const n of nodes) {
      expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
      expect(n.spec?.taints?.map((t) => `${t.key ?? ''}:${t.effect ?? ''}`)).toContain('node.kubernetes.io/unreachable:NoExecute');
    }
    const stranded = (await client.list<Pod>('Pod', { namespace: NS, labelSelector: 'app=heal' })).items.filter((p) => p.spec?.nodeName?.startsWith('lost-'));
    expect(stranded.every((p) => (p.metadata?.deletionTimestamp ?? '') !== '')).toBe(true);
    // Events for each lost pod: NodeNotReady, then TaintManagerEviction, written by node-controller.
    const lost = new Set(lostPods.map((p) => p.metadata?.uid));
    const events = await eventually(async () => {
      const evs = (await client.list<Event>('Event', { namespace: NS })).items.filter((e) => lost.has(e.involvedObject?.uid));
      return evs.filter((e) => e.reason === 'TaintManagerEviction').length === lost.size ? evs : undefined;
    }, 10_000, 'eviction events');
    expect(events.filter((e) => e.reason === 'NodeNotReady').length).toBe(lost.size);
    expect(events.filter((e) => e.reason === 'NodeNotReady' || e.reason === 'TaintManagerEviction').every((e) => e.source?.component === 'node-controller')).toBe(true);
  });
});
