/** Score normalizations shared by several plugins (Kubernetes' helper.DefaultNormalizeScore). */
import { MAX_NODE_SCORE } from './interfaces.js';

/**
 * Scales so the highest score becomes MAX_NODE_SCORE; with `reverse`, the lowest does (for raw
 * scores that count something bad, such as untolerated PreferNoSchedule taints).
 */
export function defaultNormalize(scores: Float64Array, count: number, reverse: boolean): void {
  let max = 0;
  for (let i = 0; i < count; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) {
    const s = Math.floor((MAX_NODE_SCORE * scores[i]!) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
