/**
 * A tiny in-memory API for tests: holds objects by kind and applies Actions the way the real
 * applier will (AlreadyExists and NotFound are no-ops, uid preconditions are honoured). Owned
 * objects of a deleted owner are removed at once (background garbage collection), and pod
 * deletion is immediate unless `gracefulPods` keeps pods around with a deletionTimestamp.
 */
import {
  type DaemonSet,
  type Deployment,
  type Job,
  type KindObject,
  type Node,
  type Pod,
  type ReplicaSet,
} from '@tsk/api';
import { type Action, type ObjectRef, type RecordEvent } from '../actions.js';
import { formatTime } from '../common/time.js';

type Store<T> = Map<string, T>;

export class World {
  readonly pods: Store<Pod> = new Map();
  readonly replicaSets: Store<ReplicaSet> = new Map();
  readonly deployments: Store<Deployment> = new Map();
  readonly daemonSets: Store<DaemonSet> = new Map();
  readonly jobs: Store<Job> = new Map();
  readonly nodes: Store<Node> = new Map();
  readonly events: RecordEvent[] = [];
  now: number;
  gracefulPods = false;
  /** Whether a starting pod passes its readiness checks (false: Running but never Ready). */
  becomesReady: (pod: Pod) => boolean = () => true;
  private uidCounter = 0;

  constructor(now: number) {
    this.now = now;
  }

  add(kind: 'Pod' | 'ReplicaSet' | 'Deployment' | 'DaemonSet' | 'Job' | 'Node', obj: KindObject): void {
    this.store(kind).set(obj.metadata?.name ?? '', structuredClone(obj));
  }

  list<T>(store: Store<T>): T[] {
    return [...store.values()].map((o) => structuredClone(o));
  }

  private store(kind: string): Store<KindObject> {
    switch (kind) {
      case 'Pod':
        return this.pods as Store<KindObject>;
      case 'ReplicaSet':
        return this.replicaSets as Store<KindObject>;
      case 'Deployment':
        return this.deployments as Store<KindObject>;
      case 'DaemonSet':
        return this.daemonSets as Store<KindObject>;
      case 'Job':
        return this.jobs as Store<KindObject>;
      case 'Node':
        return this.nodes as Store<KindObject>;
      default:
        throw new Error(`world has no ${kind}`);
    }
  }

  private find(ref: ObjectRef): KindObject | undefined {
    const o = this.store(ref.kind).get(ref.name);
    if (o === undefined) return undefined;
    if (ref.uid !== undefined && ref.uid !== '' && o.metadata?.uid !== ref.uid) return undefined;
    return o;
  }

  private create(kind: string, obj: KindObject): void {
    const s = this.store(kind);
    const name = obj.metadata?.name ?? '';
    if (s.has(name)) return;
    const copy = structuredClone(obj);
    copy.metadata = { ...(copy.metadata ?? {}), uid: `w-${++this.uidCounter}`, creationTimestamp: formatTime(this.now), generation: 1 };
    s.set(name, copy);
  }

  private remove(kind: string, name: string): void {
    const s = this.store(kind);
    const obj = s.get(name);
    if (obj === undefined) return;
    s.delete(name);
    // Background garbage collection, immediately.
    const uid = obj.metadata?.uid ?? '';
    for (const k of ['Pod', 'ReplicaSet']) {
      for (const [n, o] of this.store(k)) {
        if ((o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid)) this.deleteObject(k, n);
      }
    }
  }

  private deleteObject(kind: string, name: string, force = false): void {
    if (kind === 'Pod' && this.gracefulPods && !force) {
      const p = this.pods.get(name);
      if (p?.metadata !== undefined && (p.metadata.deletionTimestamp ?? '') === '') p.metadata.deletionTimestamp = formatTime(this.now);
      return;
    }
    this.remove(kind, name);
  }

  /** Finishes graceful pod deletions (the agent confirming the containers stopped). */
  reapDeletedPods(): void {
    for (const [name, p] of this.pods) if ((p.metadata?.deletionTimestamp ?? '') !== '') this.remove('Pod', name);
  }

  apply(actions: readonly Action[]): void {
    for (const a of actions) this.applyOne(a);
  }

