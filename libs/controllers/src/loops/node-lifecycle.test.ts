import { type KindObject, type Lease, type Node, type Pod } from '@tsk/api';
import { silentLogger } from '@tsk/log';
import { describe, expect, it } from 'vitest';
import { type Action, actionsOf } from '../actions.js';
import { DEFAULT_NODE_LIFECYCLE_SETTINGS } from '../nodelifecycle/settings.js';
import { at, lease, node, pod, stamp } from '../testing/builders.js';
import { NodeLifecyclePass } from './node-lifecycle.js';

const NS = 'kube-node-lease';

/** The part of an Informer the pass uses, driven by hand. */
class FakeInformer<T extends KindObject> {
  readonly cache = new Map<string, T>();
  private readonly adds: ((o: T) => void)[] = [];
  private readonly updates: ((old: T, o: T) => void)[] = [];
  private readonly deletes: ((o: T) => void)[] = [];

  onAdd(h: (o: T) => void): this {
    this.adds.push(h);
    return this;
  }
  onUpdate(h: (old: T, o: T) => void): this {
    this.updates.push(h);
    return this;
  }
  onDelete(h: (o: T) => void): this {
    this.deletes.push(h);
    return this;
  }
  get(namespace: string, name: string): T | undefined {
    return this.cache.get(namespace === '' ? name : `${namespace}/${name}`);
  }
  list(): T[] {
    return [...this.cache.values()];
  }
  put(o: T): void {
    const ns = o.metadata?.namespace ?? '';
    const key = ns === '' ? (o.metadata?.name ?? '') : `${ns}/${o.metadata?.name ?? ''}`;
    const old = this.cache.get(key);
    this.cache.set(key, o);
    if (old === undefined) for (const h of this.adds) h(o);
    else for (const h of this.updates) h(old, o);
  }
}

function leaseAt(name: string, ms: number): Lease {
  return { ...lease(name, 0), metadata: { name, namespace: NS }, spec: { holderIdentity: name, renewTime: new Date(ms).toISOString() } };
}

/** A pass over fake informers, a hand-moved clock and a server whose Leases are `live`. */
function setup(): {
  pass: NodeLifecyclePass;
  nodes: FakeInformer<Node>;
  leases: FakeInformer<Lease>;
  pods: FakeInformer<Pod>;
  live: Map<string, Lease>;
  clock: { now: number };
  wakes: () => number;
  renew: (name: string) => void;
} {
  const nodes = new FakeInformer<Node>();
  const leases = new FakeInformer<Lease>();
  const pods = new FakeInformer<Pod>();
  const live = new Map<string, Lease>();
  const clock = { now: at(0) };
  let wakes = 0;
  const client = {
    get: <T,>(_kind: string, _ns: string, name: string): Promise<T> => {
      const l = live.get(name);
      return l === undefined ? Promise.reject(new Error('not found')) : Promise.resolve(l as T);
    },
  } as unknown as ConstructorParameters<typeof NodeLifecyclePass>[0]['client'];
  const pass = new NodeLifecyclePass({
    client,
    logger: silentLogger(),
    nodes,
    leases,
    pods,
    leaseNamespace: NS,
    settings: DEFAULT_NODE_LIFECYCLE_SETTINGS,
    wake: () => wakes++,
    clock: () => clock.now,
  });
  const renew = (name: string): void => {
    const l = leaseAt(name, clock.now);
    live.set(name, l);
    leases.put(l);
  };
  return { pass, nodes, leases, pods, live, clock, wakes: () => wakes, renew };
}

function applyToNodes(nodes: FakeInformer<Node>, actions: readonly Action[]): void {
  for (const a of actions) {
    const n = a.type === 'SetNodeConditions' || a.type === 'SetNodeTaints' ? nodes.get('', a.name) : undefined;
    if (n === undefined) continue;
    if (a.type === 'SetNodeConditions') nodes.put({ ...n, status: { ...n.status, conditions: [...a.conditions] } });
    if (a.type === 'SetNodeTaints') nodes.put({ ...n, spec: { ...n.spec, taints: [...a.taints] } });
  }
}

