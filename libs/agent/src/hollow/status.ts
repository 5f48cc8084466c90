/**
 * The status a hollow node reports for a pod it "runs": Running, every container started and
 * ready, as a kubelet reports a pod whose containers came up at once.
 */
import { type Condition, type Pod, type PodStatus } from '@tsk/api';
import { rfc3339 } from '../node/time.js';

const TRUE_CONDITIONS = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'] as const;

export function runningStatus(pod: Pod, podIP: string, hostIP: string, now: Date): PodStatus {
  const containers = (pod.spec?.containers ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' }));
  return runningStatusOf(pod.metadata?.uid ?? '', containers, pod.status, podIP, hostIP, now);
}

/** As runningStatus, from the parts of the pod it reads (a scanned pod need not be decoded whole). */
export function runningStatusOf(
  uid: string,
  containers: readonly { readonly name: string; readonly image: string }[],
  status: PodStatus | undefined,
  podIP: string,
  hostIP: string,
  now: Date,
): PodStatus {
  const at = rfc3339(now);
  const previous = status?.conditions ?? [];
  const conditions: Condition[] = TRUE_CONDITIONS.map((type) => {
    const old = previous.find((c) => c.type === type);
    return { type, status: 'True', lastTransitionTime: old?.status === 'True' && old.lastTransitionTime !== undefined ? old.lastTransitionTime : at };
  });
  return {
    ...status,
    phase: 'Running',
    conditions,
    hostIP,
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: status?.startTime !== undefined && status.startTime !== '' ? status.startTime : at,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      containerID: `hollow://${uid}/${c.name}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: at } },
    })),
  };
}

/**
 * True when the pod already shows what a hollow node would report (nothing to write). Takes the
 * status fields alone, so the pod watch can ask before decoding the pod.
 */
export function isReportedRunning(status: { readonly phase?: string | undefined; readonly podIP?: string | undefined } | undefined): boolean {
  return status?.phase === 'Running' && (status.podIP ?? '') !== '';
}
