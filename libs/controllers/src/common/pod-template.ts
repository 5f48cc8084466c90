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

export function podFromTemplate(template: PodTemplateSpec | undefined, o: PodFromTemplateOptions): Pod {
  const spec: PodSpec = structuredClone(template?.spec ?? {});
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
