/**
 * NodeAffinity: filters by spec.nodeSelector and required node affinity; scores by the summed
 * weights of the preferred terms a node matches.
 */
import { StateKey, type CycleState } from '../../framework/cycle-state.js';
import { type FeasibleNodes, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import { defaultNormalize } from '../../framework/normalize.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus, type PreScoreStatus } from '../../framework/status.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { type PodInfo } from '../../snapshot/pod-info.js';
import { type Snapshot } from '../../snapshot/snapshot.js';
import { compileRequiredNodeAffinity, compileTerm, nodeMatchesRequired, termMatches, type CompiledTerm, type RequiredNodeAffinity } from './required-node-affinity.js';

export const NodeAffinityReasons = {
  Mismatch: "node(s) didn't match Pod's node affinity/selector",
} as const;

const MISMATCH = refusal('UnschedulableAndUnresolvable', NodeAffinityReasons.Mismatch);

const REQUIRED = new StateKey<RequiredNodeAffinity>('NodeAffinity/required');
const PREFERRED = new StateKey<readonly { readonly weight: number; readonly term: CompiledTerm }[]>('NodeAffinity/preferred');

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = PluginNames.NodeAffinity;

  preFilter(state: CycleState, pod: PodInfo): PreFilterStatus {
    const required = compileRequiredNodeAffinity(pod);
    if (required === null) return SKIP;
    state.write(REQUIRED, required);
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): FilterStatus {
    return nodeMatchesRequired(state.require(REQUIRED), node) ? null : MISMATCH;
  }

  preScore(state: CycleState, pod: PodInfo): PreScoreStatus {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const terms = preferred.filter((p) => (p.weight ?? 0) !== 0).map((p) => ({ weight: p.weight ?? 0, term: compileTerm(p.preference) }));
    if (terms.length === 0) return SKIP;
    state.write(PREFERRED, terms);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void {
    const preferred = state.require(PREFERRED);
    for (let i = 0; i < feasible.count; i++) {
      const node = snapshot.nodes[feasible.indexes[i]!]!;
      let total = 0;
      for (const { weight, term } of preferred) if (termMatches(term, node)) total += weight;
      scores[i] = total;
    }
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    defaultNormalize(scores, count, false);
  }
}
