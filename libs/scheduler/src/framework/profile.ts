/**
 * What a scheduler profile may change: which plugins run, score weights, the resource scoring
 * strategy and how many nodes are examined. The order of plugins is not configurable; it is fixed
 * in pipeline.ts, where it is explained.
 */
import { type PluginName } from '../names.js';

/** LeastAllocated spreads load (Kubernetes' default); MostAllocated packs nodes (bin-packing). */
export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

export interface Profile {
  readonly scoringStrategy: ScoringStrategy;
  /**
   * Stop filtering once this percentage of the nodes is found feasible (Kubernetes'
   * percentageOfNodesToScore). 0 means adaptive: 50% minus 1% per 125 nodes, at least 5% and at
   * least 100 nodes, as kube-scheduler does; 100 examines every node.
   */
  readonly percentageOfNodesToScore: number;
  /** Plugins switched off entirely (all their extension points). */
  readonly disabled: readonly PluginName[];
  /** Overrides of the default score weights in pipeline.ts; 0 turns a score off. */
  readonly scoreWeights: Readonly<Partial<Record<PluginName, number>>>;
}

export const DEFAULT_PROFILE: Profile = Object.freeze({
  scoringStrategy: 'LeastAllocated',
  percentageOfNodesToScore: 0,
  disabled: Object.freeze([]),
  scoreWeights: Object.freeze({}),
});

/** A profile from the default with some fields changed; unspecified fields keep their defaults. */
export function makeProfile(overrides: Partial<Profile>): Profile {
  return Object.freeze({ ...DEFAULT_PROFILE, ...overrides });
}
