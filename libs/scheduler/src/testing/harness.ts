/**
 * Runs one plugin, made by its registry factory, the way the pipeline would, so plugin tests go
 * through the public factory and read as tables: pod + nodes + bound pods -> result per node.
 */
import { type Node, type Pod } from '@tsk/api';
import { isFilter, isPreFilter, isPreScore, isScore } from '../framework/interfaces.js';
import { DEFAULT_PROFILE, type Profile } from '../framework/profile.js';
import { registry } from '../framework/registry.js';
import { SKIP } from '../framework/status.js';
import { type PluginName } from '../names.js';
import { digestPod } from '../snapshot/pod-info.js';
import { buildSnapshot } from '../snapshot/snapshot.js';

/** Node name -> the reasons it was refused, joined by "; " ("" when it fits). */
export function runFilter(name: PluginName, pod: Pod, nodes: readonly Node[], bound: readonly Pod[] = [], profile: Profile = DEFAULT_PROFILE): Record<string, string> {
  const plugin = registry[name](profile);
  if (!isFilter(plugin)) throw new Error(`${name} is not a filter plugin`);
  const snapshot = buildSnapshot(nodes, bound);
  const info = digestPod(pod);
  const { state } = snapshot.scratch;
  state.clear();
  const pre = isPreFilter(plugin) ? plugin.preFilter(state, info, snapshot) : null;
  const out: Record<string, string> = {};
  for (const node of snapshot.nodes) {
    if (pre === SKIP) out[node.name] = '';
    else if (pre !== null) out[node.name] = pre.reasons.join('; ');
    else out[node.name] = plugin.filter(state, info, node)?.reasons.join('; ') ?? '';
  }
  return out;
}

/**
 * Node name -> normalized score, every node treated as feasible; 'skipped' when the plugin's
 * PreScore opted out for this pod.
 */
export function runScore(
  name: PluginName,
  pod: Pod,
  nodes: readonly Node[],
  bound: readonly Pod[] = [],
  profile: Profile = DEFAULT_PROFILE,
): Record<string, number> | 'skipped' {
  const plugin = registry[name](profile);
  if (!isScore(plugin)) throw new Error(`${name} is not a score plugin`);
  const snapshot = buildSnapshot(nodes, bound);
  const info = digestPod(pod);
  const { state } = snapshot.scratch;
  state.clear();
  const feasible = { indexes: Int32Array.from(snapshot.nodes, (n) => n.index), count: snapshot.nodes.length };
  if (isPreScore(plugin) && plugin.preScore(state, info, snapshot, feasible) === SKIP) return 'skipped';
  const scores = new Float64Array(feasible.count);
  plugin.score(state, info, snapshot, feasible, scores);
  plugin.normalizeScore?.(state, info, scores, feasible.count);
  return Object.fromEntries(snapshot.nodes.map((n, i) => [n.name, scores[i]!]));
}
