/** What the loop asks of a pod: is it this scheduler's to place, and the PodScheduled=False it reports otherwise. */
import { type Condition, type Node, type Pod } from '@tsk/api';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function isBound(pod: Pod): boolean {
  return (pod.spec?.nodeName ?? '') !== '';
}

/** Unbound, not being deleted, not finished, and addressed to this scheduler (or to none). */
export function isPendingFor(pod: Pod | undefined, schedulerName: string): pod is Pod {
  if (pod === undefined || isBound(pod) || isTerminal(pod)) return false;
  if ((pod.metadata?.deletionTimestamp ?? '') !== '') return false;
  const name = pod.spec?.schedulerName ?? '';
  return name === '' || name === schedulerName;
}

export function priorityOf(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** True when the pod already says it is unschedulable for this reason (no write needed). */
export function hasUnschedulable(pod: Pod, message: string): boolean {
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
  return c?.status === 'False' && c.reason === 'Unschedulable' && c.message === message;
}

/** The pod's status with PodScheduled=False, reason Unschedulable, as kube-scheduler writes it. */
export function unschedulableStatus(pod: Pod, message: string, now: Date): NonNullable<Pod['status']> {
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const others = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  const condition: Condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: at, lastTransitionTime: at };
  return { ...pod.status, phase: pod.status?.phase !== undefined && pod.status.phase !== '' ? pod.status.phase : 'Pending', conditions: [...others, condition] };
}

/**
 * The parts of a node that can change whether a pod fits. A heartbeat (new lastHeartbeatTime)
 * changes none of them, so it does not wake every unschedulable pod.
 */
export function schedulingRelevant(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '';
  return JSON.stringify([node.metadata?.labels ?? {}, node.spec?.unschedulable ?? false, node.spec?.taints ?? [], node.status?.allocatable ?? {}, ready]);
}
