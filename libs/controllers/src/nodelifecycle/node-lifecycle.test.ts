import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Lease } from '@tsk/api';
import { actionsOf, mutatingActions } from '../actions.js';
import { isActive, isReady } from '../common/pods.js';
import { reconcileReplicaSet } from '../replicaset/replicaset.js';
import { at, lease, node, ownerRef, pod, replicaSet, stamp } from '../testing/builders.js';
import { World } from '../testing/world.js';
import { reconcileNodeLifecycle } from './node-lifecycle.js';
import { DEFAULT_NODE_LIFECYCLE_SETTINGS, defaultNotReadyTolerations } from './settings.js';

const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: stamp(10) };

describe('reconcileNodeLifecycle', () => {
  it('leaves a node with a fresh lease alone and comes back when the lease would expire', () => {
    const actions = reconcileNodeLifecycle({ nodes: [node('n1')], leases: [lease('n1', 10)], pods: [], now: at(13) });
    expect(actions).toEqual([{ type: 'RequeueAfter', ms: 5000 }]);
  });

  it('marks a silent node Unknown, taints it unreachable and marks its pods not ready', () => {
    const n = node('n1');
    n.status!.conditions!.push({ type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' });
    const pods = [pod('web-1', { node: 'n1', readyAt: 0 }), pod('web-2', { node: 'n2', readyAt: 0 })];
    // n2 stays healthy: with every node down, evictions would be held (full disruption).
    const actions = reconcileNodeLifecycle({ nodes: [n, node('n2')], leases: [lease('n1', 2), lease('n2', 9)], pods, now: at(10) });
    const [conditions] = actionsOf(actions, 'SetNodeConditions');
    expect(conditions?.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: stamp(10) }),
      expect.objectContaining({ type: 'MemoryPressure', status: 'Unknown', reason: 'NodeStatusUnknown' }),
    ]);
    expect(actionsOf(actions, 'SetNodeTaints')[0]?.taints).toEqual([UNREACHABLE]);
    expect(actionsOf(actions, 'MarkPodNotReady').map((a) => a.name)).toEqual(['web-1']);
    expect(actionsOf(actions, 'Event').map((e) => [e.involvedObject.kind, e.reason, e.message])).toEqual([
      ['Node', 'NodeNotReady', 'Node n1 status is now: NodeNotReady'],
      ['Pod', 'NodeNotReady', 'Node is not ready'],
    ]);
    // The pod tolerates the unreachable taint for tsk's default 5 s.
    expect(actionsOf(actions, 'DeletePod')).toEqual([]);
    expect(actionsOf(actions, 'RequeueAfter')).toEqual([{ type: 'RequeueAfter', ms: 5000 }]);
  });

  it.each([
    { name: 'no toleration: tsk default (5 s)', tolerations: undefined, at: 15, evicted: true },
    { name: 'no toleration, before the default runs out', tolerations: undefined, at: 14, evicted: false },
    { name: 'tolerationSeconds 60', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }], at: 20, evicted: false },
    { name: 'tolerationSeconds 0', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }], at: 10, evicted: true },
    { name: 'tolerates forever (a DaemonSet pod)', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }], at: 1000, evicted: false },
  ])('evicts from an unreachable node: $name', ({ tolerations, at: when, evicted }) => {
    const n = node('n1', { ready: 'Unknown', taints: [UNREACHABLE] });
    n.status!.conditions![0]!.reason = 'NodeStatusUnknown';
    const p = pod('web-1', { node: 'n1', readyAt: 0, ...(tolerations !== undefined ? { tolerations } : {}) });
    const actions = reconcileNodeLifecycle({ nodes: [n, node('n2')], leases: [lease('n1', 2), lease('n2', when - 1)], pods: [p], now: at(when) });
    expect(actionsOf(actions, 'DeletePod').map((d) => d.name)).toEqual(evicted ? ['web-1'] : []);
    if (evicted) expect(actionsOf(actions, 'Event')).toContainEqual(expect.objectContaining({ reason: 'TaintManagerEviction', message: 'Marking for deletion Pod default/web-1' }));
    expect(actionsOf(actions, 'SetNodeTaints')).toEqual([]);
  });

  it('evicts at once for an untolerated NoExecute taint of another key', () => {
    const n = node('n1', { taints: [{ key: 'maintenance', effect: 'NoExecute', timeAdded: stamp(0) }] });
    const actions = reconcileNodeLifecycle({ nodes: [n], leases: [lease('n1', 9)], pods: [pod('p', { node: 'n1' })], now: at(10) });
    expect(actionsOf(actions, 'DeletePod').map((d) => d.name)).toEqual(['p']);
  });

  it('a node whose lease renews again becomes Ready and loses the taint', () => {
    const n = node('n1', { ready: 'Unknown', taints: [UNREACHABLE, { key: 'dedicated', value: 'x', effect: 'NoSchedule' }] });
    n.status!.conditions![0]!.reason = 'NodeStatusUnknown';
    const actions = reconcileNodeLifecycle({ nodes: [n], leases: [lease('n1', 20)], pods: [], now: at(21) });
    expect(actionsOf(actions, 'SetNodeConditions')[0]?.conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });
    expect(actionsOf(actions, 'SetNodeTaints')[0]?.taints).toEqual([{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
    expect(actionsOf(actions, 'Event')[0]).toMatchObject({ reason: 'NodeReady', message: 'Node n1 status is now: NodeReady' });
  });

  it('reads the pods only when some node is down or tainted NoExecute', () => {
    let listed = 0;
    const pods = (): ReturnType<typeof pod>[] => {
      listed++;
      return [pod('a', { node: 'n1', readyAt: 0 }), pod('b', { node: 'n2', readyAt: 0 })];
    };
    const healthy = reconcileNodeLifecycle({ nodes: [node('n1'), node('n2')], leases: [lease('n1', 9), lease('n2', 9)], pods, now: at(10) });
    expect(healthy).toEqual([{ type: 'RequeueAfter', ms: 7000 }]);
    expect(listed).toBe(0);
    const oneSilent = reconcileNodeLifecycle({ nodes: [node('n1'), node('n2')], leases: [lease('n1', 1), lease('n2', 9)], pods, now: at(10) });
    expect(listed).toBe(1);
    expect(actionsOf(oneSilent, 'MarkPodNotReady').map((a) => a.name)).toEqual(['a']);
  });

  it('does not taint a just-registered node that has no Ready condition yet', () => {
    const n = node('n1');
    n.status = {};
    expect(reconcileNodeLifecycle({ nodes: [n], leases: [lease('n1', 9)], pods: [pod('p', { node: 'n1' })], now: at(10) })).toEqual([{ type: 'RequeueAfter', ms: 7000 }]);
  });

  it('taints a node that reports Ready=False not-ready', () => {
    const actions = reconcileNodeLifecycle({ nodes: [node('n1', { ready: 'False' })], leases: [lease('n1', 9)], pods: [], now: at(10) });
    expect(actionsOf(actions, 'SetNodeTaints')[0]?.taints).toEqual([{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: stamp(10) }]);
    expect(actionsOf(actions, 'SetNodeConditions')).toEqual([]);
  });

  it('is idempotent: applying its actions and re-running changes nothing more', () => {
    const world = new World(at(0));
    world.add('Node', node('n1'));
    world.add('Pod', pod('web-1', { node: 'n1', readyAt: 0, tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] }));
    const run = (now: number): ReturnType<typeof reconcileNodeLifecycle> => {
      world.now = now;
      const actions = reconcileNodeLifecycle({ nodes: world.list(world.nodes), leases: [lease('n1', 0)], pods: world.list(world.pods), now });
      world.apply(actions);
      return actions;
    };
    expect(mutatingActions(run(at(9))).length).toBeGreaterThan(0);
    expect(mutatingActions(run(at(10)))).toEqual([]);
  });

  it('offers the default tolerations for the API server to inject', () => {
    expect(defaultNotReadyTolerations()).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
    ]);
  });

  it('never marks a node Unknown for heartbeats up to 5 s late (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 5, maxLength: 30 }), (lateness) => {
        // Renewals every 2 s, each late by up to 5 s; the controller runs every 250 ms.
        let renewed = 0;
        for (const late of lateness) {
          const next = renewed + DEFAULT_NODE_LIFECYCLE_SETTINGS.leaseRenewIntervalMs + late;
          for (let t = renewed; t < next; t += 250) {
            const l: Lease = { metadata: { name: 'n1' }, spec: { renewTime: new Date(at(0) + renewed).toISOString() } };
            const actions = reconcileNodeLifecycle({ nodes: [node('n1')], leases: [l], pods: [pod('p', { node: 'n1', readyAt: 0 })], now: at(0) + t });
            expect(actionsOf(actions, 'SetNodeConditions')).toEqual([]);
            expect(actionsOf(actions, 'DeletePod')).toEqual([]);
          }
          renewed = next;
        }
      }),
      { numRuns: 30 },
    );
  });

  it('heals within 30 s: a dead node’s pod is replaced and Ready on another node', () => {
    const world = new World(at(0));
    world.add('Node', node('n1'));
    world.add('Node', node('n2'));
    const RS = ownerRef('ReplicaSet', 'web');
    world.add('ReplicaSet', replicaSet('web', { replicas: 2 }));
    world.add('Pod', pod('web-a', { owner: RS, node: 'n1', readyAt: 0 }));
    world.add('Pod', pod('web-b', { owner: RS, node: 'n2', readyAt: 0 }));
    const leases = new Map([['n1', 0], ['n2', 0]]);
    const death = at(3);
    let healedAt: number | undefined;
    for (world.now = at(0); world.now <= at(60) && healedAt === undefined; world.now += 500) {
      // n2 renews every 2 s; n1 renewed last just before it died.
      if ((world.now - at(0)) % DEFAULT_NODE_LIFECYCLE_SETTINGS.leaseRenewIntervalMs === 0) {
        leases.set('n2', (world.now - at(0)) / 1000);
        if (world.now < death) leases.set('n1', (world.now - at(0)) / 1000);
      }
      // Hollow node n2 starts what is bound to it within a step; the scheduler picks n2.
      for (const p of world.pods.values()) if ((p.spec?.nodeName ?? '') === '') p.spec = { ...p.spec, nodeName: 'n2' };
      world.makePodsReady('n2');
      const leaseObjects = [...leases].map(([n, s]) => lease(n, s));
      world.apply(reconcileNodeLifecycle({ nodes: world.list(world.nodes), leases: leaseObjects, pods: world.list(world.pods), now: world.now }));
      world.apply(reconcileReplicaSet({ replicaSet: world.list(world.replicaSets)[0]!, pods: world.list(world.pods), now: world.now, seed: 1 }));
      const readyOnN2 = [...world.pods.values()].filter((p) => isActive(p) && isReady(p) && p.spec?.nodeName === 'n2').length;
      if (readyOnN2 === 2) healedAt = world.now;
    }
    expect(healedAt).toBeDefined();
    expect(healedAt! - death).toBeLessThanOrEqual(30_000);
    // Last renewal at 2 s, Unknown at 10 s, eviction at 15 s, replacement Ready by ~16 s.
    expect(healedAt! - death).toBeLessThanOrEqual(15_000);
  });
});
