import { describe, expect, it } from 'vitest';
import { fnv32a, fnv32aUpdate } from './hash.js';
import { nameGenerator } from './names.js';
import { podFromTemplate } from './pod-template.js';

/** FNV-32a as specified: over the UTF-8 bytes. */
function reference(text: string): number {
  let hash = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

describe('fnv32a', () => {
  it('hashes the UTF-8 bytes, ASCII or not', () => {
    for (const text of ['', 'web-abcde', 'héllo', 'a😀b', 'x\ud800y', '日本/web']) expect(fnv32a(text)).toBe(reference(text));
  });

  it('continues a hash piece by piece as if over the joined text', () => {
    const pieces = ['1/uid-1/', 'web-bcdfg', ',', 'wéb-2', ',', 'web-z'];
    expect(pieces.reduce((h, p) => fnv32aUpdate(h, p), fnv32a(''))).toBe(reference(pieces.join('')));
  });
});

describe('nameGenerator', () => {
  it('proposes the same names for the same taken names, in any order', () => {
    const a = nameGenerator(7, 'uid', ['web-b', 'web-a', 'web-c']);
    const b = nameGenerator(7, 'uid', ['web-c', 'web-b', 'web-a']);
    expect([a.next('web'), a.next('web')]).toEqual([b.next('web'), b.next('web')]);
  });
});

describe('podFromTemplate', () => {
  it('copies the template spec deeply', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', env: [{ name: 'A', value: '1' }] }] } };
    const pod = podFromTemplate(template, { name: 'web-x', namespace: 'default', owner: { uid: 'u', controller: true } });
    expect(pod.spec).toEqual(template.spec);
    pod.spec!.containers![0]!.env![0]!.value = '2';
    expect(template.spec.containers[0]!.env[0]!.value).toBe('1');
  });
});
