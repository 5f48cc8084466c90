/**
 * Pods grouped by namespace and controller uid, kept by an informer's handlers, so that a sync of
 * one owner reads its own pods and the orphans it may adopt instead of every pod of the namespace.
 * A ReplicaSet sync used to copy and walk the whole namespace on every pod event: O(pods) per
 * event, O(pods^2) over a rollout of many ReplicaSets in one namespace.
 *
 * Claiming skips pods controlled by another owner before looking at anything else (owners.ts), so
 * own + orphans is exactly the part of the namespace a claim can act on: adoption and release
 * stay as they were.
 */
import { type KindObject } from '@tsk/api';
import { type AddHandler, type DeleteHandler, type UpdateHandler } from '@tsk/client';
import { controllerRefOf } from '../common/owners.js';

/** The group of an object: namespace and controller uid ('' for an orphan); NUL never appears in either. */
function groupOf(o: KindObject): string {
  return `${o.metadata?.namespace ?? ''}\u0000${controllerRefOf(o)?.uid ?? ''}`;
}

function keyOf(o: KindObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** The part of an Informer the index listens to. */
export interface InformerEvents<T> {
  onAdd(handler: AddHandler<T>): unknown;
  onUpdate(handler: UpdateHandler<T>): unknown;
  onDelete(handler: DeleteHandler<T>): unknown;
}

export class ByController<T extends KindObject> {
  /** group -> namespace/name -> object. */
  private readonly groups = new Map<string, Map<string, T>>();
  /** namespace/name -> its group, so a move between groups needs no old object. */
  private readonly where = new Map<string, string>();

  constructor(informer: InformerEvents<T>) {
    informer.onAdd((o) => this.put(o));
    informer.onUpdate((_old, o) => this.put(o));
    informer.onDelete((o) => this.remove(keyOf(o)));
  }

  /** The objects of `namespace` controlled by `uid`, then the namespace's orphans. */
  claimable(namespace: string, uid: string): T[] {
    const out: T[] = [];
    const own = this.groups.get(`${namespace}\u0000${uid}`);
    if (own !== undefined && uid !== '') for (const o of own.values()) out.push(o);
    const orphans = this.groups.get(`${namespace}\u0000`);
    if (orphans !== undefined) for (const o of orphans.values()) out.push(o);
    return out;
  }

  private put(o: T): void {
    const key = keyOf(o);
    const group = groupOf(o);
    const before = this.where.get(key);
    if (before !== undefined && before !== group) this.remove(key);
    let m = this.groups.get(group);
    if (m === undefined) this.groups.set(group, (m = new Map()));
    m.set(key, o);
    this.where.set(key, group);
  }

  private remove(key: string): void {
    const group = this.where.get(key);
    if (group === undefined) return;
    this.where.delete(key);
    const m = this.groups.get(group);
    if (m === undefined) return;
    m.delete(key);
    if (m.size === 0) this.groups.delete(group);
  }
}
