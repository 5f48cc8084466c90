/**
 * A pod's node constraints compiled once per pod: spec.nodeSelector (every label must match) and
 * nodeAffinity terms (any term may match; within a term every expression and field must match).
 * PodTopologySpread reuses this to count only the nodes the pod could land on, as Kubernetes does.
 */
import { type NodeSelectorRequirement, type NodeSelectorTerm, type Selector } from '@tsk/api';
import { type NodeInfo } from '../../snapshot/node-info.js';
import { selectorMatches, type PodInfo } from '../../snapshot/pod-info.js';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);

/** A compiled term; `never` when it had an invalid operator or value (Kubernetes: no match). */
export interface CompiledTerm {
  readonly labels: Selector;
  /** Requirements on metadata.name, the only field Kubernetes allows in matchFields. */
  readonly names: Selector;
  readonly never: boolean;
}

function compileRequirements(requirements: readonly NodeSelectorRequirement[], fields: boolean): Selector | null {
  const out: { key: string; operator: Selector[number]['operator']; values: string[] }[] = [];
  for (const r of requirements) {
    const operator = r.operator ?? '';
    const values = r.values ?? [];
    if (!OPERATORS.has(operator)) return null;
    if (fields && r.key !== 'metadata.name') return null;
    if ((operator === 'Gt' || operator === 'Lt') && (values.length !== 1 || !/^-?\d+$/.test(values[0] ?? ''))) return null;
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) return null;
    out.push({ key: fields ? 'metadata.name' : (r.key ?? ''), operator: operator as Selector[number]['operator'], values });
  }
  return out;
}

export function compileTerm(term: NodeSelectorTerm | undefined): CompiledTerm {
  const labels = compileRequirements(term?.matchExpressions ?? [], false);
  const names = compileRequirements(term?.matchFields ?? [], true);
  // A term with no requirements at all selects no node (Kubernetes).
  const empty = (term?.matchExpressions ?? []).length === 0 && (term?.matchFields ?? []).length === 0;
  return { labels: labels ?? [], names: names ?? [], never: labels === null || names === null || empty };
}

export function termMatches(term: CompiledTerm, node: NodeInfo): boolean {
  if (term.never) return false;
  if (term.names.length > 0 && !selectorMatches(term.names, { 'metadata.name': node.name })) return false;
  return selectorMatches(term.labels, node.labels);
}

export interface RequiredNodeAffinity {
  /** spec.nodeSelector as In requirements. */
  readonly nodeSelector: Selector;
  /** null when the pod has no required node affinity. */
  readonly terms: readonly CompiledTerm[] | null;
}

/** null when the pod constrains nodes in neither way, so callers can skip the check. */
export function compileRequiredNodeAffinity(pod: PodInfo): RequiredNodeAffinity | null {
  const selector = pod.pod.spec?.nodeSelector ?? {};
  const nodeSelector: Selector = Object.entries(selector).map(([key, value]) => ({ key, operator: 'In', values: [value] }));
  const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required === undefined ? null : (required.nodeSelectorTerms ?? []).map(compileTerm);
  if (nodeSelector.length === 0 && terms === null) return null;
  return { nodeSelector, terms };
}

export function nodeMatchesRequired(required: RequiredNodeAffinity | null, node: NodeInfo): boolean {
  if (required === null) return true;
  if (!selectorMatches(required.nodeSelector, node.labels)) return false;
  if (required.terms === null) return true;
  for (const term of required.terms) if (termMatches(term, node)) return true;
  return false;
}
