/**
 * A World driven by the Deployment and ReplicaSet reconcilers, one "step" at a time, for
 * simulation tests: pods created in one step are scheduled and Ready at the start of the next.
 */
import { type Deployment } from '@tsk/api';
import { mutatingActions } from '../actions.js';
import { reconcileDeployment } from '../deployment/deployment.js';
import { reconcileReplicaSet } from '../replicaset/replicaset.js';
import { isActive, isReady } from '../common/pods.js';
import { type World } from './world.js';

export class DeploymentCluster {
  readonly world: World;
  private seed = 0;

  constructor(world: World) {
    this.world = world;
  }

  deployment(name = 'web'): Deployment {
    const d = this.world.deployments.get(name);
    if (d === undefined) throw new Error(`no deployment ${name}`);
    return structuredClone(d);
  }

  /** Runs every ReplicaSet reconcile until none has anything left to do (informers caught up). */
  settleReplicaSets(): void {
    for (let round = 0; round < 10; round++) {
      let changed = false;
      for (const rs of this.world.list(this.world.replicaSets)) {
        const actions = reconcileReplicaSet({ replicaSet: rs, pods: this.world.list(this.world.pods), now: this.world.now, seed: ++this.seed });
        if (mutatingActions(actions).length > 0) changed = true;
        this.world.apply(actions);
      }
      if (!changed) return;
    }
    throw new Error('replica sets did not settle');
  }

  reconcileDeployment(name = 'web'): ReturnType<typeof reconcileDeployment> {
    const actions = reconcileDeployment({
      deployment: this.deployment(name),
      replicaSets: this.world.list(this.world.replicaSets),
      pods: this.world.list(this.world.pods),
      now: this.world.now,
    });
    this.world.apply(actions);
    return actions;
  }

  /** One step: time passes, pending pods start and become Ready, the controllers run. */
  step(ms = 1000): void {
    this.world.now += ms;
    this.world.reapDeletedPods();
    this.world.makePodsReady();
    this.settleReplicaSets();
    this.reconcileDeployment();
    this.settleReplicaSets();
  }

  /**
   * One step with lagging controllers: each ReplicaSet reconcile and the Deployment reconcile
   * run once, or not at all, as `runs` decides (informers and workers that fall behind).
   */
  laggingStep(runs: () => boolean, ms = 1000): void {
    this.world.now += ms;
    this.world.reapDeletedPods();
    this.world.makePodsReady();
    for (const rs of this.world.list(this.world.replicaSets)) {
      if (runs()) this.world.apply(reconcileReplicaSet({ replicaSet: rs, pods: this.world.list(this.world.pods), now: this.world.now, seed: ++this.seed }));
    }
    if (runs()) this.reconcileDeployment();
  }

  activePods(): number {
    return [...this.world.pods.values()].filter(isActive).length;
  }

  readyPods(): number {
    return [...this.world.pods.values()].filter((p) => isActive(p) && isReady(p)).length;
  }
}
