/**
 * One small interface per extension point, as in Kubernetes' scheduling framework: a plugin
 * implements only the points it needs, and the pipeline (pipeline.ts) calls them in order.
 *
 * Filter runs once per node, so it takes the digested NodeInfo and returns a plain value (usually
 * a shared Refusal constant); Score runs once per pod over all feasible nodes. Whatever depends
 * only on the pod is computed once by PreFilter/PreScore and passed through the typed CycleState.
 */
import { type PluginName } from '../names.js';
import { type NodeInfo } from '../snapshot/node-info.js';
import { type PodInfo } from '../snapshot/pod-info.js';
import { type Snapshot } from '../snapshot/snapshot.js';
import { type CycleState } from './cycle-state.js';
import { type FilterStatus, type PreFilterStatus, type PreScoreStatus } from './status.js';

/** The highest score a Score plugin may give a node after normalization (Kubernetes' MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

export interface Plugin {
  readonly name: PluginName;
}

export interface PreFilterPlugin extends Plugin {
  /** Once per pod, before any Filter: compute what Filter needs, or SKIP when the pod asks nothing of this plugin. */
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreFilterStatus;
}

export interface FilterPlugin extends Plugin {
  /** Whether `node` can run `pod`: null when it can, otherwise why not. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): FilterStatus;
}

export interface PreScorePlugin extends Plugin {
  /** Once per pod, after filtering, with the feasible nodes: compute what Score needs, or SKIP. */
  preScore(state: CycleState, pod: PodInfo, snapshot: Snapshot, feasible: FeasibleNodes): PreScoreStatus;
}

export interface ScorePlugin extends Plugin {
  /**
   * Raw, integral scores of all feasible nodes: scores[i] for snapshot.nodes[feasible.indexes[i]].
   * Unlike Kubernetes' per-node Score, one call covers every node, so a plugin reads its cycle
   * state once and runs its own tight loop (this is most of the scheduler's time).
   */
  score(state: CycleState, pod: PodInfo, snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void;
  /**
   * Rescales the raw scores of all feasible nodes in place to 0..MAX_NODE_SCORE (scores[i] belongs
   * to feasible node i; only the first `count` entries are live). Omitted when `score` already
   * returns 0..MAX_NODE_SCORE.
   */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array, count: number): void;
}

/** The feasible nodes of this cycle, as indexes into snapshot.nodes (a view on scratch memory). */
export interface FeasibleNodes {
  readonly indexes: Int32Array;
  readonly count: number;
}

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as Partial<PreFilterPlugin>).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === 'function';
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as Partial<PreScorePlugin>).preScore === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as Partial<ScorePlugin>).score === 'function';
}
