import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.js';

describe('Limiter', () => {
  it('never runs more than max at once, even when newcomers arrive as a slot frees', async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let peak = 0;
    const task = async (): Promise<void> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      running--;
    };
    const all: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      all.push(limiter.run(task));
      // Newcomers while earlier tasks finish: the case where a slot could be taken twice.
      if (i % 7 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(all);
    expect(peak).toBe(3);
    expect(limiter.pending).toBe(0);
  });

  it('runs waiting tasks in arrival order and passes results and errors through', async () => {
    const limiter = new Limiter(1);
    const order: number[] = [];
    const results = await Promise.allSettled([1, 2, 3].map((n) => limiter.run(async () => {
      order.push(n);
      if (n === 2) throw new Error('two');
      return n * 10;
    })));
    expect(order).toEqual([1, 2, 3]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(limiter.pending).toBe(0);
  });
});
