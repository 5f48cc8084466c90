/**
 * ReplicaSet reconcile: keep spec.replicas active pods that match the selector.
 *
 * As Kubernetes' replica_set.go: claim pods (adopt matching orphans, release owned pods that stop
 * matching), create or delete the difference (deleting in ActivePods order), and write status
 * from the pods seen (not from the actions just decided: the next sync sees their effect).
 * Pods being deleted or finished are not counted, so a pod on its way out is replaced at once.
 */
import { type Pod, type ReplicaSet, type ReplicaSetStatus, fromLabelSelector } from '@tsk/api';
import { type Action, requeueAfter } from '../actions.js';
import { sameContent } from '../common/hash.js';
import { selectorProblem } from '../common/selector-guard.js';
import { nameGenerator } from '../common/names.js';
import { claim, controllerRef, refOf } from '../common/owners.js';
import { podFromTemplate } from '../common/pod-template.js';
import { isActive, isAvailable, isReady, msUntilAvailable, podName, rankForDeletion } from '../common/pods.js';

/**
 * At most this many creates or deletes per sync: Kubernetes' burstReplicas, doubled. A sync's
 * creates go out in slow-start steps (1, 2, 4 ...) that the client sends as Batch calls, and the
 * next sync waits until the cache shows them (expectations), so each sync pays a dozen round
 * trips and a wait whatever its size; with 1,000 a 10,000-replica scale-up on 1,000 hollow
 * nodes ran at ~2,000 pods/s against ~1,900 with 500. A bad template still fails in its first
 * step of one pod.
 */
export const DEFAULT_BURST = 1000;

export interface ReplicaSetInput {
  readonly replicaSet: ReplicaSet;
  /**
   * Pods of the ReplicaSet's namespace: at least its own and the orphans it may adopt; others are
   * ignored, so a caller may leave them out (the manager passes only these two groups).
   */
  readonly pods: readonly Pod[];
  /** Whether a pod name is in use in the namespace; default: one of `pods` has it. */
  readonly nameTaken?: (name: string) => boolean;
  readonly now: number;
  /** Seeds pod names; mixed with the owner's uid and the existing names. */
  readonly seed?: number;
  readonly burst?: number;
}

export function reconcileReplicaSet(input: ReplicaSetInput): Action[] {
  const rs = input.replicaSet;
  const ref = refOf('ReplicaSet', rs);
  const problem = selectorProblem(rs.spec?.selector, rs.spec?.template);
  if (problem !== undefined) return [{ type: 'Event', involvedObject: ref, eventType: 'Warning', reason: 'SelectorInvalid', message: problem }];
  const selector = fromLabelSelector(rs.spec?.selector);
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  const namespace = rs.metadata?.namespace ?? '';

  const claimed = claim(input.pods, {
    owner: rs,
    ownerApiVersion: 'apps/v1',
    ownerKind: 'ReplicaSet',
    dependentKind: 'Pod',
    selector,
    accept: (p) => (p.metadata?.namespace ?? '') === namespace && isActive(p),
  });
  const actions: Action[] = [...claimed.actions];
  const active = claimed.owned;

  // A ReplicaSet being deleted keeps its pods for the garbage collector (foreground or orphan).
  if ((rs.metadata?.deletionTimestamp ?? '') === '') {
    actions.push(...manageReplicas(rs, active, input));
  }

  const status = calculateStatus(rs, active, minReadySeconds, input.now);
  if (!sameContent(status, rs.status ?? {})) {
    actions.push({ type: 'UpdateStatus', target: { ...ref, kind: 'ReplicaSet' }, status });
  }
  // Ready pods that are not yet available become available with time alone: come back then.
  if (minReadySeconds > 0) {
    let soonest: number | undefined;
    for (const p of active) {
      const ms = msUntilAvailable(p, minReadySeconds, input.now);
      if (ms !== undefined && (soonest === undefined || ms < soonest)) soonest = ms;
    }
    actions.push(...requeueAfter(soonest));
  }
  return actions;
}

function manageReplicas(rs: ReplicaSet, active: readonly Pod[], input: ReplicaSetInput): Action[] {
  const want = Math.max(0, rs.spec?.replicas ?? 1);
  const burst = input.burst ?? DEFAULT_BURST;
  const diff = active.length - want;
  const ref = refOf('ReplicaSet', rs);
  const name = rs.metadata?.name ?? '';
  const namespace = rs.metadata?.namespace ?? '';
  const actions: Action[] = [];
  if (diff < 0) {
    const names = nameGenerator(input.seed ?? 0, rs.metadata?.uid ?? '', input.pods.map(podName), input.nameTaken);
    const owner = controllerRef(rs, 'apps/v1', 'ReplicaSet');
    for (let i = 0; i < Math.min(-diff, burst); i++) {
      const pod = podFromTemplate(rs.spec?.template, { name: names.next(name), namespace, owner });
      actions.push({ type: 'CreatePod', pod });
      actions.push({ type: 'Event', involvedObject: ref, eventType: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${podName(pod)}` });
    }
  } else if (diff > 0) {
    for (const pod of rankForDeletion(active).slice(0, Math.min(diff, burst))) {
      actions.push({ type: 'DeletePod', namespace, name: podName(pod), uid: pod.metadata?.uid ?? '', reason: `scaling ${name} down to ${want}` });
      actions.push({ type: 'Event', involvedObject: ref, eventType: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${podName(pod)}` });
    }
  }
  return actions;
}

export function calculateStatus(rs: ReplicaSet, active: readonly Pod[], minReadySeconds: number, now: number): ReplicaSetStatus {
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {});
  // One walk over the pods (10,000 of them on every sync of a big ReplicaSet).
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of active) {
    if (hasLabels(p.metadata?.labels, templateLabels)) fullyLabeled++;
    if (!isReady(p)) continue;
    ready++;
    // Ready is available when minReadySeconds is 0 (the usual case): no second condition lookup.
    if (minReadySeconds <= 0 || isAvailable(p, minReadySeconds, now)) available++;
  }
  const status: ReplicaSetStatus = {
    replicas: active.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? 0,
  };
  if ((rs.status?.conditions ?? []).length > 0) status.conditions = rs.status?.conditions ?? [];
  return status;
}

/** Every one of `wanted` is among `labels` (a selector of the template's labels, "key In [value]"). */
function hasLabels(labels: Readonly<Record<string, string>> | undefined, wanted: readonly (readonly [string, string])[]): boolean {
  for (const [key, value] of wanted) {
    if (labels === undefined || !Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== value) return false;
  }
  return true;
}
