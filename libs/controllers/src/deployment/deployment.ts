/**
 * Deployment reconcile (Kubernetes' deployment_controller.go syncDeployment): claim ReplicaSets,
 * then, in this order: a Deployment being deleted only gets status; a paused one or a scaling
 * event gets scaling, history cleanup and status; otherwise its strategy rolls out.
 */
import { type Deployment, type Pod, type ReplicaSet, TskError, fromLabelSelector } from '@tsk/api';
import { type Action } from '../actions.js';
import { findCondition, setCondition } from '../common/conditions.js';
import { sameContent, templateHash } from '../common/hash.js';
import { resolveSurgeAndUnavailable } from '../common/int-or-percent.js';
import { claim, controllerRef, refOf } from '../common/owners.js';
import { selectorProblem } from '../common/selector-guard.js';
import { ConditionTypes, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, Reasons } from './constants.js';
import { oldPodsRunning, scaleDownOldForRecreate, scaleUpNewForRecreate } from './recreate.js';
import {
  type DeploymentContext,
  desiredReplicas,
  findNewReplicaSet,
  replicasAnnotations,
  revisionOf,
  rsName,
} from './replicasets.js';
import { newRSReplicasForRolling, reconcileNewReplicaSet, reconcileOldReplicaSets } from './rolling.js';
import { isScalingEvent, scaleDeployment } from './scale.js';
import { cleanupOldReplicaSets, deploymentComplete, syncRolloutStatus, syncStatusOnly, calculateStatus } from './status.js';

export interface DeploymentInput {
  readonly deployment: Deployment;
  /** ReplicaSets of the Deployment's namespace (its own and orphans it may adopt). */
  readonly replicaSets: readonly ReplicaSet[];
  /** Pods of the namespace; only Recreate reads them (to wait for old pods to be gone). */
  readonly pods: readonly Pod[];
  readonly now: number;
}

export function reconcileDeployment(input: DeploymentInput): Action[] {
  const d = input.deployment;
  const namespace = d.metadata?.namespace ?? '';
  const ref = refOf('Deployment', d);
  const problem = selectorProblem(d.spec?.selector, d.spec?.template);
  if (problem !== undefined) return [{ type: 'Event', involvedObject: ref, eventType: 'Warning', reason: 'SelectorInvalid', message: problem }];
  const rolling = (d.spec?.strategy?.type ?? 'RollingUpdate') !== 'Recreate';
  let bounds = { maxSurge: 0, maxUnavailable: 0 };
  if (rolling) {
    try {
      const ru = d.spec?.strategy?.rollingUpdate;
      bounds = resolveSurgeAndUnavailable(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d), { maxSurge: 0, maxUnavailable: 0 });
    } catch (err) {
      const message = err instanceof TskError ? err.message : String(err);
      return [{ type: 'Event', involvedObject: ref, eventType: 'Warning', reason: 'InvalidStrategy', message }];
    }
  }
  const selector = fromLabelSelector(d.spec?.selector);
  const candidates = input.replicaSets.filter((rs) => (rs.metadata?.namespace ?? '') === namespace).map((rs) => structuredClone(rs));
  const claimed = claim(candidates, { owner: d, ownerApiVersion: 'apps/v1', ownerKind: 'Deployment', dependentKind: 'ReplicaSet', selector });
  const ctx: DeploymentContext = {
    d,
    ref,
    now: input.now,
    actions: [...claimed.actions],
    newRS: undefined,
    oldRSs: [],
    status: d.status ?? {},
    maxSurge: bounds.maxSurge,
    maxUnavailable: bounds.maxUnavailable,
    rolling,
  };
  const owned = claimed.owned;
  const newRS = findNewReplicaSet(d, owned);
  ctx.newRS = newRS;
  ctx.oldRSs = owned.filter((rs) => rs !== newRS);

  if ((d.metadata?.deletionTimestamp ?? '') !== '') {
    syncStatusOnly(ctx);
    return ctx.actions;
  }
  checkPausedCondition(ctx);
  if (d.spec?.paused === true || isScalingEvent(ctx)) {
    syncRevision(ctx);
    scaleDeployment(ctx);
    // As Kubernetes: history is cleaned while paused (no rollout can need the old RSs then).
    if (d.spec?.paused === true) cleanupOldReplicaSets(ctx);
    syncStatusOnly(ctx);
    return ctx.actions;
  }
  if (rolling) rolloutRolling(ctx, input.replicaSets);
  else rolloutRecreate(ctx, input.replicaSets, input.pods);
  return ctx.actions;
}

function rolloutRolling(ctx: DeploymentContext, allInNamespace: readonly ReplicaSet[]): void {
  syncRevision(ctx);
  if (ctx.newRS === undefined) {
    createNewReplicaSet(ctx, allInNamespace);
    return;
  }
  if (reconcileNewReplicaSet(ctx) || reconcileOldReplicaSets(ctx)) {
    syncRolloutStatus(ctx);
    return;
  }
  if (deploymentComplete(ctx.d, calculateStatus(ctx, ctx.status))) cleanupOldReplicaSets(ctx);
  syncRolloutStatus(ctx);
}

function rolloutRecreate(ctx: DeploymentContext, allInNamespace: readonly ReplicaSet[], pods: readonly Pod[]): void {
  syncRevision(ctx);
  if (scaleDownOldForRecreate(ctx) || oldPodsRunning(ctx, pods)) {
    syncRolloutStatus(ctx);
    return;
  }
  if (ctx.newRS === undefined) {
    createNewReplicaSet(ctx, allInNamespace);
    return;
  }
  scaleUpNewForRecreate(ctx);
  if (deploymentComplete(ctx.d, calculateStatus(ctx, ctx.status))) cleanupOldReplicaSets(ctx);
  syncRolloutStatus(ctx);
}

