/** ObjectMeta rules shared by every kind: name, namespace, labels, annotations. */
import { type KindInfo } from '../kinds.js';
import { type ObjectMeta } from '../gen/tsk/v1/meta.js';
import {
  checkDnsLabel,
  checkDnsSubdomain,
  checkLabels,
  checkQualifiedName,
  fail,
  isQualifiedName,
  isSet,
  show,
} from './common.js';

/** Kubernetes' TotalAnnotationSizeLimitB: keys and values together. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export function checkName(info: KindInfo, name: string, path: string): void {
  if (info.nameRule === 'label') checkDnsLabel(name, path);
  else checkDnsSubdomain(name, path);
}

export function checkAnnotations(annotations: Readonly<Record<string, string>> | undefined, path: string): void {
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (!isQualifiedName(k)) checkQualifiedName(k, `${path}[${show(k)}]`);
    total += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (total > MAX_ANNOTATIONS_BYTES) {
    fail(path, `annotations total ${total} bytes, more than the 256 KiB limit`);
  }
}

export function validateMeta(info: KindInfo, meta: ObjectMeta | undefined): void {
  const m = meta ?? {};
  if (isSet(m.name)) {
    checkName(info, m.name, 'metadata.name');
  } else if (isSet(m.generateName)) {
    // The server appends 5 characters, so the prefix itself need not end with a letter or digit.
    checkName(info, `${m.generateName}x`, 'metadata.generateName');
  } else {
    fail('metadata.name', 'name or generateName is required');
  }
  if (info.namespaced) {
    if (!isSet(m.namespace)) fail('metadata.namespace', `a ${info.kind} is namespaced: namespace is required`);
    checkDnsLabel(m.namespace, 'metadata.namespace');
  } else if (isSet(m.namespace)) {
    fail('metadata.namespace', `a ${info.kind} is cluster-scoped: remove the namespace (got ${show(m.namespace)})`);
  }
  checkLabels(m.labels, 'metadata.labels');
  checkAnnotations(m.annotations, 'metadata.annotations');
  (m.finalizers ?? []).forEach((f, i) => checkQualifiedName(f, `metadata.finalizers[${i}]`));
  (m.ownerReferences ?? []).forEach((o, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!isSet(o.apiVersion)) fail(`${p}.apiVersion`, 'required value');
    if (!isSet(o.kind)) fail(`${p}.kind`, 'required value');
    if (!isSet(o.name)) fail(`${p}.name`, 'required value');
    if (!isSet(o.uid)) fail(`${p}.uid`, 'required value');
  });
  if ((m.ownerReferences ?? []).filter((o) => o.controller === true).length > 1) {
    fail('metadata.ownerReferences', 'only one reference can have controller set to true');
  }
}
