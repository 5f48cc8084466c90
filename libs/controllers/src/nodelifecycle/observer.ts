/**
 * When the node lifecycle controller last saw each node's heartbeat move, by its own clock.
 *
 * The heartbeat timestamps (a Lease's renewTime, the Ready condition's lastHeartbeatTime) are
 * written with the agent's clock. Measuring silence from them makes the controller depend on
 * every machine's clock agreeing with its own to within the grace period (8 s), and makes a
 * restarted server see every lease as stale at once: after a 30 s upgrade, every node would be
 * called dead and every pod evicted before the agents had a chance to renew. So, as Kubernetes'
 * node lifecycle controller does with its probe timestamps, silence is measured from the moment
 * this controller observed a heartbeat *change*; a node it has not seen before counts as heard
 * from now.
 */
import { type Lease, type Node } from '@tsk/api';

interface Seen {
  readonly beat: string;
  readonly at: number;
}

/** What a node's heartbeat says now: a change of it is a sign of life. */
function heartbeatOf(node: Node, lease: Lease | undefined): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return `${lease?.spec?.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}|${node.metadata?.uid ?? ''}`;
}

export class HeartbeatObserver {
  private readonly seen = new Map<string, Seen>();

  /**
   * Records the nodes' heartbeats as of `now` (the controller's clock) and returns, per node, when
   * a change of its heartbeat was last observed. Nodes that are gone are forgotten.
   */
  observe(nodes: readonly Node[], leases: readonly Lease[], now: number): ReadonlyMap<string, number> {
    const byName = new Map(leases.map((l) => [l.metadata?.name ?? '', l]));
    const present = new Set<string>();
    const observedAt = new Map<string, number>();
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      present.add(name);
      const beat = heartbeatOf(node, byName.get(name));
      const before = this.seen.get(name);
      const seen = before !== undefined && before.beat === beat ? before : { beat, at: now };
      this.seen.set(name, seen);
      observedAt.set(name, seen.at);
    }
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    return observedAt;
  }
}
