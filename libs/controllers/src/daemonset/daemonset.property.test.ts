/** Convergence of the DaemonSet reconcile over arbitrary nodes. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Taint } from '@tsk/api';
import { mutatingActions } from '../actions.js';
import { isActive } from '../common/pods.js';
import { at, daemonSet, node } from '../testing/builders.js';
import { World } from '../testing/world.js';
import { reconcileDaemonSet } from './daemonset.js';
import { daemonPodNode, nodeFit } from './node-fit.js';

const arbTaint = fc.record({
  key: fc.constantFrom('dedicated', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/unschedulable'),
  effect: fc.constantFrom('NoSchedule', 'NoExecute', 'PreferNoSchedule'),
});

const arbNode = fc.record({ zone: fc.constantFrom('a', 'b'), taints: fc.array(arbTaint, { maxLength: 2 }) });

describe('reconcileDaemonSet (property)', () => {
  it('converges to one pod on every eligible node and none elsewhere, as nodes come and go', () => {
    fc.assert(
      fc.property(fc.array(arbNode, { maxLength: 6 }), fc.array(arbNode, { maxLength: 6 }), (first, second) => {
        const world = new World(at(0));
        const ds = daemonSet('agent');
        ds.spec!.template!.spec!.nodeSelector = { zone: 'a' };
        world.add('DaemonSet', ds);
        const run = (): ReturnType<typeof reconcileDaemonSet> => {
          const actions = reconcileDaemonSet({ daemonSet: world.list(world.daemonSets)[0]!, nodes: world.list(world.nodes), pods: world.list(world.pods), now: world.now, seed: 1 });
          world.apply(actions);
          return actions;
        };
        for (const phase of [first, second]) {
          world.nodes.clear();
          phase.forEach((n, i) => world.add('Node', node(`n${i}`, { labels: { zone: n.zone }, taints: n.taints as Taint[] })));
          for (let i = 0; i < 4; i++) {
            world.now += 1000;
            for (const p of world.pods.values()) if ((p.spec?.nodeName ?? '') === '') p.spec = { ...p.spec, nodeName: daemonPodNode(p) };
            world.makePodsReady();
            run();
          }
          expect(mutatingActions(run())).toEqual([]);
          const podsByNode = new Map<string, number>();
          for (const p of world.pods.values()) if (isActive(p)) podsByNode.set(daemonPodNode(p), (podsByNode.get(daemonPodNode(p)) ?? 0) + 1);
          for (const n of world.nodes.values()) {
            const fit = nodeFit(ds, n);
            const count = podsByNode.get(n.metadata!.name!) ?? 0;
            if (fit.shouldRun) expect(count).toBe(1);
            if (!fit.shouldContinueRunning) expect(count).toBe(0);
            expect(count).toBeLessThanOrEqual(1);
          }
          for (const name of podsByNode.keys()) expect(world.nodes.has(name)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