/** Keeps the Progressing condition in step with pause and resume (Kubernetes' checkPausedConditions). */
function checkPausedCondition(ctx: DeploymentContext): void {
  const d = ctx.d;
  if (!((d.spec?.progressDeadlineSeconds ?? 0) > 0)) return;
  const cond = findCondition(ctx.status.conditions, ConditionTypes.Progressing);
  const paused = d.spec?.paused === true;
  if (paused && cond?.reason !== Reasons.DeploymentPaused) {
    setProgressing(ctx, 'Unknown', Reasons.DeploymentPaused, 'Deployment is paused');
  } else if (!paused && cond?.reason === Reasons.DeploymentPaused) {
    setProgressing(ctx, 'Unknown', Reasons.DeploymentResumed, 'Deployment is resumed');
  }
}

function setProgressing(ctx: DeploymentContext, status: 'True' | 'False' | 'Unknown', reason: string, message: string): void {
  ctx.status = { ...ctx.status, conditions: setCondition(ctx.status.conditions, { type: ConditionTypes.Progressing, status, reason, message }, ctx.now, true) };
}

function maxOldRevision(ctx: DeploymentContext): number {
  return ctx.oldRSs.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * An existing new RS whose revision is not above every old one (a rollback to its template)
 * gets the next revision; the Deployment carries the new RS's revision.
 */
function syncRevision(ctx: DeploymentContext): void {
  const rs = ctx.newRS;
  if (rs === undefined) return;
  const next = maxOldRevision(ctx) + 1;
  const minReadySeconds = ctx.d.spec?.minReadySeconds ?? 0;
  const staleRevision = revisionOf(rs) < next;
  // minReadySeconds is not part of the template, so a change of it reaches the RS only here.
  const staleMinReady = (rs.spec?.minReadySeconds ?? 0) !== minReadySeconds;
  if (staleRevision || staleMinReady) {
    const updated: ReplicaSet = structuredClone(rs);
    if (staleRevision) updated.metadata = { ...(updated.metadata ?? {}), annotations: { ...(updated.metadata?.annotations ?? {}), [REVISION_ANNOTATION]: String(next) } };
    updated.spec = { ...(updated.spec ?? {}), minReadySeconds };
    ctx.actions.push({ type: 'UpdateReplicaSet', replicaSet: updated });
    ctx.newRS = updated;
  }
  syncDeploymentRevision(ctx, revisionOf(ctx.newRS ?? rs));
  if ((ctx.d.spec?.progressDeadlineSeconds ?? 0) > 0 && findCondition(ctx.status.conditions, ConditionTypes.Progressing) === undefined) {
    setProgressing(ctx, 'True', Reasons.FoundNewReplicaSet, `Found new replica set "${rsName(ctx.newRS ?? rs)}"`);
  }
}

function syncDeploymentRevision(ctx: DeploymentContext, revision: number): void {
  if (revision > 0 && ctx.d.metadata?.annotations?.[REVISION_ANNOTATION] !== String(revision)) {
    ctx.actions.push({ type: 'SetAnnotations', target: ctx.ref, annotations: { [REVISION_ANNOTATION]: String(revision) } });
  }
}

/**
 * Creates the new RS `<deployment>-<hash>` at the size the strategy allows, then writes status;
 * the next sync (on the RS's creation event) continues the rollout. A name taken by an RS with
 * another template is a hash collision: bump status.collisionCount (which changes the hash) and
 * try again on the next sync.
 */
function createNewReplicaSet(ctx: DeploymentContext, allInNamespace: readonly ReplicaSet[]): void {
  const d = ctx.d;
  const collisionCount = d.status?.collisionCount ?? 0;
  const hash = templateHash(d.spec?.template, POD_TEMPLATE_HASH_LABEL, collisionCount);
  const name = `${d.metadata?.name ?? ''}-${hash}`;
  const namespace = d.metadata?.namespace ?? '';
  if (allInNamespace.some((rs) => rsName(rs) === name && (rs.metadata?.namespace ?? '') === namespace)) {
    const status = { ...(d.status ?? {}), collisionCount: collisionCount + 1 };
    if (!sameContent(status, d.status ?? {})) ctx.actions.push({ type: 'UpdateStatus', target: { ...ctx.ref, kind: 'Deployment' }, status });
    return;
  }
  const template = structuredClone(d.spec?.template ?? {});
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const revision = maxOldRevision(ctx) + 1;
  const newRS: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace,
      labels: { ...(template.metadata.labels ?? {}) },
      annotations: { [REVISION_ANNOTATION]: String(revision) },
      ownerReferences: [controllerRef(d, 'apps/v1', 'Deployment')],
    },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
  const all = [...ctx.oldRSs];
  const replicas = ctx.rolling ? newRSReplicasForRolling(ctx, all, undefined) : desiredReplicas(d);
  newRS.spec = { ...newRS.spec, replicas };
  newRS.metadata = { ...newRS.metadata, annotations: { ...(newRS.metadata?.annotations ?? {}), ...replicasAnnotations(ctx) } };
  ctx.actions.push({ type: 'CreateReplicaSet', replicaSet: newRS });
  if (replicas > 0) {
    ctx.actions.push({ type: 'Event', involvedObject: ctx.ref, eventType: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${name} to ${replicas}` });
  }
  syncDeploymentRevision(ctx, revision);
  if ((d.spec?.progressDeadlineSeconds ?? 0) > 0) setProgressing(ctx, 'True', Reasons.NewReplicaSetCreated, `Created new replica set "${name}"`);
  // The created RS has no status yet; status counts it as 0 pods until its controller reports.
  ctx.newRS = newRS;
  syncRolloutStatus(ctx);
}
