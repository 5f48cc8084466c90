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

/**
 * `mixed`: the names the proposals are mixed with (any order). `taken`: whether a name is in use;
 * by default, whether it is one of `mixed`. A caller that mixes only an owner's own pods passes
 * the namespace's lookup here, so new names still avoid every pod of the namespace.
 */
export function nameGenerator(seed: number, ownerUid: string, mixed: Iterable<string>, taken?: (name: string) => boolean): NameGenerator {
  // Order-independent: the names' hashes are summed, so no sort of 10,000 names per sync.
  let sum = 0;
  let count = 0;
  const known = taken === undefined ? new Set<string>() : undefined;
  for (const name of mixed) {
    sum = (sum + fnv32a(name)) >>> 0;
    count++;
    known?.add(name);
  }
  const random = seededRandom(fnv32aUpdate(fnv32a(''), `${seed}/${ownerUid}/${count}/${sum}`));
  const isTaken = taken ?? ((name: string) => known!.has(name));
  const proposed = new Set<string>();
  return {
    next(base: string): string {
      const prefix = base.length > MAX_BASE_LENGTH ? base.slice(0, MAX_BASE_LENGTH) : base;
      for (;;) {
        let suffix = '';
        for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)]!;
        const name = `${prefix}-${suffix}`;
        if (!proposed.has(name) && !isTaken(name)) {
          proposed.add(name);
          return name;
        }
      }
    },
  };
}
