/**
 * Deployment status and conditions (Kubernetes' sync.go calculateStatus / syncRolloutStatus and
 * progress.go): counts from the ReplicaSets' statuses, Available by minimum availability,
 * Progressing by rollout progress against progressDeadlineSeconds.
 */
import { type Deployment, type DeploymentStatus, type ReplicaSet } from '@tsk/api';
import { requeueAfter } from '../actions.js';
import { findCondition, removeCondition, setCondition } from '../common/conditions.js';
import { sameContent } from '../common/hash.js';
import { parseTime } from '../common/time.js';
import { ConditionTypes, Reasons } from './constants.js';
import { type DeploymentContext, desiredReplicas, revisionOf, rsName, sumSpec, sumStatus } from './replicasets.js';

function allRSs(ctx: DeploymentContext): ReplicaSet[] {
  return ctx.newRS !== undefined ? [...ctx.oldRSs, ctx.newRS] : [...ctx.oldRSs];
}

/** maxUnavailable as the Available condition uses it: 0 for Recreate or 0 replicas. */
function maxUnavailableFor(ctx: DeploymentContext): number {
  const replicas = desiredReplicas(ctx.d);
  if (!ctx.rolling || replicas === 0) return 0;
  return Math.min(ctx.maxUnavailable, replicas);
}

export function calculateStatus(ctx: DeploymentContext, baseStatus: DeploymentStatus): DeploymentStatus {
  const rss = allRSs(ctx);
  const available = sumStatus(rss, 'availableReplicas');
  const status: DeploymentStatus = {
    observedGeneration: ctx.d.metadata?.generation ?? 0,
    replicas: sumStatus(rss, 'replicas'),
    updatedReplicas: sumStatus([ctx.newRS], 'replicas'),
    readyReplicas: sumStatus(rss, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpec(rss) - available),
    conditions: baseStatus.conditions ?? [],
  };
  if ((baseStatus.collisionCount ?? 0) > 0) status.collisionCount = baseStatus.collisionCount ?? 0;
  const minAvailable = desiredReplicas(ctx.d) - maxUnavailableFor(ctx);
  status.conditions = setCondition(
    status.conditions,
    available >= minAvailable
      ? { type: ConditionTypes.Available, status: 'True', reason: Reasons.MinimumReplicasAvailable, message: 'Deployment has minimum availability.' }
      : { type: ConditionTypes.Available, status: 'False', reason: Reasons.MinimumReplicasUnavailable, message: 'Deployment does not have minimum availability.' },
    ctx.now,
    true,
  );
  return status;
}

/** Every replica updated, available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const replicas = desiredReplicas(d);
  return (
    (s.updatedReplicas ?? 0) === replicas &&
    (s.replicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas &&
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  // Kubernetes uses MaxInt32 for "no deadline"; an unset or non-positive value means none here.
  return s !== undefined && s > 0 && s < 2147483647;
}

/** When the Progressing condition's deadline runs out (ms), if it is still running. */
function deadlineAt(d: Deployment, s: DeploymentStatus): number | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const c = findCondition(s.conditions, ConditionTypes.Progressing);
  if (c === undefined || c.reason === Reasons.NewReplicaSetAvailable || c.reason === Reasons.ProgressDeadlineExceeded) return undefined;
  if (c.reason === Reasons.DeploymentPaused) return undefined;
  const from = parseTime(c.lastUpdateTime) ?? parseTime(c.lastTransitionTime);
  return from === undefined ? undefined : from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000;
}

/**
 * Status only (paused, scaling, deleting): counts and Available, Progressing left alone.
 */
export function syncStatusOnly(ctx: DeploymentContext): void {
  const status = calculateStatus(ctx, ctx.status);
  pushStatus(ctx, status);
}

