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
 *
 * The loop feeds it one node at a time from the Node and Lease informers' events (note/forget),
 * so a Lease renewal costs O(1) here instead of a comparison over every node; observe() is the
 * same bookkeeping over a whole snapshot.
 */
import { type Lease, type Node } from '@tsk/api';

/** What a node's heartbeat says now: a change of any of these is a sign of life. */
interface Beat {
  renewTime: string;
  heartbeat: string;
  uid: string;
}

function readyHeartbeat(node: Node): string {
  const conditions = node.status?.conditions;
  if (conditions !== undefined) for (const c of conditions) if (c.type === 'Ready') return c.lastHeartbeatTime ?? '';
  return '';
}

export class HeartbeatObserver {
  private readonly beats = new Map<string, Beat>();
  private readonly at = new Map<string, number>();

  /**
   * Records one node's heartbeat as of `now` (the controller's clock). Returns when a change of
   * it was observed before this call (undefined for a node not seen before), or 'same' when
   * nothing moved.
   */
  note(node: Node, lease: Lease | undefined, now: number): number | 'same' | undefined {
    const name = node.metadata?.name ?? '';
    const renewTime = lease?.spec?.renewTime ?? '';
    const heartbeat = readyHeartbeat(node);
    const uid = node.metadata?.uid ?? '';
    const before = this.beats.get(name);
    if (before !== undefined && before.renewTime === renewTime && before.heartbeat === heartbeat && before.uid === uid) return 'same';
    const previous = this.at.get(name);
    if (before === undefined) this.beats.set(name, { renewTime, heartbeat, uid });
    else {
      before.renewTime = renewTime;
      before.heartbeat = heartbeat;
      before.uid = uid;
    }
    this.at.set(name, now);
    return previous;
  }

  /** The node is gone: one seen again under its name counts as new. */
  forget(name: string): void {
    this.beats.delete(name);
    this.at.delete(name);
  }

  has(name: string): boolean {
    return this.at.has(name);
  }

  /** Per node, when a change of its heartbeat was last observed (a live view, not a copy). */
  get observedAt(): ReadonlyMap<string, number> {
    return this.at;
  }

  /**
   * Records the heartbeats of a whole snapshot as of `now` and returns, per node, when a change
   * of its heartbeat was last observed. Nodes that are gone are forgotten.
   */
  observe(nodes: readonly Node[], leases: readonly Lease[], now: number): ReadonlyMap<string, number> {
    const byName = new Map(leases.map((l) => [l.metadata?.name ?? '', l]));
    const present = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      present.add(name);
      this.note(node, byName.get(name), now);
    }
    for (const name of [...this.at.keys()]) if (!present.has(name)) this.forget(name);
    return new Map(this.at);
  }
}
