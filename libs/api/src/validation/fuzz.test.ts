/**
 * The API server must answer any input with a clean error. Decoded manifests are well typed, but
 * their values can be anything: mutate valid manifests at random (deterministically seeded) and
 * check that defaults, validation, updates and apply never throw anything but an InvalidError.
 */
import { describe, expect, it } from 'vitest';
import { decodeManifest, encodeManifest } from '../convert.js';
import { applyDefaults } from '../defaults/index.js';
import { InvalidError } from '../errors.js';
import { threeWayMerge } from '../apply/index.js';
import { validateObject } from './index.js';
import { raw, valid } from './builders.js';
import { kindOf } from '../kinds.js';

const KINDS = ['Pod', 'Deployment', 'ReplicaSet', 'DaemonSet', 'Job', 'Service', 'ConfigMap', 'Secret', 'Namespace', 'Network', 'Node', 'Event', 'Lease', 'Endpoints'];
const STRINGS = ['', 'None', '0', '-1', '25%', '101%', 'a=b', '..', '/abs', 'rel', 'UPPER', 'x'.repeat(300), '10.0.0.1', '10.0.0.0/8', 'Exists', 'In', 'Always', 'TCP', '1e400', '\u0000'];
const NUMBERS = [0, -1, 1, 65535, 65536, 2147483647, -2147483648, 30000, 100];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Every [container, key] in a JSON tree. */
function slots(v: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      out.push([v as Record<string, unknown>, k]);
      slots(x, out);
    }
  }
  return out;
}

function mutate(doc: Record<string, unknown>, random: () => number): void {
  const all = slots(doc).filter(([, k]) => k !== 'apiVersion' && k !== 'kind');
  for (let n = 1 + Math.floor(random() * 3); n > 0 && all.length > 0; n--) {
    const [holder, key] = all[Math.floor(random() * all.length)]!;
    const current = (holder as Record<string | number, unknown>)[key];
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    if (Array.isArray(holder)) {
      if (random() < 0.5) holder.splice(key as number, 1);
      else holder.push(structuredClone(current));
    } else if (random() < 0.3) delete holder[key];
    else if (typeof current === 'string') holder[key] = pick(STRINGS);
    else if (typeof current === 'number') holder[key] = pick(NUMBERS);
    else if (typeof current === 'boolean') holder[key] = !current;
    else if (Array.isArray(current)) holder[key] = [];
    else holder[key] = {};
  }
}

describe('fuzz: defaults, validation and merge answer every mutation cleanly', () => {
  it('2000 mutated manifests', () => {
    const random = rng(20261127);
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const kind = KINDS[i % KINDS.length]!;
      const info = kindOf(kind);
      const base = encodeManifest(info, raw(kind));
      const doc = structuredClone(base);
      mutate(doc, random);
      try {
        const { object } = decodeManifest(doc);
        applyDefaults(info, object);
        validateObject(info, object, valid(kind).object);
        threeWayMerge(base, encodeManifest(info, object), doc);
      } catch (err) {
        if (!(err instanceof InvalidError)) throw new Error(`${kind} ${JSON.stringify(doc)}: ${String(err)}`, { cause: err });
        refused++;
      }
    }
    // Most mutations must be refused somewhere, or the mutator is not exercising anything.
    expect(refused).toBeGreaterThan(200);
  });
});
