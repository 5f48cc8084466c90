/**
 * Tiny builders for tests: the smallest objects that reconcilers accept, with the knobs tests
 * turn. Times are given in seconds since the epoch of the test (T0) to keep tables readable.
 */
import {
  type DaemonSet,
  type Deployment,
  type Job,
  type Lease,
  type Node,
  type OwnerReference,
  type Pod,
  type PodTemplateSpec,
  type ReplicaSet,
  type Taint,
  type Toleration,
} from '@tsk/api';
import { formatTime } from '../common/time.js';

/** The epoch of every test: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);

/** T0 + seconds, as ms. */
export function at(seconds: number): number {
  return T0 + seconds * 1000;
}

/** T0 + seconds, as an RFC 3339 timestamp. */
export function stamp(seconds: number): string {
  return formatTime(at(seconds));
}

export function template(labels: Record<string, string> = { app: 'web' }, image = 'nginx:1', extra: Partial<PodTemplateSpec> = {}): PodTemplateSpec {
  return {
    metadata: { labels: { ...labels } },
    spec: { containers: [{ name: 'c', image }], restartPolicy: 'Always' },
    ...extra,
  };
}

export interface PodOptions {
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly owner?: OwnerReference;
  readonly node?: string;
  readonly phase?: string;
  /** Seconds after T0 when the pod became ready; undefined = not ready. */
  readonly readyAt?: number;
  readonly created?: number;
  readonly restarts?: number;
  readonly deleting?: boolean;
  readonly uid?: string;
  readonly tolerations?: Toleration[];
  readonly hash?: { readonly label: string; readonly value: string };
}

