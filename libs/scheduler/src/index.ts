/**
 * @tsk/scheduler: the pure scheduling core. `buildSnapshot` digests nodes and bound pods,
 * `decide` picks a node for a pod (or explains why none fits), `assume`/`forget` keep the snapshot
 * current as bindings succeed or fail. No I/O, no clock: binding through the API server is the
 * caller's job.
 */
export { buildSnapshot, assume, forget, updateNode, type Snapshot } from './snapshot/snapshot.js';
export { type NodeInfo, type TaintInfo, type ReadyStatus, HOSTNAME_LABEL, ZONE_LABEL } from './snapshot/node-info.js';
export { digestPod, type PodInfo, type HostPort, type AffinityTerm } from './snapshot/pod-info.js';
export { decide, createScheduler, Pipeline, numFeasibleNodesToFind } from './pipeline.js';
export { type Decision, type Scheduled, type Unschedulable, NO_NODES_MESSAGE } from './decision.js';
export { DEFAULT_PROFILE, makeProfile, type Profile, type ScoringStrategy } from './framework/profile.js';
export { PluginNames, type PluginName } from './names.js';
export { registry, type PluginFactory } from './framework/registry.js';
export { type Refusal, type RefusalCode, type FilterStatus } from './framework/status.js';
export { NodeReadyReasons } from './plugins/node-ready/node-ready.js';
export { NodeUnschedulableReasons } from './plugins/node-unschedulable/node-unschedulable.js';
export { NodeNameReasons } from './plugins/node-name/node-name.js';
export { NodeAffinityReasons } from './plugins/node-affinity/node-affinity.js';
export { TaintTolerationReasons } from './plugins/taint-toleration/taint-toleration.js';
export { NodeResourcesFitReasons } from './plugins/node-resources-fit/node-resources-fit.js';
export { NodePortsReasons } from './plugins/node-ports/node-ports.js';
export { InterPodAffinityReasons } from './plugins/inter-pod-affinity/inter-pod-affinity.js';
export { PodTopologySpreadReasons } from './plugins/pod-topology-spread/pod-topology-spread.js';
export { makeNode, makePod, NodeBuilder, PodBuilder } from './testing/builders.js';
