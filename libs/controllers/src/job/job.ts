/**
 * Job reconcile (Kubernetes' job_controller.go, NonIndexed completion mode): run pods until
 * `completions` succeeded with at most `parallelism` at once; fail on backoffLimit or
 * activeDeadlineSeconds (deleting what still runs); delete the finished Job after
 * ttlSecondsAfterFinished.
 *
 * restartPolicy decides what a failure is: with Never a failed pod is replaced by a new one and
 * counts toward backoffLimit; with OnFailure the agent restarts the container in place and the
 * restarts of the pods' containers count toward backoffLimit.
 *
 * Counts come from the pods that still exist and never go down (status keeps the maximum), so a
 * finished pod removed by someone else does not make the Job run it again.
 */
import { type Job, type JobStatus, type Pod, fromLabelSelector } from '@tsk/api';
import { type Action, requeueAfter } from '../actions.js';
import { findCondition, setCondition } from '../common/conditions.js';
import { sameContent } from '../common/hash.js';
import { nameGenerator } from '../common/names.js';
import { claim, controllerRef, refOf } from '../common/owners.js';
import { selectorProblem } from '../common/selector-guard.js';
import { podFromTemplate } from '../common/pod-template.js';
import { isActive, isReady, phaseOf, podName, rankForDeletion, totalRestarts } from '../common/pods.js';
import { formatTime, parseTime } from '../common/time.js';

/** Kubernetes' pod-failure backoff: 10 s, doubling per failure, at most 6 min. */
export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 360_000;

export const JobReasons = {
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  CompletionsReached: 'CompletionsReached',
} as const;

export interface JobInput {
  readonly job: Job;
  /** Pods of the Job's namespace. */
  readonly pods: readonly Pod[];
  readonly now: number;
  readonly seed?: number;
}

function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  if (findCondition(job.status?.conditions, 'Complete')?.status === 'True') return 'Complete';
  if (findCondition(job.status?.conditions, 'Failed')?.status === 'True') return 'Failed';
  return undefined;
}

export function reconcileJob(input: JobInput): Action[] {
  const job = input.job;
  if ((job.metadata?.deletionTimestamp ?? '') !== '') return [];
  const ref = refOf('Job', job);
  const problem = selectorProblem(job.spec?.selector, job.spec?.template);
  if (problem !== undefined) return [{ type: 'Event', involvedObject: ref, eventType: 'Warning', reason: 'SelectorInvalid', message: problem }];
  const namespace = job.metadata?.namespace ?? '';
  const selector = fromLabelSelector(job.spec?.selector);
  const candidates = input.pods.filter((p) => (p.metadata?.namespace ?? '') === namespace);
  const claimed = claim(candidates, { owner: job, ownerApiVersion: 'batch/v1', ownerKind: 'Job', dependentKind: 'Pod', selector });
  const actions: Action[] = [...claimed.actions];
  const pods = claimed.owned;
  const active = pods.filter(isActive);
  const deleteAll = (why: string): void => {
    for (const p of active) actions.push({ type: 'DeletePod', namespace, name: podName(p), uid: p.metadata?.uid ?? '', reason: why });
  };

  const finished = finishedCondition(job);
  if (finished !== undefined) {
    deleteAll(`job ${finished === 'Complete' ? 'completed' : 'failed'}`);
    actions.push(...ttlActions(job, input.now));
    return actions;
  }

  const prev = job.status ?? {};
  const succeeded = Math.max(prev.succeeded ?? 0, pods.filter((p) => phaseOf(p) === 'Succeeded').length);
  let failed = Math.max(prev.failed ?? 0, pods.filter((p) => phaseOf(p) === 'Failed').length);
  const startMs = parseTime(prev.startTime) ?? input.now;
  const status: JobStatus = {
    ...prev,
    startTime: formatTime(startMs),
    active: active.length,
    ready: active.filter(isReady).length,
    succeeded,
    failed,
  };

  const failure = failureOf(job, active, failed, startMs, input.now);
  if (failure !== undefined) {
    deleteAll(failure.reason);
    // The pods killed now count as failed, as Kubernetes counts them.
    failed += active.length;
    Object.assign(status, { active: 0, ready: 0, failed });
    status.conditions = setCondition(status.conditions, { type: 'Failed', status: 'True', ...failure }, input.now, true);
    actions.push({ type: 'Event', involvedObject: ref, eventType: 'Warning', reason: failure.reason, message: failure.message });
    pushStatus(actions, job, status);
    actions.push(...ttlActions({ ...job, status }, input.now));
    return actions;
  }

  const completions = job.spec?.completions;
  const complete = completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;
  if (complete) {
    deleteAll('job completed');
    status.completionTime = formatTime(input.now);
    Object.assign(status, { active: 0, ready: 0 });
    status.conditions = setCondition(status.conditions, { type: 'Complete', status: 'True', reason: JobReasons.CompletionsReached, message: 'Reached expected number of succeeded pods' }, input.now, true);
    actions.push({ type: 'Event', involvedObject: ref, eventType: 'Normal', reason: 'Completed', message: 'Job completed' });
    pushStatus(actions, job, status);
    actions.push(...ttlActions({ ...job, status }, input.now));
    return actions;
  }

  if (job.spec?.suspend !== true) actions.push(...manageActivePods(job, pods, active, succeeded, failed, input));
  else deleteAll('job suspended');
  pushStatus(actions, job, status);
  const deadline = job.spec?.activeDeadlineSeconds;
  if (deadline !== undefined && deadline > 0) actions.push(...requeueAfter(startMs + deadline * 1000 - input.now));
  return actions;
}

