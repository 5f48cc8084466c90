/**
 * A pod's READY, STATUS and RESTARTS columns, computed as kubectl's printPod does, so
 * "Init:0/1", "CrashLoopBackOff", "Completed", "Terminating" mean what kubectl users know.
 */
import { type ContainerStatus, type Pod } from '@tsk/api';
import { age } from './age.js';

export function podReady(pod: Pod): string {
  const total = pod.spec?.containers?.length ?? 0;
  const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready === true && c.state?.running !== undefined).length;
  return `${ready}/${total}`;
}

function terminatedReason(c: ContainerStatus, prefix: string): string | undefined {
  const t = c.state?.terminated;
  if (t === undefined) return undefined;
  if ((t.reason ?? '') !== '') return `${prefix}${t.reason ?? ''}`;
  if ((t.signal ?? 0) !== 0) return `${prefix}Signal:${t.signal ?? 0}`;
  return `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

function initStatus(pod: Pod): string | undefined {
  const statuses = pod.status?.initContainerStatuses ?? [];
  const total = pod.spec?.initContainers?.length ?? 0;
  for (let i = 0; i < statuses.length; i++) {
    const c = statuses[i]!;
    const t = c.state?.terminated;
    if (t !== undefined && (t.exitCode ?? 0) === 0) continue;
    if (t !== undefined) return terminatedReason(c, 'Init:');
    const waiting = c.state?.waiting?.reason ?? '';
    if (waiting !== '' && waiting !== 'PodInitializing') return `Init:${waiting}`;
    return `Init:${i}/${total}`;
  }
  return undefined;
}

export function podStatus(pod: Pod): string {
  const s = pod.status;
  let reason = (s?.reason ?? '') !== '' ? (s?.reason ?? '') : (s?.phase ?? '') !== '' ? (s?.phase ?? '') : 'Pending';
  const init = initStatus(pod);
  if (init !== undefined) {
    reason = init;
  } else {
    let hasRunning = false;
    const statuses = [...(s?.containerStatuses ?? [])].reverse();
    for (const c of statuses) {
      const waiting = c.state?.waiting?.reason ?? '';
      const term = terminatedReason(c, '');
      if (waiting !== '') reason = waiting;
      else if (term !== undefined) reason = term;
      else if (c.state?.running !== undefined && c.ready === true) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (s?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if ((pod.metadata?.deletionTimestamp ?? '') !== '') reason = s?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

/** "3", or "3 (5m ago)" when the last restart's time is known, as kubectl 1.22+ prints. */
export function podRestarts(pod: Pod, now: number): string {
  let restarts = 0;
  let last = 0;
  for (const c of pod.status?.containerStatuses ?? []) {
    restarts += c.restartCount ?? 0;
    const finished = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(finished) && finished > last) last = finished;
  }
  return restarts > 0 && last > 0 ? `${restarts} (${age(new Date(last).toISOString(), now)} ago)` : String(restarts);
}
