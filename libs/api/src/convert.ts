/**
 * Strict conversion between Kubernetes-shaped JSON (what YAML manifests parse to) and tsk's
 * proto messages, driven by the generated field table. Unlike ts-proto's lenient fromJSON, it
 * refuses an unknown field or a wrong type with the field's path, so a typo in a manifest is an
 * error rather than a silently ignored setting.
 */
import { InvalidError } from './errors.js';
import { SCHEMA } from './gen/schema.js';
import { findKind, KINDS, type KindInfo, type KindObject } from './kinds.js';
import { type FieldSchema, type FieldType, type MessageSchema } from './schema-types.js';
import {
  BYTES,
  fieldTable,
  INT_OR_STR,
  INT_OR_STRING,
  isZero,
  LIST,
  MAP,
  SCALAR,
  type FieldInfo,
} from './validation/encoded.js';

export { compareEncoded, type Comparison } from './validation/encoded.js';

/** Nesting deeper than this is refused (the YAML parser enforces the same bound). */
export const MAX_DEPTH = 100;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function messageSchema(type: string): MessageSchema {
  const s = SCHEMA[type];
  if (s === undefined) throw new Error(`no schema for ${type}`);
  return s;
}

function isScalar(type: FieldType): boolean {
  return !type.startsWith('tsk.');
}

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

function decodeScalar(value: unknown, type: FieldType, path: string): unknown {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new InvalidError(`expected string, got ${describe(value)}`, path);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw new InvalidError(`expected boolean, got ${describe(value)}`, path);
      return value;
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidError(`expected number, got ${describe(value)}`, path);
      }
      return value;
    case 'bytes': {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(value)) {
        throw new InvalidError(`expected base64 data, got ${describe(value)}`, path);
      }
      return new Uint8Array(Buffer.from(value, 'base64'));
    }
    default: {
      const range = INT_RANGES[type];
      if (range === undefined) throw new Error(`unknown scalar type ${type}`);
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new InvalidError(`expected integer, got ${describe(value)}`, path);
      }
      if (value < range[0] || value > range[1]) {
        throw new InvalidError(`${value} is out of range for ${type}`, path);
      }
      return value;
    }
  }
}

function decodeValue(value: unknown, type: FieldType, path: string, depth: number): unknown {
  if (isScalar(type)) return decodeScalar(value, type, path);
  if (type === INT_OR_STRING) {
    if (typeof value === 'string') return { strVal: value };
    if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2147483647) return { intVal: value };
    throw new InvalidError(`expected integer or string, got ${describe(value)}`, path);
  }
  return decodeMessage(value, type, path, depth + 1);
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function decodeField(value: unknown, field: FieldSchema, path: string, depth: number): unknown {
  if (field.list !== undefined) {
    if (!Array.isArray(value)) throw new InvalidError(`expected a list, got ${describe(value)}`, path);
    return value.map((item, i) => decodeValue(item, field.list, `${path}[${i}]`, depth));
  }
  if (field.map !== undefined) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidError(`expected a map, got ${describe(value)}`, path);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // A null map value is an error in Kubernetes too: a label must have a (possibly empty) value.
      out[k] = decodeValue(v, field.map, `${path}[${JSON.stringify(k)}]`, depth);
    }
    return out;
  }
  return decodeValue(value, field.type, path, depth);
}

/**
 * Decodes a JSON value into the message `type` (a full proto name), strictly. `null` fields are
 * treated as absent, as Kubernetes does (an empty YAML key such as `labels:` parses to null).
 */
export function decodeMessage(value: unknown, type: string, path = '', depth = 0): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new InvalidError(`nested deeper than ${MAX_DEPTH} levels`, path);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidError(`expected an object, got ${describe(value)}`, path);
  }
  const schema = messageSchema(type);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = schema.fields[key];
    const fieldPath = join(path, key);
    if (field === undefined) {
      const hint = closest(key, Object.keys(schema.fields));
      throw new InvalidError(
        hint === undefined ? 'unknown field (tsk does not support it)' : `unknown field; did you mean "${hint}"?`,
        fieldPath,
      );
    }
    if (v === null || v === undefined) continue;
    out[key] = decodeField(v, field, fieldPath, depth);
  }
  return out;
}

