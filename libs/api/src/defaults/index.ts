/**
 * applyDefaults: the server-side defaults Kubernetes applies on create and update, so that what
 * is stored (and what `get -o yaml` prints) is what Kubernetes would store for the same manifest.
 */
import { type KindInfo, type KindObject } from '../kinds.js';
import { type Namespace, type Secret, type Service } from '../gen/tsk/v1/core.js';
import { type Pod } from '../gen/tsk/v1/pod.js';
import { type DaemonSet, type Deployment, type Job, type ReplicaSet } from '../gen/tsk/v1/workloads.js';
import { defaultNamespace, defaultSecret, defaultService } from './core.js';
import { defaultPodSpec } from './pod.js';
import { defaultDaemonSet, defaultDeployment, defaultJob, defaultReplicaSet } from './workloads.js';

export { defaultPullPolicy } from './pod.js';
export { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL } from './workloads.js';
export { NAMESPACE_NAME_LABEL } from './core.js';
export { carryOverAllocated } from './carry-over.js';

/** The namespace of a namespaced object created without one, as kubectl's context default. */
export const DEFAULT_NAMESPACE = 'default';

/** Fills Kubernetes' defaults into `object`, in place. */
export function applyDefaults(info: KindInfo, object: KindObject): void {
  object.apiVersion = info.apiVersion;
  object.kind = info.kind;
  const meta = (object.metadata ??= {});
  if (info.namespaced && (meta.namespace ?? '') === '') meta.namespace = DEFAULT_NAMESPACE;
  switch (info.kind) {
    case 'Pod':
      defaultPodSpec(((object as Pod).spec ??= {}), 'Always');
      break;
    case 'Deployment':
      defaultDeployment(object as Deployment);
      break;
    case 'ReplicaSet':
      defaultReplicaSet(object as ReplicaSet);
      break;
    case 'DaemonSet':
      defaultDaemonSet(object as DaemonSet);
      break;
    case 'Job':
      defaultJob(object as Job);
      break;
    case 'Service':
      defaultService(object as Service);
      break;
    case 'Secret':
      defaultSecret(object as Secret);
      break;
    case 'Namespace':
      defaultNamespace(object as Namespace);
      break;
    default:
      break;
  }
}
