/**
 * Update rules: what may not change once an object exists. Each refusal names the field and the
 * old value, so a user knows to delete and recreate instead.
 */
import { encodeMessage } from '../convert.js';
import { type KindInfo, type KindObject } from '../kinds.js';
import { type ConfigMap, type Secret, type Service } from '../gen/tsk/v1/core.js';
import { type Pod, type PodSpec } from '../gen/tsk/v1/pod.js';
import { type DaemonSet, type Deployment, type Job, type ReplicaSet } from '../gen/tsk/v1/workloads.js';
import { fail, isSet, sameValue, show } from './common.js';

export interface ValidateOptions {
  /**
   * The update binds the pod to a node (the scheduler's bind): spec.nodeName may go from empty
   * to set. Any other update leaves spec.nodeName as it was.
   */
  readonly binding?: boolean;
}

function immutable(path: string, was: unknown): never {
  fail(path, `field is immutable${was === undefined || was === '' ? '' : ` (was ${show(was)})`}: delete and recreate the object to change it`);
}

/** The first path where two JSON values differ, "" when equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (sameValue(a, b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
  }
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
  }
  return path;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const POD_MUTABLE =
  'pod updates may not change fields other than spec.containers[*].image, spec.initContainers[*].image, spec.activeDeadlineSeconds and spec.tolerations (additions only)';

function validatePodUpdate(pod: Pod, old: Pod, options: ValidateOptions): void {
  const next = encodeMessage(pod.spec ?? {}, 'tsk.v1.PodSpec') as PodSpec & Record<string, unknown>;
  const prev = encodeMessage(old.spec ?? {}, 'tsk.v1.PodSpec') as PodSpec & Record<string, unknown>;
  const was = old.spec?.nodeName ?? '';
  const now = pod.spec?.nodeName ?? '';
  if (now !== was) {
    if (was !== '') immutable('spec.nodeName', was);
    if (options.binding !== true) fail('spec.nodeName', 'may only be set by binding the pod to a node (the scheduler does this), not by an update');
  }
  const oldDeadline = old.spec?.activeDeadlineSeconds;
  const newDeadline = pod.spec?.activeDeadlineSeconds;
  if (oldDeadline !== undefined && (newDeadline === undefined || newDeadline > oldDeadline)) {
    fail('spec.activeDeadlineSeconds', `may only be decreased once set (was ${oldDeadline})`);
  }
  const oldTolerations = old.spec?.tolerations ?? [];
  const newTolerations = pod.spec?.tolerations ?? [];
  oldTolerations.forEach((t, i) => {
    if (!newTolerations.some((n) => sameValue(n, t))) {
      fail(`spec.tolerations[${i}]`, 'existing tolerations may not be removed or changed; only additions are allowed');
    }
  });
  // Copy what may change from the new spec onto the old one; anything still different is refused.
  const allowed = { ...prev };
  for (const field of ['containers', 'initContainers'] as const) {
    const n = next[field] ?? [];
    const o = prev[field] ?? [];
    if (n.length === o.length) allowed[field] = o.map((c, i) => ({ ...c, image: n[i]?.image }));
  }
  allowed.activeDeadlineSeconds = next.activeDeadlineSeconds;
  allowed.tolerations = next.tolerations;
  allowed.nodeName = next.nodeName;
  const diff = firstDifference(allowed, next, 'spec');
  if (diff !== undefined) fail(diff, POD_MUTABLE);
}

function sameOrImmutable(path: string, now: unknown, was: unknown): void {
  if (!sameValue(now, was)) immutable(path, was === undefined ? undefined : JSON.parse(JSON.stringify(was)) as unknown);
}

/** Checks `object` against `old` for the fields Kubernetes makes immutable. */
export function validateUpdate(info: KindInfo, object: KindObject, old: KindObject, options: ValidateOptions): void {
  const m = object.metadata ?? {};
  const o = old.metadata ?? {};
  if ((m.name ?? '') !== (o.name ?? '')) immutable('metadata.name', o.name);
  if ((m.namespace ?? '') !== (o.namespace ?? '')) immutable('metadata.namespace', o.namespace);
  // An update without a uid is fine (the server keeps the stored one); a different uid is not.
  if (isSet(m.uid) && m.uid !== (o.uid ?? '')) immutable('metadata.uid', o.uid);
  switch (info.kind) {
    case 'Pod':
      validatePodUpdate(object as Pod, old as Pod, options);
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet': {
      const spec = (object as Deployment | ReplicaSet | DaemonSet).spec;
      const was = (old as Deployment | ReplicaSet | DaemonSet).spec;
      sameOrImmutable('spec.selector', spec?.selector, was?.selector);
      break;
    }
    case 'Job': {
      const j = object as Job;
      const was = old as Job;
      sameOrImmutable('spec.selector', j.spec?.selector, was.spec?.selector);
      sameOrImmutable('spec.completionMode', j.spec?.completionMode, was.spec?.completionMode);
      const diff = firstDifference(
        encodeMessage(j.spec?.template ?? {}, 'tsk.v1.PodTemplateSpec'),
        encodeMessage(was.spec?.template ?? {}, 'tsk.v1.PodTemplateSpec'),
        'spec.template',
      );
      if (diff !== undefined) fail(diff, 'a Job\'s pod template is immutable: delete and recreate the Job to change it');
      break;
    }
    case 'Service': {
      const was = (old as Service).spec?.clusterIP ?? '';
      if (was !== '' && ((object as Service).spec?.clusterIP ?? '') !== was) immutable('spec.clusterIP', was);
      break;
    }
    case 'ConfigMap':
    case 'Secret': {
      const prev = old as ConfigMap | Secret;
      if (prev.immutable !== true) break;
      const next = object as ConfigMap | Secret;
      if (next.immutable !== true) fail('immutable', 'may not be unset once true');
      sameOrImmutable('data', next.data, prev.data);
      if ('binaryData' in prev || 'binaryData' in next) {
        sameOrImmutable('binaryData', (next as ConfigMap).binaryData, (prev as ConfigMap).binaryData);
      }
      break;
    }
    default:
      break;
  }
}
