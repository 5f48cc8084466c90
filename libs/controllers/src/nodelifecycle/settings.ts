/**
 * tsk's node-failure timings. Kubernetes replaces the pods of a dead node after about 5 min 50 s
 * (40-50 s grace + 300 s default toleration); tsk aims at replacement pods Running elsewhere
 * within 30 s, without reacting to one late heartbeat. See README.md for the arithmetic.
 */
import { type Toleration } from '@tsk/api';

export interface NodeLifecycleSettings {
  /** How often an agent renews its Lease (the agent's setting; here for the docs and checks). */
  readonly leaseRenewIntervalMs: number;
  /** A node whose Lease is older than this becomes Ready=Unknown and tainted unreachable. */
  readonly nodeMonitorGracePeriodMs: number;
  /**
   * tolerationSeconds tsk gives pods for the not-ready and unreachable NoExecute taints when they
   * do not say otherwise (Kubernetes' DefaultTolerationSeconds admission uses 300).
   */
  readonly defaultTolerationSeconds: number;
  /**
   * Force-delete (grace 0) a pod still terminating on an unreachable node this long after its
   * deletion was requested; undefined = never (the agent finishes it when the node returns).
   */
  readonly forceDeleteTerminatingAfterMs?: number;
}

export const DEFAULT_NODE_LIFECYCLE_SETTINGS: NodeLifecycleSettings = {
  leaseRenewIntervalMs: 2_000,
  nodeMonitorGracePeriodMs: 8_000,
  defaultTolerationSeconds: 5,
};

export const TaintKeys = {
  NotReady: 'node.kubernetes.io/not-ready',
  Unreachable: 'node.kubernetes.io/unreachable',
  Unschedulable: 'node.kubernetes.io/unschedulable',
} as const;

/**
 * The tolerations the API server should add to a pod that has none for these taints (as
 * Kubernetes' DefaultTolerationSeconds admission plugin does), so `get pod -o yaml` shows them.
 * The node lifecycle reconcile applies the same default to pods created without them.
 */
export function defaultNotReadyTolerations(settings: NodeLifecycleSettings = DEFAULT_NODE_LIFECYCLE_SETTINGS): Toleration[] {
  return [TaintKeys.NotReady, TaintKeys.Unreachable].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: settings.defaultTolerationSeconds,
  }));
}
