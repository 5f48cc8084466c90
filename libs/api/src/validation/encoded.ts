/**
 * The generated schema as per-type field tables, and an allocation-free comparison of two
 * messages' Kubernetes JSON forms (what encodeMessage in convert.ts makes of them).
 *
 * The API server compares such forms on every write (is a pod update only an image change? did
 * the spec change, so generation moves?). Encoding both sides and stringifying them cost more
 * than the rest of validation together, so compareEncoded walks the two messages side by side
 * instead. It answers SAME or DIFFERENT only when sure that the encoded forms' canonical JSON
 * (keys sorted) would be equal or not, and encoding would not throw; anything unusual (a value of
 * the wrong type, NaN, a sparse list, nesting past MAX_WALK_DEPTH) is UNKNOWN, and the caller falls back to
 * encoding, so every answer stays exactly what the encoding gives.
 *
 * Kept apart from convert.ts (which uses the tables) so that validation can use it without an
 * import cycle.
 */
import { SCHEMA } from '../gen/schema.js';
import { type FieldType } from '../schema-types.js';

export const INT_OR_STRING = 'tsk.v1.IntOrString';

/** Fields printed even at their zero value, because Kubernetes prints them (exitCode: 0). */
const ALWAYS_EMIT = new Set([
  'tsk.v1.ContainerStateTerminated.exitCode',
  'tsk.v1.ContainerStatus.restartCount',
  'tsk.v1.ContainerStatus.ready',
]);

/** How a value of a field (or of one list item or map value) is encoded. */
export const SCALAR = 0;
export const BYTES = 1;
export const INT_OR_STR = 2;
export const MESSAGE = 3;
export type ValueKind = typeof SCALAR | typeof BYTES | typeof INT_OR_STR | typeof MESSAGE;

export const SINGLE = 0;
export const LIST = 1;
export const MAP = 2;

export interface FieldInfo {
  readonly name: string;
  readonly shape: typeof SINGLE | typeof LIST | typeof MAP;
  /** The value's type: of the field, or of each list item or map value. */
  readonly type: FieldType;
  readonly kind: ValueKind;
  /** A single scalar printed even when zero: `optional` in proto, or in ALWAYS_EMIT. */
  readonly emitZero: boolean;
  /** Left out of a comparison (see compareEncoded's `skip`): only checked to be encodable. */
  readonly skipped?: boolean;
}

const TABLES = new Map<string, readonly FieldInfo[]>();

function kindOfType(type: FieldType): ValueKind {
  if (type === 'bytes') return BYTES;
  if (!type.startsWith('tsk.')) return SCALAR;
  return type === INT_OR_STRING ? INT_OR_STR : MESSAGE;
}

/** The fields of message `type` in schema order, built once per type. */
export function fieldTable(type: string): readonly FieldInfo[] {
  const cached = TABLES.get(type);
  if (cached !== undefined) return cached;
  const schema = SCHEMA[type];
  if (schema === undefined) throw new Error(`no schema for ${type}`);
  const table = Object.entries(schema.fields).map(([name, f]): FieldInfo => {
    const shape = f.list !== undefined ? LIST : f.map !== undefined ? MAP : SINGLE;
    const t = (f.list ?? f.map ?? f.type) as FieldType;
    const emitZero = f.list === undefined && f.map === undefined && (f.optional === true || ALWAYS_EMIT.has(`${type}.${name}`));
    return { name, shape, type: t, kind: kindOfType(t), emitZero };
  });
  TABLES.set(type, table);
  return table;
}

export function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false;
}

export const SAME = 'same';
export const DIFFERENT = 'different';
export const UNKNOWN = 'unknown';
export type Comparison = typeof SAME | typeof DIFFERENT | typeof UNKNOWN;

/** Beyond this nesting the walk gives up (UNKNOWN): a cycle, or a message no real object has. */
const MAX_WALK_DEPTH = 100;

/** A primitive whose JSON is itself and differs from every other such value's. */
function plainPrimitive(v: unknown): boolean {
  const t = typeof v;
  return t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v));
}

/** An object literal or a decoded message, as opposed to anything encodeMessage could stumble on. */
function plainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Two present values (a list item, a map value, a set field) of `kind`, as encodeValue encodes them. */
function compareValue(kind: ValueKind, type: FieldType, a: unknown, b: unknown, depth: number): Comparison {
  switch (kind) {
    case SCALAR:
      if (!plainPrimitive(a) || !plainPrimitive(b)) return UNKNOWN;
      return a === b ? SAME : DIFFERENT;
    case BYTES:
      // Base64 is one-to-one, so equal bytes are equal encodings and unequal bytes unequal ones.
      if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return UNKNOWN;
      return sameBytes(a, b) ? SAME : DIFFERENT;
    case INT_OR_STR: {
      if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return UNKNOWN;
      const x = a as { intVal?: unknown; strVal?: unknown };
      const y = b as { intVal?: unknown; strVal?: unknown };
      const ex = x.intVal ?? x.strVal ?? 0;
      const ey = y.intVal ?? y.strVal ?? 0;
      if (!plainPrimitive(ex) || !plainPrimitive(ey)) return UNKNOWN;
      return ex === ey ? SAME : DIFFERENT;
    }
    default:
      if (!plainObject(a) || !plainObject(b)) return UNKNOWN;
      return compareFields(a, b, fieldTable(type), depth + 1);
  }
}

/** A present value compared with itself: UNKNOWN if encoding it could throw or be ambiguous. */
function checkValue(kind: ValueKind, type: FieldType, v: unknown, depth: number): Comparison {
  return compareValue(kind, type, v, v, depth) === SAME ? DIFFERENT : UNKNOWN;
}

