/**
 * NodeReady: only nodes whose Ready condition is True take new pods. A pod that tolerates the
 * taint the node lifecycle controller puts on such a node (not-ready when Ready=False,
 * unreachable when Ready=Unknown; DaemonSet pods do) may still go there.
 */
import { type CycleState } from '../../framework/cycle-state.js';
import { type FilterPlugin, type PreFilterPlugin } from '../../framework/interfaces.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus } from '../../framework/status.js';
import { anyTolerates, TaintKeys } from '../../framework/tolerations.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { type PodInfo } from '../../snapshot/pod-info.js';
import { type Snapshot } from '../../snapshot/snapshot.js';

export const NodeReadyReasons = {
  NotReady: 'node(s) were not ready',
} as const;

const NOT_READY = refusal('UnschedulableAndUnresolvable', NodeReadyReasons.NotReady);

export class NodeReady implements PreFilterPlugin, FilterPlugin {
  readonly name = PluginNames.NodeReady;

  /** Every node would pass: skip the per-node check. */
  preFilter(_state: CycleState, _pod: PodInfo, snapshot: Snapshot): PreFilterStatus {
    return snapshot.notReadyNodes === 0 ? SKIP : null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): FilterStatus {
    if (node.ready === 'True') return null;
    const key = node.ready === 'False' ? TaintKeys.NotReady : TaintKeys.Unreachable;
    if (anyTolerates(pod.tolerations, key, '', 'NoSchedule') || anyTolerates(pod.tolerations, key, '', 'NoExecute')) return null;
    return NOT_READY;
  }
}
