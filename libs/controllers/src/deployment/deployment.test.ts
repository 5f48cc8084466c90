import { describe, expect, it } from 'vitest';
import { type ReplicaSet } from '@tsk/api';
import { actionsOf, mutatingActions, statusUpdateOf } from '../actions.js';
import { templateHash } from '../common/hash.js';
import { at, deployment, ownerRef, pod, replicaSet, stamp, template } from '../testing/builders.js';
import { DeploymentCluster } from '../testing/cluster.js';
import { World } from '../testing/world.js';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from './constants.js';
import { reconcileDeployment } from './deployment.js';
import { deploymentRolloutStatus, restartTemplate, rollbackTemplate, rolloutHistory } from './rollout.js';

const D_OWNER = ownerRef('Deployment', 'web');

/** An RS of Deployment "web" at a revision, with a template of the given image. */
function ownedRS(image: string, revision: number, replicas: number, extra: { available?: number; created?: number; annotations?: Record<string, string> } = {}): ReplicaSet {
  const t = template({ app: 'web' }, image);
  const hash = templateHash(t, POD_TEMPLATE_HASH_LABEL);
  t.metadata!.labels![POD_TEMPLATE_HASH_LABEL] = hash;
  return replicaSet(`web-${hash}`, {
    replicas,
    template: t,
    selector: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash },
    owner: D_OWNER,
    created: extra.created ?? revision,
    annotations: { [REVISION_ANNOTATION]: String(revision), ...(extra.annotations ?? {}) },
    status: { replicas, readyReplicas: extra.available ?? replicas, availableReplicas: extra.available ?? replicas, observedGeneration: 1 },
  });
}

