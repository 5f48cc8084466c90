/**
 * The heartbeats of an agent's nodes: each node's lease renewed every leaseRenewMs and its
 * status rewritten every statusUpdateMs, spread over the period by a Pacer. Runs on the
 * heartbeat thread (heartbeat-thread.ts), apart from it so it can be tested in-process.
 *
 * Why no Limiter: every write of a pacer tick is issued in the same turn, so the ApiClient
 * sends them as one Batch call (a limiter would let only its first few go together and trickle
 * the rest one small call at a time). The ApiClient bounds its own calls in flight, and the
 * pacer never starts a node's renewal while its last one runs, so at most one write per node
 * and kind is ever pending.
 */
import { type Lease, type Node } from '@tsk/api';
import { type ApiClient } from '@tsk/client';
import { NodeLease } from './lease.js';
import { Pacer } from './pacer.js';
import { nodeStatus, type NodeSpecInput } from './registration.js';
import { type HeartbeatStats } from './heartbeat-worker.js';

export interface HeartbeatsOptions {
  readonly leaseDurationSeconds: number;
  readonly leaseRenewMs: number;
  readonly statusUpdateMs: number;
  /**
   * How often the pacers look for due work, and so how the writes are grouped into calls.
   * Default leaseRenewMs / 8 (250 ms for the 2 s default): 8 Batch calls a period, and a
   * renewal at most 250 ms after its slot, against the 8 s a node may stay silent.
   */
  readonly tickMs?: number;
}

/** The tick for a renewal period: an eighth of it, between 10 and 250 ms. */
export function heartbeatTickMs(leaseRenewMs: number): number {
  return Math.min(250, Math.max(10, Math.floor(leaseRenewMs / 8)));
}

interface HeldNode {
  readonly input: NodeSpecInput;
  node: Node;
  readonly lease: NodeLease;
}

export class Heartbeats {
  private readonly nodes = new Map<string, HeldNode>();
  private readonly counters: HeartbeatStats = { leaseRenewals: 0, leaseFailures: 0, slowestRenewalMs: 0, statusUpdates: 0, statusFailures: 0 };
  private lastError = '';
  private readonly leases: Pacer<HeldNode>;
  private readonly statuses: Pacer<HeldNode>;

  constructor(
    private readonly client: ApiClient,
    private readonly options: HeartbeatsOptions,
  ) {
    const tickMs = options.tickMs ?? heartbeatTickMs(options.leaseRenewMs);
    this.leases = new Pacer<HeldNode>({ periodMs: options.leaseRenewMs, tickMs }, (n, now) => this.renew(n, now));
    this.statuses = new Pacer<HeldNode>({ periodMs: options.statusUpdateMs, tickMs }, (n, now) => this.updateStatus(n, now));
  }

  /** Takes over a registered node; `lease` is its lease as last written (by the registering thread). */
  add(input: NodeSpecInput, node: Node, lease: Lease | undefined): void {
    const held: HeldNode = { input, node, lease: new NodeLease(this.client, node, this.options.leaseDurationSeconds, lease) };
    this.nodes.set(input.name, held);
    this.leases.add(held);
    this.statuses.add(held);
  }

  start(): void {
    this.leases.start();
    this.statuses.start();
  }

  stop(): void {
    this.leases.stop();
    this.statuses.stop();
  }

  /** The counters and the last error since the last report; restarts the per-report ones. */
  report(): { stats: HeartbeatStats; lastError: string } {
    const out = { stats: { ...this.counters }, lastError: this.lastError };
    this.counters.slowestRenewalMs = 0;
    this.lastError = '';
    return out;
  }

  private async renew(n: HeldNode, now: number): Promise<void> {
    try {
      await n.lease.renew(new Date(now));
      this.counters.leaseRenewals++;
      this.counters.slowestRenewalMs = Math.max(this.counters.slowestRenewalMs, Date.now() - now);
    } catch (err) {
      this.counters.leaseFailures++;
      this.lastError = `lease ${n.input.name}: ${(err as Error).message}`;
    }
  }

  private async updateStatus(n: HeldNode, now: number): Promise<void> {
    try {
      // Unconditional (no resourceVersion): the agent owns its node's status, and reporting
      // Ready=True over a controller's Ready=Unknown is exactly what a live agent must do.
      const { resourceVersion: _rv, ...meta } = n.node.metadata ?? {};
      const next = { ...n.node, metadata: meta, status: nodeStatus(n.input, new Date(now), n.node) };
      n.node = await this.client.updateStatus<Node>('Node', next);
      this.counters.statusUpdates++;
    } catch (err) {
      this.counters.statusFailures++;
      this.lastError = `status ${n.input.name}: ${(err as Error).message}`;
    }
  }
}
