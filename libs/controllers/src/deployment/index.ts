export { reconcileDeployment, type DeploymentInput } from './deployment.js';
export { rolloutHistory, rollbackTemplate, restartTemplate, deploymentRolloutStatus, type RevisionEntry, type RollbackResult, type RolloutStatus } from './rollout.js';
export {
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  CHANGE_CAUSE_ANNOTATION,
  RESTARTED_AT_ANNOTATION,
  Reasons as DeploymentReasons,
} from './constants.js';
export { deploymentComplete } from './status.js';
