/**
 * Node lifecycle (Kubernetes' node_lifecycle_controller and its NoExecute taint manager):
 *  - a node whose Lease was not renewed within the grace period gets Ready=Unknown
 *    (NodeStatusUnknown), its pods are marked not ready, and the event NodeNotReady;
 *  - Ready=Unknown is tainted node.kubernetes.io/unreachable:NoExecute, Ready=False
 *    node.kubernetes.io/not-ready:NoExecute, and the taints go when the node is Ready again (a
 *    renewed Lease undoes the Unknown this controller wrote);
 *  - pods on a NoExecute-tainted node are evicted (deleted, event TaintManagerEviction) once
 *    their toleration runs out; their controllers then replace them elsewhere.
 */
import { type Condition, type Lease, type Node, type Pod, type Taint } from '@tsk/api';
import { type Action, type ObjectRef, requeueAfter } from '../actions.js';
import { isDeleting, isReady, isTerminal, podName } from '../common/pods.js';
import { nodeReadyStatus, tolerationsFor } from '../common/placement.js';
import { formatTime, parseTime } from '../common/time.js';
import { DEFAULT_NODE_LIFECYCLE_SETTINGS, type NodeLifecycleSettings, TaintKeys } from './settings.js';

export interface NodeLifecycleInput {
  readonly nodes: readonly Node[];
  /** The nodes' Leases (namespace kube-node-lease, named after the node); read only without observedAt. */
  readonly leases?: readonly Lease[];
  /**
   * Pods bound to nodes (others are ignored), or a function that lists them: it is called only
   * when some node is (or goes) down or carries a NoExecute taint, so a healthy cluster's pods
   * are not walked on every pass.
   */
  readonly pods: readonly Pod[] | (() => readonly Pod[]);
  readonly now: number;
  readonly settings?: Partial<NodeLifecycleSettings>;
  /**
   * Per node, when the controller last observed its heartbeat change, by the controller's clock
   * (HeartbeatObserver). When given, silence is measured from it and the agents' own timestamps
   * are not compared with this clock; a node missing from it counts as heard from now.
   */
  readonly observedAt?: ReadonlyMap<string, number>;
}

