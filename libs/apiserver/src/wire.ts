/**
 * Stored objects on the wire without decoding them. A stored value is a `tsk.v1.Object` with
 * resourceVersion left out (codec.ts); what a client must get is the same object with
 * metadata.resourceVersion set to the revision. Rather than decode the value, stamp the field
 * and encode it again (three passes over every field, and garbage), this splices the field into
 * the encoded bytes: it walks the two outer levels of length-delimited fields (the Object's
 * oneof, then the kind's top-level fields), appends `resourceVersion` to the ObjectMeta and
 * rewrites the two lengths in front of it. Every kind message has `ObjectMeta metadata = 3`
 * and ObjectMeta has `string resourceVersion = 5` (proto/tsk/v1).
 */
import {
  encodeObject,
  varintLength,
  WIRE_LEN,
  WIRE_VARINT,
  WireError,
  WireReader,
  wrap,
  writeVarint,
  type BatchResponse,
  type KindInfo,
  type KindObject,
  type TskObject,
} from '@tsk/api';

export { WireError };

/** `ObjectMeta metadata = 3` in every kind message. */
const METADATA_FIELD = 3;
/** `string resourceVersion = 5` in ObjectMeta. */
const RESOURCE_VERSION_TAG = (5 << 3) | WIRE_LEN;

const kindFields = new Map<string, number>();

/** The field number of `info` in the Object oneof, read once from an encoding of an empty one. */
export function kindField(info: KindInfo): number {
  let field = kindFields.get(info.kind);
  if (field === undefined) {
    const encoded = encodeObject(wrap(info, {}));
    field = new WireReader(encoded).varint() >>> 3;
    kindFields.set(info.kind, field);
  }
  return field;
}

/**
 * `stored` (an encoded Object holding one `info` object, as the store keeps it) with
 * metadata.resourceVersion = `revision`. Throws WireError if the bytes are not such an Object.
 * The stored bytes never carry a resourceVersion (codec.ts strips it); appending one is exact.
 */
export function stampRevision(stored: Uint8Array, info: KindInfo, revision: number): Uint8Array {
  const r = new WireReader(stored);
  const outerTag = r.varint();
  if (outerTag !== ((kindField(info) << 3) | WIRE_LEN)) throw new WireError(`not a stored ${info.kind}`);
  const bodyEnd = r.lenEnd();
  const bodyStart = r.pos;
  if (bodyEnd !== stored.length) throw new WireError('the stored value is not exactly one object');

  // Find the metadata field among the kind's top-level fields (checking every length on the way).
  let metaTagStart = -1;
  let metaStart = -1;
  let metaEnd = -1;
  for (let fieldStart = r.pos, tag = r.next(bodyEnd); tag >= 0; fieldStart = r.pos, tag = r.next(bodyEnd)) {
    if (tag === ((METADATA_FIELD << 3) | WIRE_LEN) && metaTagStart < 0) {
      metaTagStart = fieldStart;
      metaEnd = r.lenEnd();
      metaStart = r.pos;
      r.pos = metaEnd;
    } else {
      r.skip(tag & 7);
    }
  }

  const rv = Buffer.from(String(revision), 'latin1');
  const rvField = 1 + varintLength(rv.length) + rv.length;
  const metaLength = (metaTagStart < 0 ? 0 : metaEnd - metaStart) + rvField;
  const metaField = 1 + varintLength(metaLength) + metaLength;
  // Without metadata (never stored by tsk, but valid protobuf) the field is added at the end.
  const before = metaTagStart < 0 ? stored.subarray(bodyStart, bodyEnd) : stored.subarray(bodyStart, metaTagStart);
  const oldMeta = metaTagStart < 0 ? stored.subarray(0, 0) : stored.subarray(metaStart, metaEnd);
  const after = metaTagStart < 0 ? stored.subarray(0, 0) : stored.subarray(metaEnd, bodyEnd);
  const newBodyLength = before.length + metaField + after.length;

  const out = Buffer.allocUnsafe(varintLength(outerTag) + varintLength(newBodyLength) + newBodyLength);
  let p = writeVarint(out, 0, outerTag);
  p = writeVarint(out, p, newBodyLength);
  out.set(before, p);
  p += before.length;
  out[p++] = (METADATA_FIELD << 3) | WIRE_LEN;
  p = writeVarint(out, p, metaLength);
  out.set(oldMeta, p);
  p += oldMeta.length;
  out[p++] = RESOURCE_VERSION_TAG;
  p = writeVarint(out, p, rv.length);
  out.set(rv, p);
  p += rv.length;
  out.set(after, p);
  return out;
}

