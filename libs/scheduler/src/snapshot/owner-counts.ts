/**
 * Where one controller's pods are, for default spreading (PodTopologySpread's system default):
 * pods per node and per zone, kept by assume()/forget().
 *
 * Every replica of every workload reads this once per feasible node, so the per-node counts of an
 * owner spread over many nodes live in a typed array indexed like snapshot.nodes: scoring then
 * reads it directly instead of copying a map into a scratch array and clearing it again for every
 * pod (that copy was O(nodes the owner uses) per decision, 1,000 map entries for a 10,000-replica
 * Deployment). A dense array costs 4 bytes per node, so an owner starts sparse (a Map) and turns
 * dense only once it uses more than DENSE_FRACTION of the nodes: thousands of small ReplicaSets
 * on thousands of nodes then stay small.
 */

/** An owner with pods on more than nodes / DENSE_FRACTION nodes keeps a dense per-node array. */
const DENSE_FRACTION = 16;

export class OwnerCounts {
  /** Node index -> pods, while sparse; undefined once dense. */
  sparse: Map<number, number> | undefined = new Map();
  /** Node index -> pods, once dense (then never sparse again: an owner rarely shrinks for good). */
  dense: Int32Array | undefined;
  /** Zone index (snapshot.zones) -> pods; grows as zones appear. */
  readonly perZone: number[] = [];
  /** All of this owner's placed pods; the owner is dropped from the snapshot at 0. */
  pods = 0;

  constructor(private readonly nodeCount: number) {}

  /** The owner's pods on node `index`. */
  onNode(index: number): number {
    return this.dense !== undefined ? this.dense[index]! : (this.sparse!.get(index) ?? 0);
  }

  /** The owner's pods in zone `zone` (-1: the node has no zone, 0). */
  inZone(zone: number): number {
    return zone < 0 ? 0 : (this.perZone[zone] ?? 0);
  }

  add(nodeIndex: number, zone: number, delta: number): void {
    this.pods += delta;
    if (zone >= 0) {
      while (this.perZone.length <= zone) this.perZone.push(0);
      this.perZone[zone] = this.perZone[zone]! + delta;
    }
    if (this.dense !== undefined) {
      this.dense[nodeIndex] = this.dense[nodeIndex]! + delta;
      return;
    }
    const sparse = this.sparse!;
    const next = (sparse.get(nodeIndex) ?? 0) + delta;
    if (next === 0) sparse.delete(nodeIndex);
    else sparse.set(nodeIndex, next);
    if (sparse.size * DENSE_FRACTION > this.nodeCount) {
      const dense = new Int32Array(this.nodeCount);
      for (const [i, n] of sparse) dense[i] = n;
      this.dense = dense;
      this.sparse = undefined;
    }
  }
}
