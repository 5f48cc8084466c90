/**
 * The scheduling cycle: the one place that puts the plugins in order. For one pod:
 *
 *   PreFilter (each filter plugin, once) -> Filter (per node, until enough nodes fit)
 *   -> PreScore (once) -> Score + NormalizeScore (per feasible node) -> pick the best node,
 *   breaking ties with a generator seeded from the pod and the caller's seed.
 *
 * It is a pure function of the snapshot, the pod and the seed: no clock, no I/O, no global state.
 * (The snapshot's rotating start index and scratch buffers change, deterministically.)
 */
import { type Pod } from '@tsk/api';
import { countReasons, unschedulable, type Decision } from './decision.js';
import { isFilter, isPreFilter, isPreScore, isScore, type FilterPlugin, type Plugin, type ScorePlugin } from './framework/interfaces.js';
import { DEFAULT_PROFILE, type Profile } from './framework/profile.js';
import { registry } from './framework/registry.js';
import { refusal, SKIP, type Refusal } from './framework/status.js';
import { PluginNames, type PluginName } from './names.js';
import { randomFor } from './prng.js';
import { digestPod } from './snapshot/pod-info.js';
import { podIdentity, type Snapshot } from './snapshot/snapshot.js';

/**
 * Filters in the order they run. A node stops at its first refusal, so the order decides both
 * cost and which reason a node is counted under (kube-scheduler's order, for the same messages):
 *  - NodeUnschedulable, NodeReady: one boolean each; cordoned or dead nodes leave first.
 *  - NodeName, NodeAffinity, TaintToleration: label and taint lookups that rule a node out for
 *    good (Unresolvable); skipped entirely for pods that ask nothing of them.
 *  - NodePorts, NodeResourcesFit: arithmetic on the node's running totals.
 *  - PodTopologySpread, InterPodAffinity: last, because their PreFilter walks the bound pods;
 *    their per-node check is then a few map lookups, and they skip pods without such rules.
 */
const FILTER_ORDER: readonly PluginName[] = [
  PluginNames.NodeUnschedulable,
  PluginNames.NodeReady,
  PluginNames.NodeName,
  PluginNames.TaintToleration,
  PluginNames.NodeAffinity,
  PluginNames.NodePorts,
  PluginNames.NodeResourcesFit,
  PluginNames.PodTopologySpread,
  PluginNames.InterPodAffinity,
];

/**
 * Scores and their default weights (kube-scheduler's): taints the node owner asked to avoid
 * weigh most; affinities and spreading next; resource balance and image locality break the rest.
 */
const SCORE_WEIGHTS: readonly (readonly [PluginName, number])[] = [
  [PluginNames.TaintToleration, 3],
  [PluginNames.NodeAffinity, 2],
  [PluginNames.PodTopologySpread, 2],
  [PluginNames.InterPodAffinity, 2],
  [PluginNames.NodeResourcesFit, 1],
  [PluginNames.ImageLocality, 1],
];

/** Kubernetes' bounds for the adaptive percentageOfNodesToScore. */
const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE = 5;
const BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50;

/** How many feasible nodes are enough to stop filtering (kube-scheduler's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(percentage: number, allNodes: number): number {
  if (allNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return allNodes;
  let p = percentage;
  if (p <= 0) p = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE, BASE_PERCENTAGE_OF_NODES_TO_SCORE - Math.floor(allNodes / 125));
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.floor((allNodes * p) / 100));
}

interface WeightedScore {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/** A profile's plugins, instantiated once and reused for every pod. */
export class Pipeline {
  private readonly filters: readonly FilterPlugin[];
  private readonly scores: readonly WeightedScore[];
  private readonly profile: Profile;
  // Per-cycle lists of the plugins not skipped; reused so a cycle does not allocate them.
  private readonly activeFilters: FilterPlugin[] = [];
  private readonly activeScores: WeightedScore[] = [];

  constructor(profile: Profile = DEFAULT_PROFILE) {
    this.profile = profile;
    const plugins = new Map<PluginName, Plugin>();
    const instance = (name: PluginName): Plugin | undefined => {
      if (profile.disabled.includes(name)) return undefined;
      let p = plugins.get(name);
      if (p === undefined) plugins.set(name, (p = registry[name](profile)));
      return p;
    };
    this.filters = FILTER_ORDER.map(instance).filter((p): p is FilterPlugin => p !== undefined && isFilter(p));
    this.scores = SCORE_WEIGHTS.flatMap(([name, defaultWeight]) => {
      const plugin = instance(name);
      const weight = profile.scoreWeights[name] ?? defaultWeight;
      return plugin !== undefined && isScore(plugin) && weight > 0 ? [{ plugin, weight }] : [];
    });
  }