describe('reconcileDeployment', () => {
  it('creates the new ReplicaSet <name>-<hash> with the hash label, revision 1 and the event', () => {
    const d = deployment('web', { replicas: 3 });
    const actions = reconcileDeployment({ deployment: d, replicaSets: [], pods: [], now: at(0) });
    const [create] = actionsOf(actions, 'CreateReplicaSet');
    const hash = templateHash(d.spec?.template, POD_TEMPLATE_HASH_LABEL);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(create?.replicaSet.metadata?.name).toBe(`web-${hash}`);
    expect(create?.replicaSet.spec?.replicas).toBe(3);
    expect(create?.replicaSet.spec?.selector?.matchLabels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(create?.replicaSet.spec?.template?.metadata?.labels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(create?.replicaSet.metadata?.annotations).toEqual({ [REVISION_ANNOTATION]: '1', [DESIRED_REPLICAS_ANNOTATION]: '3', [MAX_REPLICAS_ANNOTATION]: '4' });
    expect(create?.replicaSet.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', controller: true })]);
    expect(actionsOf(actions, 'Event').map((e) => e.message)).toContain(`Scaled up replica set web-${hash} to 3`);
    expect(actionsOf(actions, 'SetAnnotations')[0]?.annotations).toEqual({ [REVISION_ANNOTATION]: '1' });
    const status = actionsOf(actions, 'UpdateStatus')[0]?.status;
    expect(status).toMatchObject({ conditions: expect.arrayContaining([expect.objectContaining({ type: 'Progressing', reason: 'NewReplicaSetCreated', message: `Created new replica set "web-${hash}"` })]) });
  });

  it('hashes templates stably, ignoring the hash label, and differently per content', () => {
    const a = template({ app: 'web' }, 'nginx:1');
    const b = template({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: 'xyz' }, 'nginx:1');
    expect(templateHash(a, POD_TEMPLATE_HASH_LABEL)).toBe(templateHash(b, POD_TEMPLATE_HASH_LABEL));
    expect(templateHash(a, POD_TEMPLATE_HASH_LABEL)).not.toBe(templateHash(template({ app: 'web' }, 'nginx:2'), POD_TEMPLATE_HASH_LABEL));
    expect(templateHash(a, POD_TEMPLATE_HASH_LABEL, 1)).not.toBe(templateHash(a, POD_TEMPLATE_HASH_LABEL));
  });

  it('bumps collisionCount when the name is taken by another template', () => {
    const d = deployment('web');
    const hash = templateHash(d.spec?.template, POD_TEMPLATE_HASH_LABEL);
    const squatter = replicaSet(`web-${hash}`, { template: template({ app: 'other' }), selector: { app: 'other' } });
    const actions = reconcileDeployment({ deployment: d, replicaSets: [squatter], pods: [], now: at(0) });
    expect(actionsOf(actions, 'CreateReplicaSet')).toEqual([]);
    expect(statusUpdateOf(actions, 'Deployment')?.collisionCount).toBe(1);
  });

  it('Recreate: scales old to 0, waits for their pods to be gone, then creates the new RS at full size', () => {
    const world = new World(at(0));
    world.gracefulPods = true;
    world.add('Deployment', deployment('web', { replicas: 3, strategy: 'Recreate' }));
    const c = new DeploymentCluster(world);
    for (let i = 0; i < 5; i++) c.step();
    expect(c.readyPods()).toBe(3);
    world.deployments.get('web')!.spec!.template = template({ app: 'web' }, 'nginx:2');
    world.now += 1000;
    c.reconcileDeployment();
    expect([...world.replicaSets.values()].map((rs) => rs.spec?.replicas)).toEqual([0]);
    const oldName = [...world.replicaSets.keys()][0]!;
    expect(world.events.at(-1)).toMatchObject({ reason: 'ScalingReplicaSet', message: `Scaled down replica set ${oldName} to 0`, involvedObject: { kind: 'Deployment', name: 'web' } });
    c.settleReplicaSets();
    // Old pods are terminating: no new ReplicaSet yet.
    expect(actionsOf(c.reconcileDeployment(), 'CreateReplicaSet')).toEqual([]);
    world.reapDeletedPods();
    c.settleReplicaSets();
    const created = actionsOf(c.reconcileDeployment(), 'CreateReplicaSet');
    expect(created[0]?.replicaSet.spec?.replicas).toBe(3);
    expect(created[0]?.replicaSet.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('2');
  });

  it('paused: no new ReplicaSet for a new template, but scaling applies; Progressing says paused', () => {
    const rs = ownedRS('nginx:1', 1, 3, { annotations: { [DESIRED_REPLICAS_ANNOTATION]: '3' } });
    const d = deployment('web', { replicas: 5, paused: true, template: template({ app: 'web' }, 'nginx:2') });
    const actions = reconcileDeployment({ deployment: d, replicaSets: [rs], pods: [], now: at(0) });
    expect(actionsOf(actions, 'CreateReplicaSet')).toEqual([]);
    expect(actionsOf(actions, 'ScaleReplicaSet').map((s) => s.replicas)).toEqual([5]);
    expect(actionsOf(actions, 'UpdateStatus')[0]?.status.conditions).toContainEqual(expect.objectContaining({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused' }));
  });

  it('scales proportionally in the middle of a rollout', () => {
    const old = ownedRS('nginx:1', 1, 6, { annotations: { [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '13' } });
    const next = ownedRS('nginx:2', 2, 4, { available: 0, annotations: { [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '13' } });
    const d = deployment('web', { replicas: 20, maxSurge: 3, maxUnavailable: 2, template: template({ app: 'web' }, 'nginx:2') });
    const actions = reconcileDeployment({ deployment: d, replicaSets: [old, next], pods: [], now: at(0) });
    const scaled = Object.fromEntries(actionsOf(actions, 'ScaleReplicaSet').map((s) => [s.name, s.replicas]));
    expect((scaled[old.metadata!.name!] ?? 0) + (scaled[next.metadata!.name!] ?? 0)).toBe(23);
    expect(scaled[old.metadata!.name!]).toBeGreaterThan(scaled[next.metadata!.name!] ?? 0);
  });

  it.each([
    { name: 'within the deadline: requeues at the deadline', now: 5, reason: 'ReplicaSetUpdated', requeue: 5000 },
    { name: 'past the deadline: ProgressDeadlineExceeded', now: 20, reason: 'ProgressDeadlineExceeded', requeue: undefined },
  ])('progressDeadlineSeconds $name', ({ now, reason, requeue }) => {
    const next = ownedRS('nginx:2', 2, 3, { available: 0 });
    const d = deployment('web', { replicas: 3, progressDeadlineSeconds: 10, template: template({ app: 'web' }, 'nginx:2') });
    d.metadata!.annotations = { [REVISION_ANNOTATION]: '2' };
    d.status = {
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${next.metadata!.name!}" is progressing.`, lastUpdateTime: stamp(0), lastTransitionTime: stamp(0) }],
    };
    const actions = reconcileDeployment({ deployment: d, replicaSets: [next], pods: [], now: at(now) });
    const conditions = actionsOf(actions, 'UpdateStatus')[0]?.status.conditions ?? d.status.conditions ?? [];
    expect(conditions.find((c) => c.type === 'Progressing')?.reason).toBe(reason);
    expect(actionsOf(actions, 'RequeueAfter')[0]?.ms).toBe(requeue);
    if (reason === 'ProgressDeadlineExceeded') {
      expect(conditions.find((c) => c.type === 'Progressing')?.status).toBe('False');
      expect(actionsOf(actions, 'Event')).toContainEqual(expect.objectContaining({ eventType: 'Warning', reason: 'ProgressDeadlineExceeded' }));
    }
  });

  it('deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit', () => {
    const olds = [1, 2, 3, 4].map((r) => ownedRS(`nginx:${r}`, r, 0));
    const current = ownedRS('nginx:5', 5, 3);
    const d = deployment('web', { replicas: 3, revisionHistoryLimit: 2, template: template({ app: 'web' }, 'nginx:5') });
    d.metadata!.annotations = { [REVISION_ANNOTATION]: '5' };
    const actions = reconcileDeployment({ deployment: d, replicaSets: [...olds, current], pods: [], now: at(0) });
    expect(actionsOf(actions, 'DeleteReplicaSet').map((a) => a.name)).toEqual([olds[0]!.metadata!.name, olds[1]!.metadata!.name]);
  });

  it('carries a changed minReadySeconds to the new ReplicaSet', () => {
    const rs = ownedRS('nginx:1', 1, 3);
    const d = deployment('web', { replicas: 3, minReadySeconds: 7 });
    d.metadata!.annotations = { [REVISION_ANNOTATION]: '1' };
    const [update] = actionsOf(reconcileDeployment({ deployment: d, replicaSets: [rs], pods: [], now: at(0) }), 'UpdateReplicaSet');
    expect(update?.replicaSet.spec?.minReadySeconds).toBe(7);
    expect(update?.replicaSet.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('1');
  });

  it('adopts an orphan ReplicaSet with the same template instead of creating one', () => {
    const rs = ownedRS('nginx:1', 1, 3);
    rs.metadata!.ownerReferences = [];
    const d = deployment('web', { replicas: 3 });
    const actions = reconcileDeployment({ deployment: d, replicaSets: [rs], pods: [], now: at(0) });
    expect(actionsOf(actions, 'SetOwnerReferences')[0]?.target.name).toBe(rs.metadata!.name);
    expect(actionsOf(actions, 'CreateReplicaSet')).toEqual([]);
  });

  it('rolls back to a revision: the old ReplicaSet becomes the newest revision', () => {
    const world = new World(at(0));
    world.add('Deployment', deployment('web', { replicas: 2 }));
    const c = new DeploymentCluster(world);
    const settle = (): void => {
      for (let i = 0; i < 30; i++) c.step();
    };
    settle();
    world.deployments.get('web')!.spec!.template = template({ app: 'web' }, 'nginx:2');
    settle();
    const d = c.deployment();
    const rss = world.list(world.replicaSets);
    expect(rolloutHistory(d, rss).map((h) => [h.revision, h.template.spec?.containers?.[0]?.image])).toEqual([
      [1, 'nginx:1'],
      [2, 'nginx:2'],
    ]);
    const undo = rollbackTemplate(d, rss);
    expect(undo.ok && undo.revision).toBe(1);
    expect(rollbackTemplate(d, rss, 2)).toEqual({ ok: false, skipped: true, message: 'skipped rollback (current template already matches revision 2)' });
    expect(rollbackTemplate(d, rss, 9)).toMatchObject({ ok: false, message: 'unable to find specified revision 9 in history' });
    if (!undo.ok) throw new Error(undo.message);
    world.deployments.get('web')!.spec!.template = undo.template;
    settle();
    expect(c.deployment().metadata?.annotations?.[REVISION_ANNOTATION]).toBe('3');
    expect(rolloutHistory(c.deployment(), world.list(world.replicaSets)).map((h) => h.revision)).toEqual([2, 3]);
    expect([...world.pods.values()].map((p) => p.spec?.containers?.[0]?.image)).toEqual(['nginx:1', 'nginx:1']);
    expect(mutatingActions(c.reconcileDeployment())).toEqual([]);
  });

  it('restart sets the restartedAt template annotation (a new template)', () => {
    const t = restartTemplate(template(), at(42));
    expect(t.metadata?.annotations).toEqual({ 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:42Z' });
    expect(templateHash(t, POD_TEMPLATE_HASH_LABEL)).not.toBe(templateHash(template(), POD_TEMPLATE_HASH_LABEL));
  });

  it.each([
    { name: 'spec not observed', generation: 2, status: { observedGeneration: 1 }, message: 'Waiting for deployment spec update to be observed...', done: false },
    { name: 'updating', generation: 1, status: { observedGeneration: 1, replicas: 4, updatedReplicas: 1 }, message: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...', done: false },
    { name: 'old pending', generation: 1, status: { observedGeneration: 1, replicas: 4, updatedReplicas: 3 }, message: 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...', done: false },
    { name: 'availability', generation: 1, status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }, message: 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...', done: false },
    { name: 'done', generation: 1, status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, message: 'deployment "web" successfully rolled out', done: true },
  ])('rollout status: $name', ({ generation, status, message, done }) => {
    const d = deployment('web', { replicas: 3, generation });
    d.status = status;
    expect(deploymentRolloutStatus(d)).toEqual({ done, message });
  });

  it('only updates status while the Deployment is being deleted', () => {
    const d = deployment('web');
    d.metadata!.deletionTimestamp = stamp(0);
    const actions = reconcileDeployment({ deployment: d, replicaSets: [], pods: [pod('x')], now: at(0) });
    expect(actions.every((a) => a.type === 'UpdateStatus')).toBe(true);
  });
});
