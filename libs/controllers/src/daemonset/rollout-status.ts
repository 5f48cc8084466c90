/** What `rollout status daemonset/NAME` prints, as kubectl words it. */
import { type DaemonSet } from '@tsk/api';
import { type RolloutStatus } from '../deployment/rollout.js';

export function daemonSetRolloutStatus(ds: DaemonSet): RolloutStatus {
  const name = ds.metadata?.name ?? '';
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    return { done: true, message: '', error: 'rollout status is only available for RollingUpdate strategy type' };
  }
  const s = ds.status ?? {};
  if ((ds.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return { done: false, message: 'Waiting for daemon set spec update to be observed...' };
  }
  const desired = s.desiredNumberScheduled ?? 0;
  if ((s.updatedNumberScheduled ?? 0) < desired) {
    return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${s.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...` };
  }
  if ((s.numberAvailable ?? 0) < desired) {
    return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${s.numberAvailable ?? 0} of ${desired} updated pods are available...` };
  }
  return { done: true, message: `daemon set "${name}" successfully rolled out` };
}