function compareList(f: FieldInfo, a: unknown, b: unknown, depth: number): Comparison {
  // encodeMessage leaves out null and empty lists; anything else must be a dense array.
  if ((a != null && !Array.isArray(a)) || (b != null && !Array.isArray(b))) return UNKNOWN;
  const x = (a ?? []) as readonly unknown[];
  const y = (b ?? []) as readonly unknown[];
  const common = Math.min(x.length, y.length);
  let result: Comparison = x.length === y.length ? SAME : DIFFERENT;
  for (let i = 0; i < common; i++) {
    const c = compareValue(f.kind, f.type, x[i], y[i], depth);
    if (c === UNKNOWN) return UNKNOWN;
    if (c === DIFFERENT) result = DIFFERENT;
  }
  // The longer list's extra items must still be encodable for the answer to hold.
  const longer = x.length > y.length ? x : y;
  for (let i = common; i < longer.length; i++) {
    if (checkValue(f.kind, f.type, longer[i], depth) === UNKNOWN) return UNKNOWN;
  }
  return result;
}

const isOwnKey = (o: object, k: string): boolean => Object.prototype.propertyIsEnumerable.call(o, k);

function compareMap(f: FieldInfo, a: unknown, b: unknown, depth: number): Comparison {
  if ((a != null && !plainObject(a)) || (b != null && !plainObject(b))) return UNKNOWN;
  const x = (a ?? {}) as Record<string, unknown>;
  const y = (b ?? {}) as Record<string, unknown>;
  // Canonical JSON sorts keys, so map order does not count: compare as sets of entries.
  const xk = Object.keys(x);
  let result: Comparison = xk.length === Object.keys(y).length ? SAME : DIFFERENT;
  for (const k of xk) {
    const c = isOwnKey(y, k) ? compareValue(f.kind, f.type, x[k], y[k], depth) : checkValue(f.kind, f.type, x[k], depth);
    if (c === UNKNOWN) return UNKNOWN;
    if (c === DIFFERENT) result = DIFFERENT;
  }
  if (result === DIFFERENT) {
    for (const k of Object.keys(y)) {
      if (!isOwnKey(x, k) && checkValue(f.kind, f.type, y[k], depth) === UNKNOWN) return UNKNOWN;
    }
  }
  return result;
}

/** Whether encodeMessage would print this single field's value at all. */
function present(f: FieldInfo, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  return f.kind === MESSAGE || f.kind === INT_OR_STR || f.emitZero || !isZero(v);
}

function compareField(f: FieldInfo, a: unknown, b: unknown, depth: number): Comparison {
  // The common case first: an unchanged string, number or flag, or an unset field.
  if (a === b && f.kind === SCALAR && f.shape === SINGLE) return a == null || !present(f, a) || plainPrimitive(a) ? SAME : UNKNOWN;
  if (f.shape === LIST) return compareList(f, a, b, depth);
  if (f.shape === MAP) return compareMap(f, a, b, depth);
  const pa = present(f, a);
  const pb = present(f, b);
  if (pa && pb) return compareValue(f.kind, f.type, a, b, depth);
  if (pa) return checkValue(f.kind, f.type, a, depth);
  if (pb) return checkValue(f.kind, f.type, b, depth);
  return SAME;
}

/** SAME if both values of a skipped field would encode (each compared with itself), else UNKNOWN. */
function checkField(f: FieldInfo, a: unknown, b: unknown, depth: number): Comparison {
  const c = compareField(f, a, a, depth);
  return c === SAME && a !== b ? compareField(f, b, b, depth) : c;
}

/**
 * Compares the encodings of two messages of one type field by field. It reads every field even
 * after a difference: DIFFERENT also promises that encoding both would not have thrown.
 */
function compareFields(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, table: readonly FieldInfo[], depth: number): Comparison {
  if (depth > MAX_WALK_DEPTH) return UNKNOWN;
  let result: Comparison = SAME;
  for (let i = 0; i < table.length; i++) {
    const f = table[i]!;
    const c = f.skipped === true ? checkField(f, a[f.name], b[f.name], depth) : compareField(f, a[f.name], b[f.name], depth);
    if (c === UNKNOWN) return UNKNOWN;
    if (c === DIFFERENT) result = DIFFERENT;
  }
  return result;
}

/**
 * SAME or DIFFERENT when sure how `JSON.stringify(canonical(encodeMessage(x, type)))` compares
 * for `a` and `b` with the `skip` fields deleted from both encodings; UNKNOWN when only encoding
 * can tell. Skipped fields are not compared but still read, as encoding would throw on them too.
 * `skip` should be a constant: its table is built once per set.
 */
export function compareEncoded(a: unknown, b: unknown, type: string, skip?: ReadonlySet<string>): Comparison {
  if (!plainObject(a) || !plainObject(b)) return UNKNOWN;
  return compareFields(a, b, skip === undefined ? fieldTable(type) : tableWithout(type, skip), 0);
}

/** Field tables with a skip set's fields marked, per (constant) skip set: no set lookups in the walk. */
const WITHOUT = new WeakMap<ReadonlySet<string>, Map<string, readonly FieldInfo[]>>();

function tableWithout(type: string, skip: ReadonlySet<string>): readonly FieldInfo[] {
  let byType = WITHOUT.get(skip);
  if (byType === undefined) WITHOUT.set(skip, (byType = new Map()));
  let table = byType.get(type);
  if (table === undefined) byType.set(type, (table = fieldTable(type).map((f) => (skip.has(f.name) ? { ...f, skipped: true } : f))));
  return table;
}
