/**
 * Defaults of the workload kinds (pkg/apis/apps/v1 and batch/v1 defaults.go), including the pod
 * defaults inside their templates.
 */
import { type RollingUpdate, type DaemonSet, type Deployment, type Job, type ReplicaSet } from '../gen/tsk/v1/workloads.js';
import { type PodTemplateSpec } from '../gen/tsk/v1/pod.js';
import { defaultPodSpec, unset, unsetIntOrString } from './pod.js';

/** The label Kubernetes puts on a Job's pods and selects them by (one uid, so never ambiguous). */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The legacy spellings Kubernetes still adds beside the prefixed ones. */
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';

function defaultTemplate(template: PodTemplateSpec | undefined, restartPolicy: string | undefined): void {
  if (template?.spec !== undefined) defaultPodSpec(template.spec, restartPolicy);
}

function defaultRollingUpdate(r: RollingUpdate, maxUnavailable: number | string, maxSurge: number | string): void {
  const value = (v: number | string) => (typeof v === 'number' ? { intVal: v } : { strVal: v });
  if (unsetIntOrString(r.maxUnavailable)) r.maxUnavailable = value(maxUnavailable);
  if (unsetIntOrString(r.maxSurge)) r.maxSurge = value(maxSurge);
}

export function defaultDeployment(d: Deployment): void {
  const s = (d.spec ??= {});
  if (s.replicas === undefined) s.replicas = 1;
  const st = (s.strategy ??= {});
  if (unset(st.type)) st.type = 'RollingUpdate';
  if (st.type === 'RollingUpdate') defaultRollingUpdate((st.rollingUpdate ??= {}), '25%', '25%');
  if (s.revisionHistoryLimit === undefined) s.revisionHistoryLimit = 10;
  if (s.progressDeadlineSeconds === undefined) s.progressDeadlineSeconds = 600;
  defaultTemplate(s.template, 'Always');
}

export function defaultReplicaSet(r: ReplicaSet): void {
  const s = (r.spec ??= {});
  if (s.replicas === undefined) s.replicas = 1;
  defaultTemplate(s.template, 'Always');
}

export function defaultDaemonSet(d: DaemonSet): void {
  const s = (d.spec ??= {});
  const st = (s.updateStrategy ??= {});
  if (unset(st.type)) st.type = 'RollingUpdate';
  if (st.type === 'RollingUpdate') defaultRollingUpdate((st.rollingUpdate ??= {}), 1, 0);
  if (s.revisionHistoryLimit === undefined) s.revisionHistoryLimit = 10;
  defaultTemplate(s.template, 'Always');
}

/**
 * Job defaults. Unless the user chose manualSelector, the selector is generated as Kubernetes
 * does: the pods get the job's uid and name as labels and the selector matches the uid, so two
 * Jobs can never adopt each other's pods. That needs metadata.uid; before the uid is known the
 * selector falls back to the template's labels (plus the job-name labels).
 */
export function defaultJob(j: Job): void {
  const s = (j.spec ??= {});
  if (s.parallelism === undefined && s.completions === undefined) s.completions = 1;
  if (s.parallelism === undefined) s.parallelism = 1;
  if (s.backoffLimit === undefined) s.backoffLimit = 6;
  if (unset(s.completionMode)) s.completionMode = 'NonIndexed';
  if (s.suspend === undefined) s.suspend = false;
  defaultTemplate(s.template, undefined);
  if (s.manualSelector !== true && s.selector === undefined) generateJobSelector(j);
  // As Kubernetes: a Job without labels takes its template's (which then include the generated
  // ones, as `kubectl get job -o yaml` shows; taking them after generation keeps this idempotent).
  const templateLabels = s.template?.metadata?.labels ?? {};
  if (j.metadata !== undefined && Object.keys(j.metadata.labels ?? {}).length === 0 && Object.keys(templateLabels).length > 0) {
    j.metadata.labels = { ...templateLabels };
  }
}

function generateJobSelector(j: Job): void {
  const s = (j.spec ??= {});
  const template = (s.template ??= {});
  const meta = (template.metadata ??= {});
  const labels = { ...(meta.labels ?? {}) };
  const uid = j.metadata?.uid ?? '';
  const name = j.metadata?.name ?? '';
  if (name !== '') {
    labels[JOB_NAME_LABEL] ??= name;
    labels[LEGACY_JOB_NAME_LABEL] ??= name;
  }
  if (uid !== '') {
    labels[JOB_CONTROLLER_UID_LABEL] = uid;
    labels[LEGACY_CONTROLLER_UID_LABEL] = uid;
    s.selector = { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
  } else if (Object.keys(labels).length > 0) {
    s.selector = { matchLabels: { ...labels } };
  }
  meta.labels = labels;
}
