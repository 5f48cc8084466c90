/**
 * NodePorts: a host port (protocol, port, address) can be held by one pod per node. Address
 * 0.0.0.0 means every address, so it conflicts with any use of the same protocol and port.
 */
import { StateKey, type CycleState } from '../../framework/cycle-state.js';
import { type FilterPlugin, type PreFilterPlugin } from '../../framework/interfaces.js';
import { refusal, SKIP, type FilterStatus, type PreFilterStatus } from '../../framework/status.js';
import { PluginNames } from '../../names.js';
import { portKey, type NodeInfo } from '../../snapshot/node-info.js';
import { type PodInfo } from '../../snapshot/pod-info.js';

export const NodePortsReasons = {
  Conflict: "node(s) didn't have free ports for the requested pod ports",
} as const;

const CONFLICT = refusal('Unschedulable', NodePortsReasons.Conflict);
const WILDCARD = '0.0.0.0';

/** The pod's host ports with their lookup keys, computed once per pod. */
const WANTED = new StateKey<readonly { readonly key: string; readonly ip: string }[]>('NodePorts/wanted');

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = PluginNames.NodePorts;

  preFilter(state: CycleState, pod: PodInfo): PreFilterStatus {
    if (pod.hostPorts.length === 0) return SKIP;
    state.write(
      WANTED,
      pod.hostPorts.map((p) => ({ key: portKey(p.protocol, p.port), ip: p.ip })),
    );
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): FilterStatus {
    if (node.usedPorts.size === 0) return null;
    for (const { key, ip } of state.require(WANTED)) {
      const ips = node.usedPorts.get(key);
      if (ips === undefined) continue;
      if (ip === WILDCARD ? ips.size > 0 : ips.has(ip) || ips.has(WILDCARD)) return CONFLICT;
    }
    return null;
  }
}
