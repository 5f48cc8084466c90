import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Action, actionsOf, mutatingActions } from '../actions.js';
import { compareForDeletion } from '../common/pods.js';
import { at, ownerRef, pod, replicaSet, stamp } from '../testing/builders.js';
import { World } from '../testing/world.js';
import { reconcileReplicaSet } from './replicaset.js';

const RS_OWNER = ownerRef('ReplicaSet', 'web');

describe('reconcileReplicaSet', () => {
  it.each([
    { name: 'creates the missing pods', replicas: 3, pods: 1, creates: 2, deletes: 0 },
    { name: 'deletes the extra pods', replicas: 1, pods: 3, creates: 0, deletes: 2 },
    { name: 'does nothing at the count', replicas: 2, pods: 2, creates: 0, deletes: 0 },
    { name: 'scales to zero', replicas: 0, pods: 2, creates: 0, deletes: 2 },
  ])('$name', ({ replicas, pods, creates, deletes }) => {
    const existing = Array.from({ length: pods }, (_, i) => pod(`web-${i}`, { owner: RS_OWNER, readyAt: 0, node: 'n1' }));
    const actions = reconcileReplicaSet({ replicaSet: replicaSet('web', { replicas }), pods: existing, now: at(10) });
    expect(actionsOf(actions, 'CreatePod')).toHaveLength(creates);
    expect(actionsOf(actions, 'DeletePod')).toHaveLength(deletes);
  });

  it('names pods <rs>-<5 chars>, owned by the ReplicaSet, from the template', () => {
    const actions = reconcileReplicaSet({ replicaSet: replicaSet('web', { replicas: 2 }), pods: [], now: at(0), seed: 7 });
    const created = actionsOf(actions, 'CreatePod').map((a) => a.pod);
    for (const p of created) {
      expect(p.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true });
      expect(p.metadata?.labels).toEqual({ app: 'web' });
    }
    expect(new Set(created.map((p) => p.metadata?.name)).size).toBe(2);
    expect(actionsOf(actions, 'Event').map((e) => e.reason)).toEqual(['SuccessfulCreate', 'SuccessfulCreate']);
    // Same inputs, same names: a stale re-run collides instead of duplicating.
    const again = reconcileReplicaSet({ replicaSet: replicaSet('web', { replicas: 2 }), pods: [], now: at(0), seed: 7 });
    expect(actionsOf(again, 'CreatePod').map((a) => a.pod.metadata?.name)).toEqual(created.map((p) => p.metadata?.name));
  });

  it('does not count pods being deleted or finished', () => {
    const pods = [
      pod('web-a', { owner: RS_OWNER, deleting: true }),
      pod('web-b', { owner: RS_OWNER, phase: 'Failed' }),
      pod('web-c', { owner: RS_OWNER, phase: 'Succeeded' }),
    ];
    const actions = reconcileReplicaSet({ replicaSet: replicaSet('web', { replicas: 1 }), pods, now: at(0) });
    expect(actionsOf(actions, 'CreatePod')).toHaveLength(1);
    expect(actionsOf(actions, 'DeletePod')).toHaveLength(0);
  });

  it('adopts matching orphans and releases owned pods that stop matching', () => {
    const pods = [
      pod('orphan', { readyAt: 0 }),
      pod('mine-but-relabelled', { owner: RS_OWNER, labels: { app: 'other' } }),
      pod('someone-elses', { owner: ownerRef('ReplicaSet', 'db') }),
      pod('orphan-other-labels', { labels: { app: 'db' } }),
    ];
    const actions = reconcileReplicaSet({ replicaSet: replicaSet('web', { replicas: 1 }), pods, now: at(0) });
    const sets = actionsOf(actions, 'SetOwnerReferences');
    expect(sets.map((s) => s.target.name)).toEqual(['orphan', 'mine-but-relabelled']);
    expect(sets[0]!.ownerReferences).toEqual([expect.objectContaining({ uid: 'uid-web', controller: true })]);
    expect(sets[1]!.ownerReferences).toEqual([]);
    // The adopted orphan fills the one replica.
    expect(actionsOf(actions, 'CreatePod')).toHaveLength(0);
  });

  it.each([
    { name: 'empty', selector: {}, message: 'empty selector: it would select every pod' },
    { name: 'not matching the template', selector: { matchLabels: { app: 'db' } }, message: 'selector does not match template labels' },
  ])('refuses to act with an $name selector (one Warning, no pods)', ({ selector, message }) => {
    const rs = replicaSet('web', { replicas: 3 });
    rs.spec!.selector = selector;
    expect(reconcileReplicaSet({ replicaSet: rs, pods: [], now: at(0) })).toEqual([
      { type: 'Event', involvedObject: { kind: 'ReplicaSet', namespace: 'default', name: 'web', uid: 'uid-web' }, eventType: 'Warning', reason: 'SelectorInvalid', message },
    ]);
  });

  it('does not adopt or manage pods while the ReplicaSet is being deleted', () => {
    const actions = reconcileReplicaSet({ replicaSet: replicaSet('web', { replicas: 3, deleting: true }), pods: [pod('orphan')], now: at(0) });
    expect(actionsOf(actions, 'SetOwnerReferences')).toHaveLength(0);
    expect(actionsOf(actions, 'CreatePod')).toHaveLength(0);
  });

  it('deletes in Kubernetes order when scaling down', () => {
    const pods = [
      pod('old-ready', { owner: RS_OWNER, node: 'n', readyAt: 0, created: 0 }),
      pod('new-ready', { owner: RS_OWNER, node: 'n', readyAt: 50, created: 40 }),
      pod('unscheduled', { owner: RS_OWNER }),
      pod('pending-bound', { owner: RS_OWNER, node: 'n' }),
      pod('running-not-ready', { owner: RS_OWNER, node: 'n', phase: 'Running' }),
      pod('crashy-ready', { owner: RS_OWNER, node: 'n', readyAt: 0, restarts: 5 }),
    ];
    const actions = reconcileReplicaSet({ replicaSet: replicaSet('web', { replicas: 1 }), pods, now: at(100) });
    expect(actionsOf(actions, 'DeletePod').map((d) => d.name)).toEqual(['unscheduled', 'pending-bound', 'running-not-ready', 'new-ready', 'crashy-ready']);
  });

  it('writes status with availability after minReadySeconds and requeues until then', () => {
    const pods = [
      pod('a', { owner: RS_OWNER, node: 'n', readyAt: 0 }),
      pod('b', { owner: RS_OWNER, node: 'n', readyAt: 25 }),
      pod('c', { owner: RS_OWNER, node: 'n', labels: { app: 'web' } }),
    ];
    const rs = replicaSet('web', { replicas: 3, minReadySeconds: 10, generation: 4, template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: {} } });
    rs.spec!.selector = { matchLabels: { app: 'web' } };
    const actions = reconcileReplicaSet({ replicaSet: rs, pods, now: at(30) });
    const [update] = actionsOf(actions, 'UpdateStatus');
    expect(update?.status).toEqual({ replicas: 3, fullyLabeledReplicas: 0, readyReplicas: 2, availableReplicas: 1, observedGeneration: 4 });
    expect(actionsOf(actions, 'RequeueAfter')).toEqual([{ type: 'RequeueAfter', ms: 5000 }]);
  });

  it('is idempotent: applying its actions and re-running yields nothing', () => {
    const world = new World(at(0));
    world.add('ReplicaSet', replicaSet('web', { replicas: 3 }));
    world.add('Pod', pod('orphan'));
    const run = (): Action[] => reconcileReplicaSet({ replicaSet: world.list(world.replicaSets)[0]!, pods: world.list(world.pods), now: world.now, seed: 1 });
    world.apply(run());
    world.apply(run()); // status catches up with the created pods
    expect(mutatingActions(run())).toEqual([]);
    expect(world.pods.size).toBe(3);
  });
});

