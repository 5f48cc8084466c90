/**
 * The Deployment's view of its ReplicaSets: which is new (same template), the revisions, and the
 * scale operation every strategy uses (with Kubernetes' annotations and ScalingReplicaSet event).
 */
import { type Deployment, type DeploymentStatus, type ReplicaSet } from '@tsk/api';
import { type Action, type ObjectRef } from '../actions.js';
import { templatesEqualIgnoringLabel } from '../common/hash.js';
import { parseTime } from '../common/time.js';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from './constants.js';

export function rsName(rs: ReplicaSet): string {
  return rs.metadata?.name ?? '';
}

export function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

export function revisionOf(obj: { metadata?: { annotations?: { [key: string]: string } | undefined } | undefined }): number {
  const v = Number(obj.metadata?.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isInteger(v) && v > 0 ? v : 0;
}

export function byCreationOldestFirst(a: ReplicaSet, b: ReplicaSet): number {
  const d = (parseTime(a.metadata?.creationTimestamp) ?? 0) - (parseTime(b.metadata?.creationTimestamp) ?? 0);
  return d !== 0 ? d : rsName(a) < rsName(b) ? -1 : rsName(a) > rsName(b) ? 1 : 0;
}

/** The oldest ReplicaSet whose template equals the Deployment's (Kubernetes' FindNewReplicaSet). */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreationOldestFirst).find((rs) => templatesEqualIgnoringLabel(rs.spec?.template, d.spec?.template, POD_TEMPLATE_HASH_LABEL));
}

/** Has pods or wants them. */
export function isActiveRS(rs: ReplicaSet): boolean {
  return specReplicas(rs) > 0;
}

export function sumSpec(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + specReplicas(rs), 0);
}

export function sumStatus(rss: readonly (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rss.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
}

/** Shared state of one Deployment reconcile: local copies of the RSs, updated as actions are decided. */
export interface DeploymentContext {
  /** The Deployment as stored (its status is what a status update is compared with). */
  readonly d: Deployment;
  /**
   * The status this reconcile works from: the stored one plus conditions set earlier in the same
   * reconcile (NewReplicaSetCreated, FoundNewReplicaSet, DeploymentPaused...).
   */
  status: DeploymentStatus;
  readonly ref: ObjectRef;
  readonly now: number;
  readonly actions: Action[];
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly rolling: boolean;
}

export function desiredReplicas(d: Deployment): number {
  return Math.max(0, d.spec?.replicas ?? 1);
}

/** The annotations a scaled RS carries: the Deployment's replicas and replicas + maxSurge. */
export function replicasAnnotations(ctx: DeploymentContext): Record<string, string> {
  const replicas = desiredReplicas(ctx.d);
  return { [DESIRED_REPLICAS_ANNOTATION]: String(replicas), [MAX_REPLICAS_ANNOTATION]: String(replicas + (ctx.rolling ? ctx.maxSurge : 0)) };
}

/**
 * Scales one RS (spec.replicas and the annotations), records ScalingReplicaSet with Kubernetes'
 * message, and updates the local copy. Returns whether the size changed.
 */
export function scaleReplicaSet(ctx: DeploymentContext, rs: ReplicaSet, replicas: number): boolean {
  const annotations = replicasAnnotations(ctx);
  const current = rs.metadata?.annotations ?? {};
  const sizeChanged = specReplicas(rs) !== replicas;
  const annotationsChanged = Object.entries(annotations).some(([k, v]) => current[k] !== v);
  if (!sizeChanged && !annotationsChanged) return false;
  const from = specReplicas(rs);
  ctx.actions.push({
    type: 'ScaleReplicaSet',
    namespace: rs.metadata?.namespace ?? '',
    name: rsName(rs),
    uid: rs.metadata?.uid ?? '',
    replicas,
    annotations,
  });
  rs.spec = { ...(rs.spec ?? {}), replicas };
  rs.metadata = { ...(rs.metadata ?? {}), annotations: { ...current, ...annotations } };
  if (sizeChanged) {
    const direction = replicas > from ? 'up' : 'down';
    ctx.actions.push({
      type: 'Event',
      involvedObject: ctx.ref,
      eventType: 'Normal',
      reason: 'ScalingReplicaSet',
      message: `Scaled ${direction} replica set ${rsName(rs)} to ${replicas}`,
    });
  }
  return sizeChanged;
}
