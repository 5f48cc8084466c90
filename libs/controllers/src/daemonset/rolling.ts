/**
 * DaemonSet rolling update (Kubernetes' update.go rollingUpdate). Without surge: delete old pods
 * while fewer than maxUnavailable nodes are unavailable (old pods that are already unavailable
 * go at once). With surge: start the new pod beside the old one on up to maxSurge nodes, and
 * delete the old pod when the new one is available. Both bounds round up, as Kubernetes does for
 * DaemonSets, and both 0 means maxUnavailable 1.
 */
import { type DaemonSet, type Pod } from '@tsk/api';
import { scaledValue } from '../common/int-or-percent.js';
import { isAvailable } from '../common/pods.js';
import { type NodePods } from './node-fit.js';

const HASH_LABEL = 'controller-revision-hash';

export interface RollingUpdatePlan {
  readonly deletePods: Pod[];
  readonly createOnNodes: string[];
}

function split(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata?.labels?.[HASH_LABEL] === hash) {
      if (newPod !== undefined) return { ok: false };
      newPod = p;
    } else {
      if (oldPod !== undefined) return { ok: false };
      oldPod = p;
    }
  }
  return { ...(newPod !== undefined ? { newPod } : {}), ...(oldPod !== undefined ? { oldPod } : {}), ok: true };
}

export function rollingUpdate(ds: DaemonSet, placed: readonly NodePods[], hash: string, desired: number, now: number): RollingUpdatePlan {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const maxSurge = scaledValue(ru?.maxSurge, desired, true, 0);
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, true, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const available = (p: Pod): boolean => isAvailable(p, minReady, now);
  const plan: RollingUpdatePlan = { deletePods: [], createOnNodes: [] };

  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: Pod[] = [];
    const candidates: Pod[] = [];
    for (const n of placed) {
      if (!n.shouldRun && n.pods.length === 0) continue;
      const { newPod, oldPod, ok } = split(n.pods, hash);
      if (!ok || (newPod === undefined && oldPod === undefined) || (newPod !== undefined && oldPod !== undefined)) {
        unavailable++;
      } else if (newPod !== undefined) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod !== undefined) {
        if (!available(oldPod)) replace.push(oldPod);
        else if (unavailable < maxUnavailable) candidates.push(oldPod);
      }
    }
    const remaining = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length));
    plan.deletePods.push(...replace, ...candidates.slice(0, remaining));
    return plan;
  }

  let surged = 0;
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  for (const n of placed) {
    const { newPod, oldPod, ok } = split(n.pods, hash);
    if (!ok) {
      surged++;
      continue;
    }
    if (oldPod === undefined) continue;
    if (newPod === undefined) {
      if (!available(oldPod)) {
        if (!n.shouldRun) plan.deletePods.push(oldPod);
        else allowedNew.push(n.node);
      } else if (surged < maxSurge) {
        candidateNew.push(n.node);
      }
    } else if (!available(newPod)) {
      surged++;
    } else {
      plan.deletePods.push(oldPod);
    }
  }
  const remaining = Math.max(0, Math.min(maxSurge - surged, candidateNew.length));
  plan.createOnNodes.push(...allowedNew, ...candidateNew.slice(0, remaining));
  return plan;
}
