/** Defaults of the core kinds other than Pod (pkg/apis/core/v1/defaults.go). */
import { type Namespace, type Secret, type Service } from '../gen/tsk/v1/core.js';
import { unset, unsetIntOrString } from './pod.js';

/** The label Kubernetes puts on every namespace, so selectors can pick namespaces by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function defaultService(svc: Service): void {
  const s = (svc.spec ??= {});
  if (unset(s.type)) s.type = 'ClusterIP';
  if (unset(s.sessionAffinity)) s.sessionAffinity = 'None';
  if (unset(s.internalTrafficPolicy)) s.internalTrafficPolicy = 'Cluster';
  if (s.type === 'NodePort' && unset(s.externalTrafficPolicy)) s.externalTrafficPolicy = 'Cluster';
  for (const port of s.ports ?? []) {
    if (unset(port.protocol)) port.protocol = 'TCP';
    if (unsetIntOrString(port.targetPort) || port.targetPort?.intVal === 0) port.targetPort = { intVal: port.port ?? 0 };
  }
}

/** stringData is write-only: merged into data (winning over the same key) and then dropped. */
export function defaultSecret(secret: Secret): void {
  if (unset(secret.type)) secret.type = 'Opaque';
  const stringData = secret.stringData ?? {};
  if (Object.keys(stringData).length === 0) return;
  const data = { ...(secret.data ?? {}) };
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, 'utf8');
  secret.data = data;
  secret.stringData = {};
}

export function defaultNamespace(ns: Namespace): void {
  const status = (ns.status ??= {});
  if (unset(status.phase)) status.phase = 'Active';
  const name = ns.metadata?.name ?? '';
  if (name !== '' && ns.metadata !== undefined) {
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
  }
}
