/**
 * TaintToleration: a node's NoSchedule and NoExecute taints must all be tolerated; nodes with
 * fewer untolerated PreferNoSchedule taints score higher.
 */
import { type CycleState } from '../../framework/cycle-state.js';
import { type FeasibleNodes, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import { defaultNormalize } from '../../framework/normalize.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus, type PreScoreStatus, type Refusal } from '../../framework/status.js';
import { anyTolerates } from '../../framework/tolerations.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo, type TaintInfo } from '../../snapshot/node-info.js';
import { type PodInfo } from '../../snapshot/pod-info.js';
import { type Snapshot } from '../../snapshot/snapshot.js';

export const TaintTolerationReasons = {
  /** Followed by the taint: "node(s) had untolerated taint {key: value}". */
  UntoleratedTaint: 'node(s) had untolerated taint',
} as const;

export class TaintToleration implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = PluginNames.TaintToleration;
  /** One refusal per taint, made on first use: a tainted node refuses many pods. */
  private readonly refusals = new WeakMap<TaintInfo, Refusal>();

  private refusalFor(taint: TaintInfo): Refusal {
    let r = this.refusals.get(taint);
    if (r === undefined) this.refusals.set(taint, (r = refusal('UnschedulableAndUnresolvable', `${TaintTolerationReasons.UntoleratedTaint} ${taint.text}`)));
    return r;
  }

  /** Every node would pass: skip the per-node check. */
  preFilter(_state: CycleState, _pod: PodInfo, snapshot: Snapshot): PreFilterStatus {
    return snapshot.nodesWithHardTaints === 0 ? SKIP : null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): FilterStatus {
    const taints = node.taints;
    for (let i = 0; i < taints.length; i++) {
      const t = taints[i]!;
      if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
      if (!anyTolerates(pod.tolerations, t.key, t.value, t.effect)) return this.refusalFor(t);
    }
    return null;
  }

  preScore(_state: CycleState, _pod: PodInfo, snapshot: Snapshot): PreScoreStatus {
    return snapshot.nodesWithPreferNoSchedule === 0 ? SKIP : null;
  }

  score(_state: CycleState, pod: PodInfo, snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void {
    for (let i = 0; i < feasible.count; i++) {
      const node = snapshot.nodes[feasible.indexes[i]!]!;
      let untolerated = 0;
      if (node.hasPreferNoScheduleTaint) {
        for (const t of node.taints) {
          // Only tolerations for PreferNoSchedule (or every effect) count, as in Kubernetes.
          if (t.effect === 'PreferNoSchedule' && !anyTolerates(pod.tolerations, t.key, t.value, t.effect)) untolerated++;
        }
      }
      scores[i] = untolerated;
    }
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    defaultNormalize(scores, count, true);
  }
}
