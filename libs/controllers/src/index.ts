/**
 * @tsk/controllers: the pure reconcile logic of tsk's controllers. Every reconciler takes a
 * snapshot of objects and `now` and returns Actions; nothing here does I/O or reads a clock.
 */
export * from './actions.js';
export { reconcileReplicaSet, calculateStatus as replicaSetStatus, DEFAULT_BURST, type ReplicaSetInput } from './replicaset/replicaset.js';
export { rankForDeletion, compareForDeletion, isActive, isReady, isAvailable } from './common/pods.js';
export { seededRandom } from './common/names.js';
export { templateHash } from './common/hash.js';
export { resolveSurgeAndUnavailable } from './common/int-or-percent.js';
export * from './deployment/index.js';
export { reconcileJob, JobReasons, BACKOFF_BASE_MS, BACKOFF_MAX_MS, type JobInput } from './job/job.js';
export { reconcileDaemonSet, CONTROLLER_REVISION_HASH_LABEL, type DaemonSetInput } from './daemonset/daemonset.js';
export { daemonPodTolerations, nodeFit, daemonPodNode } from './daemonset/node-fit.js';
export { planGarbageCollection, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type GcObject, type GarbageCollectionInput } from './gc/gc.js';
export { reconcileNodeLifecycle, lastHeardFrom, type NodeLifecycleInput } from './nodelifecycle/node-lifecycle.js';
export { DEFAULT_NODE_LIFECYCLE_SETTINGS, TaintKeys, defaultNotReadyTolerations, type NodeLifecycleSettings } from './nodelifecycle/settings.js';
export { planDrain, type DrainInput, type DrainPlan, type DrainBlocked } from './nodelifecycle/drain.js';
export { daemonSetRolloutStatus } from './daemonset/rollout-status.js';