  private applyOne(a: Action): void {
    switch (a.type) {
      case 'CreatePod':
        this.create('Pod', { ...a.pod, status: { phase: 'Pending' } } as Pod);
        return;
      case 'DeletePod': {
        const p = this.pods.get(a.name);
        if (p !== undefined && p.metadata?.uid === a.uid) this.deleteObject('Pod', a.name, a.gracePeriodSeconds === 0);
        return;
      }
      case 'MarkPodNotReady': {
        const p = this.pods.get(a.name);
        if (p?.status !== undefined) p.status.conditions = (p.status.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', reason: a.reason } : c));
        return;
      }
      case 'CreateReplicaSet':
        this.create('ReplicaSet', a.replicaSet);
        return;
      case 'ScaleReplicaSet': {
        const rs = this.replicaSets.get(a.name);
        if (rs === undefined || rs.metadata?.uid !== a.uid) return;
        rs.spec = { ...(rs.spec ?? {}), replicas: a.replicas };
        rs.metadata = { ...rs.metadata, annotations: { ...(rs.metadata.annotations ?? {}), ...a.annotations }, generation: (rs.metadata.generation ?? 0) + 1 };
        return;
      }
      case 'UpdateReplicaSet': {
        const name = a.replicaSet.metadata?.name ?? '';
        const rs = this.replicaSets.get(name);
        if (rs === undefined) return;
        const next = structuredClone(a.replicaSet);
        next.metadata = { ...(next.metadata ?? {}), uid: rs.metadata?.uid ?? '', generation: (rs.metadata?.generation ?? 0) + 1 };
        next.status = rs.status ?? {};
        this.replicaSets.set(name, next);
        return;
      }
      case 'DeleteReplicaSet':
        if (this.replicaSets.get(a.name)?.metadata?.uid === a.uid) this.remove('ReplicaSet', a.name);
        return;
      case 'SetAnnotations': {
        const o = this.find(a.target);
        if (o?.metadata !== undefined) o.metadata.annotations = { ...(o.metadata.annotations ?? {}), ...a.annotations };
        return;
      }
      case 'SetOwnerReferences': {
        const o = this.find(a.target);
        if (o?.metadata !== undefined) o.metadata.ownerReferences = [...a.ownerReferences];
        return;
      }
      case 'SetFinalizers': {
        const o = this.find(a.target);
        if (o?.metadata !== undefined) o.metadata.finalizers = [...a.finalizers];
        return;
      }
      case 'DeleteObject':
        if (this.find(a.target) !== undefined) this.deleteObject(a.target.kind, a.target.name);
        return;
      case 'UpdateStatus': {
        const o = this.find(a.target) as { status?: unknown } | undefined;
        if (o !== undefined) o.status = structuredClone(a.status);
        return;
      }
      case 'SetNodeConditions': {
        const n = this.nodes.get(a.name);
        if (n !== undefined) n.status = { ...(n.status ?? {}), conditions: [...a.conditions] };
        return;
      }
      case 'SetNodeTaints': {
        const n = this.nodes.get(a.name);
        if (n !== undefined) n.spec = { ...(n.spec ?? {}), taints: [...a.taints] };
        return;
      }
      case 'SetNodeUnschedulable': {
        const n = this.nodes.get(a.name);
        if (n !== undefined) n.spec = { ...(n.spec ?? {}), unschedulable: a.unschedulable };
        return;
      }
      case 'Event':
        this.events.push(a);
        return;
      case 'RequeueAfter':
        return;
    }
  }

  /** Marks every pending pod scheduled on `node` and Running, Ready since now if it becomes ready. */
  makePodsReady(node = 'node-0'): void {
    for (const p of this.pods.values()) {
      if ((p.metadata?.deletionTimestamp ?? '') !== '' || (p.status?.phase ?? 'Pending') !== 'Pending') continue;
      p.spec = { ...(p.spec ?? {}), nodeName: p.spec?.nodeName ?? node };
      const ready = this.becomesReady(p);
      p.status = {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: formatTime(this.now) }],
        containerStatuses: [{ name: 'c', ready, restartCount: 0 }],
      };
    }
  }
}
