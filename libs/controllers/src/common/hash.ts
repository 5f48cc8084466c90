/**
 * Stable hashing of pod templates, as Kubernetes' controller.ComputeHash: FNV-32a over a
 * canonical rendering of the template (plus the collision count), printed in decimal and then
 * mapped to "safe" characters (no vowels, so a hash never spells a word). The canonical form sorts
 * keys and drops unset values (undefined, "", 0, false, empty lists and maps), so a template read
 * back from the wire (where proto3 scalars read ""/0) hashes like the one a user wrote.
 */
import { type PodTemplateSpec } from '@tsk/api';

/** Kubernetes' rand.SafeEncodeString alphabet. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const FNV_OFFSET = 0x811c9dc5;

/** FNV-32a over the UTF-8 bytes of `text`. */
export function fnv32a(text: string): number {
  return fnv32aUpdate(FNV_OFFSET, text);
}

/**
 * Continues an FNV-32a hash with the UTF-8 bytes of `text`: hashing "ab" then "cd" is hashing
 * "abcd", without building the joined string (pod names hash 10,000 names at a time).
 */
export function fnv32aUpdate(hash: number, text: string): number {
  let h = hash;
  // ASCII is its own UTF-8: hash the code units without encoding. From the first other character
  // on, encode the rest (a split before a non-ASCII character cannot cut a surrogate pair, so
  // the bytes are those of encoding the whole).
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      for (const b of new TextEncoder().encode(text.slice(i))) {
        h ^= b;
        h = Math.imul(h, 0x01000193) >>> 0;
      }
      return h >>> 0;
    }
    h ^= c;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length]!;
  return out;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Sorted keys, no empty values (recursively), so equal content renders equally. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonicalize((value as Record<string, unknown>)[key]);
      if (!isEmpty(v)) out[key] = v;
    }
    return out;
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value) ?? null);
}

/** The template without the given label (the hash label itself must not feed the hash). */
export function withoutLabel(template: PodTemplateSpec | undefined, label: string): PodTemplateSpec {
  const t = template ?? {};
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels[label];
  return { ...t, metadata: { ...(t.metadata ?? {}), labels } };
}

/** The pod-template-hash of a template: Kubernetes-style, 6 to 10 safe characters. */
export function templateHash(template: PodTemplateSpec | undefined, hashLabel: string, collisionCount = 0): string {
  const text = canonicalJson(withoutLabel(template, hashLabel)) + (collisionCount > 0 ? String(collisionCount) : '');
  return safeEncode(String(fnv32a(text)));
}

/** Equal templates, ignoring the hash label (Kubernetes' EqualIgnoreHash). */
export function templatesEqualIgnoringLabel(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined, label: string): boolean {
  return canonicalJson(withoutLabel(a, label)) === canonicalJson(withoutLabel(b, label));
}

/** Same content once unset values are ignored (for "does this status need writing?"). */
export function sameContent(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
