import { describe, expect, it } from 'vitest';
import { actionsOf } from '../actions.js';
import { at, lease, node, pod, stamp } from '../testing/builders.js';
import { reconcileNodeLifecycle } from './node-lifecycle.js';
import { HeartbeatObserver } from './observer.js';

const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: stamp(10) };

describe('HeartbeatObserver', () => {
  it('times a heartbeat from when it was seen to change, not from the agent’s clock', () => {
    const o = new HeartbeatObserver();
    // The agent's clock is an hour behind: its renewTime is always "an hour old" here.
    const behind = (s: number): ReturnType<typeof lease> => lease('n1', s - 3600);
    for (let s = 0; s <= 60; s += 2) {
      const observedAt = o.observe([node('n1')], [behind(s)], at(s));
      const actions = reconcileNodeLifecycle({ nodes: [node('n1')], leases: [behind(s)], pods: [], now: at(s) + 1500, observedAt });
      expect(actionsOf(actions, 'SetNodeConditions')).toEqual([]);
    }
  });

  it('gives every node a full grace period after a server restart, then calls the silent one dead', () => {
    // Both leases are a minute old when the (new) controller first looks: the server was down.
    const leases = [lease('n1', 0), lease('n2', 0)];
    const nodes = [node('n1'), node('n2')];
    const o = new HeartbeatObserver();
    const first = reconcileNodeLifecycle({ nodes, leases, pods: [], now: at(60), observedAt: o.observe(nodes, leases, at(60)) });
    expect(actionsOf(first, 'SetNodeConditions')).toEqual([]);
    // n2's agent renews at once; n1 stays silent.
    const renewed = [lease('n1', 0), lease('n2', 61)];
    o.observe(nodes, renewed, at(61));
    const later = reconcileNodeLifecycle({ nodes, leases: renewed, pods: [], now: at(68), observedAt: o.observe(nodes, renewed, at(68)) });
    expect(actionsOf(later, 'SetNodeConditions').map((a) => a.name)).toEqual(['n1']);
  });

  it('forgets nodes that are gone, and treats one seen again as new', () => {
    const o = new HeartbeatObserver();
    o.observe([node('n1')], [lease('n1', 0)], at(0));
    expect(o.observe([], [], at(5)).size).toBe(0);
    expect(o.observe([node('n1')], [lease('n1', 0)], at(20)).get('n1')).toBe(at(20));
  });
});

describe('full disruption', () => {
  const downNode = (name: string): ReturnType<typeof node> => {
    const n = node(name, { ready: 'Unknown', taints: [UNREACHABLE] });
    n.status!.conditions![0]!.reason = 'NodeStatusUnknown';
    return n;
  };

  it('holds evictions while every node is down, and evicts when one node is back', () => {
    const pods = [pod('a', { node: 'n1', readyAt: 0 }), pod('b', { node: 'n2', readyAt: 0 })];
    const allDown = reconcileNodeLifecycle({ nodes: [downNode('n1'), downNode('n2')], leases: [lease('n1', 2), lease('n2', 2)], pods, now: at(60) });
    expect(actionsOf(allDown, 'DeletePod')).toEqual([]);
    // The nodes are still marked and tainted: nothing new is scheduled there.
    const silent = reconcileNodeLifecycle({ nodes: [node('n1'), node('n2')], leases: [lease('n1', 2), lease('n2', 2)], pods, now: at(60) });
    expect(actionsOf(silent, 'SetNodeTaints').map((a) => a.name)).toEqual(['n1', 'n2']);
    expect(actionsOf(silent, 'DeletePod')).toEqual([]);
    // n2 is back: the pods of n1, still unreachable, go.
    const oneBack = reconcileNodeLifecycle({ nodes: [downNode('n1'), node('n2')], leases: [lease('n1', 2), lease('n2', 59)], pods, now: at(60) });
    expect(actionsOf(oneBack, 'DeletePod').map((d) => d.name)).toEqual(['a']);
  });
});
