/**
 * The domains of one topology key (the distinct values of a node label) with each node's domain
 * as a small integer, so affinity and spread count pods in typed arrays instead of maps keyed by
 * strings. Computed on first use per key and cached in the snapshot until a node changes.
 */
import { type NodeInfo } from './node-info.js';

export interface TopologyDomains {
  /** Domain id -> label value. */
  readonly values: readonly string[];
  /** Node index -> domain id, or -1 when the node lacks the label. */
  readonly ofNode: Int32Array;
}

export function topologyDomains(cache: Map<string, TopologyDomains>, nodes: readonly NodeInfo[], key: string): TopologyDomains {
  let domains = cache.get(key);
  if (domains !== undefined) return domains;
  const ids = new Map<string, number>();
  const ofNode = new Int32Array(nodes.length).fill(-1);
  for (const node of nodes) {
    const value = node.labels[key];
    if (value === undefined) continue;
    let id = ids.get(value);
    if (id === undefined) ids.set(value, (id = ids.size));
    ofNode[node.index] = id;
  }
  domains = { values: [...ids.keys()], ofNode };
  cache.set(key, domains);
  return domains;
}