/** Status with the Progressing condition, then a requeue for the progress deadline. */
export function syncRolloutStatus(ctx: DeploymentContext): void {
  const d = { ...ctx.d, status: ctx.status };
  let status = calculateStatus(ctx, ctx.status);
  if (!hasProgressDeadline(d)) status.conditions = removeCondition(status.conditions, ConditionTypes.Progressing);
  const current = findCondition(d.status?.conditions, ConditionTypes.Progressing);
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reasons.NewReplicaSetAvailable;
  const name = ctx.newRS !== undefined ? rsName(ctx.newRS) : undefined;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, status)) {
      const message = name !== undefined ? `ReplicaSet "${name}" has successfully progressed.` : `Deployment "${d.metadata?.name ?? ''}" has successfully progressed.`;
      status.conditions = setCondition(status.conditions, { type: ConditionTypes.Progressing, status: 'True', reason: Reasons.NewReplicaSetAvailable, message }, ctx.now, true);
    } else if (deploymentProgressing(d, status)) {
      const message = `ReplicaSet "${name ?? ''}" is progressing.`;
      // Progress moves lastUpdateTime (the deadline counts from the last progress) even when
      // reason and message stay the same.
      const conditions = removeCondition(status.conditions, ConditionTypes.Progressing);
      const next = setCondition(conditions, { type: ConditionTypes.Progressing, status: 'True', reason: Reasons.ReplicaSetUpdated, message }, ctx.now, true);
      if (current?.status === 'True') {
        const c = findCondition(next, ConditionTypes.Progressing);
        if (c !== undefined) c.lastTransitionTime = current.lastTransitionTime ?? c.lastTransitionTime ?? '';
      }
      status.conditions = next;
    } else if (timedOut(d, status, ctx.now)) {
      const message = `ReplicaSet "${name ?? ''}" has timed out progressing.`;
      status = {
        ...status,
        conditions: setCondition(status.conditions, { type: ConditionTypes.Progressing, status: 'False', reason: Reasons.ProgressDeadlineExceeded, message }, ctx.now, true),
      };
      if (current?.reason !== Reasons.ProgressDeadlineExceeded) {
        ctx.actions.push({ type: 'Event', involvedObject: ctx.ref, eventType: 'Warning', reason: Reasons.ProgressDeadlineExceeded, message: `Deployment "${d.metadata?.name ?? ''}" has timed out progressing.` });
      }
    }
  }
  pushStatus(ctx, status);
  const at = deadlineAt(d, status);
  if (at !== undefined) ctx.actions.push(...requeueAfter(at - ctx.now));
}

function timedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  const c = findCondition(s.conditions, ConditionTypes.Progressing);
  if (c === undefined || c.reason === Reasons.NewReplicaSetAvailable) return false;
  if (c.reason === Reasons.ProgressDeadlineExceeded) return true;
  const at = deadlineAt(d, s);
  return at !== undefined && at < now;
}

function pushStatus(ctx: DeploymentContext, status: DeploymentStatus): void {
  if (sameContent(status, ctx.d.status ?? {})) return;
  ctx.actions.push({ type: 'UpdateStatus', target: { ...ctx.ref, kind: 'Deployment' }, status });
}

/**
 * revisionHistoryLimit: delete the oldest-revision old RSs beyond the limit, but only those that
 * are fully scaled down and observed so (never one that still has pods).
 */
export function cleanupOldReplicaSets(ctx: DeploymentContext): void {
  const limit = ctx.d.spec?.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = ctx.oldRSs.filter((rs) => (rs.metadata?.deletionTimestamp ?? '') === '');
  const excess = cleanable.length - Math.max(0, limit);
  if (excess <= 0) return;
  const byRevision = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || rsName(a).localeCompare(rsName(b)));
  for (const rs of byRevision.slice(0, excess)) {
    if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec?.replicas ?? 0) !== 0) continue;
    if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    ctx.actions.push({ type: 'DeleteReplicaSet', namespace: rs.metadata?.namespace ?? '', name: rsName(rs), uid: rs.metadata?.uid ?? '', reason: 'beyond revisionHistoryLimit' });
  }
}
