/** Pods made from a controller's template (Kubernetes' GetPodFromTemplate). */
import { type OwnerReference, type Pod, type PodSpec, type PodTemplateSpec } from '@tsk/api';

export interface PodFromTemplateOptions {
  readonly name: string;
  readonly namespace: string;
  readonly owner: OwnerReference;
  /** Added to the template's labels (a hash label, for instance). */
  readonly extraLabels?: Readonly<Record<string, string>>;
  /** Applied to a copy of the template's spec (DaemonSet pins the node, adds tolerations). */
  readonly editSpec?: (spec: PodSpec) => void;
}

/**
 * A deep copy of plain data (what a decoded or written spec is): as structuredClone, several
 * times faster for the small objects of a pod spec, made once per created pod. Anything that is
 * not a plain object or array (a Uint8Array, say) still goes through structuredClone.
 */
function clonePlain<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = clonePlain((value as Record<string, unknown>)[key]);
  return out as T;
}

export function podFromTemplate(template: PodTemplateSpec | undefined, o: PodFromTemplateOptions): Pod {
  const spec: PodSpec = clonePlain(template?.spec ?? {});
  o.editSpec?.(spec);
  const annotations = { ...(template?.metadata?.annotations ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: { ...(template?.metadata?.labels ?? {}), ...(o.extraLabels ?? {}) },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [o.owner],
    },
    spec,
  };
}
