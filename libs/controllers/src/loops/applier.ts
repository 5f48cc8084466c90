/**
 * The applier: carries out a reconciler's Actions through the API, exactly as README.md's
 * contract says. In order, stopping at the first failure (the caller requeues the key with
 * backoff): a later action may rely on an earlier one. AlreadyExists on a create and NotFound on
 * anything else mean "already done". A uid in a target is a precondition: an object of that name
 * with another uid is a new incarnation and is left alone. ifOwnersAbsent is checked with live
 * reads, never the cache. Events go to the EventRecorder without waiting; RequeueAfter is returned.
 */
import {
  AlreadyExistsError,
  NotFoundError,
  type KindObject,
  type Node,
  type Pod,
  type ReplicaSet,
  type Toleration,
} from '@tsk/api';
import { modify, type ApiClient, type EventRecorder } from '@tsk/client';
import { type Action, type ObjectRef } from '../actions.js';
import { defaultNotReadyTolerations, type NodeLifecycleSettings } from '../nodelifecycle/settings.js';

export interface ApplyResult {
  /** Actions carried out (or found already done). */
  readonly applied: number;
  /** The first failure; later actions were not attempted. */
  readonly error?: Error;
  /** The smallest RequeueAfter among the actions, if any. */
  readonly requeueAfterMs?: number;
}

export interface ApplierOptions {
  readonly client: ApiClient;
  readonly events: EventRecorder;
  /** Source component of the events this applier records. */
  readonly component: string;
  /** Settings whose tolerationSeconds go into created pods; default DEFAULT_NODE_LIFECYCLE_SETTINGS. */
  readonly nodeLifecycleSettings?: NodeLifecycleSettings;
}

/**
 * Pod creates or deletes in flight at once within one run. Kubernetes' slowStartBatch doubles up
 * to the whole burst (500 per sync); so does this. The client coalesces a step's writes into
 * Batch calls, so a bigger step costs the server less, not more: with 64 a 500-pod sync took
 * 13 round trips, now 9.
 */
const MAX_BATCH = 512;

/** AlreadyExists on a create and NotFound on anything else: what the action wanted is so. */
function done(err: unknown): boolean {
  return err instanceof NotFoundError || err instanceof AlreadyExistsError;
}

/** Returned by a mutation when the stored object is another incarnation: write nothing. */
const SKIP = false as const;

function uidMatches(object: KindObject, uid: string | undefined): boolean {
  return uid === undefined || uid === '' || object.metadata?.uid === uid;
}

/**
 * Adds tsk's default not-ready/unreachable NoExecute tolerations to a pod that has none for
 * those taints, as Kubernetes' DefaultTolerationSeconds admission does. The node lifecycle
 * reconcile assumes the same default for pods without them; writing them makes it visible in
 * `tsctl get pod -o yaml` and lets a user see how long the pod survives a lost node.
 */
export function withDefaultTolerations(pod: Pod, defaults: readonly Toleration[]): Pod {
  const existing = pod.spec?.tolerations ?? [];
  // A toleration covers a default if it names the same key (or is a wildcard Exists) with the
  // NoExecute effect or none: then the pod already says how long it stays.
  const covers = (t: Toleration, d: Toleration): boolean =>
    ((t.key ?? '') === '' ? t.operator === 'Exists' : t.key === d.key) && ((t.effect ?? '') === '' || t.effect === 'NoExecute');
  const missing = defaults.filter((d) => !existing.some((t) => covers(t, d)));
  if (missing.length === 0) return pod;
  return { ...pod, spec: { ...pod.spec, tolerations: [...existing, ...missing] } };
}

export class Applier {
  private readonly defaultTolerations: readonly Toleration[];

  constructor(private readonly options: ApplierOptions) {
    this.defaultTolerations = defaultNotReadyTolerations(options.nodeLifecycleSettings);
  }

