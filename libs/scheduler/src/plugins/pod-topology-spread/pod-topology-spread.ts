/**
 * PodTopologySpread: keeps matching pods evenly spread over topology domains (nodes, zones, any
 * node label). DoNotSchedule constraints filter: placing the pod must not make its domain exceed
 * the least-loaded eligible domain by more than maxSkew. ScheduleAnyway constraints score: fewer
 * matching pods in the node's domains is better.
 *
 * A pod without constraints gets Kubernetes' system default: its controller's pods spread over
 * nodes (kubernetes.io/hostname) and zones (topology.kubernetes.io/zone) as a score. Kubernetes
 * derives that selector from the owning ReplicaSet or Service; tsk uses the controller owner's
 * uid, which the snapshot counts per node and per zone as pods are assumed, so the default costs
 * two array reads per node.
 *
 * Explicit constraints are counted once per pod in PreFilter/PreScore through the snapshot's pod
 * index (only pods carrying the selector's labels are visited) into per-domain arrays.
 */
import { fromLabelSelector, type Selector, type TopologySpreadConstraint } from '@tsk/api';
import { StateKey, type CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type FeasibleNodes, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus, type PreScoreStatus } from '../../framework/status.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { type OwnerCounts } from '../../snapshot/owner-counts.js';
import { selectorMatches, type PodInfo } from '../../snapshot/pod-info.js';
import { type Snapshot } from '../../snapshot/snapshot.js';
import { topologyDomains, type TopologyDomains } from '../../snapshot/topology-domains.js';
import { compileRequiredNodeAffinity, nodeMatchesRequired } from '../node-affinity/required-node-affinity.js';

export const PodTopologySpreadReasons = {
  ConstraintsNotMatch: "node(s) didn't match pod topology spread constraints",
  MissingLabel: "node(s) didn't match pod topology spread constraints (missing required label)",
} as const;

const CONSTRAINTS_NOT_MATCH = refusal('Unschedulable', PodTopologySpreadReasons.ConstraintsNotMatch);
const MISSING_LABEL = refusal('UnschedulableAndUnresolvable', PodTopologySpreadReasons.MissingLabel);
const INVALID = (message: string) => refusal('UnschedulableAndUnresolvable', `pod topology spread constraint is invalid: ${message}`);

interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  /** null: no labelSelector, which matches no pod (Kubernetes). */
  readonly selector: Selector | null;
  readonly minDomains: number;
  /** 1 when the incoming pod matches its own selector: placing it adds to the domain. */
  readonly selfMatch: number;
}

interface CountedConstraint {
  readonly constraint: Constraint;
  readonly domains: TopologyDomains;
  /** Domain id -> matching pods, over the nodes the pod could land on. */
  readonly counts: Int32Array;
  /** Matching pods in the emptiest eligible domain (0 when fewer domains than minDomains). */
  readonly min: number;
}

type ScoreState =
  | { readonly kind: 'explicit'; readonly constraints: readonly CountedConstraint[] }
  | {
      readonly kind: 'owner';
      /** Where the owner's pods are; undefined when it has none yet. */
      readonly owner: OwnerCounts | undefined;
    };

const FILTER = new StateKey<readonly CountedConstraint[]>('PodTopologySpread/filter');
const SCORE = new StateKey<ScoreState>('PodTopologySpread/score');

/** Marks nodes that lack a topology key; they score 0 after normalization. */
const IGNORED = -1;

function compile(pod: PodInfo, c: TopologySpreadConstraint): Constraint {
  const selector = c.labelSelector === undefined ? null : fromLabelSelector(c.labelSelector, 'topologySpreadConstraints.labelSelector');
  return {
    maxSkew: Math.max(1, c.maxSkew ?? 1),
    topologyKey: c.topologyKey ?? '',
    selector,
    minDomains: Math.max(1, c.minDomains ?? 1),
    selfMatch: selector !== null && selectorMatches(selector, pod.labels) ? 1 : 0,
  };
}

function countsOf(snapshot: Snapshot, pod: PodInfo, constraints: readonly Constraint[]): CountedConstraint[] {
  const required = compileRequiredNodeAffinity(pod);
  const all = constraints.map((c) => topologyDomains(snapshot.domainCache, snapshot.nodes, c.topologyKey));
  // Only nodes the pod could land on define domains, and only those with every key (Kubernetes).
  const eligibleNode = new Uint8Array(snapshot.nodes.length);
  const eligibleDomain = all.map((d) => new Uint8Array(d.values.length));
  const nodes = snapshot.nodes;
  nodes: for (let i = 0; i < nodes.length; i++) {
    for (let c = 0; c < all.length; c++) if (all[c]!.ofNode[i]! < 0) continue nodes;
    if (required !== null && !nodeMatchesRequired(required, nodes[i]!)) continue;
    eligibleNode[i] = 1;
    for (let c = 0; c < all.length; c++) eligibleDomain[c]![all[c]!.ofNode[i]!] = 1;
  }
  return constraints.map((constraint, c) => {
    const domains = all[c]!;
    const counts = new Int32Array(domains.values.length);
    if (constraint.selector !== null) {
      snapshot.podIndex.forEachMatching(constraint.selector, [pod.namespace], (nodeIndex, other) => {
        // Pods being deleted are leaving; counting them would block their replacements.
        if (eligibleNode[nodeIndex] === 1 && !other.pod.metadata?.deletionTimestamp) counts[domains.ofNode[nodeIndex]!]!++;
      });
    }
    let min = Infinity;
    let eligible = 0;
    for (let d = 0; d < counts.length; d++) {
      if (eligibleDomain[c]![d] !== 1) continue;
      eligible++;
      min = Math.min(min, counts[d]!);
    }
    if (eligible === 0 || eligible < constraint.minDomains) min = 0;
    return { constraint, domains, counts, min };
  });
}

