/**
 * `tsctl drain` planning: cordon the node, then evict its pods without taking any Deployment
 * below replicas - maxUnavailable ready pods (the budget a rolling update keeps; tsk has no
 * PodDisruptionBudget, so the workload's own strategy is the budget). Call again as pods are
 * replaced until `done`. As `kubectl drain --ignore-daemonsets`: DaemonSet pods stay (their
 * controller would put them back); pods without a controller are only deleted with `force`.
 */
import { type Deployment, type Node, type Pod, type ReplicaSet } from '@tsk/api';
import { type Action, type ObjectRef } from '../actions.js';
import { resolveSurgeAndUnavailable } from '../common/int-or-percent.js';
import { controllerRefOf } from '../common/owners.js';
import { isActive, isDeleting, isReady, isTerminal, podName } from '../common/pods.js';

export interface DrainInput {
  readonly node: Node;
  /** All pods (the budget counts a workload's ready pods on every node). */
  readonly pods: readonly Pod[];
  readonly replicaSets: readonly ReplicaSet[];
  readonly deployments: readonly Deployment[];
  /** Also delete pods that no controller will replace (kubectl's --force). */
  readonly force?: boolean;
}

export interface DrainBlocked {
  readonly pod: string;
  readonly namespace: string;
  readonly reason: string;
}

export interface DrainPlan {
  /** Cordon if needed, then evictions (DeletePod) with their events. */
  readonly actions: Action[];
  /** Pods that cannot go now (budget) or not at all (no controller, without force). */
  readonly blocked: DrainBlocked[];
  /** DaemonSet pods left in place. */
  readonly ignored: string[];
  /** Nothing left to evict on the node (terminating pods still count as left). */
  readonly done: boolean;
}

interface Budget {
  readonly name: string;
  allowed: number;
}

export function planDrain(input: DrainInput): DrainPlan {
  const nodeName = input.node.metadata?.name ?? '';
  const actions: Action[] = [];
  if (input.node.spec?.unschedulable !== true) actions.push({ type: 'SetNodeUnschedulable', name: nodeName, unschedulable: true });
  const rsByUid = new Map(input.replicaSets.map((rs) => [rs.metadata?.uid ?? '', rs]));
  const deployByUid = new Map(input.deployments.map((d) => [d.metadata?.uid ?? '', d]));
  const budgets = new Map<string, Budget>();
  const blocked: DrainBlocked[] = [];
  const ignored: string[] = [];
  let left = 0;

  /** The budget a pod's workload allows: keyed by Deployment, else by bare ReplicaSet. */
  const budgetFor = (pod: Pod): Budget | undefined => {
    const ctrl = controllerRefOf(pod);
    if (ctrl?.kind !== 'ReplicaSet') return undefined;
    const rs = rsByUid.get(ctrl.uid ?? '');
    if (rs === undefined) return undefined;
    const dref = controllerRefOf(rs);
    const d = dref?.kind === 'Deployment' ? deployByUid.get(dref.uid ?? '') : undefined;
    const key = d !== undefined ? `deployment/${d.metadata?.uid ?? ''}` : `replicaset/${rs.metadata?.uid ?? ''}`;
    const existing = budgets.get(key);
    if (existing !== undefined) return existing;
    const owners = d !== undefined ? input.replicaSets.filter((x) => controllerRefOf(x)?.uid === d.metadata?.uid) : [rs];
    const ownerUids = new Set(owners.map((x) => x.metadata?.uid ?? ''));
    const ready = input.pods.filter((p) => isActive(p) && isReady(p) && ownerUids.has(controllerRefOf(p)?.uid ?? '')).length;
    const replicas = d !== undefined ? (d.spec?.replicas ?? 1) : (rs.spec?.replicas ?? 1);
    const maxUnavailable = d !== undefined ? deploymentMaxUnavailable(d) : 1;
    const budget = { name: d !== undefined ? `deployment ${d.metadata?.name ?? ''}` : `replicaset ${rs.metadata?.name ?? ''}`, allowed: ready - Math.max(0, replicas - maxUnavailable) };
    budgets.set(key, budget);
    return budget;
  };

  const onNode = input.pods.filter((p) => p.spec?.nodeName === nodeName).sort((a, b) => podName(a).localeCompare(podName(b)));
  for (const pod of onNode) {
    const ns = pod.metadata?.namespace ?? '';
    const ctrl = controllerRefOf(pod);
    if (ctrl?.kind === 'DaemonSet') {
      ignored.push(podName(pod));
      continue;
    }
    if (isDeleting(pod)) {
      left++;
      continue;
    }
    if (!isTerminal(pod)) {
      if (ctrl === undefined && input.force !== true) {
        blocked.push({ pod: podName(pod), namespace: ns, reason: 'not managed by a controller (use --force)' });
        left++;
        continue;
      }
      const budget = budgetFor(pod);
      // A pod that is not ready costs the budget nothing.
      if (budget !== undefined && isReady(pod)) {
        if (budget.allowed <= 0) {
          blocked.push({ pod: podName(pod), namespace: ns, reason: `evicting it would leave ${budget.name} below its minimum of ready pods` });
          left++;
          continue;
        }
        budget.allowed--;
      }
    }
    left++;
    const ref: ObjectRef = { kind: 'Pod', namespace: ns, name: podName(pod), uid: pod.metadata?.uid ?? '' };
    actions.push({ type: 'DeletePod', namespace: ns, name: podName(pod), uid: ref.uid ?? '', reason: `draining node ${nodeName}` });
    actions.push({ type: 'Event', involvedObject: ref, eventType: 'Normal', reason: 'Evicted', message: `Evicted from node ${nodeName} (drain)` });
  }
  return { actions, blocked, ignored, done: left === 0 };
}

function deploymentMaxUnavailable(d: Deployment): number {
  if (d.spec?.strategy?.type === 'Recreate') return d.spec.replicas ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate;
  try {
    return resolveSurgeAndUnavailable(ru?.maxSurge, ru?.maxUnavailable, d.spec?.replicas ?? 1, { maxSurge: 0, maxUnavailable: 0 }).maxUnavailable;
  } catch {
    return 0;
  }
}
