/**
 * Indexes of the placed pods that make affinity and spread counting proportional to the pods
 * that match, not to the size of the cluster:
 *  - by label (key=value -> pods and their node), so a selector that pins a label (every
 *    matchLabels does) visits only the pods carrying it;
 *  - by required anti-affinity term, grouped by identical terms (every replica of a workload
 *    repeats its template's), so checking bound pods' anti-affinity against an incoming pod costs
 *    one selector match per distinct term.
 */
import { type Selector } from '@tsk/api';
import { selectorMatches, type AffinityTerm, type PodInfo } from './pod-info.js';

function labelKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/** Pods sharing one required anti-affinity term, and where they are. */
export interface AntiAffinityGroup {
  readonly term: AffinityTerm;
  /** Node index -> pods of this group there. */
  readonly nodes: Map<number, number>;
}

export class PodIndex {
  private readonly byLabel = new Map<string, Map<PodInfo, number>>();
  private readonly all = new Map<PodInfo, number>();
  readonly antiAffinityGroups = new Map<string, AntiAffinityGroup>();

  add(pod: PodInfo, nodeIndex: number): void {
    this.all.set(pod, nodeIndex);
    for (const key in pod.labels) {
      const k = labelKey(key, pod.labels[key]!);
      let pods = this.byLabel.get(k);
      if (pods === undefined) this.byLabel.set(k, (pods = new Map()));
      pods.set(pod, nodeIndex);
    }
    for (const term of pod.requiredAntiAffinity) {
      let group = this.antiAffinityGroups.get(term.id);
      if (group === undefined) this.antiAffinityGroups.set(term.id, (group = { term, nodes: new Map() }));
      group.nodes.set(nodeIndex, (group.nodes.get(nodeIndex) ?? 0) + 1);
    }
  }

  remove(pod: PodInfo, nodeIndex: number): void {
    this.all.delete(pod);
    for (const key in pod.labels) {
      const k = labelKey(key, pod.labels[key]!);
      const pods = this.byLabel.get(k);
      pods?.delete(pod);
      if (pods?.size === 0) this.byLabel.delete(k);
    }
    for (const term of pod.requiredAntiAffinity) {
      const group = this.antiAffinityGroups.get(term.id);
      if (group === undefined) continue;
      const n = (group.nodes.get(nodeIndex) ?? 0) - 1;
      if (n > 0) group.nodes.set(nodeIndex, n);
      else group.nodes.delete(nodeIndex);
      if (group.nodes.size === 0) this.antiAffinityGroups.delete(term.id);
    }
  }

  /**
   * Calls `visit` with the node index of every placed pod in one of `namespaces` whose labels
   * match `selector`. Terminating pods are included; callers that must skip them check.
   */
  forEachMatching(selector: Selector, namespaces: readonly string[], visit: (nodeIndex: number, pod: PodInfo) => void): void {
    let candidates: ReadonlyMap<PodInfo, number> = this.all;
    // Narrow to the smallest pinned label (In with one value: what matchLabels becomes).
    for (const r of selector) {
      if (r.operator !== 'In' || r.values.length !== 1) continue;
      const pods = this.byLabel.get(labelKey(r.key, r.values[0]!));
      if (pods === undefined) return;
      if (pods.size < candidates.size) candidates = pods;
    }
    for (const [pod, nodeIndex] of candidates) {
      if (namespaces.includes(pod.namespace) && selectorMatches(selector, pod.labels)) visit(nodeIndex, pod);
    }
  }
}
