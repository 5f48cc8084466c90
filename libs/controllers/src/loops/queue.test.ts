import { describe, expect, it } from 'vitest';
import { backoffDelayMs, WorkQueue } from './queue.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('gives a key to one worker at a time; an add while processing runs it again after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    expect(q.length).toBe(0); // not handed to a second worker while the first holds it
    q.done(k!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('wakes a waiting worker', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('x');
    expect(await next).toBe('x');
  });

  it('backs off per key exponentially from 5 ms to 60 s, and forget resets it', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n))).toEqual([5, 10, 20, 40]);
    expect(backoffDelayMs(30)).toBe(60_000);
    expect(backoffDelayMs(1_000)).toBe(60_000);
    const q = new WorkQueue();
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(2);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    q.shutDown();
  });

  it('addAfter keeps the earliest of several delays', async () => {
    const q = new WorkQueue();
    q.addAfter('a', 10_000);
    q.addAfter('a', 20);
    q.addAfter('a', 5_000);
    expect(q.delayedCount).toBe(1);
    await tick(60);
    expect(q.length).toBe(1);
    expect(q.delayedCount).toBe(0);
    q.shutDown();
  });

  it('shutDown releases waiting workers with undefined', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.shutDown();
    expect(await next).toBeUndefined();
    q.add('late');
    expect(await q.get()).toBeUndefined();
  });
});