export function pod(name: string, o: PodOptions = {}): Pod {
  const labels = { ...(o.labels ?? { app: 'web' }) };
  if (o.hash !== undefined) labels[o.hash.label] = o.hash.value;
  const ready = o.readyAt !== undefined;
  const p: Pod = {
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${name}`,
      labels,
      creationTimestamp: stamp(o.created ?? 0),
      ...(o.owner !== undefined ? { ownerReferences: [o.owner] } : {}),
      ...(o.deleting === true ? { deletionTimestamp: stamp(o.created ?? 0) } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'nginx:1' }],
      ...(o.node !== undefined ? { nodeName: o.node } : {}),
      ...(o.tolerations !== undefined ? { tolerations: o.tolerations } : {}),
    },
    status: {
      phase: o.phase ?? (ready ? 'Running' : 'Pending'),
      conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: stamp(o.readyAt) }] : [],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0, ready }],
    },
  };
  return p;
}

export function ownerRef(kind: string, name: string, uid = `uid-${name}`, apiVersion = 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

export interface ReplicaSetOptions {
  readonly replicas?: number;
  readonly selector?: Record<string, string>;
  readonly template?: PodTemplateSpec;
  readonly minReadySeconds?: number;
  readonly generation?: number;
  readonly deleting?: boolean;
  readonly owner?: OwnerReference;
  readonly annotations?: Record<string, string>;
  readonly created?: number;
  readonly status?: ReplicaSet['status'];
}

export function replicaSet(name: string, o: ReplicaSetOptions = {}): ReplicaSet {
  const t = o.template ?? template(o.selector ?? { app: 'web' });
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      generation: o.generation ?? 1,
      creationTimestamp: stamp(o.created ?? 0),
      labels: { ...(t.metadata?.labels ?? {}) },
      ...(o.annotations !== undefined ? { annotations: { ...o.annotations } } : {}),
      ...(o.owner !== undefined ? { ownerReferences: [o.owner] } : {}),
      ...(o.deleting === true ? { deletionTimestamp: stamp(0) } : {}),
    },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: { ...(o.selector ?? t.metadata?.labels ?? { app: 'web' }) } },
      template: t,
      ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
    },
    ...(o.status !== undefined ? { status: o.status } : {}),
  };
}

export interface DeploymentOptions {
  readonly replicas?: number;
  readonly template?: PodTemplateSpec;
  readonly strategy?: 'RollingUpdate' | 'Recreate';
  readonly maxSurge?: number | string;
  readonly maxUnavailable?: number | string;
  readonly minReadySeconds?: number;
  readonly progressDeadlineSeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly paused?: boolean;
  readonly generation?: number;
  readonly annotations?: Record<string, string>;
}

function intOrString(v: number | string): { intVal: number } | { strVal: string } {
  return typeof v === 'number' ? { intVal: v } : { strVal: v };
}

export function deployment(name: string, o: DeploymentOptions = {}): Deployment {
  const t = o.template ?? template();
  const type = o.strategy ?? 'RollingUpdate';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      generation: o.generation ?? 1,
      creationTimestamp: stamp(0),
      ...(o.annotations !== undefined ? { annotations: { ...o.annotations } } : {}),
    },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { ...(t.metadata?.labels ?? {}) } },
      template: t,
      strategy:
        type === 'Recreate'
          ? { type }
          : { type, rollingUpdate: { maxSurge: intOrString(o.maxSurge ?? '25%'), maxUnavailable: intOrString(o.maxUnavailable ?? '25%') } },
      minReadySeconds: o.minReadySeconds ?? 0,
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
      paused: o.paused ?? false,
    },
  };
}

export interface NodeOptions {
  readonly labels?: Record<string, string>;
  readonly taints?: Taint[];
  readonly ready?: 'True' | 'False' | 'Unknown';
  readonly unschedulable?: boolean;
}

export function node(name: string, o: NodeOptions = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) }, creationTimestamp: stamp(0) },
    spec: { ...(o.taints !== undefined ? { taints: o.taints } : {}), ...(o.unschedulable === true ? { unschedulable: true } : {}) },
    status: { conditions: [{ type: 'Ready', status: o.ready ?? 'True', reason: 'KubeletReady', message: 'ready', lastTransitionTime: stamp(0) }] },
  };
}

export function lease(nodeName: string, renewedAt: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName, namespace: 'kube-node-lease' },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: 8, renewTime: stamp(renewedAt) },
  };
}

export interface DaemonSetOptions {
  readonly template?: PodTemplateSpec;
  readonly maxUnavailable?: number | string;
  readonly maxSurge?: number | string;
  readonly minReadySeconds?: number;
  readonly generation?: number;
}

export function daemonSet(name: string, o: DaemonSetOptions = {}): DaemonSet {
  const t = o.template ?? template({ app: name });
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: o.generation ?? 1, creationTimestamp: stamp(0) },
    spec: {
      selector: { matchLabels: { ...(t.metadata?.labels ?? {}) } },
      template: t,
      updateStrategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: intOrString(o.maxUnavailable ?? 1), maxSurge: intOrString(o.maxSurge ?? 0) },
      },
      minReadySeconds: o.minReadySeconds ?? 0,
    },
  };
}

export interface JobOptions {
  readonly completions?: number;
  readonly parallelism?: number;
  readonly backoffLimit?: number;
  readonly activeDeadlineSeconds?: number;
  readonly ttlSecondsAfterFinished?: number;
  readonly restartPolicy?: 'Never' | 'OnFailure';
  readonly status?: Job['status'];
  readonly workQueue?: boolean;
}

export function job(name: string, o: JobOptions = {}): Job {
  const labels = { 'batch.kubernetes.io/controller-uid': `uid-${name}`, 'batch.kubernetes.io/job-name': name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, creationTimestamp: stamp(0) },
    spec: {
      ...(o.workQueue === true ? {} : { completions: o.completions ?? 1 }),
      parallelism: o.parallelism ?? 1,
      backoffLimit: o.backoffLimit ?? 6,
      ...(o.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: o.activeDeadlineSeconds } : {}),
      ...(o.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: o.ttlSecondsAfterFinished } : {}),
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': `uid-${name}` } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: o.restartPolicy ?? 'Never' },
      },
    },
    ...(o.status !== undefined ? { status: o.status } : {}),
  };
}
