/**
 * Indexes of the placed pods that make affinity and spread counting proportional to the pods
 * that match, not to the size of the cluster:
 *  - by label (key=value -> pods and their node), so a selector that pins a label (every
 *    matchLabels does) visits only the pods carrying it;
 *  - by affinity term, grouped by identical terms (every replica of a workload repeats its
 *    template's), so checking bound pods' terms against an incoming pod costs one selector match
 *    per distinct term: required anti-affinity for filtering, the others for scoring.
 */
import { type Selector } from '@tsk/api';
import { selectorMatches, type AffinityTerm, type PodInfo } from './pod-info.js';

function labelKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/** Bound pods sharing one affinity term (and weight), and where they are. */
export interface TermGroup {
  readonly term: AffinityTerm;
  /**
   * For scoring groups: what each such pod adds to a matching incoming pod's score in its domain
   * (preferred affinity +weight, preferred anti-affinity -weight, required affinity +1 as
   * Kubernetes' hardPodAffinityWeight). 0 for required anti-affinity groups.
   */
  readonly weight: number;
  /** Node index -> pods of this group there. */
  readonly nodes: Map<number, number>;
}

/** Kubernetes' default hardPodAffinityWeight: bound pods' required affinity, as a preference. */
const HARD_POD_AFFINITY_WEIGHT = 1;

function addToGroup(groups: Map<string, TermGroup>, key: string, term: AffinityTerm, weight: number, nodeIndex: number, delta: 1 | -1): void {
  let group = groups.get(key);
  if (group === undefined) {
    if (delta < 0) return;
    groups.set(key, (group = { term, weight, nodes: new Map() }));
  }
  const n = (group.nodes.get(nodeIndex) ?? 0) + delta;
  if (n > 0) group.nodes.set(nodeIndex, n);
  else group.nodes.delete(nodeIndex);
  if (group.nodes.size === 0) groups.delete(key);
}

export class PodIndex {
  private readonly byLabel = new Map<string, Map<PodInfo, number>>();
  private readonly all = new Map<PodInfo, number>();
  readonly antiAffinityGroups = new Map<string, TermGroup>();
  readonly scoringGroups = new Map<string, TermGroup>();

  private updateGroups(pod: PodInfo, nodeIndex: number, delta: 1 | -1): void {
    for (const term of pod.requiredAntiAffinity) addToGroup(this.antiAffinityGroups, term.id, term, 0, nodeIndex, delta);
    for (const term of pod.requiredAffinity) {
      addToGroup(this.scoringGroups, `${HARD_POD_AFFINITY_WEIGHT} ${term.id}`, term, HARD_POD_AFFINITY_WEIGHT, nodeIndex, delta);
    }
    for (const { weight, term } of pod.preferredAffinity) addToGroup(this.scoringGroups, `${weight} ${term.id}`, term, weight, nodeIndex, delta);
    for (const { weight, term } of pod.preferredAntiAffinity) addToGroup(this.scoringGroups, `${-weight} ${term.id}`, term, -weight, nodeIndex, delta);
  }

  add(pod: PodInfo, nodeIndex: number): void {
    this.all.set(pod, nodeIndex);
    for (const key in pod.labels) {
      const k = labelKey(key, pod.labels[key]!);
      let pods = this.byLabel.get(k);
      if (pods === undefined) this.byLabel.set(k, (pods = new Map()));
      pods.set(pod, nodeIndex);
    }
    this.updateGroups(pod, nodeIndex, 1);
  }

  remove(pod: PodInfo, nodeIndex: number): void {
    this.all.delete(pod);
    for (const key in pod.labels) {
      const k = labelKey(key, pod.labels[key]!);
      const pods = this.byLabel.get(k);
      pods?.delete(pod);
      if (pods?.size === 0) this.byLabel.delete(k);
    }
    this.updateGroups(pod, nodeIndex, -1);
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
