/**
 * NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate
 * node.kubernetes.io/unschedulable:NoSchedule, as in Kubernetes (DaemonSet pods do).
 */
import { type CycleState } from '../../framework/cycle-state.js';
import { type FilterPlugin, type PreFilterPlugin } from '../../framework/interfaces.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus } from '../../framework/status.js';
import { anyTolerates, TaintKeys } from '../../framework/tolerations.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { type PodInfo } from '../../snapshot/pod-info.js';
import { type Snapshot } from '../../snapshot/snapshot.js';

export const NodeUnschedulableReasons = {
  Unschedulable: 'node(s) were unschedulable',
} as const;

const UNSCHEDULABLE = refusal('UnschedulableAndUnresolvable', NodeUnschedulableReasons.Unschedulable);

export class NodeUnschedulable implements PreFilterPlugin, FilterPlugin {
  readonly name = PluginNames.NodeUnschedulable;

  /** Every node would pass: skip the per-node check. */
  preFilter(_state: CycleState, _pod: PodInfo, snapshot: Snapshot): PreFilterStatus {
    return snapshot.cordonedNodes === 0 ? SKIP : null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): FilterStatus {
    if (!node.unschedulable) return null;
    return anyTolerates(pod.tolerations, TaintKeys.Unschedulable, '', 'NoSchedule') ? null : UNSCHEDULABLE;
  }
}
