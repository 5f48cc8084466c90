/**
 * Node leases, Kubernetes' cheap heartbeat: a small coordination.k8s.io/v1 Lease per node in
 * tsk-node-lease, named after the node, whose renewTime the agent moves forward every few
 * seconds. The node's status (a much bigger object) is written far less often; the node
 * lifecycle controller reads the lease to tell a live node from a dead one.
 */
import { AlreadyExistsError, ConflictError, NotFoundError, type Lease, type Node } from '@tsk/api';
import { type ApiClient } from '@tsk/client';
import { microTime } from './time.js';

export const NODE_LEASE_NAMESPACE = 'tsk-node-lease';

/**
 * Why these numbers: tsk's heal budget is 30 s from a node's death to its pods Running elsewhere
 * (Kubernetes takes about 5 min 50 s). The node lifecycle controller (@tsk/controllers,
 * DEFAULT_NODE_LIFECYCLE_SETTINGS) calls a node silent 8 s after its last renewal, so renewing
 * every 2 s lets three renewals in a row be late or lost before anything happens: a merely late
 * heartbeat never flaps the node. Then 5 s of default toleration, the eviction and a reschedule
 * leave well over 10 s of the budget for the replacement to start. (Kubernetes: 40 s and 10 s.)
 */
export const DEFAULT_LEASE_DURATION_SECONDS = 8;
export const DEFAULT_LEASE_RENEW_MS = 2_000;

export function buildLease(node: Node, durationSeconds: number, now: Date): Lease {
  const name = node.metadata?.name ?? '';
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      // Owned by the node, so deleting the node collects its lease.
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now) },
  };
}

/** Makes sure the lease namespace exists (every agent tries; the first one creates it). */
export async function ensureLeaseNamespace(client: ApiClient): Promise<void> {
  try {
    await client.create('Namespace', { metadata: { name: NODE_LEASE_NAMESPACE } });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

/** One node's lease: renew() is a compare-and-swap on the last version this holder wrote. */
export class NodeLease {
  private lease: Lease | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly node: Node,
    private readonly durationSeconds: number,
    /** The lease as last written, when another holder object (another thread) wrote it. */
    initial?: Lease,
  ) {
    this.lease = initial;
  }

  get current(): Lease | undefined {
    return this.lease;
  }

  async renew(now = new Date()): Promise<void> {
    if (this.lease === undefined) {
      this.lease = await this.acquire(now);
      return;
    }
    const next: Lease = { ...this.lease, spec: { ...this.lease.spec, holderIdentity: this.node.metadata?.name ?? '', renewTime: microTime(now) } };
    try {
      this.lease = await this.client.update<Lease>('Lease', next);
    } catch (err) {
      // Someone else wrote it (or deleted it): take it over from what is stored now.
      if (!(err instanceof ConflictError) && !(err instanceof NotFoundError)) throw err;
      this.lease = await this.acquire(now);
    }
  }

  private async acquire(now: Date): Promise<Lease> {
    const fresh = buildLease(this.node, this.durationSeconds, now);
    try {
      return await this.client.create<Lease>('Lease', fresh);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    const stored = await this.client.get<Lease>('Lease', NODE_LEASE_NAMESPACE, fresh.metadata?.name ?? '');
    return this.client.update<Lease>('Lease', { ...stored, spec: { ...stored.spec, ...fresh.spec } });
  }
}
