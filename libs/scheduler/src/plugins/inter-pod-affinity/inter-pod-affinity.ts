/**
 * InterPodAffinity: required pod affinity and anti-affinity of the incoming pod, the required
 * anti-affinity of pods already bound (symmetry: a bound pod that refuses neighbours like the
 * incoming one keeps it out of its domain), and preferred terms as a score. A domain is the set of
 * nodes sharing the value of the term's topologyKey label (kubernetes.io/hostname: one node;
 * topology.kubernetes.io/zone: a zone; any label works).
 *
 * PreFilter walks every bound pod once and reduces it to per-domain counts, so Filter is a few
 * map lookups per node.
 */
import { StateKey, type CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type FeasibleNodes, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus, type PreScoreStatus } from '../../framework/status.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { termMatchesPod, type AffinityTerm, type PodInfo } from '../../snapshot/pod-info.js';
import { type Snapshot } from '../../snapshot/snapshot.js';

export const InterPodAffinityReasons = {
  AffinityMismatch: "node(s) didn't match pod affinity rules",
  AntiAffinityMismatch: "node(s) didn't match pod anti-affinity rules",
  ExistingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
} as const;

const AFFINITY_MISMATCH = refusal('UnschedulableAndUnresolvable', InterPodAffinityReasons.AffinityMismatch);
const ANTI_AFFINITY_MISMATCH = refusal('Unschedulable', InterPodAffinityReasons.AntiAffinityMismatch);
const EXISTING_ANTI_AFFINITY = refusal('Unschedulable', InterPodAffinityReasons.ExistingAntiAffinity);

/** Matching pods per domain value, for one term. */
type DomainCounts = Map<string, number>;

interface RequiredState {
  /** topologyKey -> domain values where a bound pod's anti-affinity excludes the incoming pod. */
  readonly excludedByExisting: ReadonlyMap<string, ReadonlySet<string>>;
  readonly affinity: readonly { readonly term: AffinityTerm; readonly counts: DomainCounts }[];
  readonly antiAffinity: readonly { readonly term: AffinityTerm; readonly counts: DomainCounts }[];
  /**
   * No bound pod matches the affinity terms but the pod matches them itself: the first replica of
   * a group that wants to be together goes anywhere (as in Kubernetes), or it could never start.
   */
  readonly affinityWaived: boolean;
}

interface PreferredState {
  /** One entry per topologyKey: domain value -> summed weight (negative for anti-affinity). */
  readonly byKey: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

const REQUIRED = new StateKey<RequiredState>('InterPodAffinity/required');
const PREFERRED = new StateKey<PreferredState>('InterPodAffinity/preferred');

function countTerm(snapshot: Snapshot, term: AffinityTerm): DomainCounts {
  const counts: DomainCounts = new Map();
  for (const node of snapshot.nodes) {
    const domain = node.labels[term.topologyKey];
    if (domain === undefined) continue;
    for (const other of node.pods) {
      if (termMatchesPod(term, other)) counts.set(domain, (counts.get(domain) ?? 0) + 1);
    }
  }
  return counts;
}

function excludedByExisting(snapshot: Snapshot, pod: PodInfo): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (snapshot.podsWithRequiredAntiAffinity === 0) return out;
  for (const node of snapshot.nodes) {
    if (node.podsWithRequiredAntiAffinity === 0) continue;
    for (const other of node.pods) {
      for (const term of other.requiredAntiAffinity) {
        const domain = node.labels[term.topologyKey];
        if (domain === undefined || !termMatchesPod(term, pod)) continue;
        let values = out.get(term.topologyKey);
        if (values === undefined) out.set(term.topologyKey, (values = new Set()));
        values.add(domain);
      }
    }
  }
  return out;
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = PluginNames.InterPodAffinity;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreFilterStatus {
    if (pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0 && snapshot.podsWithRequiredAntiAffinity === 0) {
      return SKIP;
    }
    const affinity = pod.requiredAffinity.map((term) => ({ term, counts: countTerm(snapshot, term) }));
    const antiAffinity = pod.requiredAntiAffinity.map((term) => ({ term, counts: countTerm(snapshot, term) }));
    state.write(REQUIRED, {
      excludedByExisting: excludedByExisting(snapshot, pod),
      affinity,
      antiAffinity,
      affinityWaived:
        affinity.length > 0 && affinity.every((a) => a.counts.size === 0) && pod.requiredAffinity.every((t) => termMatchesPod(t, pod)),
    });
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): FilterStatus {
    const s = state.require(REQUIRED);
    for (const [key, values] of s.excludedByExisting) {
      const domain = node.labels[key];
      if (domain !== undefined && values.has(domain)) return EXISTING_ANTI_AFFINITY;
    }
    if (!s.affinityWaived) {
      for (const { term, counts } of s.affinity) {
        const domain = node.labels[term.topologyKey];
        if (domain === undefined || (counts.get(domain) ?? 0) === 0) return AFFINITY_MISMATCH;
      }
    }
    for (const { term, counts } of s.antiAffinity) {
      const domain = node.labels[term.topologyKey];
      if (domain !== undefined && (counts.get(domain) ?? 0) > 0) return ANTI_AFFINITY_MISMATCH;
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreScoreStatus {
    if (pod.preferredAffinity.length === 0 && pod.preferredAntiAffinity.length === 0) return SKIP;
    const byKey = new Map<string, Map<string, number>>();
    const add = (term: AffinityTerm, weight: number): void => {
      if (weight === 0) return;
      for (const [domain, count] of countTerm(snapshot, term)) {
        let domains = byKey.get(term.topologyKey);
        if (domains === undefined) byKey.set(term.topologyKey, (domains = new Map()));
        domains.set(domain, (domains.get(domain) ?? 0) + weight * count);
      }
    };
    for (const w of pod.preferredAffinity) add(w.term, w.weight);
    for (const w of pod.preferredAntiAffinity) add(w.term, -w.weight);
    state.write(PREFERRED, { byKey });
    return null;
  }

  score(state: CycleState, _pod: PodInfo, snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void {
    const { byKey } = state.require(PREFERRED);
    for (let i = 0; i < feasible.count; i++) {
      const node = snapshot.nodes[feasible.indexes[i]!]!;
      let total = 0;
      for (const [key, domains] of byKey) {
        const domain = node.labels[key];
        if (domain !== undefined) total += domains.get(domain) ?? 0;
      }
      scores[i] = total;
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
