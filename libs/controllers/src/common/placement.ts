/**
 * The node-fit rules a DaemonSet and the taint manager need (a subset of the scheduler's filters,
 * kept here so this package depends only on @tsk/api): taints vs tolerations, nodeSelector and
 * required node affinity.
 */
import { type Node, type NodeSelectorRequirement, type PodSpec, type Taint, type Toleration } from '@tsk/api';

/** Kubernetes' v1.Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if ((t.effect ?? '') !== '' && t.effect !== taint.effect) return false;
  // An empty key with operator Exists tolerates every taint.
  if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case 'Exists':
      return true;
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function tolerationsFor(tolerations: readonly Toleration[] | undefined, taint: Taint): Toleration[] {
  return (tolerations ?? []).filter((t) => toleratesTaint(t, taint));
}

/** Taints of the given effects that no toleration covers. */
export function untoleratedTaints(node: Node, tolerations: readonly Toleration[] | undefined, effects: readonly string[]): Taint[] {
  return (node.spec?.taints ?? []).filter((taint) => effects.includes(taint.effect ?? '') && tolerationsFor(tolerations, taint).length === 0);
}

function matchesRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator ?? '') {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined) return false;
      const n = Number(value);
      const bound = Number(values[0]);
      return Number.isFinite(n) && (r.operator === 'Gt' ? n > bound : n < bound);
    }
    default:
      return false;
  }
}

/** nodeSelector and the required node affinity of a pod spec hold on this node. */
export function nodeMatchesPodSpec(node: Node, spec: PodSpec | undefined): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) {
    if (labels[k] !== v) return false;
  }
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined || terms.length === 0) return true;
  // Terms are ORed; the requirements inside one term are ANDed; an empty term matches nothing.
  return terms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    const labelOk = exprs.every((r) => matchesRequirement(r, Object.prototype.hasOwnProperty.call(labels, r.key ?? '') ? labels[r.key ?? ''] : undefined));
    const fieldOk = fields.every((r) => matchesRequirement(r, r.key === 'metadata.name' ? (node.metadata?.name ?? '') : undefined));
    return labelOk && fieldOk;
  });
}

/** The Ready condition status of a node: 'True', 'False' or 'Unknown' (no condition = Unknown). */
export function nodeReadyStatus(node: Node): string {
  const c = (node.status?.conditions ?? []).find((x) => x.type === 'Ready');
  const s = c?.status ?? '';
  return s === '' ? 'Unknown' : s;
}
