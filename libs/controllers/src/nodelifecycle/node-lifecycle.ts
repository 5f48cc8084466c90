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
  /** The nodes' Leases (namespace kube-node-lease, named after the node). */
  readonly leases: readonly Lease[];
  /** Pods bound to nodes (others are ignored). */
  readonly pods: readonly Pod[];
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

function nodeRef(node: Node): ObjectRef {
  return { kind: 'Node', namespace: '', name: node.metadata?.name ?? '', uid: node.metadata?.uid ?? '' };
}

function podRef(pod: Pod): ObjectRef {
  return { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: podName(pod), uid: pod.metadata?.uid ?? '' };
}

/** When the node was last heard from: Lease renewal, else its Ready heartbeat, else creation. */
export function lastHeardFrom(node: Node, lease: Lease | undefined): number | undefined {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const times = [parseTime(lease?.spec?.renewTime), parseTime(ready?.lastHeartbeatTime), parseTime(node.metadata?.creationTimestamp)];
  const known = times.filter((t): t is number => t !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
}

export function reconcileNodeLifecycle(input: NodeLifecycleInput): Action[] {
  const settings = { ...DEFAULT_NODE_LIFECYCLE_SETTINGS, ...(input.settings ?? {}) };
  const leases = new Map(input.leases.map((l) => [l.metadata?.name ?? '', l]));
  const podsByNode = new Map<string, Pod[]>();
  for (const p of input.pods) {
    const n = p.spec?.nodeName ?? '';
    if (n !== '') podsByNode.set(n, [...(podsByNode.get(n) ?? []), p]);
  }
  const actions: Action[] = [];
  const delays: (number | undefined)[] = [];
  const placed: { pods: readonly Pod[]; taints: readonly Taint[]; down: boolean }[] = [];
  for (const node of input.nodes) {
    const name = node.metadata?.name ?? '';
    const pods = podsByNode.get(name) ?? [];
    const heard = input.observedAt !== undefined ? (input.observedAt.get(name) ?? input.now) : lastHeardFrom(node, leases.get(name));
    const silent = heard === undefined || input.now >= heard + settings.nodeMonitorGracePeriodMs;
    if (!silent) delays.push(heard + settings.nodeMonitorGracePeriodMs - input.now);

    const conditions = nextConditions(node, silent, input.now);
    if (conditions !== undefined) {
      actions.push({ type: 'SetNodeConditions', name, conditions });
      const became = conditions.find((c) => c.type === 'Ready')?.status === 'True' ? 'NodeReady' : 'NodeNotReady';
      actions.push({ type: 'Event', involvedObject: nodeRef(node), eventType: 'Normal', reason: became, message: `Node ${name} status is now: ${became}` });
      if (became === 'NodeNotReady') {
        for (const p of pods.filter((x) => !isTerminal(x) && isReady(x))) {
          actions.push({ type: 'MarkPodNotReady', namespace: p.metadata?.namespace ?? '', name: podName(p), uid: p.metadata?.uid ?? '', reason: 'NodeNotReady' });
          actions.push({ type: 'Event', involvedObject: podRef(p), eventType: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready' });
        }
      }
    }
    const hasReady = (node.status?.conditions ?? []).some((c) => c.type === 'Ready');
    // A node that renews its Lease but has not posted a Ready condition yet (just registered)
    // is not unreachable: only silence, or the agent's own False/Unknown, taints it.
    const readyStatus = conditions?.find((c) => c.type === 'Ready')?.status ?? (hasReady || silent ? nodeReadyStatus(node) : 'True');
    const taints = nextTaints(node, readyStatus, input.now);
    if (taints !== undefined) actions.push({ type: 'SetNodeTaints', name, taints });
    placed.push({ pods, taints: taints ?? node.spec?.taints ?? [], down: readyStatus !== 'True' });
  }
  // Every node down at once: far likelier that this server lost its network (or the agents their
  // way to it) than that every machine died, and evicting would only leave every pod Pending.
  // As Kubernetes' "full disruption" mode, hold evictions until some node is back.
  const held = placed.length > 0 && placed.every((n) => n.down);
  for (const { pods, taints, down } of placed) {
    for (const p of pods) {
      const r = evictionFor(p, taints, settings, input.now, down);
      if (r.action !== undefined && !held) actions.push(...r.action);
      delays.push(held ? undefined : r.delay);
    }
  }
  actions.push(...requeueAfter(...delays));
  return actions;
}

/** True when every node is down, so that reconcileNodeLifecycle holds evictions (see there). */
export function evictionsHeld(nodes: readonly Node[]): boolean {
  return nodes.length > 0 && nodes.every((n) => nodeReadyStatus(n) !== 'True');
}

/** New conditions if they must change: Unknown when silent, back to True when our Unknown is stale. */
function nextConditions(node: Node, silent: boolean, now: number): Condition[] | undefined {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const at = formatTime(now);
  if (silent) {
    if (ready?.status === 'Unknown') return undefined;
    const next = conditions.map((c) => (SILENCED_CONDITIONS.has(c.type ?? '') ? silence(c, at) : c));
    if (ready === undefined) next.push({ type: 'Ready', status: 'Unknown', reason: UNKNOWN_REASON, message: UNKNOWN_MESSAGE, lastTransitionTime: at });
    return next;
  }
  // The agent renews its Lease again: undo the Unknown this controller wrote (the agent's own
  // status, when it posts one, replaces it anyway).
  if (ready?.status === 'Unknown' && ready.reason === UNKNOWN_REASON) {
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
function nextTaints(node: Node, readyStatus: string, now: number): Taint[] | undefined {
  const taints = node.spec?.taints ?? [];
  const want = readyStatus === 'Unknown' ? TaintKeys.Unreachable : readyStatus === 'False' ? TaintKeys.NotReady : undefined;
  const keep = taints.filter((t) => !(MANAGED.has(t.key ?? '') && t.effect === 'NoExecute') || t.key === want);
  if (want !== undefined && !keep.some((t) => t.key === want && t.effect === 'NoExecute')) {
    keep.push({ key: want, effect: 'NoExecute', timeAdded: formatTime(now) });
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
