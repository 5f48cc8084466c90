/** Deployments, ReplicaSets, DaemonSets and Jobs: a selector, a pod template and rollout knobs. */
import { fromLabelSelector, matches } from '../selectors.js';
import { type IntOrString, type LabelSelector } from '../gen/tsk/v1/meta.js';
import { type PodTemplateSpec } from '../gen/tsk/v1/pod.js';
import { type DaemonSet, type Deployment, type Job, type ReplicaSet, type RollingUpdate } from '../gen/tsk/v1/workloads.js';
import { checkLabels, checkMin, checkOneOf, fail, isSet, show } from './common.js';
import { checkAnnotations } from './meta.js';
import { validatePodSpec } from './pod.js';
import { checkLabelSelector } from './scheduling.js';

function checkSelectorAndTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  path: string,
  restartPolicies: readonly string[],
): void {
  const empty = selector === undefined || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
  if (empty) fail(`${path}.selector`, 'required value: a selector (matchLabels) that matches the template labels');
  checkLabelSelector(selector, `${path}.selector`);
  if (template === undefined) fail(`${path}.template`, 'required value: the pod template');
  checkLabels(template.metadata?.labels, `${path}.template.metadata.labels`);
  checkAnnotations(template.metadata?.annotations, `${path}.template.metadata.annotations`);
  if (!matches(fromLabelSelector(selector, `${path}.selector`), template.metadata?.labels)) {
    fail(`${path}.template.metadata.labels`, 'selector does not match template labels');
  }
  validatePodSpec(template.spec, `${path}.template.spec`, restartPolicies);
}

/** An absolute number or a percentage: 1, "1", "25%". Returns whether it is zero. */
function checkIntOrPercent(v: IntOrString | undefined, path: string, maxPercent: boolean): boolean {
  if (v === undefined) return false;
  if (isSet(v.strVal)) {
    const m = /^(\d+)%$/.exec(v.strVal) ?? /^(\d+)$/.exec(v.strVal);
    if (m === null) fail(path, `${show(v.strVal)} must be an integer or a percentage (e.g. 1 or "25%")`);
    const n = Number(m[1]);
    if (maxPercent && v.strVal.endsWith('%') && n > 100) fail(path, `must not be greater than 100%, got ${show(v.strVal)}`);
    return n === 0;
  }
  const n = v.intVal ?? 0;
  if (n < 0) fail(path, `must be greater than or equal to 0, got ${n}`);
  return n === 0;
}

function checkRollingUpdate(r: RollingUpdate, path: string): void {
  const unavailableZero = checkIntOrPercent(r.maxUnavailable, `${path}.maxUnavailable`, true);
  const surgeZero = checkIntOrPercent(r.maxSurge, `${path}.maxSurge`, false);
  if (unavailableZero && surgeZero) fail(`${path}.maxUnavailable`, 'may not be 0 when maxSurge is 0 (the rollout could never progress)');
}

const LONG_RUNNING = ['Always'];

export function validateDeployment(d: Deployment): void {
  const s = d.spec ?? {};
  checkMin(s.replicas, 0, 'spec.replicas');
  checkSelectorAndTemplate(s.selector, s.template, 'spec', LONG_RUNNING);
  checkMin(s.minReadySeconds, 0, 'spec.minReadySeconds');
  checkMin(s.revisionHistoryLimit, 0, 'spec.revisionHistoryLimit');
  if (s.progressDeadlineSeconds !== undefined && s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
    fail('spec.progressDeadlineSeconds', `must be greater than minReadySeconds (${s.minReadySeconds ?? 0})`);
  }
  const st = s.strategy ?? {};
  checkOneOf(st.type, ['RollingUpdate', 'Recreate'], 'spec.strategy.type');
  if (st.type === 'Recreate' && st.rollingUpdate !== undefined) {
    fail('spec.strategy.rollingUpdate', 'may not be specified when strategy type is "Recreate"');
  }
  if (st.rollingUpdate !== undefined) checkRollingUpdate(st.rollingUpdate, 'spec.strategy.rollingUpdate');
}

export function validateReplicaSet(r: ReplicaSet): void {
  const s = r.spec ?? {};
  checkMin(s.replicas, 0, 'spec.replicas');
  checkMin(s.minReadySeconds, 0, 'spec.minReadySeconds');
  checkSelectorAndTemplate(s.selector, s.template, 'spec', LONG_RUNNING);
}

export function validateDaemonSet(d: DaemonSet): void {
  const s = d.spec ?? {};
  checkSelectorAndTemplate(s.selector, s.template, 'spec', LONG_RUNNING);
  checkMin(s.minReadySeconds, 0, 'spec.minReadySeconds');
  checkMin(s.revisionHistoryLimit, 0, 'spec.revisionHistoryLimit');
  const st = s.updateStrategy ?? {};
  checkOneOf(st.type, ['RollingUpdate', 'OnDelete'], 'spec.updateStrategy.type');
  if (st.type === 'OnDelete' && st.rollingUpdate !== undefined) {
    fail('spec.updateStrategy.rollingUpdate', 'may not be specified when updateStrategy type is "OnDelete"');
  }
  if (st.rollingUpdate !== undefined) checkRollingUpdate(st.rollingUpdate, 'spec.updateStrategy.rollingUpdate');
}

export function validateJob(j: Job): void {
  const s = j.spec ?? {};
  checkMin(s.parallelism, 0, 'spec.parallelism');
  checkMin(s.completions, 0, 'spec.completions');
  checkMin(s.backoffLimit, 0, 'spec.backoffLimit');
  checkMin(s.activeDeadlineSeconds, 1, 'spec.activeDeadlineSeconds');
  checkMin(s.ttlSecondsAfterFinished, 0, 'spec.ttlSecondsAfterFinished');
  checkOneOf(s.completionMode, ['NonIndexed', 'Indexed'], 'spec.completionMode');
  if (s.completionMode === 'Indexed' && s.completions === undefined) {
    fail('spec.completions', 'required when completionMode is "Indexed"');
  }
  if (s.template?.spec !== undefined && !isSet(s.template.spec.restartPolicy)) {
    fail('spec.template.spec.restartPolicy', 'required value: a Job\'s pods must set restartPolicy "OnFailure" or "Never"');
  }
  checkSelectorAndTemplate(s.selector, s.template, 'spec', ['OnFailure', 'Never']);
}
