/** What `decide` returns: a node, or the reasons no node fits, summed as Kubernetes prints them. */
import { type FilterStatus } from './framework/status.js';

export interface Scheduled {
  readonly kind: 'Scheduled';
  readonly node: string;
  /** The winning node's weighted total score. */
  readonly score: number;
  /** Nodes examined before enough feasible ones were found (see percentageOfNodesToScore). */
  readonly evaluatedNodes: number;
  readonly feasibleNodes: number;
}

export interface Unschedulable {
  readonly kind: 'Unschedulable';
  /** Reason -> number of nodes refused for it. */
  readonly reasons: ReadonlyMap<string, number>;
  /** "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {...}." */
  readonly message: string;
}

export type Decision = Scheduled | Unschedulable;

/** kube-scheduler's message when the cluster has no nodes at all. */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

/**
 * Kubernetes' FitError message: "<count> <reason>" strings sorted as strings (so "10 ..." sorts
 * before "2 ..." exactly as kube-scheduler prints it), joined by ", ".
 */
export function unschedulable(totalNodes: number, reasons: ReadonlyMap<string, number>): Unschedulable {
  if (totalNodes === 0) return { kind: 'Unschedulable', reasons, message: NO_NODES_MESSAGE };
  const parts = [...reasons].map(([reason, count]) => `${count} ${reason}`).sort();
  return { kind: 'Unschedulable', reasons, message: `0/${totalNodes} nodes are available: ${parts.join(', ')}.` };
}

/** Counts the reasons of the first `count` refusals. */
export function countReasons(refusals: readonly FilterStatus[], count: number): Map<string, number> {
  const reasons = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const r = refusals[i];
    if (r === null || r === undefined) continue;
    for (const reason of r.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return reasons;
}
