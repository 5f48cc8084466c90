/**
 * tsk.v1.Object, the oneof that carries any kind, and the helpers to look inside it.
 */
import { Object as TskObject } from './gen/tsk/v1/api.js';
import { type ObjectMeta } from './gen/tsk/v1/meta.js';
import { InvalidError } from './errors.js';
import { KINDS, type KindInfo, type KindObject } from './kinds.js';

export { TskObject };

export interface Unwrapped {
  readonly info: KindInfo;
  readonly object: KindObject;
}

/** The kind and message inside an Object; an Object with none or several set is invalid. */
export function unwrap(o: TskObject): Unwrapped {
  let found: Unwrapped | undefined;
  for (const info of KINDS) {
    const value = (o as Record<string, KindObject | undefined>)[info.field];
    if (value === undefined || value === null) continue;
    if (found !== undefined) {
      throw new InvalidError(`an Object carries one kind, got ${found.info.kind} and ${info.kind}`);
    }
    found = { info, object: value };
  }
  if (found === undefined) throw new InvalidError('the Object carries no kind');
  return found;
}

export function wrap(info: KindInfo, object: KindObject): TskObject {
  return { [info.field]: object } as TskObject;
}

export function metaOf(object: KindObject): ObjectMeta {
  return object.metadata ?? {};
}

/** "namespace/name", or "name" for cluster-scoped kinds: how logs and messages name an object. */
export function objectRef(info: KindInfo, object: KindObject): string {
  const m = metaOf(object);
  return info.namespaced ? `${m.namespace ?? ''}/${m.name ?? ''}` : (m.name ?? '');
}

export function encodeObject(o: TskObject): Uint8Array {
  return TskObject.encode(o).finish();
}

export function decodeObject(bytes: Uint8Array): TskObject {
  return TskObject.decode(bytes);
}

/** A deep copy through the wire format: what a reader gets is never shared with a cache. */
export function cloneObject<T extends KindObject>(info: KindInfo, object: T): T {
  return info.fns.decode(info.fns.encode(object).finish()) as T;
}