const UNKNOWN_REASON = 'NodeStatusUnknown';
const UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
/** Conditions Kubernetes turns Unknown with Ready when a node goes silent. */
const SILENCED_CONDITIONS = new Set(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']);
const NO_PODS: readonly Pod[] = [];

function nodeRef(node: Node): ObjectRef {
  return { kind: 'Node', namespace: '', name: node.metadata?.name ?? '', uid: node.metadata?.uid ?? '' };
}

function podRef(pod: Pod): ObjectRef {
  return { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: podName(pod), uid: pod.metadata?.uid ?? '' };
}

function readyConditionOf(node: Node): Condition | undefined {
  const conditions = node.status?.conditions;
  if (conditions !== undefined) for (const c of conditions) if (c.type === 'Ready') return c;
  return undefined;
}

/** When the node was last heard from: Lease renewal, else its Ready heartbeat, else creation. */
export function lastHeardFrom(node: Node, lease: Lease | undefined): number | undefined {
  const ready = readyConditionOf(node);
  const times = [parseTime(lease?.spec?.renewTime), parseTime(ready?.lastHeartbeatTime), parseTime(node.metadata?.creationTimestamp)];
  const known = times.filter((t): t is number => t !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
}

/** Formats `now` once per pass, and only if some action needs a timestamp. */
function lazyStamp(now: number): () => string {
  let at: string | undefined;
  return () => (at ??= formatTime(now));
}

/** What one pass decided for a node that needs any action or may lose pods. */
interface NodePlan {
  readonly node: Node;
  readonly name: string;
  readonly conditions: Condition[] | undefined;
  /** Went NotReady in this pass: its ready pods are marked not ready. */
  readonly wentDown: boolean;
  readonly taints: Taint[] | undefined;
  /** Down or tainted NoExecute: its pods may be evicted (or force-deleted). */
  readonly evicts: boolean;
  readonly effectiveTaints: readonly Taint[];
  readonly down: boolean;
}

/**
 * One pass over every node. It costs O(nodes) when every node is up and untainted; the pods are
 * read (once, grouped by node) only when some node goes down or is down or tainted NoExecute: a
 * pod on an up node without such a taint can be neither evicted nor force-deleted.
 */
export function reconcileNodeLifecycle(input: NodeLifecycleInput): Action[] {
  const settings = { ...DEFAULT_NODE_LIFECYCLE_SETTINGS, ...(input.settings ?? {}) };
  const now = input.now;
  const stamp = lazyStamp(now);
  const observedAt = input.observedAt;
  const leases = observedAt === undefined ? new Map((input.leases ?? []).map((l) => [l.metadata?.name ?? '', l])) : undefined;
  let delay: number | undefined;
  const later = (ms: number | undefined): void => {
    if (ms !== undefined && (delay === undefined || ms < delay)) delay = ms;
  };
  const plans: NodePlan[] = [];
  let allDown = input.nodes.length > 0;
  for (const node of input.nodes) {
    const name = node.metadata?.name ?? '';
    const heard = observedAt !== undefined ? (observedAt.get(name) ?? now) : lastHeardFrom(node, leases?.get(name));
    const silent = heard === undefined || now >= heard + settings.nodeMonitorGracePeriodMs;
    if (!silent) later(heard + settings.nodeMonitorGracePeriodMs - now);

    const conditions = nextConditions(node, silent, stamp);
    const nextReady = conditions?.find((c) => c.type === 'Ready')?.status;
    // A node that renews its Lease but has not posted a Ready condition yet (just registered)
    // is not unreachable: only silence, or the agent's own False/Unknown, taints it.
    const readyStatus = nextReady ?? (silent || readyConditionOf(node) !== undefined ? nodeReadyStatus(node) : 'True');
    const taints = nextTaints(node, readyStatus, stamp);
    const down = readyStatus !== 'True';
    if (!down) allDown = false;
    const effectiveTaints = taints ?? node.spec?.taints ?? [];
    const evicts = down || effectiveTaints.some((t) => t.effect === 'NoExecute');
    if (conditions === undefined && taints === undefined && !evicts) continue;
    plans.push({ node, name, conditions, wentDown: conditions !== undefined && nextReady !== 'True', taints, evicts, effectiveTaints, down });
  }
  // Every node down at once: far likelier that this server lost its network (or the agents their
  // way to it) than that every machine died, and evicting would only leave every pod Pending.
  // As Kubernetes' "full disruption" mode, hold evictions until some node is back.
  const held = allDown;
  const podsOn = podsOfNodes(input.pods, plans.filter((p) => p.wentDown || (p.evicts && !held)).map((p) => p.name));

  const actions: Action[] = [];
  for (const { node, name, conditions, wentDown, taints } of plans) {
    if (conditions !== undefined) {
      actions.push({ type: 'SetNodeConditions', name, conditions });
      const became = wentDown ? 'NodeNotReady' : 'NodeReady';
      actions.push({ type: 'Event', involvedObject: nodeRef(node), eventType: 'Normal', reason: became, message: `Node ${name} status is now: ${became}` });
      if (wentDown) {
        for (const p of podsOn(name)) {
          if (isTerminal(p) || !isReady(p)) continue;
          actions.push({ type: 'MarkPodNotReady', namespace: p.metadata?.namespace ?? '', name: podName(p), uid: p.metadata?.uid ?? '', reason: 'NodeNotReady' });
          actions.push({ type: 'Event', involvedObject: podRef(p), eventType: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready' });
        }
      }
    }
    if (taints !== undefined) actions.push({ type: 'SetNodeTaints', name, taints });
  }
  if (!held) {
    for (const { name, evicts, effectiveTaints, down } of plans) {
      if (!evicts) continue;
      for (const p of podsOn(name)) {
        const r = evictionFor(p, effectiveTaints, settings, now, down);
        if (r.action !== undefined) actions.push(...r.action);
        later(r.delay);
      }
    }
  }
  actions.push(...requeueAfter(delay));
  return actions;
}

/** The pods bound to the given nodes, grouped by node; the pod list is read only if there are any. */
function podsOfNodes(pods: NodeLifecycleInput['pods'], names: readonly string[]): (nodeName: string) => readonly Pod[] {
  if (names.length === 0) return () => NO_PODS;
  const byNode = new Map<string, Pod[]>(names.map((n) => [n, []]));
  for (const p of typeof pods === 'function' ? pods() : pods) byNode.get(p.spec?.nodeName ?? '')?.push(p);
  return (name) => byNode.get(name) ?? NO_PODS;
}

/** True when every node is down, so that reconcileNodeLifecycle holds evictions (see there). */
export function evictionsHeld(nodes: readonly Node[]): boolean {
  return nodes.length > 0 && nodes.every((n) => nodeReadyStatus(n) !== 'True');
}

/** New conditions if they must change: Unknown when silent, back to True when our Unknown is stale. */
function nextConditions(node: Node, silent: boolean, stamp: () => string): Condition[] | undefined {
  const conditions = node.status?.conditions ?? [];
  const ready = readyConditionOf(node);
  if (silent) {
    if (ready?.status === 'Unknown') return undefined;
    const at = stamp();
    const next = conditions.map((c) => (SILENCED_CONDITIONS.has(c.type ?? '') ? silence(c, at) : c));
    if (ready === undefined) next.push({ type: 'Ready', status: 'Unknown', reason: UNKNOWN_REASON, message: UNKNOWN_MESSAGE, lastTransitionTime: at });
    return next;
  }
  // The agent renews its Lease again: undo the Unknown this controller wrote (the agent's own
  // status, when it posts one, replaces it anyway).
  if (ready?.status === 'Unknown' && ready.reason === UNKNOWN_REASON) {
    const at = stamp();
    return conditions.map((c) =>
      c.type === 'Ready'
        ? { ...c, status: 'True', reason: 'KubeletReady', message: 'tsk-agent renewed its lease', lastTransitionTime: at }
        : c.status === 'Unknown' && c.reason === UNKNOWN_REASON
          ? { ...c, status: 'False', reason: 'KubeletHasSufficient', message: 'tsk-agent renewed its lease', lastTransitionTime: at }
          : c,
    );
  }
  return undefined;
}

function silence(c: Condition, at: string): Condition {
  return c.status === 'Unknown' ? c : { ...c, status: 'Unknown', reason: UNKNOWN_REASON, message: UNKNOWN_MESSAGE, lastTransitionTime: at };
}

const MANAGED = new Set<string>([TaintKeys.NotReady, TaintKeys.Unreachable]);

/** The NoExecute taint the Ready status calls for, keeping the original timeAdded. */
function nextTaints(node: Node, readyStatus: string, stamp: () => string): Taint[] | undefined {
  const taints = node.spec?.taints ?? [];
  const want = readyStatus === 'Unknown' ? TaintKeys.Unreachable : readyStatus === 'False' ? TaintKeys.NotReady : undefined;
  // The common case, a Ready node without a taint of ours: nothing to do, nothing to allocate.
  if (want === undefined && !taints.some((t) => MANAGED.has(t.key ?? '') && t.effect === 'NoExecute')) return undefined;
  const keep = taints.filter((t) => !(MANAGED.has(t.key ?? '') && t.effect === 'NoExecute') || t.key === want);
  if (want !== undefined && !keep.some((t) => t.key === want && t.effect === 'NoExecute')) {
    keep.push({ key: want, effect: 'NoExecute', timeAdded: stamp() });
  }
  const same = keep.length === taints.length && keep.every((t, i) => t === taints[i]);
  return same ? undefined : keep;
}

interface Eviction {
  readonly action?: Action[];
  readonly delay?: number;
}

/**
 * When a pod must leave its NoExecute-tainted node: at once for a taint it does not tolerate,
 * after the shortest tolerationSeconds otherwise (from the taint's timeAdded), never if it
 * tolerates without a limit. Pods without a toleration for not-ready/unreachable get tsk's default.
 */
function evictionFor(pod: Pod, taints: readonly Taint[], settings: NodeLifecycleSettings, now: number, nodeDown: boolean): Eviction {
  if (isTerminal(pod)) return {};
  if (isDeleting(pod)) return forceDeleteIfStuck(pod, settings, now, nodeDown);
  let evictAt: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const since = parseTime(taint.timeAdded) ?? now;
    const matching = tolerationsFor(pod.spec?.tolerations, taint);
    let seconds: number | undefined;
    if (matching.length === 0) seconds = MANAGED.has(taint.key ?? '') ? settings.defaultTolerationSeconds : 0;
    else if (matching.some((t) => t.tolerationSeconds === undefined)) seconds = undefined;
    else seconds = Math.max(0, Math.min(...matching.map((t) => t.tolerationSeconds ?? 0)));
    if (seconds === undefined) continue;
    const at = since + seconds * 1000;
    evictAt = evictAt === undefined ? at : Math.min(evictAt, at);
  }
  if (evictAt === undefined) return {};
  if (now < evictAt) return { delay: evictAt - now };
  const ns = pod.metadata?.namespace ?? '';
  return {
    action: [
      { type: 'DeletePod', namespace: ns, name: podName(pod), uid: pod.metadata?.uid ?? '', reason: 'TaintManagerEviction' },
      { type: 'Event', involvedObject: podRef(pod), eventType: 'Normal', reason: 'TaintManagerEviction', message: `Marking for deletion Pod ${ns}/${podName(pod)}` },
    ],
  };
}

function forceDeleteIfStuck(pod: Pod, settings: NodeLifecycleSettings, now: number, nodeDown: boolean): Eviction {
  const after = settings.forceDeleteTerminatingAfterMs;
  const since = parseTime(pod.metadata?.deletionTimestamp);
  if (!nodeDown || after === undefined || since === undefined) return {};
  if (now < since + after) return { delay: since + after - now };
  return {
    action: [{ type: 'DeletePod', namespace: pod.metadata?.namespace ?? '', name: podName(pod), uid: pod.metadata?.uid ?? '', reason: 'node unreachable: force-deleting a terminating pod', gracePeriodSeconds: 0 }],
  };
}
