/**
 * The fast comparisons must answer exactly as the definitions they stand in for: sameValue as
 * the JSON of normalized values, compareEncoded as the canonical JSON of encodeMessage, and the
 * pod-update shortcut as the encode-and-diff rule. Random values (seeded), many of them nearly
 * equal, some of the wrong type, checked against the slow definition each time.
 */
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../convert.js';
import { SCHEMA } from '../gen/schema.js';
import { type PodSpec } from '../gen/tsk/v1/pod.js';
import { sameValue, sameValueByJson } from './common.js';
import { compareEncoded, DIFFERENT, SAME, UNKNOWN } from './encoded.js';
import { onlyMutableChanged, podSpecDifference } from './update.js';

const PAIRS = 20_000;
/** Seeded, so a failure repeats; TSK_FUZZ_SEED tries other seeds. */
const SEED = Number(process.env['TSK_FUZZ_SEED'] ?? 0);

function rng(seed: number): () => number {
  let s = (seed + SEED) >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Random = () => number;
const pick = <T,>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Values whose JSON or normalization is a corner case. */
const ODD: readonly unknown[] = [NaN, Infinity, -0, null, undefined, () => 1, [], {}, [0], [''], new Uint8Array(0), new Uint8Array([1]), 'AQ==', '1', 1, true, 'true'];

function randomJson(r: Random, depth: number, odd: boolean): unknown {
  const roll = r();
  if (depth > 3 || roll < 0.45) {
    return odd && r() < 0.15 ? pick(r, ODD) : pick(r, ['', 'a', 'b', 0, 1, 2, false, true, undefined, null]);
  }
  if (roll < 0.7) return Array.from({ length: Math.floor(r() * 3) }, () => randomJson(r, depth + 1, odd));
  const o: Record<string, unknown> = {};
  for (const k of ['x', 'y', 'z', '1', '__proto__']) if (r() < 0.4) Object.defineProperty(o, k, { value: randomJson(r, depth + 1, odd), enumerable: true, writable: true, configurable: true });
  return o;
}

/** Every [holder, key] in a tree, to change one of them. */
function slots(v: unknown, out: Array<[Record<string | number, unknown>, string | number]> = []): typeof out {
  if (v instanceof Uint8Array || typeof v !== 'object' || v === null) return out;
  for (const k of Object.keys(v)) {
    const key = Array.isArray(v) ? Number(k) : k;
    out.push([v as Record<string | number, unknown>, key]);
    slots((v as Record<string, unknown>)[k], out);
  }
  return out;
}

function clone<T>(v: T): T {
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  if (Array.isArray(v)) return v.map(clone) as T;
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
    // Reversed key order: map order must not count.
    for (const k of Object.keys(v).reverse()) Object.defineProperty(o, k, { value: clone((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return o as T;
  }
  return v;
}

/** A copy with up to two slots changed, to a zero value, an odd value or a fresh one. */
function nearCopy<T>(v: T, r: Random, fresh: (r: Random) => unknown): T {
  const c = clone(v);
  const all = slots(c);
  for (let n = Math.floor(r() * 3); n > 0 && all.length > 0; n--) {
    const [holder, key] = pick(r, all);
    const roll = r();
    if (roll < 0.25 && !Array.isArray(holder)) delete holder[key];
    else if (roll < 0.5) holder[key] = pick(r, ['', 0, false, undefined, null, [], {}]);
    else holder[key] = fresh(r);
  }
  return c;
}

describe('sameValue', () => {
  it(`answers as the JSON of the normalized values, on ${PAIRS} random pairs`, () => {
    const r = rng(7);
    let equal = 0;
    for (let i = 0; i < PAIRS; i++) {
      const odd = i % 4 === 0;
      const a = randomJson(r, 0, odd);
      const b = r() < 0.7 ? nearCopy(a, r, (q) => randomJson(q, 2, odd)) : randomJson(r, 0, odd);
      let want: boolean;
      try {
        want = sameValueByJson(a, b);
      } catch (err) {
        // E.g. a "__proto__" slot assigned a Uint8Array: a fake typed array that throws when read.
        expect(() => sameValue(a, b)).toThrow((err as Error).constructor as typeof Error);
        continue;
      }
      expect(sameValue(a, b), JSON.stringify([a, b])).toBe(want);
      expect(sameValue(b, a)).toBe(want);
      if (want) equal++;
    }
    expect(equal).toBeGreaterThan(PAIRS / 10); // the pairs are not all trivially different
  });

  it('keeps the corner cases of its definition', () => {
    expect(sameValue({ a: '', b: [], c: {} }, undefined)).toBe(true);
    expect(sameValue([0], [])).toBe(false);
    expect(sameValue([0], [null])).toBe(true);
    expect(sameValue(new Uint8Array([1]), 'AQ==')).toBe(true);
    expect(sameValue({ a: NaN }, { a: Infinity })).toBe(true);
    expect(sameValue({ y: 1, x: 2 }, { x: 2, y: 1 })).toBe(true);
    expect(() => sameValue({ a: 1n }, { a: 1n })).toThrow(TypeError);
  });
});

const TYPES = Object.keys(SCHEMA).filter((t) => SCHEMA[t]!.oneof !== true);

function scalar(r: Random, type: string): unknown {
  switch (type) {
    case 'string':
      return pick(r, ['', 'a', 'b', '10']);
    case 'bool':
      return pick(r, [false, true]);
    case 'bytes':
      return pick(r, [new Uint8Array(0), new Uint8Array([1]), new Uint8Array([2, 3])]);
    default:
      return pick(r, [0, 1, 2, -5]);
  }
}

function item(r: Random, type: string, depth: number): unknown {
  if (type === 'tsk.v1.IntOrString') return pick(r, [{}, { intVal: 0 }, { intVal: 8 }, { strVal: '' }, { strVal: 'http' }, { intVal: 8, strVal: 'x' }]);
  if (type.startsWith('tsk.')) return message(r, type, depth + 1);
  return scalar(r, type);
}

/** A random message of `type`, fields present about half the time, nesting cut off at depth 4. */
function message(r: Random, type: string, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > 4) return out;
  for (const [name, f] of Object.entries(SCHEMA[type]!.fields)) {
    if (r() < 0.5) continue;
    const t = (f.list ?? f.map ?? f.type)!;
    if (f.list !== undefined) out[name] = Array.from({ length: Math.floor(r() * 3) }, () => item(r, t, depth));
    else if (f.map !== undefined) {
      const m: Record<string, unknown> = {};
      for (const k of ['a', 'b', '7']) if (r() < 0.4) m[k] = item(r, t, depth);
      out[name] = m;
    } else out[name] = r() < 0.15 ? pick(r, [undefined, null]) : item(r, t, depth);
  }
  return out;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** The definition: canonical JSON of the encoding, or the error encoding throws. */
function encodedJson(v: unknown, type: string, skip: ReadonlySet<string>): string | Error {
  try {
    const encoded = encodeMessage(v, type);
    for (const k of skip) delete encoded[k];
    return JSON.stringify(canonical(encoded));
  } catch (err) {
    return err as Error;
  }
}

describe('compareEncoded', () => {
  it(`agrees with the canonical JSON of encodeMessage whenever it answers, on ${PAIRS} random pairs`, () => {
    const r = rng(11);
    const answered = { [SAME]: 0, [DIFFERENT]: 0, [UNKNOWN]: 0 };
    const oddlyTyped = (q: Random): unknown => (q() < 0.5 ? pick(q, ODD) : randomJson(q, 2, true));
    for (let i = 0; i < PAIRS; i++) {
      const type = pick(r, TYPES);
      const a = message(r, type);
      const odd = i % 5 === 0;
      const b = r() < 0.8 ? nearCopy(a, r, odd ? oddlyTyped : (q) => pick(q, ['', 'a', 0, 1, true, new Uint8Array([1]), {}, []])) : message(r, type);
      const skip: ReadonlySet<string> = r() < 0.2 ? new Set(Object.keys(SCHEMA[type]!.fields).slice(0, 2)) : new Set();
      const got = compareEncoded(a, b, type, skip.size > 0 ? skip : undefined);
      answered[got]++;
      if (got === UNKNOWN) continue;
      const ja = encodedJson(a, type, skip);
      const jb = encodedJson(b, type, skip);
      if (ja instanceof Error || jb instanceof Error) throw new Error(`answered ${got} where encoding throws: ${String(ja)} ${String(jb)}`);
      expect(got === SAME, `${type} ${ja} ${jb}`).toBe(ja === jb);
    }
    // Mostly sure answers of both kinds, or the shortcut would rarely help.
    expect(answered[SAME]).toBeGreaterThan(PAIRS / 5);
    expect(answered[DIFFERENT]).toBeGreaterThan(PAIRS / 5);
    expect(answered[UNKNOWN]).toBeLessThan(PAIRS / 4);
  });

  it('leaves values of the wrong type to the encoding', () => {
    expect(compareEncoded({ containers: [null] }, { containers: [null] }, 'tsk.v1.PodSpec')).toBe(UNKNOWN);
    expect(compareEncoded({ containers: 'ab' }, { containers: 'ab' }, 'tsk.v1.PodSpec')).toBe(UNKNOWN);
    expect(compareEncoded({ activeDeadlineSeconds: NaN }, { activeDeadlineSeconds: NaN }, 'tsk.v1.PodSpec')).toBe(UNKNOWN);
    // A difference elsewhere does not hide a value that encoding would throw on.
    expect(compareEncoded({ nodeName: 'a', containers: [null] }, { nodeName: 'b', containers: [null] }, 'tsk.v1.PodSpec')).toBe(UNKNOWN);
  });
});

describe('pod update shortcut', () => {
  const base = (): PodSpec => ({
    containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '10m' } }, ports: [{ containerPort: 80 }] }],
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
    restartPolicy: 'Always',
    nodeSelector: { zone: 'a' },
  });

  it(`is only taken when encoding both specs finds no difference, on ${PAIRS / 2} random pairs`, () => {
    const r = rng(13);
    let taken = 0;
    const fresh = (q: Random): unknown => pick(q, ['', 'x', 'nginx:2', 0, 3, true, {}, [], [{ name: 'b', image: 'busybox' }], { cpu: '1' }, null, new Uint8Array([1])]);
    for (let i = 0; i < PAIRS / 2; i++) {
      const a = i % 3 === 0 ? (message(r, 'tsk.v1.PodSpec') as PodSpec) : base();
      const b = nearCopy(a, r, fresh);
      if (!onlyMutableChanged(b, a)) continue;
      taken++;
      const next = encodeMessage(b, 'tsk.v1.PodSpec') as PodSpec & Record<string, unknown>;
      const prev = encodeMessage(a, 'tsk.v1.PodSpec') as PodSpec & Record<string, unknown>;
      expect(podSpecDifference(next, prev), JSON.stringify([a, b])).toBeUndefined();
    }
    expect(taken).toBeGreaterThan(PAIRS / 10);
  });

  it('is taken for a bind, a status write and an image change, not for a command change', () => {
    const stored = base();
    expect(onlyMutableChanged(stored, stored)).toBe(true);
    expect(onlyMutableChanged({ ...stored, nodeName: 'node-1' }, stored)).toBe(true);
    expect(onlyMutableChanged({ ...stored, containers: [{ ...stored.containers![0]!, image: 'nginx:2' }] }, stored)).toBe(true);
    expect(onlyMutableChanged({ ...stored, containers: [{ ...stored.containers![0]!, command: ['sh'] }] }, stored)).toBe(false);
  });
});
