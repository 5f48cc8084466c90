/**
 * validateObject: the API server's check of an object after defaults, on create and (with the
 * stored object as `old`) on update. It throws the first InvalidError, whose path names the field.
 *
 * The server's order, as Kubernetes': on update, carryOverAllocated(info, next, stored) first (so a
 * replace that leaves out an allocated clusterIP keeps it); then applyDefaults; then
 * validateObject. Set metadata.uid before applyDefaults on create, so a Job's generated selector
 * is the uid-based one.
 */
import { type KindInfo, type KindObject } from '../kinds.js';
import {
  type ConfigMap,
  type Endpoints,
  type Event,
  type Lease,
  type Namespace,
  type Node,
  type Secret,
  type Service,
} from '../gen/tsk/v1/core.js';
import { type Pod } from '../gen/tsk/v1/pod.js';
import { type DaemonSet, type Deployment, type Job, type Network, type ReplicaSet } from '../gen/tsk/v1/workloads.js';
import {
  validateConfigMap,
  validateEndpoints,
  validateEvent,
  validateLease,
  validateNamespace,
  validateNetwork,
  validateNode,
  validateSecret,
  validateService,
} from './core.js';
import { validateMeta } from './meta.js';
import { validatePodSpec } from './pod.js';
import { validateUpdate, type ValidateOptions } from './update.js';
import { validateDaemonSet, validateDeployment, validateJob, validateReplicaSet } from './workloads.js';

export type { ValidateOptions } from './update.js';

export function validateObject(info: KindInfo, object: KindObject, old?: KindObject, options: ValidateOptions = {}): void {
  validateMeta(info, object.metadata);
  switch (info.kind) {
    case 'Pod':
      validatePodSpec((object as Pod).spec, 'spec');
      break;
    case 'Deployment':
      validateDeployment(object as Deployment);
      break;
    case 'ReplicaSet':
      validateReplicaSet(object as ReplicaSet);
      break;
    case 'DaemonSet':
      validateDaemonSet(object as DaemonSet);
      break;
    case 'Job':
      validateJob(object as Job);
      break;
    case 'Service':
      validateService(object as Service);
      break;
    case 'ConfigMap':
      validateConfigMap(object as ConfigMap);
      break;
    case 'Secret':
      validateSecret(object as Secret);
      break;
    case 'Namespace':
      validateNamespace(object as Namespace);
      break;
    case 'Node':
      validateNode(object as Node);
      break;
    case 'Network':
      validateNetwork(object as Network);
      break;
    case 'Endpoints':
      validateEndpoints(object as Endpoints);
      break;
    case 'Event':
      validateEvent(object as Event, object.metadata?.namespace ?? '');
      break;
    case 'Lease':
      validateLease(object as Lease);
      break;
  }
  if (old !== undefined) validateUpdate(info, object, old, options);
}
