/** NodeName: a pod that names its node (spec.nodeName) fits that node only. */
import { type CycleState } from '../../framework/cycle-state.js';
import { type FilterPlugin, type PreFilterPlugin } from '../../framework/interfaces.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus } from '../../framework/status.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { type PodInfo } from '../../snapshot/pod-info.js';

export const NodeNameReasons = {
  Mismatch: "node(s) didn't match the requested node name",
} as const;

const MISMATCH = refusal('UnschedulableAndUnresolvable', NodeNameReasons.Mismatch);

export class NodeName implements PreFilterPlugin, FilterPlugin {
  readonly name = PluginNames.NodeName;

  preFilter(_state: CycleState, pod: PodInfo): PreFilterStatus {
    return pod.nodeName === '' ? SKIP : null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): FilterStatus {
    return node.name === pod.nodeName ? null : MISMATCH;
  }
}
