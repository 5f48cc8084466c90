/**
 * Rolling updates in a small simulated cluster, checking Kubernetes' guarantees on every step:
 * never fewer than replicas - maxUnavailable ready pods, never more than replicas + maxSurge pods.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mutatingActions } from '../actions.js';
import { resolveSurgeAndUnavailable } from '../common/int-or-percent.js';
import { at, deployment, template } from '../testing/builders.js';
import { DeploymentCluster } from '../testing/cluster.js';
import { World } from '../testing/world.js';
import { findCondition } from '../common/conditions.js';
import { deploymentComplete } from './status.js';

type Bound = number | string;

function intOrString(v: Bound): { intVal: number } | { strVal: string } {
  return typeof v === 'number' ? { intVal: v } : { strVal: v };
}

function complete(c: DeploymentCluster): boolean {
  const d = c.deployment();
  return deploymentComplete(d, d.status ?? {}) && findCondition(d.status?.conditions, 'Progressing')?.reason === 'NewReplicaSetAvailable';
}

/** Rolls from nginx:1 to nginx:2, checking the bounds on every step; returns the step count. */
function rollOut(replicas: number, maxSurge: Bound, maxUnavailable: Bound, minReadySeconds = 0): number {
  const world = new World(at(0));
  world.add('Deployment', deployment('web', { replicas, maxSurge, maxUnavailable, minReadySeconds }));
  const c = new DeploymentCluster(world);
  for (let i = 0; i < 100 && !complete(c); i++) c.step();
  expect(complete(c)).toBe(true);

  const bounds = resolveSurgeAndUnavailable(intOrString(maxSurge), intOrString(maxUnavailable), replicas);
  const d = world.deployments.get('web')!;
  d.spec!.template = template({ app: 'web' }, 'nginx:2');
  d.metadata!.generation = 2;
  let steps = 0;
  for (; steps < 200 && !complete(c); steps++) {
    c.step();
    expect(c.activePods(), `step ${steps}: too many pods`).toBeLessThanOrEqual(replicas + bounds.maxSurge);
    expect(c.readyPods(), `step ${steps}: too few ready pods`).toBeGreaterThanOrEqual(replicas - bounds.maxUnavailable);
  }
  expect(complete(c), 'rollout completes').toBe(true);
  const images = [...world.pods.values()].map((p) => p.spec?.containers?.[0]?.image);
  expect(images).toEqual(Array.from({ length: replicas }, () => 'nginx:2'));
  // Converged: another reconcile of everything does nothing.
  expect(mutatingActions(c.reconcileDeployment())).toEqual([]);
  return steps;
}

describe('rolling update simulation', () => {
  it.each<[number, Bound, Bound]>([
    [3, '25%', '25%'],
    [10, 3, 2],
    [10, '30%', '0%'],
    [10, 0, '30%'],
    [5, 0, 1],
    [5, 1, 0],
    [1, 1, 0],
    [1, 0, 1],
    [4, '50%', '50%'],
    [5, '10%', '10%'],
    [5, '0%', '10%'],
    [20, '25%', '25%'],
  ])('replicas %d, maxSurge %s, maxUnavailable %s', (replicas, surge, unavailable) => {
    rollOut(replicas, surge, unavailable);
  });

  it('respects minReadySeconds', () => {
    const fast = rollOut(4, 1, 0);
    const slow = rollOut(4, 1, 0, 3);
    expect(slow).toBeGreaterThan(fast);
  });

  it('holds the bounds for any replicas, surge and unavailability (property)', () => {
    const bound = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 100 }).map((p) => `${p}%`));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), bound, bound, (replicas, surge, unavailable) => {
        const literalZero = (v: Bound): boolean => v === 0 || v === '0%';
        fc.pre(!(literalZero(surge) && literalZero(unavailable)));
        rollOut(replicas, surge, unavailable);
      }),
      { numRuns: 40 },
    );
  });
});