describe('NodeLifecyclePass', () => {
  it('does not wake on the Lease renewals of healthy nodes, yet a silent node still goes Unknown', async () => {
    const s = setup();
    s.nodes.put(node('n1'));
    s.nodes.put(node('n2'));
    s.renew('n1');
    s.renew('n2');
    s.pods.put(pod('a', { node: 'n1', readyAt: 0 }));
    s.pods.put(pod('b', { node: 'n2', readyAt: 0 }));
    expect(actionsOf(await s.pass.reconcile(s.clock.now), 'SetNodeConditions')).toEqual([]);
    const woken = s.wakes();
    // n2 renews every 2 s for 12 s; n1 stays silent. No renewal wakes the pass.
    for (let t = 2; t <= 12; t += 2) {
      s.clock.now = at(t);
      s.renew('n2');
    }
    expect(s.wakes()).toBe(woken);
    // The periodic pass (the live Lease agrees with the cache) calls n1 dead, and n1 only.
    const actions = await s.pass.reconcile(s.clock.now);
    expect(actionsOf(actions, 'SetNodeConditions').map((a) => a.name)).toEqual(['n1']);
    expect(actionsOf(actions, 'SetNodeTaints').map((a) => [a.name, a.taints])).toEqual([['n1', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: stamp(12) }]]]);
    expect(actionsOf(actions, 'MarkPodNotReady').map((a) => a.name)).toEqual(['a']);
  });

  it('comes back when the next grace period runs out', async () => {
    const s = setup();
    s.nodes.put(node('n1'));
    s.renew('n1');
    s.clock.now = at(3);
    s.renew('n1');
    expect(actionsOf(await s.pass.reconcile(at(4)), 'RequeueAfter')).toEqual([{ type: 'RequeueAfter', ms: 7000 }]);
  });

  it('reads the Lease live before calling a node dead: a lagging cache kills nothing', async () => {
    const s = setup();
    s.nodes.put(node('n1'));
    s.nodes.put(node('n2'));
    s.renew('n1');
    s.renew('n2');
    s.clock.now = at(9);
    s.renew('n2');
    // n1 renewed at 9 s, but the watch has not delivered it.
    s.live.set('n1', leaseAt('n1', at(9)));
    const actions = await s.pass.reconcile(s.clock.now);
    expect(actionsOf(actions, 'SetNodeConditions')).toEqual([]);
    // That renewal counts from when it was read: n1 is silent again only 8 s later.
    s.clock.now = at(16);
    s.renew('n2');
    expect(actionsOf(await s.pass.reconcile(s.clock.now), 'SetNodeConditions')).toEqual([]);
    s.clock.now = at(17);
    s.renew('n2');
    expect(actionsOf(await s.pass.reconcile(s.clock.now), 'SetNodeConditions').map((a) => a.name)).toEqual(['n1']);
  });

  it('wakes on the renewal of a node it marked down, and then makes it Ready again', async () => {
    const s = setup();
    s.nodes.put(node('n1'));
    s.nodes.put(node('n2'));
    s.renew('n1');
    s.renew('n2');
    s.clock.now = at(10);
    s.renew('n2');
    applyToNodes(s.nodes, await s.pass.reconcile(s.clock.now));
    expect(s.nodes.get('', 'n1')?.status?.conditions?.[0]?.status).toBe('Unknown');
    const woken = s.wakes();
    s.clock.now = at(11);
    s.renew('n1');
    expect(s.wakes()).toBe(woken + 1);
    const actions = await s.pass.reconcile(s.clock.now);
    expect(actionsOf(actions, 'SetNodeConditions')[0]?.conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });
    expect(actionsOf(actions, 'SetNodeTaints')).toEqual([{ type: 'SetNodeTaints', name: 'n1', taints: [] }]);
  });

  it('wakes on the first renewal after silence, before the pass has marked the node', () => {
    const s = setup();
    s.nodes.put(node('n1'));
    s.renew('n1');
    const woken = s.wakes();
    s.clock.now = at(20);
    s.renew('n1');
    expect(s.wakes()).toBe(woken + 1);
  });

  it('takes a node status rewrite that only moves the heartbeat as a renewal; a new taint wakes it', async () => {
    const s = setup();
    const beat = (n: Node, seconds: number): Node => ({ ...n, status: { conditions: [{ ...n.status!.conditions![0]!, lastHeartbeatTime: stamp(seconds) }] } });
    s.nodes.put(node('n1'));
    s.nodes.put(node('n2'));
    s.renew('n1');
    s.renew('n2');
    const woken = s.wakes();
    // n1's Lease is never renewed, but its agent rewrites the node's status every 4 s.
    for (let t = 4; t <= 12; t += 4) {
      s.clock.now = at(t);
      s.renew('n2');
      s.nodes.put(beat(s.nodes.get('', 'n1')!, t));
    }
    expect(s.wakes()).toBe(woken);
    expect(actionsOf(await s.pass.reconcile(s.clock.now), 'SetNodeConditions')).toEqual([]);
    const n1 = s.nodes.get('', 'n1')!;
    s.nodes.put({ ...n1, spec: { taints: [{ key: 'maintenance', effect: 'NoExecute', timeAdded: stamp(12) }] } });
    expect(s.wakes()).toBe(woken + 1);
  });

  it('evicts the pods of a dead node after their toleration, including pods bound late', async () => {
    const s = setup();
    s.nodes.put(node('n1'));
    s.nodes.put(node('n2'));
    s.renew('n1');
    s.renew('n2');
    s.pods.put(pod('a', { node: 'n1', readyAt: 0 }));
    // Bound later: the index follows the pod from "no node" to n1.
    const late = pod('late', { readyAt: 0 });
    s.pods.put(late);
    s.pods.put({ ...late, spec: { ...late.spec, nodeName: 'n1' } });
    s.pods.put(pod('b', { node: 'n2', readyAt: 0 }));
    s.clock.now = at(10);
    s.renew('n2');
    applyToNodes(s.nodes, await s.pass.reconcile(s.clock.now));
    s.clock.now = at(14);
    s.renew('n2');
    const early = await s.pass.reconcile(s.clock.now);
    expect(actionsOf(early, 'DeletePod')).toEqual([]);
    expect(actionsOf(early, 'RequeueAfter')).toEqual([{ type: 'RequeueAfter', ms: 1000 }]);
    s.clock.now = at(15);
    expect(actionsOf(await s.pass.reconcile(s.clock.now), 'DeletePod').map((a) => a.name).sort()).toEqual(['a', 'late']);
  });

  it('holds evictions while every node is down', async () => {
    const s = setup();
    s.nodes.put(node('n1'));
    s.nodes.put(node('n2'));
    s.renew('n1');
    s.renew('n2');
    s.pods.put(pod('a', { node: 'n1', readyAt: 0 }));
    s.clock.now = at(10);
    applyToNodes(s.nodes, await s.pass.reconcile(s.clock.now));
    s.clock.now = at(60);
    expect(actionsOf(await s.pass.reconcile(s.clock.now), 'DeletePod')).toEqual([]);
  });
});