  /**
   * Chooses a node for `pod` (not yet placed in the snapshot: forget a pod before deciding it
   * again), or says why none fits. Same snapshot state, pod and seed -> same answer.
   */
  decide(snapshot: Snapshot, pod: Pod, seed: number): Decision {
    const nodes = snapshot.nodes;
    const n = nodes.length;
    const info = digestPod(pod);
    snapshot.lastDigested = info;
    if (n === 0) return unschedulable(0, new Map());
    if (info.problem !== undefined) return rejectAll(n, refusal('UnschedulableAndUnresolvable', info.problem));

    const { state, feasible, refusals, totals, pluginScores } = snapshot.scratch;
    state.clear();

    // PreFilter: once per pod. A plugin with nothing to check for this pod drops out of the loop.
    const filters = this.activeFilters;
    filters.length = 0;
    for (const f of this.filters) {
      const status = isPreFilter(f) ? f.preFilter(state, info, snapshot) : null;
      if (status === SKIP) continue;
      if (status !== null) return rejectAll(n, status);
      filters.push(f);
    }

    // Filter: from the rotating start, until enough feasible nodes are found.
    const toFind = numFeasibleNodesToFind(this.profile.percentageOfNodesToScore, n);
    const start = snapshot.nextStartIndex % n;
    const filterCount = filters.length;
    let found = 0;
    let refused = 0;
    let examined = 0;
    for (; examined < n && found < toFind; examined++) {
      let index = start + examined;
      if (index >= n) index -= n;
      const node = nodes[index]!;
      let status: Refusal | null = null;
      for (let f = 0; f < filterCount && status === null; f++) status = filters[f]!.filter(state, info, node);
      if (status === null) feasible[found++] = index;
      else refusals[refused++] = status;
    }
    snapshot.nextStartIndex = (start + examined) % n;
    // Every node was examined and refused: the message counts each node's reasons.
    if (found === 0) return unschedulable(n, countReasons(refusals, refused));

    // PreScore, then each score over all feasible nodes, normalized, weighted and summed.
    const scores = this.activeScores;
    scores.length = 0;
    const view = { indexes: feasible, count: found };
    for (const s of this.scores) {
      if (isPreScore(s.plugin) && s.plugin.preScore(state, info, snapshot, view) === SKIP) continue;
      scores.push(s);
    }
    totals.fill(0, 0, found);
    for (const { plugin, weight } of scores) {
      plugin.score(state, info, snapshot, view, pluginScores);
      plugin.normalizeScore?.(state, info, pluginScores, found);
      for (let i = 0; i < found; i++) totals[i] = totals[i]! + weight * pluginScores[i]!;
    }

    // The best node; among equals, each has the same chance (reservoir sampling, as kube-scheduler).
    const random = randomFor(podIdentity(info), seed);
    let best = 0;
    let ties = 1;
    for (let i = 1; i < found; i++) {
      const t = totals[i]!;
      if (t > totals[best]!) {
        best = i;
        ties = 1;
      } else if (t === totals[best]! && random.intBelow(++ties) === 0) {
        best = i;
      }
    }
    return { kind: 'Scheduled', node: nodes[feasible[best]!]!.name, score: totals[best]!, evaluatedNodes: examined, feasibleNodes: found };
  }
}

function rejectAll(totalNodes: number, status: Refusal): Decision {
  return unschedulable(totalNodes, new Map(status.reasons.map((r) => [r, totalNodes])));
}

/** What a scheduling loop holds: one profile's pipeline. */
export type Scheduler = Pipeline;

/** A scheduler for one profile; build it once and call decide() for every pod. */
export function createScheduler(profile: Profile = DEFAULT_PROFILE): Scheduler {
  return new Pipeline(profile);
}

/**
 * Chooses a node for `pod`, or says why none fits. Same snapshot, pod and seed -> same answer.
 * Convenience form that instantiates the profile's plugins per call; a scheduling loop should hold
 * a `createScheduler(profile)` and call its decide().
 */
export function decide(snapshot: Snapshot, pod: Pod, seed: number, profile: Profile = DEFAULT_PROFILE): Decision {
  return new Pipeline(profile).decide(snapshot, pod, seed);
}
