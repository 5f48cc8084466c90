/** Convergence of the ReplicaSet reconcile from arbitrary starting pods. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mutatingActions } from '../actions.js';
import { controllerRefOf } from '../common/owners.js';
import { isActive } from '../common/pods.js';
import { at, ownerRef, pod, replicaSet } from '../testing/builders.js';
import { World } from '../testing/world.js';
import { reconcileReplicaSet } from './replicaset.js';

const arbPod = fc.record({
  owner: fc.constantFrom('ours', 'orphan', 'other'),
  app: fc.constantFrom('web', 'db'),
  phase: fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed'),
  ready: fc.boolean(),
  deleting: fc.boolean(),
});

describe('reconcileReplicaSet (property)', () => {
  it('converges to exactly spec.replicas matching active pods, never touching pods of others', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.array(arbPod, { maxLength: 10 }), fc.integer(), (replicas, specs, seed) => {
        const world = new World(at(100));
        world.add('ReplicaSet', replicaSet('web', { replicas }));
        specs.forEach((s, i) => {
          const owner = s.owner === 'ours' ? ownerRef('ReplicaSet', 'web') : s.owner === 'other' ? ownerRef('ReplicaSet', 'other') : undefined;
          world.add(
            'Pod',
            pod(`p${i}`, {
              labels: { app: s.app },
              phase: s.phase,
              ...(s.ready && s.phase === 'Running' ? { readyAt: 0 } : {}),
              deleting: s.deleting,
              node: 'n1',
              ...(owner !== undefined ? { owner } : {}),
            }),
          );
        });
        const othersBefore = [...world.pods.values()].filter((p) => controllerRefOf(p)?.uid === 'uid-other').map((p) => structuredClone(p));
        const run = (): ReturnType<typeof reconcileReplicaSet> => {
          const actions = reconcileReplicaSet({ replicaSet: world.list(world.replicaSets)[0]!, pods: world.list(world.pods), now: world.now, seed });
          world.apply(actions);
          return actions;
        };
        for (let i = 0; i < 3; i++) run();
        expect(mutatingActions(run())).toEqual([]);
        const ours = [...world.pods.values()].filter((p) => isActive(p) && controllerRefOf(p)?.uid === 'uid-web');
        expect(ours).toHaveLength(replicas);
        expect(ours.every((p) => p.metadata?.labels?.app === 'web')).toBe(true);
        expect(world.list(world.replicaSets)[0]?.status?.replicas ?? 0).toBe(replicas);
        for (const before of othersBefore) expect(world.pods.get(before.metadata!.name!)).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same actions from its own pods and the orphans as from the whole namespace (names aside)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.array(fc.record({ s: arbPod, ns: fc.constantFrom('default', 'other') }), { maxLength: 12 }), (replicas, specs) => {
        const rs = replicaSet('web', { replicas });
        const all = specs.map(({ s, ns }, i) => {
          const owner = s.owner === 'ours' ? ownerRef('ReplicaSet', 'web') : s.owner === 'other' ? ownerRef('ReplicaSet', 'other') : undefined;
          return pod(`p${i}`, {
            namespace: ns,
            labels: { app: s.app },
            phase: s.phase,
            ...(s.ready && s.phase === 'Running' ? { readyAt: 0 } : {}),
            deleting: s.deleting,
            ...(owner !== undefined ? { owner } : {}),
          });
        });
        const ns = rs.metadata?.namespace;
        const claimable = all.filter((p) => p.metadata?.namespace === ns && [undefined, 'uid-web'].includes(controllerRefOf(p)?.uid));
        const taken = new Set(all.filter((p) => p.metadata?.namespace === ns).map((p) => p.metadata?.name));
        const full = reconcileReplicaSet({ replicaSet: rs, pods: all, now: at(100), seed: 3 });
        const part = reconcileReplicaSet({ replicaSet: rs, pods: claimable, nameTaken: (n) => taken.has(n), now: at(100), seed: 3 });
        const created = part.flatMap((a) => (a.type === 'CreatePod' ? [a.pod.metadata?.name ?? ''] : []));
        for (const name of created) expect(taken.has(name)).toBe(false);
        expect(new Set(created).size).toBe(created.length);
        const withoutNames = (actions: typeof full) =>
          JSON.stringify(actions, (k, v: unknown) => (k === 'name' && typeof v === 'string' && v.startsWith('web-') ? 'web-?' : k === 'message' && typeof v === 'string' ? v.replace(/web-\w+/, 'web-?') : v));
        expect(withoutNames(part)).toBe(withoutNames(full));
      }),
      { numRuns: 200 },
    );
  });
});
