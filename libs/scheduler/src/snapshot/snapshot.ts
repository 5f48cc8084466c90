/**
 * The cluster as the scheduler sees it: nodes digested into NodeInfo plus the pods bound to them.
 * Built once from a list (`buildSnapshot`), then kept current by `assume` after each binding, so a
 * batch of decisions accounts for the earlier ones without a rebuild, and by `forget` when a
 * binding fails or a pod goes away.
 */
import { type Node, type Pod } from '@tsk/api';
import { CycleState } from '../framework/cycle-state.js';
import { type FilterStatus } from '../framework/status.js';
import { digestNode, portKey, type NodeInfo } from './node-info.js';
import { DEFAULT_NAMESPACE, digestPod, type PodInfo } from './pod-info.js';
import { PodIndex } from './pod-index.js';
import { OwnerCounts } from './owner-counts.js';
import { type TopologyDomains } from './topology-domains.js';

/** Buffers the pipeline reuses for every decision, so the hot loop allocates nothing. */
export interface Scratch {
  readonly state: CycleState;
  /** Indexes (into snapshot.nodes) of the feasible nodes found this cycle. */
  feasible: Int32Array;
  /** The refusals of the nodes refused this cycle (the first `refused` entries are live). */
  refusals: FilterStatus[];
  /** Weighted total score of each feasible node, parallel to `feasible`. */
  totals: Float64Array;
  /** One plugin's scores before weighting, parallel to `feasible`. */
  pluginScores: Float64Array;
  /**
   * A per-node counter indexed like snapshot.nodes, all zeros between uses: a plugin may fill a
   * few entries, read them in its loop and must zero them again before returning.
   */
  nodeCounts: Int32Array;
}

/**
 * Everything below is maintained by this module's functions (buildSnapshot, assume, forget,
 * updateNode); plugins and callers only read it.
 */
export interface Snapshot {
  /** Indexed by NodeInfo.index; a node keeps its index for the snapshot's life. */
  readonly nodes: NodeInfo[];
  readonly nodesByName: Map<string, NodeInfo>;
  /** Pod uid (or namespace/name) -> the node index it is bound or assumed to, and its digest. */
  readonly placements: Map<string, { readonly nodeIndex: number; readonly pod: PodInfo }>;
  /** Normalized image name -> number of nodes that have it (ImageLocality's spread factor). */
  readonly imageNodeCounts: Map<string, number>;
  /**
   * Where each controller's pods are, per node and per zone: owner uid -> counts (owner-counts.ts).
   * Default spreading reads one entry per pod, then a typed array per node.
   */
  readonly owners: Map<string, OwnerCounts>;
  /** Placed pods by label and by anti-affinity term, for affinity and spread counting. */
  readonly podIndex: PodIndex;
  /** Topology key -> its domains; cleared when a node changes. */
  readonly domainCache: Map<string, TopologyDomains>;
  /** The distinct zones (topology.kubernetes.io/zone), and each node's index into it or -1. */
  readonly zones: string[];
  readonly zoneOfNode: Int32Array;
  /**
   * Nodes that some filter could refuse whatever the pod; when a count is 0 that filter skips
   * itself for the whole cycle (a healthy, untainted cluster runs the resource check alone).
   */
  cordonedNodes: number;
  notReadyNodes: number;
  /** Nodes with a NoSchedule or NoExecute taint. */
  nodesWithHardTaints: number;
  /** Nodes with a PreferNoSchedule taint; 0 lets TaintToleration skip scoring. */
  nodesWithPreferNoSchedule: number;
  /** Bound pods with required anti-affinity; 0 lets InterPodAffinity skip the existing-pods check. */
  podsWithRequiredAntiAffinity: number;
  /**
   * Where the next cycle starts examining nodes. Kubernetes rotates it so that, with
   * percentageOfNodesToScore below 100, every node gets its turn; it is part of the snapshot (not
   * a clock or a global) so the same snapshot and pod always give the same node.
   */
  nextStartIndex: number;
  /** The last pod digested by decide(), reused by assume() for the same pod object. */
  lastDigested: PodInfo | undefined;
  readonly scratch: Scratch;
}

/** Pods that no longer hold resources on their node. */
function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** How the snapshot tells pods apart: the uid, or namespace/name for a pod not yet given one. */
export function podIdentity(info: PodInfo): string {
  return info.uid !== '' ? info.uid : info.key;
}

function podIdentityOf(pod: Pod): string {
  const meta = pod.metadata;
  if (meta?.uid !== undefined && meta.uid !== '') return meta.uid;
  const namespace = meta?.namespace === undefined || meta.namespace === '' ? DEFAULT_NAMESPACE : meta.namespace;
  return `${namespace}/${meta?.name ?? ''}`;
}

export function buildSnapshot(nodes: readonly Node[], pods: readonly Pod[]): Snapshot {
  const infos = nodes.map((n, i) => digestNode(n, i));
  const n = infos.length;
  const snapshot: Snapshot = {
    nodes: infos,
    nodesByName: new Map(infos.map((i) => [i.name, i])),
    placements: new Map(),
    imageNodeCounts: new Map(),
    podIndex: new PodIndex(),
    domainCache: new Map(),
    zones: [],
    zoneOfNode: new Int32Array(n),
    owners: new Map(),
    cordonedNodes: 0,
    notReadyNodes: 0,
    nodesWithHardTaints: 0,
    nodesWithPreferNoSchedule: 0,
    podsWithRequiredAntiAffinity: 0,
    nextStartIndex: 0,
    lastDigested: undefined,
    scratch: {
      state: new CycleState(),
      feasible: new Int32Array(n),
      refusals: new Array<FilterStatus>(n).fill(null),
      totals: new Float64Array(n),
      pluginScores: new Float64Array(n),
      nodeCounts: new Int32Array(n),
    },
  };
  for (const info of infos) applyNode(snapshot, info, 1);
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName ?? '';
    if (nodeName === '' || isTerminal(pod)) continue;
    assume(snapshot, pod, nodeName);
  }
  return snapshot;
}