  async apply(actions: readonly Action[], signal?: AbortSignal): Promise<ApplyResult> {
    let requeueAfterMs: number | undefined;
    const result = (applied: number, error?: Error): ApplyResult => ({
      applied,
      ...(error !== undefined ? { error } : {}),
      ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
    });
    for (let i = 0; i < actions.length; ) {
      const a = actions[i]!;
      if (a.type === 'RequeueAfter') {
        requeueAfterMs = requeueAfterMs === undefined ? a.ms : Math.min(requeueAfterMs, a.ms);
        i++;
        continue;
      }
      if (a.type === 'CreatePod' || a.type === 'DeletePod') {
        // A run of pod creates (or deletes) is independent item by item: apply it in slow-start
        // batches as Kubernetes' slowStartBatch does (1, 2, 4 ... at once), so a 500-pod scale-up
        // costs a few round trips of latency, not 500, while a failing run stops after one batch.
        // The run goes on through the Events that follow each of its actions (a reconciler says
        // "create pod, record SuccessfulCreate" per pod): they must not cut it into runs of one.
        let end = i;
        while (end < actions.length && (actions[end]!.type === a.type || actions[end]!.type === 'Event')) end++;
        const failedAt = await this.applyBatched(actions.slice(i, end) as Exclude<Action, { type: 'RequeueAfter' }>[], signal);
        if (failedAt !== undefined) return result(i + failedAt.index, failedAt.error);
        i = end;
        continue;
      }
      try {
        await this.applyOne(a, signal);
      } catch (err) {
        if (!done(err)) return result(i, err as Error);
      }
      i++;
    }
    return result(actions.length);
  }

  /**
   * Applies a run of independent actions, each with the Events that follow it, in doubling
   * batches. An action's Events are recorded once it is done; the first failure (in order)
   * stops the run, and its index (in `run`) is returned.
   */
  private async applyBatched(run: readonly Exclude<Action, { type: 'RequeueAfter' }>[], signal: AbortSignal | undefined): Promise<{ index: number; error: Error } | undefined> {
    const units: { index: number; action: Exclude<Action, { type: 'RequeueAfter' }>; events: Action[] }[] = [];
    run.forEach((action, index) => {
      const last = units[units.length - 1];
      if (action.type === 'Event' && last !== undefined) last.events.push(action);
      else units.push({ index, action, events: [] });
    });
    let size = 1;
    for (let start = 0; start < units.length; start += size, size = Math.min(size * 2, MAX_BATCH)) {
      const batch = units.slice(start, start + size);
      const settled = await Promise.allSettled(batch.map((u) => this.applyOne(u.action, signal)));
      const k = settled.findIndex((r) => r.status === 'rejected' && !done(r.reason));
      for (const [j, unit] of batch.entries()) {
        if (k >= 0 && j >= k) break;
        for (const e of unit.events) await this.applyOne(e as Exclude<Action, { type: 'RequeueAfter' }>, signal);
      }
      if (k >= 0) return { index: batch[k]!.index, error: (settled[k] as PromiseRejectedResult).reason as Error };
    }
    return undefined;
  }

