/** Status conditions, updated the Kubernetes way: lastTransitionTime moves only when status does. */
import { type Condition } from '@tsk/api';
import { formatTime } from './time.js';

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return (conditions ?? []).find((c) => c.type === type);
}

export interface DesiredCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/**
 * Sets one condition in a list. An unchanged condition is kept as it is (times included), so a
 * reconcile that changes nothing writes nothing. lastUpdateTime moves when reason or message do.
 */
export function setCondition(conditions: readonly Condition[] | undefined, want: DesiredCondition, now: number, withUpdateTime = false): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === want.type);
  const old = i >= 0 ? list[i] : undefined;
  if (old !== undefined && old.status === want.status && old.reason === want.reason && old.message === want.message) return list;
  const at = formatTime(now);
  const next: Condition = {
    type: want.type,
    status: want.status,
    reason: want.reason,
    message: want.message,
    lastTransitionTime: old !== undefined && old.status === want.status ? (old.lastTransitionTime ?? at) : at,
  };
  if (withUpdateTime) next.lastUpdateTime = at;
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
