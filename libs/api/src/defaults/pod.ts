/**
 * Kubernetes' server-side defaults for pod specs (pkg/apis/core/v1/defaults.go), applied to Pods
 * and to the templates of workloads. Defaults only fill what is unset ("" and undefined alike);
 * they never overwrite a value the user gave.
 */
import { type IntOrString } from '../gen/tsk/v1/meta.js';
import {
  type Container,
  type HTTPGetAction,
  type LifecycleHandler,
  type PodSpec,
  type Probe,
} from '../gen/tsk/v1/pod.js';

/** Default file mode of configMap and secret volumes: 0644. */
export const DEFAULT_VOLUME_MODE = 0o644;

export function unset(value: string | undefined): boolean {
  return value === undefined || value === '';
}

export function unsetIntOrString(value: IntOrString | undefined): boolean {
  return value === undefined || (value.intVal === undefined && unset(value.strVal));
}

/** Always for ":latest" or an untagged image, else IfNotPresent (a digest counts as a tag). */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHttpGet(h: HTTPGetAction): void {
  if (unset(h.path)) h.path = '/';
  if (unset(h.scheme)) h.scheme = 'HTTP';
}

function defaultProbe(p: Probe): void {
  // 0 is what the wire gives for unset, and 0 is invalid for all four, so 0 means "default".
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  if (p.httpGet !== undefined) defaultHttpGet(p.httpGet);
}

function defaultHandler(h: LifecycleHandler | undefined): void {
  if (h?.httpGet !== undefined) defaultHttpGet(h.httpGet);
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (unset(c.imagePullPolicy) && !unset(c.image)) c.imagePullPolicy = defaultPullPolicy(c.image ?? '');
  if (unset(c.terminationMessagePath)) c.terminationMessagePath = '/dev/termination-log';
  if (unset(c.terminationMessagePolicy)) c.terminationMessagePolicy = 'File';
  for (const port of c.ports ?? []) {
    if (unset(port.protocol)) port.protocol = 'TCP';
    // With the host's network, the container port is the host port (Kubernetes defaults it so).
    if (hostNetwork && !port.hostPort) port.hostPort = port.containerPort ?? 0;
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (probe !== undefined) defaultProbe(probe);
  }
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
  for (const env of c.env ?? []) {
    const ref = env.valueFrom?.fieldRef;
    if (ref !== undefined && unset(ref.apiVersion)) ref.apiVersion = 'v1';
  }
  const limits = c.resources?.limits;
  if (c.resources !== undefined && limits !== undefined) {
    // A limit without a request requests the limit (so the pod is Guaranteed, as in Kubernetes).
    const requests = { ...(c.resources.requests ?? {}) };
    for (const [name, value] of Object.entries(limits)) {
      if (requests[name] === undefined) requests[name] = value;
    }
    if (Object.keys(requests).length > 0) c.resources.requests = requests;
  }
}

/**
 * Pod spec defaults. `restartPolicy` is the default for restartPolicy, or undefined to leave it
 * unset (Jobs: Kubernetes makes the user choose OnFailure or Never).
 */
export function defaultPodSpec(spec: PodSpec, restartPolicy: string | undefined): void {
  if (unset(spec.restartPolicy) && restartPolicy !== undefined) spec.restartPolicy = restartPolicy;
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  if (unset(spec.dnsPolicy)) spec.dnsPolicy = 'ClusterFirst';
  if (unset(spec.schedulerName)) spec.schedulerName = 'default-scheduler';
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) defaultContainer(c, hostNetwork);
  for (const v of spec.volumes ?? []) {
    if (v.configMap !== undefined && v.configMap.defaultMode === undefined) v.configMap.defaultMode = DEFAULT_VOLUME_MODE;
    if (v.secret !== undefined && v.secret.defaultMode === undefined) v.secret.defaultMode = DEFAULT_VOLUME_MODE;
  }
}
