/**
 * Two schedulers against one tsk-server (its own scheduler off): with leader election only one
 * schedules, so a stream of pods onto nodes that hold one pod each never double-books a node,
 * and the standby takes over when the leader stops. Without leader election the bind's
 * compare-and-swap still binds every pod exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pod } from '@tsk/api';
import { connect, Informer, type ApiClient } from '@tsk/client';
import { silentLogger } from '@tsk/log';
import { SchedulerLoop } from '@tsk/scheduler';
import { startServer, type ServerProcess } from '../apiserver/harness.js';
import { eventually, startAgent, type AgentProcess } from './agents.js';

let server: ServerProcess;
let client: ApiClient;
const agents: AgentProcess[] = [];
const loops: SchedulerLoop[] = [];
const clients: ApiClient[] = [];

function pod(name: string, namespace = 'default'): Pod {
  return { metadata: { name, namespace }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '100m' } } }] } };
}

function loop(identity: string | undefined, seed = 1): SchedulerLoop {
  const c = connect(server.grpcAddress);
  clients.push(c);
  const l = new SchedulerLoop({
    client: c,
    logger: silentLogger(),
    seed,
    ...(identity !== undefined ? { leaderElection: { identity, leaseDurationSeconds: 4, retryPeriodMs: 300 } } : {}),
  });
  loops.push(l);
  return l;
}

async function podsIn(namespace: string): Promise<Pod[]> {
  return (await client.list<Pod>('Pod', { namespace })).items;
}

function perNode(pods: readonly Pod[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of pods) if ((p.spec?.nodeName ?? '') !== '') counts.set(p.spec!.nodeName!, (counts.get(p.spec!.nodeName!) ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  server = await startServer({ args: ['--no-scheduler', '--no-node-lifecycle'] });
  client = connect(server.grpcAddress);
  agents.push(await startAgent(server.grpcAddress, ['--hollow', '20', '--node-name', 'one', '--capacity', 'cpu=2,memory=4Gi,pods=1']));
});

afterAll(async () => {
  for (const l of loops) await l.stop();
  for (const c of clients) c.close();
  for (const a of agents) await a.kill9();
  client?.close();
  await server?.stop();
});

describe('two schedulers', () => {
  it('never double-book a node, and the standby takes over from a stopped leader', async () => {
    const a = loop('scheduler-a');
    const b = loop('scheduler-b');
    await Promise.all([a.start(), b.start()]);
    // A stream of 30 pods for 20 one-pod nodes, while both loops run.
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(Array.from({ length: 5 }, (_, i) => client.create('Pod', pod(`s-${batch * 5 + i}`))));
      await new Promise((r) => setTimeout(r, 50));
    }
    const settled = await eventually(async () => {
      const pods = await podsIn('default');
      const bound = pods.filter((p) => (p.spec?.nodeName ?? '') !== '');
      const marked = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
      return bound.length === 20 && marked.length === 10 ? pods : undefined;
    }, 30_000, '20 bound and 10 unschedulable');
    expect(Math.max(...perNode(settled).values())).toBe(1);
    const unschedulable = settled.find((p) => (p.spec?.nodeName ?? '') === '');
    expect(unschedulable?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toBe('0/20 nodes are available: 20 Too many pods.');
    const [leader, standby] = a.metrics().bound > 0 ? [a, b] : [b, a];
    expect(leader.metrics().bound).toBe(20);
    expect(standby.metrics().bound).toBe(0);

    await leader.stop(); // releases the lease
    agents.push(await startAgent(server.grpcAddress, ['--hollow', '10', '--node-name', 'more', '--capacity', 'cpu=2,memory=4Gi,pods=1']));
    const all = await eventually(async () => {
      const pods = await podsIn('default');
      return pods.every((p) => (p.spec?.nodeName ?? '') !== '') ? pods : undefined;
    }, 30_000, 'the standby to place the rest');
    expect(Math.max(...perNode(all).values())).toBe(1);
    // A list can show a binding before its bind call has returned to the scheduler (a read sees
    // a commit before the writer is answered), so wait for the answers rather than race them.
    await eventually(async () => (standby.metrics().bound >= 10 ? true : undefined), 10_000, 'the standby to hear back from its binds');
    expect(standby.metrics().bound).toBe(10);
    await standby.stop();
  });

  it('bind each pod exactly once without leader election (the compare-and-swap)', async () => {
    await client.create('Namespace', { metadata: { name: 'race' } });
    agents.push(await startAgent(server.grpcAddress, ['--hollow', '5', '--node-name', 'wide', '--capacity', 'cpu=64,memory=64Gi,pods=200']));
    // Every node a pod was ever seen on: a pod bound twice would show two.
    const seenOn = new Map<string, Set<string>>();
    const watcher = new Informer<Pod>(client, 'Pod', { namespace: 'race' });
    const note = (p: Pod): void => {
      const node = p.spec?.nodeName ?? '';
      if (node === '') return;
      const name = p.metadata?.name ?? '';
      seenOn.set(name, new Set([...(seenOn.get(name) ?? []), node]));
    };
    watcher.onAdd(note).onUpdate((_o, p) => note(p)).start();
    await watcher.waitForSync();
    const x = loop(undefined, 1);
    const y = loop(undefined, 2);
    await Promise.all([x.start(), y.start()]);
    await Promise.all(Array.from({ length: 200 }, (_, i) => client.create('Pod', pod(`r-${i}`, 'race'))));
    await eventually(async () => ((await podsIn('race')).every((p) => (p.spec?.nodeName ?? '') !== '') ? true : undefined), 30_000, 'all 200 bound');
    await eventually(async () => (seenOn.size === 200 ? true : undefined), 10_000, 'the watcher to see every binding');
    await watcher.stop();
    expect([...seenOn.values()].every((nodes) => nodes.size === 1)).toBe(true);
    // Every bind call answered (the watch can show a binding before its caller hears back).
    await eventually(async () => (x.metrics().bound + x.metrics().bindConflicts + y.metrics().bound + y.metrics().bindConflicts >= 200 && x.metrics().inFlight + y.metrics().inFlight === 0 ? true : undefined), 10_000, 'every bind call to be answered');
    const [mx, my] = [x.metrics(), y.metrics()];
    // Both loops may send the very same binding (same node) at once; the store then acknowledges
    // both (an identical write), which is still one binding. Otherwise one wins and one conflicts.
    expect(mx.bound + my.bound).toBeGreaterThanOrEqual(200);
    expect(mx.bindConflicts + my.bindConflicts).toBeGreaterThan(0);
    process.stdout.write(`two active schedulers: ${mx.bound} + ${my.bound} acknowledged binds, ${mx.bindConflicts + my.bindConflicts} lost compare-and-swaps; every pod on exactly one node\n`);
  });
});
