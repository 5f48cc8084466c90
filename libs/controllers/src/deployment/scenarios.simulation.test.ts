/**
 * Deployment scenarios in the simulated cluster: Recreate never runs two versions at once, a
 * broken rollout stops at the budget and times out, pause holds a rollout and resume finishes it.
 */
import { describe, expect, it } from 'vitest';
import { type Pod } from '@tsk/api';
import { findCondition } from '../common/conditions.js';
import { isActive, isReady } from '../common/pods.js';
import { at, deployment, template } from '../testing/builders.js';
import { DeploymentCluster } from '../testing/cluster.js';
import { World } from '../testing/world.js';
import { deploymentComplete } from './status.js';

function image(p: Pod): string {
  return p.spec?.containers?.[0]?.image ?? '';
}

function setup(options: Parameters<typeof deployment>[1]): DeploymentCluster {
  const world = new World(at(0));
  world.gracefulPods = true;
  world.add('Deployment', deployment('web', options));
  const c = new DeploymentCluster(world);
  for (let i = 0; i < 20; i++) c.step();
  expect(c.readyPods()).toBe(options?.replicas ?? 3);
  return c;
}

function changeImage(c: DeploymentCluster, to: string): void {
  const d = c.world.deployments.get('web')!;
  d.spec!.template = template({ app: 'web' }, to);
  d.metadata!.generation = (d.metadata!.generation ?? 1) + 1;
}

describe('deployment scenarios', () => {
  it('Recreate never has old and new pods at the same time, terminating ones included', () => {
    const c = setup({ replicas: 4, strategy: 'Recreate' });
    changeImage(c, 'nginx:2');
    let sawNew = false;
    for (let i = 0; i < 30; i++) {
      c.step();
      const images = new Set([...c.world.pods.values()].map(image));
      expect(images.size, `step ${i}: ${[...images].join(', ')}`).toBeLessThanOrEqual(1);
      if (images.has('nginx:2')) sawNew = true;
    }
    expect(sawNew).toBe(true);
    expect(c.readyPods()).toBe(4);
  });

  it('a rollout whose pods never become ready stops at the budget and exceeds its deadline', () => {
    const c = setup({ replicas: 4, maxSurge: 1, maxUnavailable: 1, progressDeadlineSeconds: 10 });
    c.world.becomesReady = (p) => image(p) !== 'nginx:bad';
    changeImage(c, 'nginx:bad');
    for (let i = 0; i < 30; i++) {
      c.step();
      expect(c.readyPods()).toBeGreaterThanOrEqual(3);
      expect(c.activePods()).toBeLessThanOrEqual(5);
    }
    const d = c.deployment();
    expect(findCondition(d.status?.conditions, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(c.world.events.filter((e) => e.reason === 'ProgressDeadlineExceeded')).toHaveLength(1);
    // Rolling forward to a good image recovers.
    changeImage(c, 'nginx:3');
    for (let i = 0; i < 40 && !deploymentComplete(c.deployment(), c.deployment().status ?? {}); i++) c.step();
    expect([...c.world.pods.values()].filter(isActive).map(image)).toEqual(['nginx:3', 'nginx:3', 'nginx:3', 'nginx:3']);
    expect(findCondition(c.deployment().status?.conditions, 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
  });

  it('pause holds a rollout (scaling still applies) and resume finishes it', () => {
    const c = setup({ replicas: 3 });
    c.world.deployments.get('web')!.spec!.paused = true;
    changeImage(c, 'nginx:2');
    for (let i = 0; i < 5; i++) c.step();
    expect(new Set([...c.world.pods.values()].map(image))).toEqual(new Set(['nginx:1']));
    expect(findCondition(c.deployment().status?.conditions, 'Progressing')?.reason).toBe('DeploymentPaused');
    c.world.deployments.get('web')!.spec!.replicas = 5;
    for (let i = 0; i < 5; i++) c.step();
    expect([...c.world.pods.values()].filter((p) => isActive(p) && isReady(p))).toHaveLength(5);
    c.world.deployments.get('web')!.spec!.paused = false;
    for (let i = 0; i < 40 && !deploymentComplete(c.deployment(), c.deployment().status ?? {}); i++) c.step();
    expect([...c.world.pods.values()].filter(isActive).map(image)).toEqual(Array.from({ length: 5 }, () => 'nginx:2'));
  });

  it('keeps revisionHistoryLimit old ReplicaSets across many rollouts', () => {
    const c = setup({ replicas: 2, revisionHistoryLimit: 2 });
    for (let v = 2; v <= 6; v++) {
      changeImage(c, `nginx:${v}`);
      for (let i = 0; i < 40 && !deploymentComplete(c.deployment(), c.deployment().status ?? {}); i++) c.step();
      for (let i = 0; i < 3; i++) c.step();
    }
    const revisions = [...c.world.replicaSets.values()].map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
    expect(revisions).toEqual(['4', '5', '6']);
    expect(c.deployment().metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('6');
  });
});
