/**
 * Which nodes a DaemonSet's pod belongs on (Kubernetes' NodeShouldRunDaemonPod) and how its pods
 * are made to stay there: the tolerations Kubernetes adds to every daemon pod, and the pin to one
 * node by required node affinity on metadata.name (the scheduler still binds it, so resources and
 * ports are checked as for any pod).
 */
import { type DaemonSet, type Node, type Pod, type PodSpec, type Toleration } from '@tsk/api';
import { nodeMatchesPodSpec, untoleratedTaints } from '../common/placement.js';

/** The tolerations Kubernetes' DaemonSet controller adds (AddOrUpdateDaemonPodTolerations). */
export function daemonPodTolerations(spec: PodSpec | undefined): Toleration[] {
  const extra: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec?.hostNetwork === true) extra.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const own = [...(spec?.tolerations ?? [])];
  for (const t of extra) {
    if (!own.some((o) => o.key === t.key && (o.operator ?? '') === t.operator && o.effect === t.effect && o.tolerationSeconds === undefined)) own.push(t);
  }
  return own;
}

export interface NodeFit {
  /** A daemon pod should be created here if missing. */
  readonly shouldRun: boolean;
  /** A daemon pod already here may stay (NoSchedule taints added later do not evict it). */
  readonly shouldContinueRunning: boolean;
}

export function nodeFit(ds: DaemonSet, node: Node): NodeFit {
  const spec = ds.spec?.template?.spec;
  if (!nodeMatchesPodSpec(node, spec)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonPodTolerations(spec);
  const noExecute = untoleratedTaints(node, tolerations, ['NoExecute']);
  const noSchedule = untoleratedTaints(node, tolerations, ['NoSchedule']);
  return { shouldRun: noExecute.length === 0 && noSchedule.length === 0, shouldContinueRunning: noExecute.length === 0 };
}

/** The node a daemon pod is for: its binding, or the node its affinity pins it to. */
export function daemonPodNode(pod: Pod): string {
  const bound = pod.spec?.nodeName ?? '';
  if (bound !== '') return bound;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && (f.values ?? []).length === 1) return f.values![0]!;
    }
  }
  return '';
}

/** Pins a pod spec to one node and adds the daemon tolerations (ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function pinToNode(spec: PodSpec, nodeName: string): void {
  const affinity = spec.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  // The required terms were already checked against this node; the pin replaces them.
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  affinity.nodeAffinity = nodeAffinity;
  spec.affinity = affinity;
  spec.tolerations = daemonPodTolerations(spec);
}

/** The daemon pods of one node, as the reconcile sees them. */
export interface NodePods {
  readonly node: string;
  readonly shouldRun: boolean;
  /** Active daemon pods for this node, oldest first. */
  readonly pods: Pod[];
}
