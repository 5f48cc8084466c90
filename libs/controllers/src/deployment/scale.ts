/**
 * Scaling a Deployment (Kubernetes' sync.go scale): a change of spec.replicas outside of a
 * rollout. With one active RS it takes the new count; in the middle of a rolling update the
 * change is spread over the active RSs in proportion to their size, so a rollout keeps its shape.
 */
import { type ReplicaSet } from '@tsk/api';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION } from './constants.js';
import { type DeploymentContext, byCreationOldestFirst, desiredReplicas, isActiveRS, rsName, scaleReplicaSet, specReplicas, sumSpec } from './replicasets.js';

/** An active RS was last scaled for a different replica count than the Deployment's. */
export function isScalingEvent(ctx: DeploymentContext): boolean {
  const all = ctx.newRS !== undefined ? [...ctx.oldRSs, ctx.newRS] : ctx.oldRSs;
  return all.filter(isActiveRS).some((rs) => {
    const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
    return desired !== undefined && Number(desired) !== desiredReplicas(ctx.d);
  });
}

function newestFirst(a: ReplicaSet, b: ReplicaSet): number {
  return -byCreationOldestFirst(a, b);
}

/** The only active RS, or the newest if none is active; undefined if several are active. */
function activeOrLatest(ctx: DeploymentContext): ReplicaSet | undefined {
  const olds = [...ctx.oldRSs].sort(newestFirst);
  const all = (ctx.newRS !== undefined ? [...olds, ctx.newRS] : olds).filter(isActiveRS);
  if (all.length === 0) return ctx.newRS ?? olds[0];
  return all.length === 1 ? all[0] : undefined;
}

export function scaleDeployment(ctx: DeploymentContext): void {
  const replicas = desiredReplicas(ctx.d);
  const single = activeOrLatest(ctx);
  if (single !== undefined) {
    scaleReplicaSet(ctx, single, replicas);
    return;
  }
  const newRS = ctx.newRS;
  const saturated =
    newRS !== undefined &&
    specReplicas(newRS) === replicas &&
    newRS.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(replicas) &&
    (newRS.status?.availableReplicas ?? 0) === replicas;
  if (saturated) {
    for (const rs of ctx.oldRSs.filter(isActiveRS)) scaleReplicaSet(ctx, rs, 0);
    return;
  }
  if (!ctx.rolling) return;
  const all = (newRS !== undefined ? [...ctx.oldRSs, newRS] : [...ctx.oldRSs]).filter(isActiveRS);
  const allowed = replicas > 0 ? replicas + ctx.maxSurge : 0;
  const toAdd = allowed - sumSpec(all);
  // Adding: larger first, newer first on a tie; removing: larger first, older first.
  all.sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? newestFirst(a, b) : byCreationOldestFirst(a, b)));
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of all) {
    const share = toAdd !== 0 ? proportion(ctx, rs, toAdd, added) : 0;
    sizes.set(rsName(rs), specReplicas(rs) + share);
    added += share;
  }
  // Rounding leftovers go to the largest RS.
  const first = all[0];
  if (first !== undefined && toAdd !== 0) sizes.set(rsName(first), Math.max(0, (sizes.get(rsName(first)) ?? 0) + toAdd - added));
  for (const rs of all) scaleReplicaSet(ctx, rs, sizes.get(rsName(rs)) ?? specReplicas(rs));
}

function proportion(ctx: DeploymentContext, rs: ReplicaSet, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(ctx, rs);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** How much this RS should grow or shrink: its size scaled from the old max to the new. */
function replicaSetFraction(ctx: DeploymentContext, rs: ReplicaSet): number {
  const replicas = desiredReplicas(ctx.d);
  if (replicas === 0) return -specReplicas(rs);
  const newMax = replicas + ctx.maxSurge;
  const annotated = Number(rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION] ?? NaN);
  const oldMax = Number.isFinite(annotated) && annotated > 0 ? annotated : (ctx.d.status?.replicas ?? 0);
  if (oldMax === 0) return 0;
  return Math.round((specReplicas(rs) * newMax) / oldMax) - specReplicas(rs);
}
