/**
 * ImageLocality: prefers nodes that already have the pod's images, weighted by image size and by
 * how many nodes have them (an image on every node says little about any one of them), so large
 * pulls are avoided without herding pods onto the few nodes that cached something first.
 * Thresholds as in Kubernetes: below 23 MiB nothing counts; 1000 MiB per container is the top.
 */
import { StateKey, type CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type FeasibleNodes, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.js';
import { SKIP, type PreScoreStatus } from '../../framework/status.js';
import { PluginNames } from '../../names.js';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { type PodInfo } from '../../snapshot/pod-info.js';
import { normalizeImageName } from '../../snapshot/images.js';
import { type Snapshot } from '../../snapshot/snapshot.js';

const MIB = 1024 * 1024;
export const MIN_IMAGE_THRESHOLD = 23 * MIB;
export const MAX_CONTAINER_IMAGE_THRESHOLD = 1000 * MIB;

interface ImageSpread {
  /** Normalized image -> nodes having it / all nodes. */
  readonly spread: ReadonlyMap<string, number>;
  readonly containers: number;
}

const SPREAD = new StateKey<ImageSpread>('ImageLocality/spread');

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = PluginNames.ImageLocality;

  preScore(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreScoreStatus {
    if (snapshot.imageNodeCounts.size === 0) return SKIP;
    const spread = new Map<string, number>();
    for (const raw of pod.images) {
      const image = normalizeImageName(raw);
      const nodes = snapshot.imageNodeCounts.get(image) ?? 0;
      if (nodes > 0) spread.set(image, nodes / snapshot.nodes.length);
    }
    if (spread.size === 0) return SKIP;
    state.write(SPREAD, { spread, containers: Math.max(1, pod.pod.spec?.containers?.length ?? 1) });
    return null;
  }

  score(state: CycleState, _pod: PodInfo, snapshot: Snapshot, feasible: FeasibleNodes, scores: Float64Array): void {
    const s = state.require(SPREAD);
    for (let i = 0; i < feasible.count; i++) scores[i] = scoreNode(s, snapshot.nodes[feasible.indexes[i]!]!);
  }
}

function scoreNode({ spread, containers }: ImageSpread, node: NodeInfo): number {
  let sum = 0;
  for (const [image, ratio] of spread) {
    const size = node.images.get(image);
    if (size !== undefined) sum += Math.floor(size * ratio);
  }
  const max = MAX_CONTAINER_IMAGE_THRESHOLD * containers;
  const clamped = Math.min(Math.max(sum, MIN_IMAGE_THRESHOLD), max);
  return Math.floor((MAX_NODE_SCORE * (clamped - MIN_IMAGE_THRESHOLD)) / (max - MIN_IMAGE_THRESHOLD));
}
