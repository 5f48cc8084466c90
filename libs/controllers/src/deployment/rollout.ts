/**
 * Helpers behind `tsctl rollout history|undo|restart`: they compute the new template; the caller
 * writes it to the Deployment and the reconcile does the rest (a rollback is a rollout to an old
 * template, which then gets the next revision number, as in Kubernetes).
 */
import { type Deployment, type PodTemplateSpec, type ReplicaSet } from '@tsk/api';
import { templatesEqualIgnoringLabel, withoutLabel } from '../common/hash.js';
import { isControlledBy } from '../common/owners.js';
import { formatTime } from '../common/time.js';
import { CHANGE_CAUSE_ANNOTATION, POD_TEMPLATE_HASH_LABEL, RESTARTED_AT_ANNOTATION } from './constants.js';
import { revisionOf, rsName } from './replicasets.js';

export interface RevisionEntry {
  readonly revision: number;
  readonly replicaSet: string;
  /** The kubernetes.io/change-cause annotation, or "" (kubectl prints <none>). */
  readonly changeCause: string;
  /** The template without its pod-template-hash label. */
  readonly template: PodTemplateSpec;
}

/** The Deployment's revisions, oldest first, from the ReplicaSets it controls. */
export function rolloutHistory(d: Deployment, replicaSets: readonly ReplicaSet[]): RevisionEntry[] {
  const uid = d.metadata?.uid ?? '';
  return replicaSets
    .filter((rs) => isControlledBy(rs, uid) && revisionOf(rs) > 0)
    .map((rs) => ({
      revision: revisionOf(rs),
      replicaSet: rsName(rs),
      changeCause: rs.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] ?? '',
      template: withoutLabel(rs.spec?.template, POD_TEMPLATE_HASH_LABEL),
    }))
    .sort((a, b) => a.revision - b.revision);
}

export type RollbackResult =
  | { readonly ok: true; readonly template: PodTemplateSpec; readonly revision: number }
  | { readonly ok: false; readonly skipped: boolean; readonly message: string };

/**
 * The template to roll back to: revision `toRevision`, or the one before the current (0 or
 * undefined, as `rollout undo`). Messages are kubectl's.
 */
export function rollbackTemplate(d: Deployment, replicaSets: readonly ReplicaSet[], toRevision?: number): RollbackResult {
  const history = rolloutHistory(d, replicaSets);
  if (history.length === 0) return { ok: false, skipped: false, message: 'no rollout history found' };
  let target: RevisionEntry | undefined;
  if (toRevision === undefined || toRevision === 0) {
    // The previous revision is the second highest (the highest is the current one).
    target = history.length >= 2 ? history[history.length - 2] : undefined;
    if (target === undefined) return { ok: false, skipped: false, message: 'no previous revision found' };
  } else {
    target = history.find((h) => h.revision === toRevision);
    if (target === undefined) return { ok: false, skipped: false, message: `unable to find specified revision ${toRevision} in history` };
  }
  if (templatesEqualIgnoringLabel(target.template, d.spec?.template, POD_TEMPLATE_HASH_LABEL)) {
    return { ok: false, skipped: true, message: `skipped rollback (current template already matches revision ${target.revision})` };
  }
  return { ok: true, template: structuredClone(target.template), revision: target.revision };
}

/** The template with kubectl.kubernetes.io/restartedAt = now: a new template, a new rollout. */
export function restartTemplate(template: PodTemplateSpec | undefined, now: number): PodTemplateSpec {
  const t = structuredClone(template ?? {});
  t.metadata = { ...(t.metadata ?? {}), annotations: { ...(t.metadata?.annotations ?? {}), [RESTARTED_AT_ANNOTATION]: formatTime(now) } };
  return t;
}

export interface RolloutStatus {
  /** The rollout finished (kubectl exits 0). */
  readonly done: boolean;
  /** kubectl's line for this state (without a newline). */
  readonly message: string;
  /** The rollout cannot finish: kubectl prints this as an error and exits 1. */
  readonly error?: string;
}

/** What `rollout status deployment/NAME` prints for this Deployment, as kubectl words it. */
export function deploymentRolloutStatus(d: Deployment): RolloutStatus {
  const name = d.metadata?.name ?? '';
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return { done: false, message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { done: false, message: '', error: `deployment "${name}" exceeded its progress deadline` };
  }
  const replicas = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < replicas) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...` };
  }
  if ((s.replicas ?? 0) > updated) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
  }
  if ((s.availableReplicas ?? 0) < updated) {
    return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
  }
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}
