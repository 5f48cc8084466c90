/**
 * Pod facts every controller needs: active, ready, available (minReadySeconds), and Kubernetes'
 * order for choosing which pods to delete first when scaling down.
 */
import { type Condition, type Pod } from '@tsk/api';
import { parseTime } from './time.js';

export function podName(pod: Pod): string {
  return pod.metadata?.name ?? '';
}

export function isDeleting(obj: { metadata?: { deletionTimestamp?: string | undefined } | undefined }): boolean {
  return (obj.metadata?.deletionTimestamp ?? '') !== '';
}

export function phaseOf(pod: Pod): string {
  const p = pod.status?.phase ?? '';
  return p === '' ? 'Pending' : p;
}

export function isTerminal(pod: Pod): boolean {
  const p = phaseOf(pod);
  return p === 'Succeeded' || p === 'Failed';
}

/** Kubernetes' IsPodActive: not finished and not being deleted. */
export function isActive(pod: Pod): boolean {
  return !isTerminal(pod) && !isDeleting(pod);
}

export function readyCondition(pod: Pod): Condition | undefined {
  // A loop, not find(): this runs for every pod of a ReplicaSet on each of its syncs.
  const conditions = pod.status?.conditions;
  if (conditions === undefined) return undefined;
  for (let i = 0; i < conditions.length; i++) if (conditions[i]!.type === 'Ready') return conditions[i];
  return undefined;
}

export function isReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** When the pod last became ready (ms), or undefined. */
export function readySince(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  return c?.status === 'True' ? parseTime(c.lastTransitionTime) : undefined;
}

/**
 * Ready for at least minReadySeconds. A ready pod without a transition time counts as available
 * only when minReadySeconds is 0 (Kubernetes' IsPodAvailable).
 */
export function isAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

/** Ms until a ready-but-not-yet-available pod becomes available, or undefined. */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  if (!isReady(pod) || minReadySeconds <= 0) return undefined;
  const since = readySince(pod);
  if (since === undefined) return undefined;
  const at = since + minReadySeconds * 1000;
  return at > now ? at - now : undefined;
}

export function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const s of pod.status?.containerStatuses ?? []) max = Math.max(max, s.restartCount ?? 0);
  return max;
}

export function totalRestarts(pod: Pod): number {
  let sum = 0;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) sum += s.restartCount ?? 0;
  return sum;
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Kubernetes' ActivePods ordering: the pod that sorts first is the first to delete.
 *  1. unscheduled < scheduled        (an unscheduled pod serves nothing)
 *  2. Pending < Unknown < Running    (the further from serving, the cheaper to lose)
 *  3. not ready < ready
 *  4. ready more recently < ready longer (a long-lived pod has warm caches, proven health)
 *  5. more restarts < fewer          (a crashy pod is worth less)
 *  6. newer < older                  (creationTimestamp)
 * then by name, so the choice is deterministic.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const aBound = (a.spec?.nodeName ?? '') !== '';
  const bBound = (b.spec?.nodeName ?? '') !== '';
  if (aBound !== bBound) return aBound ? 1 : -1;
  const ap = PHASE_RANK[phaseOf(a)] ?? 0;
  const bp = PHASE_RANK[phaseOf(b)] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isReady(a);
  const br = isReady(b);
  if (ar !== br) return ar ? 1 : -1;
  if (ar && br) {
    const at = readySince(a) ?? 0;
    const bt = readySince(b) ?? 0;
    if (at !== bt) return bt - at;
  }
  const arc = maxRestarts(a);
  const brc = maxRestarts(b);
  if (arc !== brc) return brc - arc;
  const ac = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const bc = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ac !== bc) return bc - ac;
  return podName(a) < podName(b) ? -1 : podName(a) > podName(b) ? 1 : 0;
}

/** The pods to delete first, first. */
export function rankForDeletion(pods: readonly Pod[]): Pod[] {
  return [...pods].sort(compareForDeletion);
}
