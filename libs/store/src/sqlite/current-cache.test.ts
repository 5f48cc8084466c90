import { expect, it } from 'vitest';
import type { KeyValue } from '../types.js';
import { CurrentCache } from './current-cache.js';

const kv = (key: string, modRevision: number): KeyValue => ({ key, value: Buffer.from(key), createRevision: 1, modRevision, lease: 0 });

it('keeps the latest committed value of the most recently used keys', () => {
  const cache = new CurrentCache(2);
  cache.apply([
    { type: 'put', kv: kv('a', 1), prevKv: undefined },
    { type: 'put', kv: kv('b', 2), prevKv: undefined },
  ]);
  expect(cache.get('a')?.modRevision).toBe(1); // a is now the most recently used
  cache.set(kv('c', 3)); // evicts b, the least recently used
  expect(cache.get('b')).toBeUndefined();
  expect(cache.size).toBe(2);
  cache.apply([
    { type: 'put', kv: kv('a', 4), prevKv: kv('a', 1) },
    { type: 'delete', kv: { ...kv('c', 5), value: Buffer.alloc(0) }, prevKv: kv('c', 3) },
  ]);
  expect(cache.get('a')?.modRevision).toBe(4);
  expect(cache.get('c')).toBeUndefined();
});

it('drops the least recently used keys beyond its bytes too', () => {
  const cache = new CurrentCache(100, 10);
  const big = (key: string, n: number): KeyValue => ({ ...kv(key, 1), value: Buffer.alloc(n) });
  cache.set(big('a', 4));
  cache.set(big('b', 4));
  expect(cache.valueBytes).toBe(8);
  cache.set(big('c', 4)); // 12 > 10: a goes
  expect(cache.get('a')).toBeUndefined();
  expect(cache.valueBytes).toBe(8);
  cache.set(big('b', 2)); // replacing a key counts its new size only
  expect(cache.valueBytes).toBe(6);
  cache.set(big('huge', 11)); // larger than the whole budget: nothing stays
  expect(cache.size).toBe(0);
  expect(cache.valueBytes).toBe(0);
});
