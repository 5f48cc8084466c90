/**
 * maxSurge / maxUnavailable: an integer or a percentage of the desired replicas. Kubernetes'
 * GetScaledValueFromIntOrPercent rounds surge up and unavailability down, and refuses both being
 * zero (a rollout could never make progress).
 */
import { type IntOrString, InvalidError } from '@tsk/api';

export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean, fallback: number): number {
  if (value === undefined) return fallback;
  const str = value.strVal ?? '';
  if (str !== '') {
    const m = /^(\d+)%$/.exec(str);
    if (m !== null) {
      const exact = (Number(m[1]) * total) / 100;
      return roundUp ? Math.ceil(exact) : Math.floor(exact);
    }
    if (/^\d+$/.test(str)) return Number(str);
    throw new InvalidError(`invalid value "${str}": must be an integer or a percentage`);
  }
  return value.intVal ?? fallback;
}

export interface SurgeAndUnavailable {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/**
 * Resolves both against `replicas` (Kubernetes' ResolveFenceposts). If both come out 0 (for
 * example 10% of 5 replicas rounds down to 0 unavailable with surge 0), maxUnavailable becomes 1
 * as Kubernetes does, so the rollout can proceed; both configured as literal 0 is invalid.
 */
export function resolveSurgeAndUnavailable(
  surge: IntOrString | undefined,
  unavailable: IntOrString | undefined,
  replicas: number,
  defaults: SurgeAndUnavailable = { maxSurge: 0, maxUnavailable: 0 },
): SurgeAndUnavailable {
  const maxSurge = scaledValue(surge, replicas, true, defaults.maxSurge);
  const maxUnavailable = scaledValue(unavailable, replicas, false, defaults.maxUnavailable);
  if (maxSurge === 0 && maxUnavailable === 0) {
    if (isLiteralZero(surge) && isLiteralZero(unavailable)) {
      throw new InvalidError('maxSurge and maxUnavailable may not both be 0');
    }
    return { maxSurge: 0, maxUnavailable: 1 };
  }
  return { maxSurge, maxUnavailable };
}

function isLiteralZero(v: IntOrString | undefined): boolean {
  if (v === undefined) return true;
  const s = v.strVal ?? '';
  return s === '' ? (v.intVal ?? 0) === 0 : s === '0' || s === '0%';
}
