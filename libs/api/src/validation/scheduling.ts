/** The scheduling parts of a pod spec: nodeSelector, affinity, tolerations, topology spread. */
import { fromLabelSelector } from '../selectors.js';
import { type LabelSelector } from '../gen/tsk/v1/meta.js';
import {
  type Affinity,
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  type PodAffinityTerm,
  type PodSpec,
} from '../gen/tsk/v1/pod.js';
import { checkLabels, checkLabelValue, checkMin, checkOneOf, checkQualifiedName, fail, isSet, show } from './common.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const TOLERATION_EFFECTS = ['', ...TAINT_EFFECTS];

/** A LabelSelector's keys, values and operators. */
export function checkLabelSelector(selector: LabelSelector, path: string): void {
  checkLabels(selector.matchLabels, `${path}.matchLabels`);
  (selector.matchExpressions ?? []).forEach((e, i) => {
    checkQualifiedName(e.key ?? '', `${path}.matchExpressions[${i}].key`);
    (e.values ?? []).forEach((v, j) => checkLabelValue(v, `${path}.matchExpressions[${i}].values[${j}]`));
  });
  fromLabelSelector(selector, path);
}

function checkNodeRequirement(r: NodeSelectorRequirement, path: string, field: boolean): void {
  const op = r.operator ?? '';
  const values = r.values ?? [];
  if (field) {
    if (r.key !== 'metadata.name') fail(`${path}.key`, `unsupported value ${show(r.key ?? '')}: matchFields supports only "metadata.name"`);
    checkOneOf(op, ['In', 'NotIn'], `${path}.operator`);
    if (values.length !== 1) fail(`${path}.values`, 'must have exactly one value (a node name)');
    return;
  }
  checkQualifiedName(r.key ?? '', `${path}.key`);
  checkOneOf(op, ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'], `${path}.operator`);
  if ((op === 'In' || op === 'NotIn') && values.length === 0) fail(`${path}.values`, `must have at least one value for operator ${op}`);
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) fail(`${path}.values`, `must be empty for operator ${op}`);
  if (op === 'Gt' || op === 'Lt') {
    if (values.length !== 1 || !/^-?\d+$/.test(values[0]!)) fail(`${path}.values`, `must be exactly one integer for operator ${op}`);
  }
}

function checkNodeTerm(t: NodeSelectorTerm, path: string): void {
  (t.matchExpressions ?? []).forEach((r, i) => checkNodeRequirement(r, `${path}.matchExpressions[${i}]`, false));
  (t.matchFields ?? []).forEach((r, i) => checkNodeRequirement(r, `${path}.matchFields[${i}]`, true));
}

function checkPodAffinityTerm(t: PodAffinityTerm, path: string): void {
  if (!isSet(t.topologyKey)) fail(`${path}.topologyKey`, 'required value (e.g. "kubernetes.io/hostname")');
  checkQualifiedName(t.topologyKey, `${path}.topologyKey`);
  if (t.labelSelector !== undefined) checkLabelSelector(t.labelSelector, `${path}.labelSelector`);
}

function checkWeight(weight: number | undefined, path: string): void {
  const w = weight ?? 0;
  if (w < 1 || w > 100) fail(path, `must be between 1 and 100, got ${w}`);
}

function checkAffinity(a: Affinity, path: string): void {
  const na = a.nodeAffinity;
  if (na !== undefined) {
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    const p = `${path}.nodeAffinity`;
    if (req !== undefined) {
      if ((req.nodeSelectorTerms ?? []).length === 0) {
        fail(`${p}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`, 'must have at least one term');
      }
      (req.nodeSelectorTerms ?? []).forEach((t, i) =>
        checkNodeTerm(t, `${p}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`),
      );
    }
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      const tp = `${p}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      checkWeight(t.weight, `${tp}.weight`);
      checkNodeTerm(t.preference ?? {}, `${tp}.preference`);
    });
  }
  for (const which of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = a[which];
    if (pa === undefined) continue;
    const p = `${path}.${which}`;
    (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) =>
      checkPodAffinityTerm(t, `${p}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`),
    );
    (pa.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      const tp = `${p}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      checkWeight(t.weight, `${tp}.weight`);
      checkPodAffinityTerm(t.podAffinityTerm ?? {}, `${tp}.podAffinityTerm`);
    });
  }
}

export function validateScheduling(spec: PodSpec, path: string): void {
  checkLabels(spec.nodeSelector, `${path}.nodeSelector`);
  if (spec.affinity !== undefined) checkAffinity(spec.affinity, `${path}.affinity`);
  (spec.tolerations ?? []).forEach((t, i) => {
    const p = `${path}.tolerations[${i}]`;
    const op = isSet(t.operator) ? t.operator : 'Equal';
    checkOneOf(t.operator, ['', 'Equal', 'Exists'], `${p}.operator`);
    if (isSet(t.key)) checkQualifiedName(t.key, `${p}.key`);
    else if (op !== 'Exists') fail(`${p}.operator`, 'must be "Exists" when key is empty (tolerate every taint)');
    if (op === 'Exists' && isSet(t.value)) fail(`${p}.value`, 'must be empty when operator is "Exists"');
    checkOneOf(t.effect, TOLERATION_EFFECTS, `${p}.effect`);
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      fail(`${p}.tolerationSeconds`, 'may only be set when effect is "NoExecute"');
    }
  });
  const seen = new Set<string>();
  (spec.topologySpreadConstraints ?? []).forEach((c, i) => {
    const p = `${path}.topologySpreadConstraints[${i}]`;
    if ((c.maxSkew ?? 0) < 1) fail(`${p}.maxSkew`, `must be greater than or equal to 1, got ${c.maxSkew ?? 0}`);
    if (!isSet(c.topologyKey)) fail(`${p}.topologyKey`, 'required value (e.g. "kubernetes.io/hostname")');
    checkQualifiedName(c.topologyKey, `${p}.topologyKey`);
    checkOneOf(c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway'], `${p}.whenUnsatisfiable`);
    if (c.minDomains !== undefined) {
      checkMin(c.minDomains, 1, `${p}.minDomains`);
      if (c.whenUnsatisfiable !== 'DoNotSchedule') fail(`${p}.minDomains`, 'may only be set when whenUnsatisfiable is "DoNotSchedule"');
    }
    const key = `${c.topologyKey}/${c.whenUnsatisfiable ?? ''}`;
    if (seen.has(key)) fail(p, `duplicate constraint for topologyKey ${show(c.topologyKey)} and whenUnsatisfiable ${show(c.whenUnsatisfiable ?? '')}`);
    seen.add(key);
    if (c.labelSelector !== undefined) checkLabelSelector(c.labelSelector, `${p}.labelSelector`);
  });
}
