/**
 * How objects are kept in the store: the `tsk.v1.Object` wire form with resourceVersion left out
 * (the store's modRevision is the resourceVersion, as in Kubernetes), and the small helpers the
 * verbs share to compare and stamp objects.
 */
import {
  InvalidError,
  compareEncoded,
  decodeObject,
  encodeManifest,
  encodeObject,
  unwrap,
  wrap,
  type KindInfo,
  type KindObject,
  type ObjectMeta,
} from '@tsk/api';
import { type KeyValue } from '@tsk/store';

/** Decodes a stored value; resourceVersion comes from the key's modRevision. */
export function decodeStored(info: KindInfo, kv: KeyValue): KindObject {
  const { info: stored, object } = unwrap(decodeObject(kv.value));
  if (stored.kind !== info.kind) {
    // Only a bug or a hand-edited store puts another kind under this prefix.
    throw new Error(`store key ${kv.key} holds a ${stored.kind}, expected ${info.kind}`);
  }
  object.metadata = { ...(object.metadata ?? {}), resourceVersion: String(kv.modRevision) };
  return object;
}

export function encodeStored(info: KindInfo, object: KindObject): Uint8Array {
  const { resourceVersion: _rv, ...metadata } = object.metadata ?? {};
  return encodeObject(wrap(info, { ...object, apiVersion: info.apiVersion, kind: info.kind, metadata }));
}

export function withResourceVersion<T extends KindObject>(object: T, revision: number): T {
  return { ...object, metadata: { ...(object.metadata ?? {}), resourceVersion: String(revision) } };
}

/** A deep copy that the caller may change freely. */
export function copyObject(info: KindInfo, object: KindObject): KindObject {
  return info.fns.decode(info.fns.encode(object).finish());
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src).sort()) {
      const v = canonical(src[k]);
      // As Object.fromEntries: an own "__proto__" entry, where assignment would set the prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }
  return value;
}

/**
 * What generation tracks: the spec, or for kinds without one (ConfigMap, Secret...) everything
 * outside metadata and status. Compared in canonical JSON so map order does not count.
 */
export function desiredState(info: KindInfo, object: KindObject): string {
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = encodeManifest(info, object);
  return JSON.stringify(canonical(rest));
}

const NOT_DESIRED: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/**
 * `desiredState(info, a) !== desiredState(info, b)`, without encoding either on every update:
 * the two objects are walked side by side, and only a value the walk cannot be sure of (see
 * compareEncoded) sends it back to the strings.
 */
export function desiredStateChanged(info: KindInfo, a: KindObject, b: KindObject): boolean {
  const c = compareEncoded(a, b, info.message, NOT_DESIRED);
  if (c !== 'unknown') return c === 'different';
  return desiredState(info, a) !== desiredState(info, b);
}

export function statusOf(object: KindObject): unknown {
  return (object as { status?: unknown }).status;
}

export function setStatus(object: KindObject, status: unknown): void {
  const o = object as { status?: unknown };
  if (status === undefined) delete o.status;
  else o.status = status;
}

export function metaOfObject(object: KindObject): ObjectMeta {
  if (object.metadata === undefined) object.metadata = {};
  return object.metadata;
}

/** Namespace of a request's object: defaulted for namespaced kinds, empty for cluster-scoped. */
export function effectiveNamespace(info: KindInfo, namespace: string | undefined, fallback = 'default'): string {
  if (!info.namespaced) return '';
  return namespace === undefined || namespace === '' ? fallback : namespace;
}

export function requireName(name: string | undefined): string {
  if (name === undefined || name === '') throw new InvalidError('required field is missing', 'metadata.name');
  return name;
}
