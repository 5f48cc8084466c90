/** Labels, annotations, condition reasons and messages of Kubernetes' deployment controller. */

/** On a ReplicaSet and its pods: the hash of the template, so revisions never share pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** On ReplicaSets and the Deployment: the rollout revision (1, 2, ...). */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** On ReplicaSets: the Deployment's replicas when this RS was last scaled (detects scaling). */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** On ReplicaSets: replicas + maxSurge when last scaled (the base of proportional scaling). */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** What `rollout history` prints as CHANGE-CAUSE. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
/** Set on the template by `rollout restart`: a new template, hence a new rollout. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export const Reasons = {
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  DeploymentPaused: 'DeploymentPaused',
  DeploymentResumed: 'DeploymentResumed',
} as const;

export const ConditionTypes = { Available: 'Available', Progressing: 'Progressing' } as const;