  private async applyOne(a: Exclude<Action, { type: 'RequeueAfter' }>, signal: AbortSignal | undefined): Promise<void> {
    const client = this.options.client;
    const call = signal !== undefined ? { signal } : {};
    switch (a.type) {
      case 'CreatePod':
        await client.create<Pod>('Pod', withDefaultTolerations(a.pod, this.defaultTolerations), call);
        return;
      case 'DeletePod':
        await client.delete('Pod', a.namespace, a.name, {
          ...call,
          uid: a.uid,
          ...(a.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: a.gracePeriodSeconds } : {}),
        });
        return;
      case 'MarkPodNotReady':
        await modify<Pod>(
          client,
          'Pod',
          a.namespace,
          a.name,
          (pod) => {
            if (!uidMatches(pod, a.uid)) return SKIP;
            const conditions = (pod.status?.conditions ?? []).map((c) =>
              (c.type === 'Ready' || c.type === 'ContainersReady') && c.status !== 'False' ? { ...c, status: 'False', reason: a.reason } : c,
            );
            return { ...pod, status: { ...pod.status, conditions } };
          },
          { ...call, status: true },
        );
        return;
      case 'CreateReplicaSet':
        await client.create<ReplicaSet>('ReplicaSet', a.replicaSet, call);
        return;
      case 'ScaleReplicaSet':
        await modify<ReplicaSet>(
          client,
          'ReplicaSet',
          a.namespace,
          a.name,
          (rs) => {
            if (!uidMatches(rs, a.uid)) return SKIP;
            return {
              ...rs,
              metadata: { ...rs.metadata, annotations: { ...rs.metadata?.annotations, ...a.annotations } },
              spec: { ...rs.spec, replicas: a.replicas },
            };
          },
          call,
        );
        return;
      case 'UpdateReplicaSet':
        // Carries the cached resourceVersion: a ConflictError fails the sync and it is requeued.
        await client.update<ReplicaSet>('ReplicaSet', a.replicaSet, call);
        return;
      case 'DeleteReplicaSet':
        await client.delete('ReplicaSet', a.namespace, a.name, { ...call, uid: a.uid });
        return;
      case 'SetAnnotations':
        await this.modifyMeta(a.target, call, (o) => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata?.annotations, ...a.annotations } } }));
        return;
      case 'SetOwnerReferences':
        if (a.ifOwnersAbsent !== undefined && !(await this.ownersAbsent(a.ifOwnersAbsent, call))) return;
        await this.modifyMeta(a.target, call, (o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: [...a.ownerReferences] } }));
        return;
      case 'SetFinalizers':
        await this.modifyMeta(a.target, call, (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [...a.finalizers] } }));
        return;
      case 'DeleteObject':
        if (a.ifOwnersAbsent !== undefined && !(await this.ownersAbsent(a.ifOwnersAbsent, call))) return;
        await client.delete(a.target.kind, a.target.namespace, a.target.name, {
          ...call,
          propagationPolicy: a.propagationPolicy,
          ...(a.target.uid !== undefined && a.target.uid !== '' ? { uid: a.target.uid } : {}),
        });
        return;
      case 'UpdateStatus': {
        const status = a.status;
        await modify<KindObject>(
          client,
          a.target.kind,
          a.target.namespace,
          a.target.name,
          (o) => (uidMatches(o, a.target.uid) ? ({ ...o, status } as KindObject) : SKIP),
          { ...call, status: true },
        );
        return;
      }
      case 'SetNodeConditions':
        await modify<Node>(client, 'Node', '', a.name, (n) => ({ ...n, status: { ...n.status, conditions: [...a.conditions] } }), { ...call, status: true });
        return;
      case 'SetNodeTaints':
        await modify<Node>(client, 'Node', '', a.name, (n) => ({ ...n, spec: { ...n.spec, taints: [...a.taints] } }), call);
        return;
      case 'SetNodeUnschedulable':
        await modify<Node>(client, 'Node', '', a.name, (n) => ({ ...n, spec: { ...n.spec, unschedulable: a.unschedulable } }), call);
        return;
      case 'Event':
        this.options.events.record({ type: a.eventType, reason: a.reason, message: a.message, involvedObject: a.involvedObject }, this.options.component);
        return;
    }
  }

  /** Read-modify-write of metadata, honouring the target's uid precondition. */
  private async modifyMeta(target: ObjectRef, call: { signal?: AbortSignal }, change: (o: KindObject) => KindObject): Promise<void> {
    await modify<KindObject>(this.options.client, target.kind, target.namespace, target.name, (o) => (uidMatches(o, target.uid) ? change(o) : SKIP), call);
  }

  /**
   * True when a live read finds none of these owners (an object of the name with another uid
   * is another incarnation: the owner is gone). The cache may lag behind a just-created owner.
   */
  private async ownersAbsent(owners: readonly ObjectRef[], call: { signal?: AbortSignal }): Promise<boolean> {
    for (const o of owners) {
      try {
        const live = await this.options.client.get(o.kind, o.namespace, o.name, call);
        if (uidMatches(live, o.uid)) return false;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    return true;
  }
}
