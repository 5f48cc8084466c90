/**
 * Pod names: `<owner>-<5 random chars>` like the API server's generateName, but chosen here from
 * a seeded generator so that a reconcile is a pure function of its inputs. The seed is mixed with
 * the owner's uid and the names that already exist, so re-running on a stale snapshot proposes
 * the same names again and the duplicate create fails with AlreadyExists instead of making a
 * second pod.
 */
import { fnv32a, fnv32aUpdate } from './hash.js';

/** The alphabet of Kubernetes' utilrand.String (no vowels, no confusable characters). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;
/** Kubernetes keeps generated names within 63 characters by cutting the base name. */
const MAX_BASE_LENGTH = 58;

/** mulberry32: small, fast, good enough for names; returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NameGenerator {
  /** A fresh `<base>-xxxxx` name not in `taken` (which it then extends). */
  next(base: string): string;
}

export function nameGenerator(seed: number, ownerUid: string, taken: Iterable<string>): NameGenerator {
  const used = new Set(taken);
  // fnv32a(`${seed}/${ownerUid}/${sorted names joined by ","}`), without the joined string.
  let mixed = fnv32aUpdate(fnv32a(''), `${seed}/${ownerUid}/`);
  let first = true;
  for (const name of [...used].sort()) {
    if (!first) mixed = fnv32aUpdate(mixed, ',');
    mixed = fnv32aUpdate(mixed, name);
    first = false;
  }
  const random = seededRandom(mixed);
  return {
    next(base: string): string {
      const prefix = base.length > MAX_BASE_LENGTH ? base.slice(0, MAX_BASE_LENGTH) : base;
      for (;;) {
        let suffix = '';
        for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)]!;
        const name = `${prefix}-${suffix}`;
        if (!used.has(name)) {
          used.add(name);
          return name;
        }
      }
    },
  };
}
