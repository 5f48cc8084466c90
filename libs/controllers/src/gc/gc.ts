/**
 * Garbage-collection planning by ownerReferences (Kubernetes' garbagecollector attemptToDelete,
 * processDeletingDependents and orphanDependents), over a snapshot of every object in scope:
 *
 *  - Background: an object whose owners are all gone is deleted (its own finalizers decide how
 *    its dependents go). Owners that are gone while others remain are dropped from its refs.
 *  - Foreground: an owner with deletionTimestamp and the "foregroundDeletion" finalizer has its
 *    dependents deleted (in the foreground too, so it cascades); the finalizer is removed once no
 *    dependent with blockOwnerDeletion remains.
 *  - Orphan: an owner with deletionTimestamp and the "orphan" finalizer has its reference removed
 *    from every dependent, then the finalizer removed.
 */
import { type KindName, type ObjectMeta, type OwnerReference } from '@tsk/api';
import { type Action, type ObjectRef, type PropagationPolicy } from '../actions.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export interface GcObject {
  readonly kind: KindName;
  readonly metadata: ObjectMeta;
}

export interface GarbageCollectionInput {
  /** Every object that may own or be owned, across kinds (what the informers hold). */
  readonly objects: readonly GcObject[];
}

function refOf(o: GcObject): ObjectRef {
  return { kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '', uid: o.metadata.uid ?? '' };
}

function refFromOwner(owner: OwnerReference, namespace: string): ObjectRef {
  return { kind: (owner.kind ?? '') as KindName, namespace, name: owner.name ?? '', uid: owner.uid ?? '' };
}

function deleting(o: GcObject): boolean {
  return (o.metadata.deletionTimestamp ?? '') !== '';
}

function hasFinalizer(o: GcObject, f: string): boolean {
  return (o.metadata.finalizers ?? []).includes(f);
}

function waitingForDependents(o: GcObject): boolean {
  return deleting(o) && hasFinalizer(o, FOREGROUND_FINALIZER);
}

/** How a dependent is deleted: as its own finalizers ask, else as given. */
function policyFor(o: GcObject, fallback: PropagationPolicy): PropagationPolicy {
  if (hasFinalizer(o, ORPHAN_FINALIZER)) return 'Orphan';
  if (hasFinalizer(o, FOREGROUND_FINALIZER)) return 'Foreground';
  return fallback;
}

export function planGarbageCollection(input: GarbageCollectionInput): Action[] {
  const byUid = new Map<string, GcObject>();
  for (const o of input.objects) if ((o.metadata.uid ?? '') !== '') byUid.set(o.metadata.uid ?? '', o);
  const dependentsOf = new Map<string, GcObject[]>();
  for (const o of input.objects) {
    for (const r of o.metadata.ownerReferences ?? []) {
      const uid = r.uid ?? '';
      dependentsOf.set(uid, [...(dependentsOf.get(uid) ?? []), o]);
    }
  }
  const actions: Action[] = [];
  const deleted = new Set<string>();
  const deleteObject = (o: GcObject, policy: PropagationPolicy, reason: string, ifOwnersAbsent?: ObjectRef[]): void => {
    const uid = o.metadata.uid ?? '';
    if (deleted.has(uid) || deleting(o)) return;
    deleted.add(uid);
    actions.push({ type: 'DeleteObject', target: refOf(o), propagationPolicy: policyFor(o, policy), reason, ...(ifOwnersAbsent !== undefined ? { ifOwnersAbsent } : {}) });
  };

  // Owners being deleted with a finalizer this collector handles.
  for (const owner of input.objects) {
    if (!deleting(owner)) continue;
    const uid = owner.metadata.uid ?? '';
    const dependents = dependentsOf.get(uid) ?? [];
    if (hasFinalizer(owner, ORPHAN_FINALIZER)) {
      for (const d of dependents) {
        actions.push({ type: 'SetOwnerReferences', target: refOf(d), ownerReferences: (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid) });
      }
      actions.push({ type: 'SetFinalizers', target: refOf(owner), finalizers: (owner.metadata.finalizers ?? []).filter((f) => f !== ORPHAN_FINALIZER) });
    } else if (hasFinalizer(owner, FOREGROUND_FINALIZER)) {
      for (const d of dependents) deleteObject(d, 'Foreground', `owner ${owner.kind}/${owner.metadata.name ?? ''} is being deleted in the foreground`);
      const blocking = dependents.filter((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
      if (blocking.length === 0) {
        actions.push({ type: 'SetFinalizers', target: refOf(owner), finalizers: (owner.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND_FINALIZER) });
      }
    }
  }

  // Dependents whose owners are gone or going.
  for (const d of input.objects) {
    const refs = d.metadata.ownerReferences ?? [];
    if (refs.length === 0 || deleting(d)) continue;
    const namespace = d.metadata.namespace ?? '';
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    let solid = 0;
    for (const r of refs) {
      const owner = byUid.get(r.uid ?? '');
      if (owner === undefined) dangling.push(r);
      else if (waitingForDependents(owner)) waiting.push(r);
      else solid++;
    }
    if (dangling.length === 0 && waiting.length === 0) continue;
    const absent = dangling.map((r) => refFromOwner(r, namespace));
    if (solid > 0) {
      // Still owned: drop the dead owners, and stop blocking owners that wait for us.
      const next = refs
        .filter((r) => !dangling.includes(r))
        .map((r) => (waiting.includes(r) && r.blockOwnerDeletion === true ? { ...r, blockOwnerDeletion: false } : r));
      actions.push({ type: 'SetOwnerReferences', target: refOf(d), ownerReferences: next, ...(absent.length > 0 ? { ifOwnersAbsent: absent } : {}) });
    } else if (waiting.length > 0) {
      deleteObject(d, 'Foreground', 'owner is being deleted in the foreground', absent.length > 0 ? absent : undefined);
    } else {
      deleteObject(d, 'Background', `owner${dangling.length > 1 ? 's' : ''} ${dangling.map((r) => `${r.kind ?? ''}/${r.name ?? ''}`).join(', ')} gone`, absent);
    }
  }
  return actions;
}