/**
 * Decodes one manifest document (apiVersion, kind, metadata, spec...) into its kind's message.
 * The kind must be one tsk serves at exactly that apiVersion.
 */
export function decodeManifest(value: unknown): { info: KindInfo; object: KindObject } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidError(`a manifest document must be an object, got ${describe(value)}`);
  }
  const doc = value as Record<string, unknown>;
  const { apiVersion, kind } = doc;
  if (typeof kind !== 'string' || kind === '') throw new InvalidError('required field is missing', 'kind');
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new InvalidError('required field is missing', 'apiVersion');
  }
  const info = KINDS.find((k) => k.kind === kind);
  if (info === undefined) {
    const hint = findKind(kind);
    throw new InvalidError(
      `unknown kind "${kind}"${hint !== undefined ? `; did you mean "${hint.kind}"?` : ''} (tsk serves ${KINDS.map((k) => k.kind).join(', ')})`,
      'kind',
    );
  }
  if (info.apiVersion !== apiVersion) {
    throw new InvalidError(`${kind} is served as "${info.apiVersion}", not "${apiVersion}"`, 'apiVersion');
  }
  return { info, object: decodeMessage(doc, info.message) as KindObject };
}

function encodeValue(value: unknown, type: FieldType): unknown {
  if (type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (isScalar(type)) return value;
  if (type === INT_OR_STRING) {
    const v = value as { intVal?: number; strVal?: string };
    return v.intVal ?? v.strVal ?? 0;
  }
  return encodeMessage(value, type);
}

/** encodeValue for one list item or map value of `field`, without a closure per call. */
function encodeItem(field: FieldInfo, item: unknown): unknown {
  switch (field.kind) {
    case SCALAR:
      return item;
    case BYTES:
      return Buffer.from(item as Uint8Array).toString('base64');
    case INT_OR_STR: {
      const v = item as { intVal?: number; strVal?: string };
      return v.intVal ?? v.strVal ?? 0;
    }
    default:
      return encodeMessage(item, field.type);
  }
}

function encodeList(field: FieldInfo, list: unknown[]): unknown[] {
  // Array.prototype.map keeps a sparse list sparse; a loop over a dense one gives the same.
  if (!Array.isArray(list)) return (list as unknown as unknown[]).map((item) => encodeValue(item, field.type));
  const out = new Array<unknown>(list.length);
  for (let i = 0; i < list.length; i++) {
    if (!(i in list)) return list.map((item) => encodeValue(item, field.type));
    out[i] = encodeItem(field, list[i]);
  }
  return out;
}

function encodeMap(field: FieldInfo, map: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const item = encodeItem(field, map[k]);
    // Object.fromEntries made an own "__proto__" entry; plain assignment would set the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: item, enumerable: true, writable: true, configurable: true });
    else out[k] = item;
  }
  return out;
}

/**
 * Encodes a message as Kubernetes prints it: proto3 zero values and empty lists and maps are
 * omitted (Kubernetes' omitempty), a set message is kept even when empty (`emptyDir: {}`).
 * Walks the type's precomputed field table: the API server encodes on every write.
 */
export function encodeMessage(value: unknown, type: string): Record<string, unknown> {
  const table = fieldTable(type);
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < table.length; i++) {
    const field = table[i]!;
    const key = field.name;
    const v = src[key];
    if (v === undefined || v === null) continue;
    if (field.shape === LIST) {
      const list = v as unknown[];
      if (list.length > 0) out[key] = encodeList(field, list);
    } else if (field.shape === MAP) {
      const keys = Object.keys(v);
      if (keys.length > 0) out[key] = encodeMap(field, v as Record<string, unknown>, keys);
    } else if (field.kind === SCALAR || field.kind === BYTES) {
      if (field.emitZero || !isZero(v)) out[key] = field.kind === BYTES ? Buffer.from(v as Uint8Array).toString('base64') : v;
    } else {
      out[key] = encodeItem(field, v);
    }
  }
  return out;
}

/** An object as Kubernetes shapes it: apiVersion and kind first, then metadata, spec, status. */
export function encodeManifest(info: KindInfo, object: KindObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...body } = encodeMessage(object, info.message);
  return { apiVersion: info.apiVersion, kind: info.kind, ...body };
}
