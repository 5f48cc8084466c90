/**
 * A node digested once into integers and sets, so filters compare numbers instead of parsing
 * quantities or walking lists for every pod. The totals of bound pods are kept up to date by
 * `assume` and `forget` in snapshot.ts, the only writers of the mutable fields below.
 */
import { parseBytes, parseCpuMillis, type Node, type Taint } from '@tsk/api';
import { normalizeImageName } from './images.js';
import { type PodInfo } from './pod-info.js';

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface TaintInfo {
  readonly key: string;
  readonly value: string;
  /** NoSchedule, PreferNoSchedule or NoExecute. */
  readonly effect: string;
  /** "{key: value}", as Kubernetes prints an untolerated taint; computed once per node. */
  readonly text: string;
}

export type ReadyStatus = 'True' | 'False' | 'Unknown';

export interface NodeInfo {
  /** Position in snapshot.nodes; scratch buffers of the pipeline are indexed by it. */
  readonly index: number;
  readonly node: Node;
  readonly name: string;
  /** The node's labels, with kubernetes.io/hostname defaulted to the node's name. */
  readonly labels: Readonly<Record<string, string>>;
  readonly allocatableMilliCpu: number;
  readonly allocatableMemory: number;
  readonly allocatablePods: number;
  /** Other allocatable resources (ephemeral-storage, nvidia.com/gpu...), in whole units. */
  readonly allocatableOther: ReadonlyMap<string, number>;
  readonly taints: readonly TaintInfo[];
  readonly hasPreferNoScheduleTaint: boolean;
  /** spec.unschedulable: cordoned. */
  readonly unschedulable: boolean;
  /** The topology.kubernetes.io/zone label, read once: default spreading looks it up per node. */
  readonly zone: string | undefined;
  /** The Ready condition's status; a node that reports none reads Unknown. */
  readonly ready: ReadyStatus;
  /** Normalized image name -> size in bytes, from status.images. */
  readonly images: ReadonlyMap<string, number>;

  // Totals of the pods bound (or assumed) here; written only by snapshot.ts.
  requestedMilliCpu: number;
  requestedMemory: number;
  nonZeroRequestedMilliCpu: number;
  nonZeroRequestedMemory: number;
  readonly pods: PodInfo[];
  /** Requests of bound pods for the resources in allocatableOther (and any others they ask for). */
  readonly requestedOther: Map<string, number>;
  /** "TCP/80" -> host IPs in use on that protocol and port. */
  readonly usedPorts: Map<string, Map<string, number>>;
}

function quantity(text: string | undefined, parse: (t: string) => number): number {
  if (text === undefined || text === '') return 0;
  try {
    return parse(text);
  } catch {
    // A node reporting a malformed quantity offers nothing rather than failing every decision.
    return 0;
  }
}

function digestTaint(t: Taint): TaintInfo {
  const key = t.key ?? '';
  const value = t.value ?? '';
  return { key, value, effect: t.effect ?? '', text: `{${key}: ${value}}` };
}

export function digestNode(node: Node, index: number): NodeInfo {
  const name = node.metadata?.name ?? '';
  const labels = { ...(node.metadata?.labels ?? {}) };
  if (!Object.hasOwn(labels, HOSTNAME_LABEL)) labels[HOSTNAME_LABEL] = name;
  const allocatable = node.status?.allocatable ?? node.status?.capacity ?? {};
  const taints = (node.spec?.taints ?? []).map(digestTaint);
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const images = new Map<string, number>();
  for (const image of node.status?.images ?? []) {
    for (const n of image.names ?? []) images.set(normalizeImageName(n), image.sizeBytes ?? 0);
  }
  return {
    index,
    node,
    name,
    labels,
    allocatableMilliCpu: quantity(allocatable['cpu'], parseCpuMillis),
    allocatableMemory: quantity(allocatable['memory'], parseBytes),
    allocatablePods: quantity(allocatable['pods'], parseBytes),
    allocatableOther: new Map(
      Object.entries(allocatable)
        .filter(([name]) => name !== 'cpu' && name !== 'memory' && name !== 'pods')
        .map(([name, text]) => [name, quantity(text, parseBytes)]),
    ),
    taints,
    hasPreferNoScheduleTaint: taints.some((t) => t.effect === 'PreferNoSchedule'),
    unschedulable: node.spec?.unschedulable === true,
    zone: labels[ZONE_LABEL],
    ready: ready === 'True' || ready === 'False' ? ready : 'Unknown',
    images,
    requestedMilliCpu: 0,
    requestedMemory: 0,
    nonZeroRequestedMilliCpu: 0,
    nonZeroRequestedMemory: 0,
    pods: [],
    requestedOther: new Map(),
    usedPorts: new Map(),
  };
}

export function portKey(protocol: string, port: number): string {
  return `${protocol}/${port}`;
}
