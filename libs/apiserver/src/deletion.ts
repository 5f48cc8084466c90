/**
 * Delete, with Kubernetes' finalizer protocol:
 *  - an object with finalizers is not removed: it gets deletionTimestamp and stays until an update
 *    empties its finalizers (storage.ts completes the deletion then);
 *  - propagationPolicy Foreground adds the "foregroundDeletion" finalizer and Orphan adds "orphan";
 *    the garbage collector that deletes or orphans the dependents and then removes those
 *    finalizers comes in a later issue, so until then such objects wait with deletionTimestamp set;
 *    Background (the default) removes the object now and leaves dependents to the collector;
 *  - a Pod bound to a node gets a grace period (deletionTimestamp = now + grace and
 *    deletionGracePeriodSeconds): its node agent stops the containers and then deletes it again
 *    with gracePeriodSeconds 0. Unbound pods have nothing to stop and go at once;
 *  - deleting a Namespace marks it Terminating; namespace-lifecycle.ts empties and removes it.
 */
import {
  ConflictError,
  FailedPreconditionError,
  InvalidError,
  type KindInfo,
  type KindObject,
  type Pod,
} from '@tsk/api';
import { copyObject, decodeStored, effectiveNamespace, encodeStored, metaOfObject, setStatus, timestamp } from './codec.js';
import { objectKey, parseResourceVersion } from './keys.js';
import { notFound, ref, staleVersion, type Storage } from './storage.js';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** Namespaces the system needs; like default and kube-system in Kubernetes, they cannot be deleted. */
export const SYSTEM_NAMESPACES: readonly string[] = ['default', 'tsk-system', 'tsk-node-lease'];

export interface DeleteOptions {
  readonly propagationPolicy?: string;
  readonly resourceVersion?: string;
  readonly uid?: string;
  readonly gracePeriodSeconds?: number;
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

const CAS_ATTEMPTS = 16;

export function parsePolicy(policy: string | undefined): PropagationPolicy {
  if (policy === undefined || policy === '' || policy === 'Background') return 'Background';
  if (policy === 'Foreground' || policy === 'Orphan') return policy;
  throw new InvalidError(`unknown propagation policy "${policy}" (Background, Foreground or Orphan)`, 'propagationPolicy');
}

type Plan = { readonly action: 'remove' } | { readonly action: 'keep' } | { readonly action: 'update'; readonly object: KindObject };

function planDeletion(info: KindInfo, old: KindObject, policy: PropagationPolicy, grace: number | undefined, now: Date): Plan {
  const om = old.metadata ?? {};
  const deleting = (om.deletionTimestamp ?? '') !== '';
  if (info.kind === 'Namespace') {
    if (SYSTEM_NAMESPACES.includes(om.name ?? '')) {
      throw new FailedPreconditionError(`namespace "${om.name ?? ''}" is a system namespace and cannot be deleted`);
    }
    if (deleting) return { action: 'keep' };
    const next = copyObject(info, old);
    metaOfObject(next).deletionTimestamp = timestamp(now);
    setStatus(next, { phase: 'Terminating' });
    return { action: 'update', object: next };
  }

  const next = copyObject(info, old);
  const meta = metaOfObject(next);
  let changed = false;
  const wanted = policy === 'Foreground' ? 'foregroundDeletion' : policy === 'Orphan' ? 'orphan' : undefined;
  if (wanted !== undefined && !(meta.finalizers ?? []).includes(wanted)) {
    meta.finalizers = [...(meta.finalizers ?? []), wanted];
    changed = true;
  }

  if (info.kind === 'Pod') {
    const pod = old as Pod;
    const bound = (pod.spec?.nodeName ?? '') !== '';
    const period = grace ?? om.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const current = om.deletionGracePeriodSeconds;
    // A later delete may shorten the grace period, never lengthen it.
    if (bound && period > 0 && (current === undefined || period < current)) {
      meta.deletionTimestamp = timestamp(new Date(now.getTime() + period * 1000));
      meta.deletionGracePeriodSeconds = period;
      return { action: 'update', object: next };
    }
    if (bound && period > 0) return changed ? { action: 'update', object: next } : { action: 'keep' };
    if (bound) meta.deletionGracePeriodSeconds = 0;
  }

  if ((meta.finalizers ?? []).length > 0) {
    if (!deleting) {
      meta.deletionTimestamp = timestamp(now);
      meta.deletionGracePeriodSeconds ??= 0;
      changed = true;
    }
    return changed ? { action: 'update', object: next } : { action: 'keep' };
  }
  return { action: 'remove' };
}

/** Deletes (or starts deleting) one object; returns it as last seen. */
export async function deleteObject(
  storage: Storage,
  info: KindInfo,
  namespaceIn: string,
  name: string,
  options: DeleteOptions = {},
): Promise<KindObject> {
  const policy = parsePolicy(options.propagationPolicy);
  const grace = options.gracePeriodSeconds;
  if (grace !== undefined && (!Number.isSafeInteger(grace) || grace < 0)) {
    throw new InvalidError('must be a non-negative integer', 'gracePeriodSeconds');
  }
  const expected = parseResourceVersion(options.resourceVersion, 'resourceVersion');
  const namespace = effectiveNamespace(info, namespaceIn);
  const key = objectKey(info, namespace, name);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    options.signal?.throwIfAborted();
    const { kv } = await storage.store.get(key);
    if (kv === undefined) throw notFound(info, namespace, name);
    if (expected !== undefined && kv.modRevision !== expected) throw staleVersion(info, namespace, name, expected, kv.modRevision);
    const old = decodeStored(info, kv);
    if ((options.uid ?? '') !== '' && options.uid !== old.metadata?.uid) {
      throw new ConflictError(`${info.kind} ${ref(namespace, name)}: uid precondition ${options.uid} does not match (${old.metadata?.uid ?? ''})`);
    }
    const plan = planDeletion(info, old, policy, grace, storage.now());
    if (plan.action === 'keep') return old;
    if (options.dryRun === true) return plan.action === 'update' ? plan.object : old;
    if (plan.action === 'remove') {
      const removed = await storage.store.delete(key, kv.modRevision);
      // Gone either way (a backend retry of our delete finds nothing): the delete is done.
      if (removed.succeeded || removed.kv === undefined) return old;
    } else {
      const written = await storage.store.update(key, encodeStored(info, plan.object), kv.modRevision);
      if (written.succeeded) {
        const object = plan.object;
        metaOfObject(object).resourceVersion = String(written.revision);
        return object;
      }
    }
    if (expected !== undefined) throw staleVersion(info, namespace, name, expected, kv.modRevision);
  }
  throw new ConflictError(`${info.kind} ${ref(namespace, name)} is being changed by many writers at once; retry`);
}
