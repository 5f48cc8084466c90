/**
 * Rolling updates in a small simulated cluster, checking Kubernetes' guarantees on every step:
 * never fewer than replicas - maxUnavailable ready pods, never more than replicas + maxSurge pods.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mutatingActions } from '../actions.js';
import { resolveSurgeAndUnavailable } from '../common/int-or-percent.js';
import { seededRandom } from '../common/names.js';
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
interface SimOptions {
  readonly minReadySeconds?: number;
  /** Deleted pods linger one step with a deletionTimestamp (an agent stopping containers). */
  readonly graceful?: boolean;
  /** Controllers run or skip each step as this says (stale statuses); undefined = always run. */
  readonly runs?: () => boolean;
}

function rollOut(replicas: number, maxSurge: Bound, maxUnavailable: Bound, options: SimOptions = {}): number {
  const minReadySeconds = options.minReadySeconds ?? 0;
  const world = new World(at(0));
  world.gracefulPods = options.graceful ?? false;
  world.add('Deployment', deployment('web', { replicas, maxSurge, maxUnavailable, minReadySeconds }));
  const c = new DeploymentCluster(world);
  for (let i = 0; i < 100 && !complete(c); i++) c.step();
  expect(complete(c)).toBe(true);

  const bounds = resolveSurgeAndUnavailable(intOrString(maxSurge), intOrString(maxUnavailable), replicas);
  const d = world.deployments.get('web')!;
  d.spec!.template = template({ app: 'web' }, 'nginx:2');
  d.metadata!.generation = 2;
  let steps = 0;
  for (; steps < 400 && !complete(c); steps++) {
    if (options.runs !== undefined) c.laggingStep(options.runs);
    else c.step();
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
    const slow = rollOut(4, 1, 0, { minReadySeconds: 3 });
    expect(slow).toBeGreaterThan(fast);
  });

  it.each<[number, Bound, Bound]>([
    [5, 1, 1],
    [10, '25%', '25%'],
    [3, 0, 1],
  ])('with terminating pods that linger: replicas %d, maxSurge %s, maxUnavailable %s', (replicas, surge, unavailable) => {
    rollOut(replicas, surge, unavailable, { graceful: true });
  });

  it('holds the bounds when controllers lag behind and read stale statuses (property)', () => {
    const bound = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('10%', '25%', '50%'));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), bound, bound, fc.integer(), (replicas, surge, unavailable, seed) => {
        fc.pre(!(surge === 0 && unavailable === 0));
        const random = seededRandom(seed);
        rollOut(replicas, surge, unavailable, { runs: () => random() < 0.6, graceful: seed % 2 === 0 });
      }),
      { numRuns: 60 },
    );
  });

  it('holds the bounds for any replicas, surge and unavailability (property)', () => {
    const bound = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 100 }).map((p) => `${p}%`));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), bound, bound, fc.boolean(), (replicas, surge, unavailable, graceful) => {
        const literalZero = (v: Bound): boolean => v === 0 || v === '0%';
        fc.pre(!(literalZero(surge) && literalZero(unavailable)));
        rollOut(replicas, surge, unavailable, { graceful });
      }),
      { numRuns: 40 },
    );
  });
});