describe('deletion ranking (property)', () => {
  const arbPod = fc.record({
    bound: fc.boolean(),
    phase: fc.constantFrom('Pending', 'Unknown', 'Running'),
    readyAt: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    restarts: fc.integer({ min: 0, max: 3 }),
    created: fc.integer({ min: 0, max: 100 }),
  });

  it('is a total order consistent with its first rule: unscheduled pods go first', () => {
    fc.assert(
      fc.property(fc.array(arbPod, { minLength: 2, maxLength: 8 }), (specs) => {
        const pods = specs.map((s, i) =>
          pod(`p${i}`, {
            ...(s.bound ? { node: 'n' } : {}),
            phase: s.phase,
            ...(s.readyAt !== undefined ? { readyAt: s.readyAt } : {}),
            restarts: s.restarts,
            created: s.created,
          }),
        );
        const sorted = [...pods].sort(compareForDeletion);
        const firstBound = sorted.findIndex((p) => (p.spec?.nodeName ?? '') !== '');
        if (firstBound >= 0) expect(sorted.slice(firstBound).every((p) => (p.spec?.nodeName ?? '') !== '')).toBe(true);
        for (let i = 0; i + 1 < sorted.length; i++) expect(compareForDeletion(sorted[i]!, sorted[i + 1]!)).toBeLessThanOrEqual(0);
        for (const a of pods) for (const b of pods) expect(Math.sign(compareForDeletion(a, b)) + Math.sign(compareForDeletion(b, a))).toBe(0);
      }),
    );
  });

  it('keeps timestamps in RFC 3339', () => {
    expect(stamp(1)).toBe('2026-01-01T00:00:01Z');
  });
});
