/**
 * RollingUpdate (Kubernetes' rolling.go): scale the new RS up within replicas + maxSurge, scale
 * old RSs down while at least replicas - maxUnavailable stay available. One scaling decision per
 * reconcile, as Kubernetes: the next sync sees its effect through the RS statuses.
 */
import { type ReplicaSet } from '@tsk/api';
import { type DeploymentContext, byCreationOldestFirst, desiredReplicas, scaleReplicaSet, specReplicas, sumSpec } from './replicasets.js';

/**
 * The available pods an RS will still have once its controller has caught up with its spec:
 * it deletes unavailable pods first, so at most spec of the available ones stay. This keeps a
 * status written before the RS scaled down from counting pods that are already gone.
 */
function availableAfterScale(rs: ReplicaSet | undefined): number {
  return Math.min(rs?.status?.availableReplicas ?? 0, specReplicas(rs));
}

/** How many replicas the new RS may have now (Kubernetes' NewRSNewReplicas for RollingUpdate). */
export function newRSReplicasForRolling(ctx: DeploymentContext, all: readonly ReplicaSet[], newRS: ReplicaSet | undefined): number {
  const replicas = desiredReplicas(ctx.d);
  const current = specReplicas(newRS);
  // Count an RS's pods by its spec or by the pods it still reports, whichever is larger: an old
  // RS scaled down in spec may still have pods its controller has not deleted yet, and those
  // count against the surge (Kubernetes counts specs only and can briefly overshoot).
  const podCount = all.reduce((n, rs) => n + Math.max(specReplicas(rs), rs.status?.replicas ?? 0), 0);
  const maxTotal = replicas + ctx.maxSurge;
  if (podCount >= maxTotal) return current;
  const scaleUp = Math.min(maxTotal - podCount, replicas - current);
  return current + Math.max(0, scaleUp);
}

/** Returns whether it scaled (then the reconcile stops and waits for the effect). */
export function reconcileNewReplicaSet(ctx: DeploymentContext): boolean {
  const newRS = ctx.newRS;
  if (newRS === undefined) return false;
  const replicas = desiredReplicas(ctx.d);
  if (specReplicas(newRS) === replicas) return false;
  if (specReplicas(newRS) > replicas) return scaleReplicaSet(ctx, newRS, replicas);
  const all = [...ctx.oldRSs, newRS];
  return scaleReplicaSet(ctx, newRS, newRSReplicasForRolling(ctx, all, newRS));
}

export function reconcileOldReplicaSets(ctx: DeploymentContext): boolean {
  const oldPods = sumSpec(ctx.oldRSs);
  if (oldPods === 0) return false;
  const all = ctx.newRS !== undefined ? [...ctx.oldRSs, ctx.newRS] : [...ctx.oldRSs];
  const allPods = sumSpec(all);
  const minAvailable = desiredReplicas(ctx.d) - ctx.maxUnavailable;
  const newRSUnavailable = specReplicas(ctx.newRS) - availableAfterScale(ctx.newRS);
  // Old pods that can go without dropping below minAvailable, not counting on new pods that
  // are not available yet.
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = cleanupUnhealthyReplicas(ctx, maxScaledDown);
  const scaled = scaleDownOldReplicaSets(ctx, minAvailable);
  return cleaned + scaled > 0;
}

/** Unavailable old pods first: removing them costs no availability. */
function cleanupUnhealthyReplicas(ctx: DeploymentContext, maxCleanup: number): number {
  let total = 0;
  for (const rs of [...ctx.oldRSs].sort(byCreationOldestFirst)) {
    if (total >= maxCleanup) break;
    const spec = specReplicas(rs);
    const available = availableAfterScale(rs);
    if (spec === 0 || available >= spec) continue;
    const down = Math.min(maxCleanup - total, spec - available);
    scaleReplicaSet(ctx, rs, spec - down);
    total += down;
  }
  return total;
}

/** Then available old pods, oldest RS first, down to minAvailable available pods overall. */
function scaleDownOldReplicaSets(ctx: DeploymentContext, minAvailable: number): number {
  const all = ctx.newRS !== undefined ? [...ctx.oldRSs, ctx.newRS] : [...ctx.oldRSs];
  const available = all.reduce((n, rs) => n + availableAfterScale(rs), 0);
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...ctx.oldRSs].sort(byCreationOldestFirst)) {
    if (total >= toScaleDown) break;
    const spec = specReplicas(rs);
    if (spec === 0) continue;
    const down = Math.min(spec, toScaleDown - total);
    scaleReplicaSet(ctx, rs, spec - down);
    total += down;
  }
  return total;
}