function addCount<K>(map: Map<K, number>, key: K, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next === 0) map.delete(key);
  else map.set(key, next);
}

/** Adds (or removes) a node's contribution to the snapshot-wide counters. */
function applyNode(snapshot: Snapshot, node: NodeInfo, sign: 1 | -1): void {
  if (node.unschedulable) snapshot.cordonedNodes += sign;
  if (node.ready !== 'True') snapshot.notReadyNodes += sign;
  if (node.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) snapshot.nodesWithHardTaints += sign;
  if (node.hasPreferNoScheduleTaint) snapshot.nodesWithPreferNoSchedule += sign;
  for (const image of node.images.keys()) addCount(snapshot.imageNodeCounts, image, sign);
  if (sign === 1) {
    let zone = -1;
    if (node.zone !== undefined) {
      zone = snapshot.zones.indexOf(node.zone);
      if (zone === -1) zone = snapshot.zones.push(node.zone) - 1;
    }
    snapshot.zoneOfNode[node.index] = zone;
  }
}

function applyPod(snapshot: Snapshot, node: NodeInfo, info: PodInfo, sign: 1 | -1): void {
  node.requestedMilliCpu += sign * info.milliCpu;
  node.requestedMemory += sign * info.memory;
  node.nonZeroRequestedMilliCpu += sign * info.nonZeroMilliCpu;
  node.nonZeroRequestedMemory += sign * info.nonZeroMemory;
  for (const [name, amount] of info.otherRequests) addCount(node.requestedOther, name, sign * amount);
  for (const p of info.hostPorts) {
    const key = portKey(p.protocol, p.port);
    let ips = node.usedPorts.get(key);
    if (ips === undefined) node.usedPorts.set(key, (ips = new Map()));
    addCount(ips, p.ip, sign);
    if (ips.size === 0) node.usedPorts.delete(key);
  }
  if (info.ownerUid !== '') {
    let owner = snapshot.owners.get(info.ownerUid);
    if (owner === undefined) snapshot.owners.set(info.ownerUid, (owner = new OwnerCounts(snapshot.nodes.length)));
    // zoneOfNode is the node's zone as applied (updateNode re-applies pods after the new labels).
    owner.add(node.index, snapshot.zoneOfNode[node.index]!, sign);
    if (owner.pods === 0) snapshot.owners.delete(info.ownerUid);
  }
  if (info.requiredAntiAffinity.length > 0) snapshot.podsWithRequiredAntiAffinity += sign;
  if (sign === 1) snapshot.podIndex.add(info, node.index);
  else snapshot.podIndex.remove(info, node.index);
}

/**
 * Records that `pod` is bound (or about to be) to `nodeName`, so later decisions see its requests,
 * ports and labels. Returns false when the node is not in the snapshot. Assuming a pod that is
 * already placed moves it.
 */
export function assume(snapshot: Snapshot, pod: Pod, nodeName: string): boolean {
  const node = snapshot.nodesByName.get(nodeName);
  if (node === undefined) return false;
  const cached = snapshot.lastDigested;
  const info = cached !== undefined && cached.pod === pod ? cached : digestPod(pod);
  const id = podIdentity(info);
  if (snapshot.placements.has(id)) forget(snapshot, pod);
  node.pods.push(info);
  applyPod(snapshot, node, info, 1);
  snapshot.placements.set(id, { nodeIndex: node.index, pod: info });
  return true;
}

/** Undoes `assume` (a failed binding, a deleted pod). Returns false when the pod was not placed. */
export function forget(snapshot: Snapshot, pod: Pod): boolean {
  const id = podIdentityOf(pod);
  const placement = snapshot.placements.get(id);
  if (placement === undefined) return false;
  const { nodeIndex, pod: info } = placement;
  const node = snapshot.nodes[nodeIndex]!;
  const at = node.pods.indexOf(info);
  if (at !== -1) node.pods.splice(at, 1);
  applyPod(snapshot, node, info, -1);
  snapshot.placements.delete(id);
  return true;
}

/**
 * Replaces a node already in the snapshot by its new version (status, conditions, taints, labels,
 * cordon, allocatable), keeping the pods placed on it. Node heartbeats and cordons are frequent,
 * so this avoids a rebuild; a node added or deleted needs `buildSnapshot` again (indexes are
 * fixed). Returns false when no node of that name is in the snapshot.
 */
export function updateNode(snapshot: Snapshot, node: Node): boolean {
  const old = snapshot.nodesByName.get(node.metadata?.name ?? '');
  if (old === undefined) return false;
  const next = digestNode(node, old.index);
  // Re-adding the pods recomputes totals, ports and per-zone owner counts on the new labels.
  for (const info of old.pods) applyPod(snapshot, old, info, -1);
  applyNode(snapshot, old, -1);
  applyNode(snapshot, next, 1);
  for (const info of old.pods) {
    next.pods.push(info);
    applyPod(snapshot, next, info, 1);
  }
  snapshot.nodes[old.index] = next;
  snapshot.domainCache.clear();
  snapshot.nodesByName.set(next.name, next);
  return true;
}
