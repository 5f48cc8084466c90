import { BatchResponse, decodeObject, encodeObject, kindOf, unwrap, WatchEvent, wrap, type KindInfo, type KindObject } from '@tsk/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeStored, withResourceVersion } from './codec.js';
import { encodeAnswer, encodeBatchResponse, rememberStored, stampRevision, watchEventFrame, WireError } from './wire.js';

const POD = kindOf('Pod');
const CM = kindOf('ConfigMap');
const LEASE = kindOf('Lease');
const NODE = kindOf('Node');

/** What a client must receive: the stored object decoded, then its resourceVersion set (the slow path). */
function expected(info: KindInfo, object: KindObject, revision: number): KindObject {
  return withResourceVersion(unwrap(decodeObject(encodeStored(info, object))).object, revision);
}

function stamped(info: KindInfo, object: KindObject, revision: number): KindObject {
  return unwrap(decodeObject(stampRevision(encodeStored(info, object), info, revision))).object;
}

const text = fc.string({ maxLength: 40 });
const labels = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 10 }), { maxKeys: 4 });
const meta = fc.record(
  { name: fc.stringMatching(/^[a-z0-9-]{1,30}$/), namespace: fc.constantFrom('default', 'kube-system', 'a'), labels, uid: text, generation: fc.nat() },
  { requiredKeys: ['name'] },
);

const pod = fc.record({
  metadata: meta,
  spec: fc.record(
    {
      nodeName: text,
      containers: fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,10}$/), image: text, args: fc.array(text, { maxLength: 3 }) }), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
  status: fc.record({ phase: fc.constantFrom('Pending', 'Running'), podIP: text, message: fc.string({ maxLength: 300 }) }, { requiredKeys: [] }),
});
const configMap = fc.record({ metadata: meta, data: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 400 }), { maxKeys: 5 }) });
const revision = fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 2 ** 50 }));

describe('stampRevision', () => {
  it('gives exactly what decoding, stamping and encoding again gives, for any pod', () => {
    fc.assert(fc.property(pod, revision, (p, rv) => {
        expect(stamped(POD, p, rv)).toEqual(expected(POD, p, rv));
      }));
  });

  it('gives exactly the slow path for config maps with large values (multi-byte lengths)', () => {
    fc.assert(fc.property(configMap, revision, (c, rv) => {
        expect(stamped(CM, c, rv)).toEqual(expected(CM, c, rv));
      }));
    const big: KindObject = { metadata: { name: 'big', namespace: 'default' }, data: { a: 'x'.repeat(300_000) } } as KindObject;
    expect(stamped(CM, big, 123_456)).toEqual(expected(CM, big, 123_456));
  });

  it('adds metadata to an object stored without any', () => {
    expect(stamped(LEASE, {}, 7)).toEqual(expected(LEASE, {}, 7));
    expect(stamped(NODE, { metadata: {} }, 8).metadata?.resourceVersion).toBe('8');
  });

  it('refuses bytes that are not one stored object of the kind', () => {
    const cm = encodeStored(CM, { metadata: { name: 'x', namespace: 'default' } } as KindObject);
    expect(() => stampRevision(cm, POD, 1)).toThrow(WireError);
    expect(() => stampRevision(cm.subarray(0, cm.length - 1), CM, 1)).toThrow(WireError);
    expect(() => stampRevision(Buffer.concat([cm, cm]), CM, 1)).toThrow(WireError);
    expect(() => stampRevision(Buffer.from([0x32, 0x03, 0x1a, 0x7f, 0x00]), CM, 1)).toThrow(WireError);
  });
});

describe('watchEventFrame', () => {
  it('is a WatchEvent of the type around the object', () => {
    const wire = stampRevision(encodeStored(CM, { metadata: { name: 'x', namespace: 'default' }, data: { k: 'v' } } as KindObject), CM, 42);
    const event = WatchEvent.decode(watchEventFrame('MODIFIED', wire));
    expect(event.type).toBe('MODIFIED');
    expect(event.object?.configMap?.metadata?.resourceVersion).toBe('42');
    expect(event.object?.configMap?.data).toEqual({ k: 'v' });
  });
});

describe('answers from stored bytes', () => {
  const stored = (): { object: KindObject; bytes: Uint8Array } => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', uid: 'u' }, data: { k: 'v' } } as KindObject;
    return { object, bytes: encodeStored(CM, object) };
  };

  it('encodes a remembered write as its stored bytes stamped with the revision', () => {
    const { object, bytes } = stored();
    const answer = rememberStored(withResourceVersion(object, 9), CM, bytes, 9);
    const encoded = encodeAnswer(wrap(CM, answer));
    expect(Buffer.from(encoded)).toEqual(Buffer.from(stampRevision(bytes, CM, 9)));
    expect(decodeObject(encoded)).toEqual(decodeObject(encodeObject(wrap(CM, answer))));
  });

  it('encodes anything else the ordinary way', () => {
    const { object } = stored();
    const answer = withResourceVersion(object, 3);
    expect(Buffer.from(encodeAnswer(wrap(CM, answer)))).toEqual(Buffer.from(encodeObject(wrap(CM, answer))));
  });

  it('writes a BatchResponse that decodes to the results, codes and messages included', () => {
    const { object, bytes } = stored();
    const written = rememberStored(withResourceVersion(object, 12), CM, bytes, 12);
    const response: BatchResponse = {
      results: [
        { code: 0, message: '', object: wrap(CM, written) },
        { code: 6, message: 'configmaps "x" already exists' },
        { code: 0, object: wrap(CM, withResourceVersion(object, 13)) },
        { code: 3, message: 'é'.repeat(100) },
      ],
    };
    const decoded = BatchResponse.decode(encodeBatchResponse(response));
    expect(decoded.results).toHaveLength(4);
    expect(decoded.results?.[0]?.object?.configMap?.metadata?.resourceVersion).toBe('12');
    expect(decoded.results?.[0]?.code ?? 0).toBe(0);
    expect(decoded.results?.[1]).toMatchObject({ code: 6, message: 'configmaps "x" already exists' });
    expect(decoded.results?.[2]?.object?.configMap?.metadata?.resourceVersion).toBe('13');
    expect(decoded.results?.[3]?.message).toBe('é'.repeat(100));
    expect(BatchResponse.decode(encodeBatchResponse({ results: [] })).results ?? []).toEqual([]);
  });
});
