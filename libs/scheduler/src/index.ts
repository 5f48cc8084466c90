/**
 * @tsk/scheduler: the pure scheduling core. No I/O, no clock, no Math.random; binding through the
 * API server is the caller's job. A scheduling loop uses it like this:
 *
 *   const scheduler = createScheduler(makeProfile({ scoringStrategy: 'MostAllocated' }));
 *   const snapshot = buildSnapshot(nodes, pods);          // from the informers' caches
 *   for (const pod of pending) {
 *     const d = scheduler.decide(snapshot, pod, seed);   // same inputs -> same node
 *     if (d.kind === 'Scheduled') {
 *       assume(snapshot, pod, d.node);                  // later decisions see it at once
 *       // bind (compare-and-swap); on failure: forget(snapshot, pod) and retry later
 *     } else {
 *       // PodScheduled=False, reason Unschedulable, message d.message; retry with backoff
 *     }
 *   }
 *   // Informer events: updateNode(snapshot, node) for a changed node, assume/forget for pods
 *   // bound or deleted elsewhere; a node added or removed needs buildSnapshot again.
 */
export { buildSnapshot, assume, forget, updateNode, type Snapshot } from './snapshot/snapshot.js';
export { type NodeInfo, type TaintInfo, type ReadyStatus, HOSTNAME_LABEL, ZONE_LABEL } from './snapshot/node-info.js';
export { digestPod, type PodInfo, type HostPort, type AffinityTerm } from './snapshot/pod-info.js';
export { decide, createScheduler, Pipeline, numFeasibleNodesToFind, type Scheduler } from './pipeline.js';
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
export * from './loop/index.js';
