/**
 * The only randomness in the scheduler: a small seeded generator (mulberry32) keyed by the pod's
 * identity and the caller's seed, so ties between equally good nodes are broken the same way on
 * every run (post-mortems can replay a decision) yet differently for different pods.
 */

/** FNV-1a, 32 bits. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, n). */
  intBelow(n: number): number {
    return Math.floor((this.nextUint32() / 0x100000000) * n);
  }
}

/** The generator for one pod's cycle. */
export function randomFor(podIdentity: string, seed: number): SeededRandom {
  return new SeededRandom(hashString(podIdentity) ^ Math.imul(seed >>> 0, 0x9e3779b1));
}
