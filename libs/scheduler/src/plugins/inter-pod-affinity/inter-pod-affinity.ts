/**
 * InterPodAffinity: required pod affinity and anti-affinity of the incoming pod, the required
 * anti-affinity of pods already bound (symmetry: a bound pod that refuses neighbours like the
 * incoming one keeps it out of its domain), and preferred terms as a score. A domain is the set of
 * nodes sharing the value of the term's topologyKey label (kubernetes.io/hostname: one node;
 * topology.kubernetes.io/zone: a zone; any label works).
 *
 * PreFilter counts matching pods per domain once, through the snapshot's pod index (only pods
 * carrying the selector's labels are visited), so Filter is two typed-array reads per term.
 */
import { StateKey, type CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type FeasibleNodes, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus, type PreScoreStatus } from '../../framework/status.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { termMatchesPod, type AffinityTerm, type PodInfo } from '../../snapshot/pod-info.js';
import { type Snapshot } from '../../snapshot/snapshot.js';
import { topologyDomains, type TopologyDomains } from '../../snapshot/topology-domains.js';

export const InterPodAffinityReasons = {
  AffinityMismatch: "node(s) didn't match pod affinity rules",
  AntiAffinityMismatch: "node(s) didn't match pod anti-affinity rules",
  ExistingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
} as const;

const AFFINITY_MISMATCH = refusal('UnschedulableAndUnresolvable', InterPodAffinityReasons.AffinityMismatch);
const ANTI_AFFINITY_MISMATCH = refusal('Unschedulable', InterPodAffinityReasons.AntiAffinityMismatch);
const EXISTING_ANTI_AFFINITY = refusal('Unschedulable', InterPodAffinityReasons.ExistingAntiAffinity);

/** Per-domain numbers for one topology key: domain id -> value. */
interface DomainValues<A> {
  readonly domains: TopologyDomains;
  readonly values: A;
}

interface RequiredState {
  /** Per topology key: domains where a bound pod's anti-affinity excludes the incoming pod (1). */
  readonly excludedByExisting: readonly DomainValues<Uint8Array>[];
  /** Per term: matching pods per domain. */
  readonly affinity: readonly DomainValues<Int32Array>[];
  readonly antiAffinity: readonly DomainValues<Int32Array>[];
  /**
   * No bound pod matches the affinity terms but the pod matches them itself: the first replica of
   * a group that wants to be together goes anywhere (as in Kubernetes), or it could never start.
   */
  readonly affinityWaived: boolean;
}

const REQUIRED = new StateKey<RequiredState>('InterPodAffinity/required');
/** Per topology key: summed preference weight per domain (negative for anti-affinity). */
const PREFERRED = new StateKey<readonly DomainValues<Float64Array>[]>('InterPodAffinity/preferred');

/** Matching pods per domain of the term's topology key; pods on nodes without the key are not counted. */
function countTerm(snapshot: Snapshot, term: AffinityTerm): DomainValues<Int32Array> {
  const domains = topologyDomains(snapshot.domainCache, snapshot.nodes, term.topologyKey);
  const counts = new Int32Array(domains.values.length);
  if (term.selector !== null) {
    snapshot.podIndex.forEachMatching(term.selector, term.namespaces, (nodeIndex) => {
      const d = domains.ofNode[nodeIndex]!;
      if (d >= 0) counts[d]!++;
    });
  }
  return { domains, values: counts };
}

/**
 * Required affinity counts, per term, the bound pods that match every term (as Kubernetes does):
 * "with a cache in the zone and a db on the node" needs one pod that is both only if one term
 * would do; two terms ask for two things of the same pods.
 */
function countAffinity(snapshot: Snapshot, terms: readonly AffinityTerm[]): DomainValues<Int32Array>[] {
  const out = terms.map((t) => {
    const domains = topologyDomains(snapshot.domainCache, snapshot.nodes, t.topologyKey);
    return { domains, values: new Int32Array(domains.values.length) };
  });
  const first = terms[0];
  if (first === undefined || terms.some((t) => t.selector === null)) return out;
  snapshot.podIndex.forEachMatching(first.selector!, first.namespaces, (nodeIndex, other) => {
    for (let t = 1; t < terms.length; t++) if (!termMatchesPod(terms[t]!, other)) return;
    for (const { domains, values } of out) {
      const d = domains.ofNode[nodeIndex]!;
      if (d >= 0) values[d]!++;
    }
  });
  return out;
}

