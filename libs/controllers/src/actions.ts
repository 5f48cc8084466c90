/**
 * What a reconcile function asks the world to do. Reconcilers are pure: they read a snapshot of
 * the objects (from informers) and return these values; a loop applies them through the API.
 *
 * Contract for the applier:
 *  - Apply in order and stop at the first failure, then requeue the key (a later action may rely
 *    on an earlier one, e.g. orphaning dependents before removing the "orphan" finalizer).
 *  - AlreadyExists on a create and NotFound on a delete mean "already done": not failures.
 *  - A conflict (ABORTED) means the snapshot was stale: requeue, never retry blindly.
 *  - Every action names its namespace, so it can be applied without other context.
 * Re-running a reconciler on the snapshot that results from applying its actions yields no
 * actions (tests check this), so a restart or a duplicate sync never repeats work.
 */
import {
  type DaemonSetStatus,
  type DeploymentStatus,
  type JobStatus,
  type KindName,
  type Condition,
  type OwnerReference,
  type Pod,
  type ReplicaSet,
  type ReplicaSetStatus,
  type Taint,
} from '@tsk/api';

/** Names one object. uid, when set, is a precondition: act only on that incarnation. */
export interface ObjectRef {
  readonly kind: KindName;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

export interface CreatePod {
  readonly type: 'CreatePod';
  /** A complete pod: name, namespace, labels, ownerReferences and spec from the template. */
  readonly pod: Pod;
}

export interface DeletePod {
  readonly type: 'DeletePod';
  readonly namespace: string;
  readonly name: string;
  /** Delete only if the pod still has this uid (so a recreated pod of the same name survives). */
  readonly uid: string;
  /** Why, for logs and the event the applier may record. */
  readonly reason: string;
  /** 0 = force (no graceful termination), as `--grace-period=0 --force`. */
  readonly gracePeriodSeconds?: number;
}

/** Sets the ready condition of a pod on a lost node to False, so Services stop sending to it. */
export interface MarkPodNotReady {
  readonly type: 'MarkPodNotReady';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly reason: string;
}

export interface CreateReplicaSet {
  readonly type: 'CreateReplicaSet';
  readonly replicaSet: ReplicaSet;
}

/** Sets spec.replicas and the deployment annotations that describe the scale. */
export interface ScaleReplicaSet {
  readonly type: 'ScaleReplicaSet';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly replicas: number;
  /** Annotations to set (merged into the existing ones). */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Replaces metadata (labels/annotations) and spec of a ReplicaSet, e.g. a new revision number. */
export interface UpdateReplicaSet {
  readonly type: 'UpdateReplicaSet';
  readonly replicaSet: ReplicaSet;
}

export interface DeleteReplicaSet {
  readonly type: 'DeleteReplicaSet';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly reason: string;
}

/** Sets annotations (merged) on any object: the Deployment's revision, for instance. */
export interface SetAnnotations {
  readonly type: 'SetAnnotations';
  readonly target: ObjectRef;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Replaces the ownerReferences of an object: adopt, release, orphan, drop dangling owners. */
export interface SetOwnerReferences {
  readonly type: 'SetOwnerReferences';
  readonly target: ObjectRef;
  readonly ownerReferences: readonly OwnerReference[];
  /** Apply only after a live read confirms these owners are gone (see DeleteObject). */
  readonly ifOwnersAbsent?: readonly ObjectRef[];
}

/** Replaces the finalizers of an object (the garbage collector removes its own ones). */
export interface SetFinalizers {
  readonly type: 'SetFinalizers';
  readonly target: ObjectRef;
  readonly finalizers: readonly string[];
}

/** Deletes any object, with a propagation policy for its dependents. */
export interface DeleteObject {
  readonly type: 'DeleteObject';
  readonly target: ObjectRef;
  readonly propagationPolicy: PropagationPolicy;
  readonly reason: string;
  /**
   * Apply only after a live read (not the cache) confirms these owners are gone. A cache can
   * miss an owner created a moment ago; Kubernetes' garbage collector verifies the same way.
   */
  readonly ifOwnersAbsent?: readonly ObjectRef[];
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export type UpdateStatus =
  | { readonly type: 'UpdateStatus'; readonly target: ObjectRef & { readonly kind: 'ReplicaSet' }; readonly status: ReplicaSetStatus }
  | { readonly type: 'UpdateStatus'; readonly target: ObjectRef & { readonly kind: 'Deployment' }; readonly status: DeploymentStatus }
  | { readonly type: 'UpdateStatus'; readonly target: ObjectRef & { readonly kind: 'DaemonSet' }; readonly status: DaemonSetStatus }
  | { readonly type: 'UpdateStatus'; readonly target: ObjectRef & { readonly kind: 'Job' }; readonly status: JobStatus };

/** Replaces the node's status.conditions (only the node lifecycle controller writes Unknown). */
export interface SetNodeConditions {
  readonly type: 'SetNodeConditions';
  readonly name: string;
  readonly conditions: readonly Condition[];
}

/** Replaces the node's spec.taints. */
export interface SetNodeTaints {
  readonly type: 'SetNodeTaints';
  readonly name: string;
  readonly taints: readonly Taint[];
}

/** Sets spec.unschedulable (cordon / uncordon). */
export interface SetNodeUnschedulable {
  readonly type: 'SetNodeUnschedulable';
  readonly name: string;
  readonly unschedulable: boolean;
}

export type EventType = 'Normal' | 'Warning';

/** An Event about an object, with Kubernetes' reason and message. */
export interface RecordEvent {
  readonly type: 'Event';
  readonly involvedObject: ObjectRef;
  readonly eventType: EventType;
  readonly reason: string;
  readonly message: string;
}

/**
 * Run the reconciler for this object again after ms even if nothing changes (minReadySeconds,
 * deadlines, lease expiry, TTLs). The loop keeps the smallest one it gets.
 */
export interface RequeueAfter {
  readonly type: 'RequeueAfter';
  readonly ms: number;
}

export type Action =
  | CreatePod
  | DeletePod
  | MarkPodNotReady
  | CreateReplicaSet
  | ScaleReplicaSet
  | UpdateReplicaSet
  | DeleteReplicaSet
  | SetAnnotations
  | SetOwnerReferences
  | SetFinalizers
  | DeleteObject
  | UpdateStatus
  | SetNodeConditions
  | SetNodeTaints
  | SetNodeUnschedulable
  | RecordEvent
  | RequeueAfter;

export type ActionType = Action['type'];

/** The actions of one type, narrowed: `actionsOf(actions, 'CreatePod')`. */
export function actionsOf<T extends ActionType>(actions: readonly Action[], type: T): Extract<Action, { type: T }>[] {
  return actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
}

/** Actions that change the world (everything but events and requeues). */
export function mutatingActions(actions: readonly Action[]): Action[] {
  return actions.filter((a) => a.type !== 'Event' && a.type !== 'RequeueAfter');
}

/** The smallest RequeueAfter among several candidate delays (ms); none if all are undefined. */
export function requeueAfter(...delays: readonly (number | undefined)[]): RequeueAfter[] {
  const finite = delays.filter((d): d is number => d !== undefined && Number.isFinite(d));
  if (finite.length === 0) return [];
  // At least 1 ms: a delay that has just run out must not spin the loop at 0.
  return [{ type: 'RequeueAfter', ms: Math.max(1, Math.ceil(Math.min(...finite))) }];
}

export interface StatusByKind {
  ReplicaSet: ReplicaSetStatus;
  Deployment: DeploymentStatus;
  DaemonSet: DaemonSetStatus;
  Job: JobStatus;
}

/** The status a reconcile writes for an object of `kind`, typed, or undefined if none. */
export function statusUpdateOf<K extends keyof StatusByKind>(actions: readonly Action[], kind: K): StatusByKind[K] | undefined {
  const a = actions.find((x): x is UpdateStatus => x.type === 'UpdateStatus' && x.target.kind === kind);
  return a?.status as StatusByKind[K] | undefined;
}