function constraintsOf(pod: PodInfo, hard: boolean): TopologySpreadConstraint[] {
  return (pod.pod.spec?.topologySpreadConstraints ?? []).filter((c) => {
    const isHard = (c.whenUnsatisfiable ?? '') !== 'ScheduleAnyway';
    return isHard === hard;
  });
}

/**
 * The default for every replica of every workload: node count plus zone count per feasible node.
 * An owner spread over many nodes has a dense per-node array (owner-counts.ts) read directly; a
 * sparse one's few entries go into the snapshot's zeroed counter array and are cleared after, so
 * the loop reads typed arrays either way. Zone counts are indexed like snapshot.zones.
 */
function scoreByOwner(owner: OwnerCounts | undefined, snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void {
  if (owner === undefined) {
    scores.fill(0, 0, feasible.count);
    return;
  }
  const sparse = owner.sparse;
  let counts = owner.dense;
  if (counts === undefined) {
    counts = snapshot.scratch.nodeCounts;
    for (const [index, n] of sparse!) counts[index] = n;
  }
  const perZone = owner.perZone;
  const zoneOfNode = snapshot.zoneOfNode;
  const indexes = feasible.indexes;
  for (let i = 0; i < feasible.count; i++) {
    const index = indexes[i]!;
    const zone = zoneOfNode[index]!;
    scores[i] = counts[index]! + (zone >= 0 && zone < perZone.length ? perZone[zone]! : 0);
  }
  if (sparse !== undefined) for (const index of sparse.keys()) counts[index] = 0;
}

function explicitScore(constraints: readonly CountedConstraint[], node: NodeInfo): number {
  let total = 0;
  for (const { domains, counts } of constraints) {
    const d = domains.ofNode[node.index]!;
    if (d < 0) return IGNORED;
    total += counts[d]!;
  }
  return total;
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = PluginNames.PodTopologySpread;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreFilterStatus {
    const hard = constraintsOf(pod, true);
    if (hard.length === 0) return SKIP;
    try {
      state.write(FILTER, countsOf(snapshot, pod, hard.map((c) => compile(pod, c))));
    } catch (err: unknown) {
      return INVALID(err instanceof Error ? err.message : String(err));
    }
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): FilterStatus {
    for (const { constraint, domains, counts, min } of state.require(FILTER)) {
      const d = domains.ofNode[node.index]!;
      if (d < 0) return MISSING_LABEL;
      const skew = counts[d]! + constraint.selfMatch - min;
      if (skew > constraint.maxSkew) return CONSTRAINTS_NOT_MATCH;
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreScoreStatus {
    const declared = pod.pod.spec?.topologySpreadConstraints ?? [];
    if (declared.length === 0) {
      if (pod.ownerUid === '') return SKIP;
      state.write(SCORE, { kind: 'owner', owner: snapshot.owners.get(pod.ownerUid) });
      return null;
    }
    const soft = constraintsOf(pod, false);
    if (soft.length === 0) return SKIP;
    try {
      state.write(SCORE, { kind: 'explicit', constraints: countsOf(snapshot, pod, soft.map((c) => compile(pod, c))) });
    } catch {
      // The same constraint list was accepted by PreFilter or is soft; a bad soft one only loses its score.
      return SKIP;
    }
    return null;
  }

  score(state: CycleState, _pod: PodInfo, snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void {
    const s = state.require(SCORE);
    const nodes = snapshot.nodes;
    if (s.kind === 'owner') {
      // The default for every replica of every workload: keep this loop to two lookups per node.
      scoreByOwner(s.owner, snapshot, feasible, scores);
      return;
    }
    for (let i = 0; i < feasible.count; i++) scores[i] = explicitScore(s.constraints, nodes[feasible.indexes[i]!]!);
  }

  /** Fewest matching pods -> MAX_NODE_SCORE, as Kubernetes: 100 * (max + min - s) / max. */
  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < count; i++) {
      const s = scores[i]!;
      if (s === IGNORED) continue;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < count; i++) {
      const s = scores[i]!;
      if (s === IGNORED) scores[i] = 0;
      else scores[i] = max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max + min - s)) / max);
    }
  }
}
