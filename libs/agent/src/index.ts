/**
 * @tsk/agent: the node agent's library. `node/` is the protocol every agent speaks to tsk-server
 * (registration, lease heartbeat, the watch of its pods); `hollow/` runs simulated nodes on it.
 */
export { DEFAULT_CLUSTER_CIDR, NodeCidrAllocator, PodIpPool, parseCidr, parseIpv4, formatIpv4, nodeBlockCount, type Ipv4Net } from './node/cidr.js';
export { Pacer, type PacerOptions } from './node/pacer.js';
export { microTime, rfc3339 } from './node/time.js';
export { buildNode, nodeStatus, readyCondition, registerNode, HOSTNAME_LABEL, OS_LABEL, ARCH_LABEL, type NodeSpecInput } from './node/registration.js';
export {
  NODE_LEASE_NAMESPACE,
  DEFAULT_LEASE_DURATION_SECONDS,
  DEFAULT_LEASE_RENEW_MS,
  NodeLease,
  buildLease,
  ensureLeaseNamespace,
} from './node/lease.js';
export { NodePodWatch, type PodWatchHandlers } from './node/pod-watch.js';
export { ScannedPod, scanPodEvent, type ScannedEvent } from './node/pod-scan.js';
export { Heartbeats, heartbeatTickMs, type HeartbeatsOptions } from './node/heartbeats.js';
export { HollowAgent, DEFAULT_HOLLOW_CAPACITY, DEFAULT_STATUS_UPDATE_MS, type HollowOptions, type StartResult } from './hollow/hollow-agent.js';
export { runningStatus, isReportedRunning } from './hollow/status.js';
export { HeartbeatWorker, type HeartbeatSettings, type HeartbeatStats } from './node/heartbeat-worker.js';
