/**
 * Update rules: what may not change once an object exists. Each refusal names the field and the
 * old value, so a user knows to delete and recreate instead.
 */
import { encodeMessage } from '../convert.js';
import { compareEncoded, DIFFERENT, SAME } from './encoded.js';
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

/** What a pod update may change; compareEncoded skips these and validatePodUpdate checks them. */
const POD_MUTABLE_FIELDS: ReadonlySet<string> = new Set(['activeDeadlineSeconds', 'tolerations', 'nodeName']);
/** The same with the containers, whose images may change too (compared one by one). */
const POD_MUTABLE_WITH_CONTAINERS: ReadonlySet<string> = new Set([...POD_MUTABLE_FIELDS, 'containers', 'initContainers']);
const IMAGE: ReadonlySet<string> = new Set(['image']);

/**
 * True when the two specs' encodings certainly agree outside what a pod update may change: then
 * the copy-and-compare below would find no difference, so it need not encode (most pod updates
 * are a bind or a status write, whose spec is the stored one or differs only in nodeName). False
 * when unsure: the encoding decides, and reports the first differing path.
 */
export function onlyMutableChanged(next: PodSpec, prev: PodSpec): boolean {
  // One walk for the usual update, where the containers are as they were.
  const whole = compareEncoded(next, prev, 'tsk.v1.PodSpec', POD_MUTABLE_FIELDS);
  if (whole !== DIFFERENT) return whole === SAME;
  if (compareEncoded(next, prev, 'tsk.v1.PodSpec', POD_MUTABLE_WITH_CONTAINERS) !== SAME) return false;
  for (const field of ['containers', 'initContainers'] as const) {
    const n = next[field] ?? [];
    const o = prev[field] ?? [];
    if (!Array.isArray(n) || !Array.isArray(o) || n.length !== o.length) return false;
    for (let i = 0; i < n.length; i++) {
      if (compareEncoded(n[i], o[i], 'tsk.v1.Container', IMAGE) !== SAME) return false;
    }
  }
  return true;
}

function validatePodUpdate(pod: Pod, old: Pod, options: ValidateOptions): void {
  // Decided first, so that a spec encoding would throw on is still encoded where it always was.
  const unchanged = onlyMutableChanged(pod.spec ?? {}, old.spec ?? {});
  const next = unchanged ? undefined : (encodeMessage(pod.spec ?? {}, 'tsk.v1.PodSpec') as PodSpec & Record<string, unknown>);
  const prev = unchanged ? undefined : (encodeMessage(old.spec ?? {}, 'tsk.v1.PodSpec') as PodSpec & Record<string, unknown>);
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
  if (next === undefined || prev === undefined) return;
  const diff = podSpecDifference(next, prev);
  if (diff !== undefined) fail(diff, POD_MUTABLE);
}

/**
 * The rule itself, on encoded specs: the first path where they differ outside what a pod update
 * may change, undefined when they do not.
 */
export function podSpecDifference(next: PodSpec & Record<string, unknown>, prev: PodSpec & Record<string, unknown>): string | undefined {
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
  return firstDifference(allowed, next, 'spec');
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
      // Identical encodings have no first difference: only a changed (or unusual) template is encoded.
      if (compareEncoded(j.spec?.template ?? {}, was.spec?.template ?? {}, 'tsk.v1.PodTemplateSpec') === SAME) break;
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
