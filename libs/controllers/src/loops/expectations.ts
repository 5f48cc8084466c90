/**
 * Pod expectations, as Kubernetes' ControllerExpectations: after a sync of a ReplicaSet, Job or
 * DaemonSet creates or deletes pods, its next syncs do not create or delete any more until the
 * informer has shown those creates and deletes (or a while has passed). Without this, a sync that
 * runs while the pod cache still lags behind the last burst counts too few pods and creates
 * again: a 3,000-replica Deployment made 3,691 pods and then deleted the extra 691.
 *
 * Pods are tracked by name (the controllers choose pod names), so a create that found its pod
 * already there (AlreadyExists) is satisfied by that pod, and a delete by the pod's absence, its
 * deletionTimestamp, or another uid under the name.
 */
import { type Pod } from '@tsk/api';
import { type Action } from '../actions.js';

/** After this long an expectation is given up (a create whose pod never shows, a lost event). */
export const EXPECTATIONS_TTL_MS = 60_000;

interface Pending {
  readonly adds: Set<string>;
  /** Pod name → uid deleted. */
  readonly deletes: Map<string, string>;
  readonly at: number;
}

export class PodExpectations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly ttlMs = EXPECTATIONS_TTL_MS) {}

  /**
   * True when every create and delete recorded for `key` has been seen in the cache (looked up
   * with `pod(name)`), or when they are older than the TTL; the entry is then dropped.
   */
  satisfied(key: string, pod: (name: string) => Pod | undefined, now: number): boolean {
    const p = this.pending.get(key);
    if (p === undefined) return true;
    for (const name of p.adds) if (pod(name) !== undefined) p.adds.delete(name);
    for (const [name, uid] of p.deletes) {
      const current = pod(name);
      if (current === undefined || (current.metadata?.deletionTimestamp ?? '') !== '' || current.metadata?.uid !== uid) p.deletes.delete(name);
    }
    if ((p.adds.size === 0 && p.deletes.size === 0) || now - p.at >= this.ttlMs) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  /** How long until the expectations of `key` expire (for a requeue). */
  remainingMs(key: string, now: number): number {
    const p = this.pending.get(key);
    return p === undefined ? 0 : Math.max(0, p.at + this.ttlMs - now);
  }

  /** Records the pod creates and deletes among a sync's actions. */
  expect(key: string, actions: readonly Action[], now: number): void {
    const adds = new Set<string>();
    const deletes = new Map<string, string>();
    for (const a of actions) {
      if (a.type === 'CreatePod') adds.add(a.pod.metadata?.name ?? '');
      else if (a.type === 'DeletePod') deletes.set(a.name, a.uid);
    }
    if (adds.size === 0 && deletes.size === 0) return;
    this.pending.set(key, { adds, deletes, at: now });
  }

  /** Forgets expectations for actions that were not carried out (the sync failed before them). */
  notApplied(key: string, actions: readonly Action[]): void {
    const p = this.pending.get(key);
    if (p === undefined) return;
    for (const a of actions) {
      if (a.type === 'CreatePod') p.adds.delete(a.pod.metadata?.name ?? '');
      else if (a.type === 'DeletePod') p.deletes.delete(a.name);
    }
    if (p.adds.size === 0 && p.deletes.size === 0) this.pending.delete(key);
  }

  /** The owner is gone: nothing to wait for. */
  forget(key: string): void {
    this.pending.delete(key);
  }
}

/**
 * A sync's actions without its pod creates and deletes (and the Event that follows each), for a
 * pass made while earlier creates and deletes are still on their way to the cache: the status it
 * writes is still right for the pods it sees.
 */
export function withoutPodChanges(actions: readonly Action[]): Action[] {
  const kept: Action[] = [];
  let dropping = false;
  for (const a of actions) {
    if (a.type === 'CreatePod' || a.type === 'DeletePod') {
      dropping = true;
      continue;
    }
    if (a.type === 'Event' && dropping) continue;
    dropping = false;
    kept.push(a);
  }
  return kept;
}

/** While an owner's pods are still coming into the cache, its status is written at most this often. */
export const PENDING_STATUS_INTERVAL_MS = 500;

/**
 * While an owner's last creates and deletes are still coming into the cache, every pod event
 * wakes it, and each such sync walks all its pods to write a status that the next event changes
 * again; the sync that may create more then waits behind them. So meanwhile a sync that writes
 * status runs at most every `intervalMs` (the others are answered with a requeue at once). A
 * 10,000-replica scale-up ran 3 % faster with 500 ms than with every sync writing.
 */
export class PendingStatusThrottle {
  private readonly written = new Map<string, number>();

  constructor(private readonly intervalMs = PENDING_STATUS_INTERVAL_MS) {}

  /** A requeue for a sync of `key` that may be skipped now, or undefined to run it. */
  skip(key: string, expectationsSatisfied: boolean, now: number): Action | undefined {
    if (expectationsSatisfied) return undefined;
    const last = this.written.get(key);
    return last !== undefined && now - last < this.intervalMs ? { type: 'RequeueAfter', ms: this.intervalMs - (now - last) } : undefined;
  }

  /** Records a sync of `key` about to apply `actions` (a status write among them counts). */
  ran(key: string, actions: readonly Action[], now: number): void {
    if (actions.some((a) => a.type === 'UpdateStatus')) this.written.set(key, now);
  }

  forget(key: string): void {
    this.written.delete(key);
  }
}
