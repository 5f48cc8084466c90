import { describe, expect, it } from 'vitest';
import { type Node, type Pod } from '@tsk/api';
import { type Action, actionsOf, mutatingActions, statusUpdateOf } from '../actions.js';
import { templateHash } from '../common/hash.js';
import { isActive, isAvailable } from '../common/pods.js';
import { at, daemonSet, node, ownerRef, pod, template } from '../testing/builders.js';
import { World } from '../testing/world.js';
import { CONTROLLER_REVISION_HASH_LABEL, reconcileDaemonSet } from './daemonset.js';
import { daemonPodNode } from './node-fit.js';

const DS = ownerRef('DaemonSet', 'agent');
const LABELS = { app: 'agent' };

function dsPod(name: string, nodeName: string, o: { readyAt?: number; phase?: string; image?: string } = {}): Pod {
  const hash = templateHash(template(LABELS, o.image ?? 'nginx:1'), CONTROLLER_REVISION_HASH_LABEL);
  return pod(name, { owner: DS, labels: LABELS, node: nodeName, hash: { label: CONTROLLER_REVISION_HASH_LABEL, value: hash }, ...(o.readyAt !== undefined ? { readyAt: o.readyAt } : {}), ...(o.phase !== undefined ? { phase: o.phase } : {}) });
}

