/** Taint toleration as Kubernetes defines it (v1.Toleration.ToleratesTaint). */
import { type Toleration } from '@tsk/api';

export function toleratesTaint(t: Toleration, key: string, value: string, effect: string): boolean {
  if (t.effect !== undefined && t.effect !== '' && t.effect !== effect) return false;
  // An empty key with operator Exists tolerates every taint.
  if (t.key !== undefined && t.key !== '' && t.key !== key) return false;
  switch (t.operator ?? '') {
    case 'Exists':
      return true;
    case '':
    case 'Equal':
      return (t.value ?? '') === value;
    default:
      return false;
  }
}

export function anyTolerates(tolerations: readonly Toleration[], key: string, value: string, effect: string): boolean {
  for (let i = 0; i < tolerations.length; i++) {
    if (toleratesTaint(tolerations[i]!, key, value, effect)) return true;
  }
  return false;
}

/** Taint keys Kubernetes' node controllers use; tsk's node lifecycle controller uses the same. */
export const TaintKeys = {
  NotReady: 'node.kubernetes.io/not-ready',
  Unreachable: 'node.kubernetes.io/unreachable',
  Unschedulable: 'node.kubernetes.io/unschedulable',
} as const;