function excludedByExisting(snapshot: Snapshot, pod: PodInfo): DomainValues<Uint8Array>[] {
  const byKey = new Map<string, DomainValues<Uint8Array>>();
  // One selector match per distinct term: replicas of one template share their terms.
  for (const { term, nodes } of snapshot.podIndex.antiAffinityGroups.values()) {
    if (!termMatchesPod(term, pod)) continue;
    let entry = byKey.get(term.topologyKey);
    if (entry === undefined) {
      const domains = topologyDomains(snapshot.domainCache, snapshot.nodes, term.topologyKey);
      byKey.set(term.topologyKey, (entry = { domains, values: new Uint8Array(domains.values.length) }));
    }
    for (const nodeIndex of nodes.keys()) {
      const d = entry.domains.ofNode[nodeIndex]!;
      if (d >= 0) entry.values[d] = 1;
    }
  }
  return [...byKey.values()];
}

function total(counts: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i]!;
  return sum;
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = PluginNames.InterPodAffinity;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreFilterStatus {
    if (pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0 && snapshot.podsWithRequiredAntiAffinity === 0) {
      return SKIP;
    }
    const affinity = countAffinity(snapshot, pod.requiredAffinity);
    state.write(REQUIRED, {
      excludedByExisting: excludedByExisting(snapshot, pod),
      affinity,
      antiAffinity: pod.requiredAntiAffinity.map((term) => countTerm(snapshot, term)),
      affinityWaived:
        affinity.length > 0 && affinity.every((a) => total(a.values) === 0) && pod.requiredAffinity.every((t) => termMatchesPod(t, pod)),
    });
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): FilterStatus {
    const s = state.require(REQUIRED);
    const i = node.index;
    for (const { domains, values } of s.excludedByExisting) {
      const d = domains.ofNode[i]!;
      if (d >= 0 && values[d] === 1) return EXISTING_ANTI_AFFINITY;
    }
    if (!s.affinityWaived) {
      for (const { domains, values } of s.affinity) {
        const d = domains.ofNode[i]!;
        if (d < 0 || values[d] === 0) return AFFINITY_MISMATCH;
      }
    }
    for (const { domains, values } of s.antiAffinity) {
      const d = domains.ofNode[i]!;
      if (d >= 0 && values[d]! > 0) return ANTI_AFFINITY_MISMATCH;
    }
    return null;
  }

  /**
   * Both directions, as Kubernetes: the incoming pod's preferred terms toward bound pods, and bound
   * pods' terms toward the incoming pod (their preferences, and their required affinity at
   * weight 1), each adding to the domain of the bound pod's node.
   */
  preScore(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreScoreStatus {
    const groups = snapshot.podIndex.scoringGroups;
    if (pod.preferredAffinity.length === 0 && pod.preferredAntiAffinity.length === 0 && groups.size === 0) return SKIP;
    const byKey = new Map<string, DomainValues<Float64Array>>();
    const entryFor = (topologyKey: string): DomainValues<Float64Array> => {
      let entry = byKey.get(topologyKey);
      if (entry === undefined) {
        const domains = topologyDomains(snapshot.domainCache, snapshot.nodes, topologyKey);
        byKey.set(topologyKey, (entry = { domains, values: new Float64Array(domains.values.length) }));
      }
      return entry;
    };
    const incoming = (term: AffinityTerm, weight: number): void => {
      if (weight === 0) return;
      const { values: counts } = countTerm(snapshot, term);
      const entry = entryFor(term.topologyKey);
      for (let d = 0; d < counts.length; d++) entry.values[d] = entry.values[d]! + weight * counts[d]!;
    };
    for (const w of pod.preferredAffinity) incoming(w.term, w.weight);
    for (const w of pod.preferredAntiAffinity) incoming(w.term, -w.weight);
    for (const { term, weight, nodes } of groups.values()) {
      if (weight === 0 || !termMatchesPod(term, pod)) continue;
      const entry = entryFor(term.topologyKey);
      for (const [nodeIndex, count] of nodes) {
        const d = entry.domains.ofNode[nodeIndex]!;
        if (d >= 0) entry.values[d] = entry.values[d]! + weight * count;
      }
    }
    if (byKey.size === 0) return SKIP;
    state.write(PREFERRED, [...byKey.values()]);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, _snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void {
    const preferred = state.require(PREFERRED);
    for (let i = 0; i < feasible.count; i++) {
      const index = feasible.indexes[i]!;
      let sum = 0;
      for (const { domains, values } of preferred) {
        const d = domains.ofNode[index]!;
        if (d >= 0) sum += values[d]!;
      }
      scores[i] = sum;
    }
  }

  /** Min-max scaling: scores may be negative (anti-affinity), so the lowest maps to 0. */
  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < count; i++) {
      min = Math.min(min, scores[i]!);
      max = Math.max(max, scores[i]!);
    }
    const range = max - min;
    for (let i = 0; i < count; i++) scores[i] = range > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i]! - min)) / range) : 0;
  }
}
