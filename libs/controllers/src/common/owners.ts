/**
 * Owner references: which object controls which, and Kubernetes' ControllerRefManager rules for
 * adopting orphans that match a selector and releasing owned objects that stopped matching.
 */
import { type KindName, type ObjectMeta, type OwnerReference, type Selector, matches } from '@tsk/api';
import { type Action, type ObjectRef } from '../actions.js';

export interface OwnedObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: ObjectMeta | undefined;
}

export function controllerRefOf(obj: OwnedObject): OwnerReference | undefined {
  return (obj.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
}

export function isControlledBy(obj: OwnedObject, ownerUid: string): boolean {
  return controllerRefOf(obj)?.uid === ownerUid;
}

/** The ownerReference a controller puts on what it creates (blockOwnerDeletion, as Kubernetes). */
export function controllerRef(owner: OwnedObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function refOf(kind: KindName, obj: OwnedObject): ObjectRef {
  return { kind, namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '', uid: obj.metadata?.uid ?? '' };
}

export interface ClaimResult<T> {
  /** What the owner controls after this reconcile (kept plus adopted). */
  readonly owned: T[];
  /** SetOwnerReferences actions for adoption and release. */
  readonly actions: Action[];
}

export interface ClaimOptions {
  readonly owner: OwnedObject;
  readonly ownerApiVersion: string;
  readonly ownerKind: string;
  readonly dependentKind: KindName;
  readonly selector: Selector;
}

export interface FilteredClaimOptions<T> extends ClaimOptions {
  /**
   * Candidates failing this are left alone, as if not passed (a reconciler's "active pods of the
   * namespace"), so the caller needs no filtered copy of a large list.
   */
  readonly accept?: (candidate: T) => boolean;
}

/**
 * Sorts candidates into what the owner controls. Owned and matching: kept. Owned but no longer
 * matching: released (our reference removed). Orphans (no controller) that match: adopted,
 * unless the owner or the orphan is being deleted (adopting then would fight the deletion).
 * An empty selector adopts nothing: Kubernetes refuses "select everything" for controllers.
 */
export function claim<T extends OwnedObject>(candidates: readonly T[], o: FilteredClaimOptions<T>): ClaimResult<T> {
  const ownerUid = o.owner.metadata?.uid ?? '';
  const ownerDeleting = (o.owner.metadata?.deletionTimestamp ?? '') !== '';
  const accept = o.accept;
  const owned: T[] = [];
  const actions: Action[] = [];
  for (const c of candidates) {
    const ctrl = controllerRefOf(c);
    // Another owner's dependent is skipped before its labels are matched: in a namespace of
    // many owners, that is most candidates.
    if (ctrl !== undefined && ctrl.uid !== ownerUid) continue;
    if (accept !== undefined && !accept(c)) continue;
    const refs = c.metadata?.ownerReferences ?? [];
    const matching = o.selector.length > 0 && matches(o.selector, c.metadata?.labels);
    if (ctrl !== undefined) {
      if (matching || ownerDeleting) {
        owned.push(c);
      } else {
        actions.push({
          type: 'SetOwnerReferences',
          target: refOf(o.dependentKind, c),
          ownerReferences: refs.filter((r) => r.uid !== ownerUid),
        });
      }
      continue;
    }
    if (!matching || ownerDeleting || (c.metadata?.deletionTimestamp ?? '') !== '') continue;
    const ours = controllerRef(o.owner, o.ownerApiVersion, o.ownerKind);
    actions.push({
      type: 'SetOwnerReferences',
      target: refOf(o.dependentKind, c),
      ownerReferences: [...refs.filter((r) => r.uid !== ownerUid), ours],
    });
    owned.push(withOwnerRefs(c, [...refs.filter((r) => r.uid !== ownerUid), ours]));
  }
  return { owned, actions };
}

function withOwnerRefs<T extends OwnedObject>(c: T, ownerReferences: OwnerReference[]): T {
  return { ...c, metadata: { ...(c.metadata ?? {}), ownerReferences } };
}