function failureOf(job: Job, active: readonly Pod[], failed: number, startMs: number, now: number): { reason: string; message: string } | undefined {
  const backoffLimit = job.spec?.backoffLimit ?? 6;
  const onFailure = job.spec?.template?.spec?.restartPolicy === 'OnFailure';
  const restarts = onFailure ? active.reduce((n, p) => n + totalRestarts(p), 0) : 0;
  const pastBackoff = failed > backoffLimit || (onFailure && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit));
  if (pastBackoff) return { reason: JobReasons.BackoffLimitExceeded, message: 'Job has reached the specified backoff limit' };
  const deadline = job.spec?.activeDeadlineSeconds;
  if (deadline !== undefined && deadline > 0 && startMs + deadline * 1000 <= now) {
    return { reason: JobReasons.DeadlineExceeded, message: 'Job was active longer than specified deadline' };
  }
  return undefined;
}

function manageActivePods(job: Job, pods: readonly Pod[], active: readonly Pod[], succeeded: number, failed: number, input: JobInput): Action[] {
  const actions: Action[] = [];
  const ref = refOf('Job', job);
  const namespace = job.metadata?.namespace ?? '';
  const parallelism = Math.max(0, job.spec?.parallelism ?? 1);
  const completions = job.spec?.completions;
  const wantActive =
    completions !== undefined ? Math.max(0, Math.min(parallelism, completions - succeeded)) : succeeded > 0 ? active.length : parallelism;
  const diff = active.length - wantActive;
  if (diff > 0) {
    for (const p of rankForDeletion(active).slice(0, diff)) {
      actions.push({ type: 'DeletePod', namespace, name: podName(p), uid: p.metadata?.uid ?? '', reason: 'too many active pods' });
      actions.push({ type: 'Event', involvedObject: ref, eventType: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${podName(p)}` });
    }
    return actions;
  }
  if (diff === 0) return actions;
  // After failures, wait before replacing (exponential backoff from the last failure).
  const waitMs = backoffRemaining(pods, failed, input.now);
  if (waitMs > 0) return requeueAfter(waitMs);
  const names = nameGenerator(input.seed ?? 0, job.metadata?.uid ?? '', input.pods.map(podName));
  const owner = controllerRef(job, 'batch/v1', 'Job');
  for (let i = 0; i < -diff; i++) {
    const pod = podFromTemplate(job.spec?.template, { name: names.next(job.metadata?.name ?? ''), namespace, owner });
    actions.push({ type: 'CreatePod', pod });
    actions.push({ type: 'Event', involvedObject: ref, eventType: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${podName(pod)}` });
  }
  return actions;
}

function finishedAt(p: Pod): number | undefined {
  let latest: number | undefined;
  for (const s of p.status?.containerStatuses ?? []) {
    const t = parseTime(s.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest ?? parseTime(p.metadata?.creationTimestamp);
}

function backoffRemaining(pods: readonly Pod[], failed: number, now: number): number {
  if (failed === 0) return 0;
  const last = pods.filter((p) => phaseOf(p) === 'Failed').reduce<number | undefined>((m, p) => {
    const t = finishedAt(p);
    return t === undefined ? m : m === undefined ? t : Math.max(m, t);
  }, undefined);
  if (last === undefined) return 0;
  const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(20, failed - 1));
  return Math.max(0, last + delay - now);
}

/** ttlSecondsAfterFinished: delete the finished Job (and, in the foreground, its pods). */
function ttlActions(job: Job, now: number): Action[] {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined) return [];
  const kind = finishedCondition(job);
  if (kind === undefined) return [];
  const finishedMs = parseTime(job.status?.completionTime) ?? parseTime(findCondition(job.status?.conditions, kind)?.lastTransitionTime) ?? now;
  const expiresAt = finishedMs + ttl * 1000;
  if (now < expiresAt) return requeueAfter(expiresAt - now);
  return [{ type: 'DeleteObject', target: refOf('Job', job), propagationPolicy: 'Foreground', reason: `ttlSecondsAfterFinished (${ttl}s) expired` }];
}

function pushStatus(actions: Action[], job: Job, status: JobStatus): void {
  if (!sameContent(status, job.status ?? {})) actions.push({ type: 'UpdateStatus', target: { ...refOf('Job', job), kind: 'Job' }, status });
}
