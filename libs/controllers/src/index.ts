/**
 * @tsk/controllers: the pure reconcile logic of tsk's controllers. Every reconciler takes a
 * snapshot of objects and `now` and returns Actions; nothing here does I/O or reads a clock.
 * README.md describes the contract for the loops that apply the actions.
 */
export * from './actions.js';

// ReplicaSet
export { reconcileReplicaSet, calculateStatus as replicaSetStatus, DEFAULT_BURST, type ReplicaSetInput } from './replicaset/replicaset.js';

// Deployment, rollout helpers for tsctl
export * from './deployment/index.js';

// DaemonSet
export { reconcileDaemonSet, CONTROLLER_REVISION_HASH_LABEL, type DaemonSetInput } from './daemonset/daemonset.js';
export { daemonPodTolerations, nodeFit, daemonPodNode, type NodeFit } from './daemonset/node-fit.js';
export { daemonSetRolloutStatus } from './daemonset/rollout-status.js';

// Job
export { reconcileJob, JobReasons, BACKOFF_BASE_MS, BACKOFF_MAX_MS, type JobInput } from './job/job.js';

// Garbage collection
export { planGarbageCollection, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type GcObject, type GarbageCollectionInput } from './gc/gc.js';

// Node lifecycle and drain
export { reconcileNodeLifecycle, lastHeardFrom, evictionsHeld, type NodeLifecycleInput } from './nodelifecycle/node-lifecycle.js';
export { HeartbeatObserver } from './nodelifecycle/observer.js';
export { DEFAULT_NODE_LIFECYCLE_SETTINGS, TaintKeys, defaultNotReadyTolerations, type NodeLifecycleSettings } from './nodelifecycle/settings.js';
export { planDrain, type DrainInput, type DrainPlan, type DrainBlocked } from './nodelifecycle/drain.js';

// Shared facts the loops need (which owner to enqueue for a pod, pod readiness, hashing)
export { controllerRefOf } from './common/owners.js';
export { rankForDeletion, compareForDeletion, isActive, isReady, isAvailable } from './common/pods.js';
export { seededRandom } from './common/names.js';
export { templateHash } from './common/hash.js';
export { resolveSurgeAndUnavailable } from './common/int-or-percent.js';
export { formatTime, parseTime } from './common/time.js';

// Loops: informers, work queues and the applier that run the reconcilers against tsk-server
export * from './loops/index.js';