describe('reconcileDaemonSet', () => {
  it('creates one pinned pod per eligible node', () => {
    const ds = daemonSet('agent');
    ds.spec!.template!.spec!.nodeSelector = { role: 'edge' };
    const edge = { role: 'edge' };
    const nodes: Node[] = [
      node('n1', { labels: edge }),
      node('n2', { labels: edge, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      node('n3', { labels: { role: 'core' } }),
      node('n4', { labels: edge, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }),
      node('n5', { labels: edge, unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
    ];
    const actions = reconcileDaemonSet({ daemonSet: ds, nodes, pods: [], now: at(0) });
    const created = actionsOf(actions, 'CreatePod').map((a) => a.pod);
    expect(created.map(daemonPodNode)).toEqual(['n1', 'n4', 'n5']);
    const p = created[0]!;
    expect(p.spec?.nodeName ?? '').toBe('');
    expect(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
    });
    expect(p.spec?.tolerations).toContainEqual({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
    expect(p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe(templateHash(ds.spec?.template, CONTROLLER_REVISION_HASH_LABEL));
    expect(statusUpdateOf(actions, 'DaemonSet')).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 0, numberUnavailable: 3 });
  });

  it.each([
    { name: 'keeps a pod when a NoSchedule taint arrives', taint: { key: 'x', effect: 'NoSchedule' }, deleted: [] as string[] },
    { name: 'deletes a pod when an untolerated NoExecute taint arrives', taint: { key: 'x', effect: 'NoExecute' }, deleted: ['p1'] },
  ])('$name', ({ taint, deleted }) => {
    const actions = reconcileDaemonSet({ daemonSet: daemonSet('agent'), nodes: [node('n1', { taints: [taint] })], pods: [dsPod('p1', 'n1', { readyAt: 0 })], now: at(1) });
    expect(actionsOf(actions, 'DeletePod').map((d) => d.name)).toEqual(deleted);
    expect(actionsOf(actions, 'CreatePod')).toEqual([]);
  });

  it('deletes pods of nodes that are gone, duplicates, and failed pods (replacing those)', () => {
    const pods = [dsPod('gone', 'n9', { readyAt: 0 }), dsPod('a', 'n1', { readyAt: 0 }), dsPod('dup', 'n1', { readyAt: 0 }), dsPod('f', 'n2', { phase: 'Failed' })];
    pods[2]!.metadata!.creationTimestamp = '2026-01-01T00:01:00Z';
    const actions = reconcileDaemonSet({ daemonSet: daemonSet('agent'), nodes: [node('n1'), node('n2')], pods, now: at(100) });
    expect(actionsOf(actions, 'DeletePod').map((d) => d.name).sort()).toEqual(['dup', 'f', 'gone']);
    expect(actionsOf(actions, 'CreatePod').map((c) => daemonPodNode(c.pod))).toEqual(['n2']);
    expect(actionsOf(actions, 'Event')).toContainEqual(expect.objectContaining({ reason: 'FailedDaemonPod', eventType: 'Warning' }));
  });

  it('writes status counts', () => {
    const ds = daemonSet('agent', { generation: 3 });
    const pods = [dsPod('a', 'n1', { readyAt: 0 }), dsPod('b', 'n2'), dsPod('c', 'n3', { readyAt: 0, image: 'nginx:0' })];
    const status = statusUpdateOf(reconcileDaemonSet({ daemonSet: ds, nodes: [node('n1'), node('n2'), node('n3'), node('n4')], pods, now: at(5) }), 'DaemonSet');
    expect(status).toEqual({
      desiredNumberScheduled: 4,
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      numberReady: 2,
      numberAvailable: 2,
      numberUnavailable: 2,
      updatedNumberScheduled: 2,
      observedGeneration: 3,
    });
  });
});

/** Rolls a DaemonSet over `count` nodes from nginx:1 to nginx:2, checking bounds on every step. */
function rollDaemonSet(count: number, maxUnavailable: number | string, maxSurge: number | string): void {
  const world = new World(at(0));
  world.add('DaemonSet', daemonSet('agent', { maxUnavailable, maxSurge }));
  for (let i = 0; i < count; i++) world.add('Node', node(`n${i}`));
  const reconcile = (): Action[] => {
    const actions = reconcileDaemonSet({ daemonSet: world.list(world.daemonSets)[0]!, nodes: world.list(world.nodes), pods: world.list(world.pods), now: world.now, seed: 1 });
    world.apply(actions);
    return actions;
  };
  const step = (): void => {
    world.now += 1000;
    for (const p of world.pods.values()) if ((p.spec?.nodeName ?? '') === '') p.spec = { ...p.spec, nodeName: daemonPodNode(p) };
    world.makePodsReady();
    reconcile();
  };
  for (let i = 0; i < 5; i++) step();
  const availableNodes = (): number => new Set([...world.pods.values()].filter((p) => isActive(p) && isAvailable(p, 0, world.now)).map(daemonPodNode)).size;
  expect(availableNodes()).toBe(count);
  world.daemonSets.get('agent')!.spec!.template = template(LABELS, 'nginx:2');
  const surge = typeof maxSurge === 'number' ? maxSurge : Math.ceil((Number(maxSurge.slice(0, -1)) * count) / 100);
  const unavailableBound = surge > 0 ? 0 : typeof maxUnavailable === 'number' ? maxUnavailable : Math.ceil((Number(maxUnavailable.slice(0, -1)) * count) / 100);
  const done = (): boolean => [...world.pods.values()].every((p) => p.spec?.containers?.[0]?.image === 'nginx:2' && isAvailable(p, 0, world.now)) && world.pods.size === count;
  for (let i = 0; i < 100 && !done(); i++) {
    step();
    expect(availableNodes()).toBeGreaterThanOrEqual(count - unavailableBound);
    expect([...world.pods.values()].filter(isActive).length).toBeLessThanOrEqual(count + surge);
  }
  expect(done()).toBe(true);
  expect(mutatingActions(reconcile())).toEqual([]);
}

describe('DaemonSet rolling update', () => {
  it.each<[number, number | string, number | string]>([
    [4, 1, 0],
    [5, 2, 0],
    [6, '34%', 0],
    [4, 0, 1],
    [5, 0, '40%'],
  ])('%d nodes, maxUnavailable %s, maxSurge %s', (count, unavailable, surge) => {
    rollDaemonSet(count, unavailable, surge);
  });
});
