/**
 * Node registration, the first step of every agent (real or hollow): create the Node with its
 * capacity, a Ready condition, system info and a pod CIDR, or, when it is already registered
 * (an agent restart), keep its spec and CIDR and refresh its status.
 */
import { AlreadyExistsError, type Condition, type Node, type NodeSystemInfo } from '@tsk/api';
import { type ApiClient } from '@tsk/client';
import { rfc3339 } from './time.js';

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const OS_LABEL = 'kubernetes.io/os';
export const ARCH_LABEL = 'kubernetes.io/arch';

export interface NodeSpecInput {
  readonly name: string;
  /** "cpu" -> "2", "memory" -> "4Gi", "pods" -> "110". */
  readonly capacity: Readonly<Record<string, string>>;
  readonly podCIDR: string;
  readonly internalIP: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly nodeInfo?: NodeSystemInfo;
}

/** The Ready=True condition an agent reports while it is alive; the transition time is kept when it was already True. */
export function readyCondition(now: Date, previous?: Condition): Condition {
  const stillReady = previous?.status === 'True';
  return {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'tsk-agent is posting ready status',
    lastHeartbeatTime: rfc3339(now),
    lastTransitionTime: stillReady && previous.lastTransitionTime !== undefined ? previous.lastTransitionTime : rfc3339(now),
  };
}

export function buildNode(input: NodeSpecInput, now: Date): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: input.name,
      labels: { [HOSTNAME_LABEL]: input.name, [OS_LABEL]: 'linux', [ARCH_LABEL]: 'amd64', ...input.labels },
    },
    spec: { podCIDR: input.podCIDR, podCIDRs: [input.podCIDR] },
    status: nodeStatus(input, now, undefined),
  };
}

export function nodeStatus(input: NodeSpecInput, now: Date, previous: Node | undefined): NonNullable<Node['status']> {
  const prevReady = previous?.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    capacity: { ...input.capacity },
    allocatable: { ...input.capacity },
    conditions: [readyCondition(now, prevReady)],
    addresses: [
      { type: 'InternalIP', address: input.internalIP },
      { type: 'Hostname', address: input.name },
    ],
    nodeInfo: input.nodeInfo ?? {},
  };
}

/**
 * Creates the node, or adopts the registered one. Returns the node as stored (its podCIDR is
 * the one to use: an existing node keeps the CIDR it was given before).
 */
export async function registerNode(client: ApiClient, input: NodeSpecInput, now: Date): Promise<Node> {
  try {
    // tsk-server keeps the status given at create, so one write registers a ready node.
    return await client.create<Node>('Node', buildNode(input, now));
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  const existing = await client.get<Node>('Node', '', input.name);
  const podCIDR = existing.spec?.podCIDR ?? '';
  const effective = { ...input, podCIDR: podCIDR !== '' ? podCIDR : input.podCIDR };
  const { resourceVersion: _rv, ...meta } = existing.metadata ?? {};
  return client.updateStatus<Node>('Node', { ...existing, metadata: meta, status: nodeStatus(effective, now, existing) });
}
