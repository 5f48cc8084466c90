/**
 * NodeResourcesFit: the pod's requests must fit in what the node can allocate minus what its pods
 * already request (cpu, memory, and one pod slot). Scores by how much stays free
 * (LeastAllocated, spreading load) or how full the node gets (MostAllocated, bin-packing),
 * counting containers without requests as Kubernetes does (100m, 200Mi), so that many
 * request-less pods do not all pile onto one node.
 */
import { type CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type FeasibleNodes, type FilterPlugin, type ScorePlugin } from '../../framework/interfaces.js';
import { type ScoringStrategy } from '../../framework/profile.js';
import { refusal, type FilterStatus, type Refusal } from '../../framework/status.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { type PodInfo } from '../../snapshot/pod-info.js';
import { type Snapshot } from '../../snapshot/snapshot.js';

export const NodeResourcesFitReasons = {
  TooManyPods: 'Too many pods',
  InsufficientCpu: 'Insufficient cpu',
  InsufficientMemory: 'Insufficient memory',
  /** Followed by the resource name: "Insufficient nvidia.com/gpu". */
  Insufficient: 'Insufficient',
} as const;

const TOO_MANY_PODS = 1;
const INSUFFICIENT_CPU = 2;
const INSUFFICIENT_MEMORY = 4;

/** Every combination of shortages, built once, indexed by the bit mask above. */
const REFUSALS: readonly (Refusal | null)[] = Array.from({ length: 8 }, (_, mask) => {
  const reasons: string[] = [];
  if (mask & TOO_MANY_PODS) reasons.push(NodeResourcesFitReasons.TooManyPods);
  if (mask & INSUFFICIENT_CPU) reasons.push(NodeResourcesFitReasons.InsufficientCpu);
  if (mask & INSUFFICIENT_MEMORY) reasons.push(NodeResourcesFitReasons.InsufficientMemory);
  return mask === 0 ? null : refusal('Unschedulable', ...reasons);
});

/** (capacity - requested) scaled to 0..MAX_NODE_SCORE; 0 when the node is full or has no capacity. */
function leastAllocated(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** requested scaled to 0..MAX_NODE_SCORE, capped at full. */
function mostAllocated(requested: number, capacity: number): number {
  if (capacity <= 0) return 0;
  return Math.floor((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = PluginNames.NodeResourcesFit;
  private readonly scoreResource: (requested: number, capacity: number) => number;
  private readonly otherRefusals = new Map<string, Refusal>();

  constructor(strategy: ScoringStrategy) {
    this.scoreResource = strategy === 'MostAllocated' ? mostAllocated : leastAllocated;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): FilterStatus {
    let mask = 0;
    if (node.pods.length + 1 > node.allocatablePods) mask |= TOO_MANY_PODS;
    // A pod that requests nothing is checked for a pod slot only (Kubernetes), even on an
    // overcommitted node.
    if (pod.milliCpu > 0 && pod.milliCpu > node.allocatableMilliCpu - node.requestedMilliCpu) mask |= INSUFFICIENT_CPU;
    if (pod.memory > 0 && pod.memory > node.allocatableMemory - node.requestedMemory) mask |= INSUFFICIENT_MEMORY;
    if (pod.otherRequests.length > 0) return this.filterOther(pod, node, mask);
    return mask === 0 ? null : REFUSALS[mask]!;
  }

  /** Extended resources (a GPU, ephemeral-storage): rare, so built and cached by reason list. */
  private filterOther(pod: PodInfo, node: NodeInfo, mask: number): FilterStatus {
    const reasons = REFUSALS[mask]?.reasons.slice() ?? [];
    for (const [name, amount] of pod.otherRequests) {
      const free = (node.allocatableOther.get(name) ?? 0) - (node.requestedOther.get(name) ?? 0);
      if (amount > 0 && amount > free) reasons.push(`${NodeResourcesFitReasons.Insufficient} ${name}`);
    }
    if (reasons.length === 0) return null;
    const key = reasons.join('\n');
    let r = this.otherRefusals.get(key);
    if (r === undefined) this.otherRefusals.set(key, (r = refusal('Unschedulable', ...reasons)));
    return r;
  }

  /** Already 0..MAX_NODE_SCORE: the mean of the cpu and memory scores. */
  score(_state: CycleState, pod: PodInfo, snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void {
    const scoreResource = this.scoreResource;
    const nodes = snapshot.nodes;
    for (let i = 0; i < feasible.count; i++) {
      const node = nodes[feasible.indexes[i]!]!;
      const cpu = scoreResource(node.nonZeroRequestedMilliCpu + pod.nonZeroMilliCpu, node.allocatableMilliCpu);
      const memory = scoreResource(node.nonZeroRequestedMemory + pod.nonZeroMemory, node.allocatableMemory);
      scores[i] = Math.floor((cpu + memory) / 2);
    }
  }
}