/** An encoded WatchEvent{type, object} around an already encoded Object. */
export function watchEventFrame(type: string, object: Uint8Array): Buffer {
  const t = Buffer.from(type, 'latin1');
  const out = Buffer.allocUnsafe(1 + varintLength(t.length) + t.length + 1 + varintLength(object.length) + object.length);
  let p = 0;
  out[p++] = (1 << 3) | WIRE_LEN; // string type = 1
  p = writeVarint(out, p, t.length);
  out.set(t, p);
  p += t.length;
  out[p++] = (2 << 3) | WIRE_LEN; // Object object = 2
  p = writeVarint(out, p, object.length);
  out.set(object, p);
  return out;
}

/**
 * Objects a write just stored, with the bytes it stored them as: their answer is those bytes
 * with the revision stamped in, not a second encoding. Weak: an answer no one sends is freed.
 */
const storedForms = new WeakMap<object, { readonly info: KindInfo; readonly stored: Uint8Array; readonly revision: number }>();

/** Records that `object` is exactly `stored` (an encodeStored value) at `revision`; returns it. */
export function rememberStored<T extends KindObject>(object: T, info: KindInfo, stored: Uint8Array, revision: number): T {
  storedForms.set(object, { info, stored, revision });
  return object;
}

/** The encoded Object of an answer, from the stored bytes when a write recorded them. */
export function encodeAnswer(answer: TskObject): Uint8Array {
  for (const key in answer) {
    const inner = (answer as Record<string, unknown>)[key];
    if (inner === undefined) continue;
    const form = storedForms.get(inner as object);
    return form === undefined ? encodeObject(answer) : stampRevision(form.stored, form.info, form.revision);
  }
  return encodeObject(answer);
}

/** An encoded BatchResponse, each result's object through encodeAnswer. */
export function encodeBatchResponse(response: BatchResponse): Buffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (bytes: Uint8Array): void => {
    parts.push(bytes);
    total += bytes.length;
  };
  for (const r of response.results ?? []) {
    const object = r.object === undefined ? undefined : encodeAnswer(r.object);
    const message = r.message === undefined || r.message === '' ? undefined : Buffer.from(r.message, 'utf8');
    const code = r.code ?? 0;
    // BatchResult: int32 code = 1; string message = 2; Object object = 3.
    const length =
      (code !== 0 ? 1 + varintLength(code) : 0) +
      (message !== undefined ? 1 + varintLength(message.length) + message.length : 0) +
      (object !== undefined ? 1 + varintLength(object.length) + object.length : 0);
    const head = Buffer.allocUnsafe(1 + varintLength(length) + (code !== 0 ? 1 + varintLength(code) : 0));
    let p = 0;
    head[p++] = (1 << 3) | WIRE_LEN; // BatchResponse.results = 1
    p = writeVarint(head, p, length);
    if (code !== 0) {
      head[p++] = (1 << 3) | WIRE_VARINT;
      writeVarint(head, p, code);
    }
    push(head);
    if (message !== undefined) {
      const m = Buffer.allocUnsafe(1 + varintLength(message.length));
      m[0] = (2 << 3) | WIRE_LEN;
      writeVarint(m, 1, message.length);
      push(m);
      push(message);
    }
    if (object !== undefined) {
      const o = Buffer.allocUnsafe(1 + varintLength(object.length));
      o[0] = (3 << 3) | WIRE_LEN;
      writeVarint(o, 1, object.length);
      push(o);
      push(object);
    }
  }
  return Buffer.concat(parts, total);
}
