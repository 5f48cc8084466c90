/**
 * Recreate (Kubernetes' recreate.go): scale every old RS to 0, wait until none of their pods is
 * left (not even terminating, since two versions must never run together), then scale the new
 * RS to the full count.
 */
import { type Pod } from '@tsk/api';
import { isTerminal } from '../common/pods.js';
import { type DeploymentContext, desiredReplicas, isActiveRS, scaleReplicaSet, sumStatus } from './replicasets.js';

export function scaleDownOldForRecreate(ctx: DeploymentContext): boolean {
  let scaled = false;
  for (const rs of ctx.oldRSs.filter(isActiveRS)) {
    if (scaleReplicaSet(ctx, rs, 0)) scaled = true;
  }
  return scaled;
}

/** Old pods may still run: reported by an old RS, or an old RS's pod not yet finished or gone. */
export function oldPodsRunning(ctx: DeploymentContext, pods: readonly Pod[]): boolean {
  if (sumStatus(ctx.oldRSs, 'replicas') > 0) return true;
  const oldUids = new Set(ctx.oldRSs.map((rs) => rs.metadata?.uid ?? ''));
  return pods.some((p) => {
    const owner = (p.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
    // A pod in phase Unknown may still run on an unreachable node: wait for it too.
    return owner !== undefined && oldUids.has(owner.uid ?? '') && !isTerminal(p);
  });
}

export function scaleUpNewForRecreate(ctx: DeploymentContext): boolean {
  return ctx.newRS !== undefined && scaleReplicaSet(ctx, ctx.newRS, desiredReplicas(ctx.d));
}
