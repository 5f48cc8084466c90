import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from './pacer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Pacer', () => {
  it('spreads the items of a period evenly instead of firing them together', async () => {
    vi.useFakeTimers({ now: 0 });
    const fired: [number, number][] = [];
    const pacer = new Pacer<number>({ periodMs: 1000, tickMs: 10 }, (k) => {
      fired.push([k, Date.now()]);
      return Promise.resolve();
    });
    for (let i = 0; i < 100; i++) pacer.add(i, 0);
    pacer.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(fired).toHaveLength(100);
    // In any 100 ms window about a tenth of the items fire, never all at once.
    const perWindow = new Map<number, number>();
    for (const [, at] of fired) perWindow.set(Math.floor((at - 1) / 100), (perWindow.get(Math.floor((at - 1) / 100)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(11);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fired).toHaveLength(200);
    pacer.stop();
  });

  it('skips the turn of an item whose last run has not finished', async () => {
    vi.useFakeTimers({ now: 0 });
    let calls = 0;
    const pacer = new Pacer<string>({ periodMs: 100, tickMs: 10 }, () => {
      calls++;
      return new Promise(() => undefined); // never finishes
    });
    pacer.add('slow', 0);
    pacer.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(1);
    pacer.stop();
  });

  it('starts the items due at one tick together, with the tick time, and each once a period', async () => {
    vi.useFakeTimers({ now: 0 });
    const fired = new Map<number, number[]>();
    const pacer = new Pacer<number>({ periodMs: 2000, tickMs: 250 }, (k, now) => {
      expect(now).toBe(Date.now());
      fired.set(k, [...(fired.get(k) ?? []), now]);
      return Promise.resolve();
    });
    for (let i = 0; i < 1000; i++) pacer.add(i, 0);
    pacer.start();
    await vi.advanceTimersByTimeAsync(6000);
    pacer.stop();
    const instants = new Set([...fired.values()].flat());
    // 8 ticks a period: 24 distinct start times in 6 s, each carrying about 125 items.
    expect(instants.size).toBe(24);
    for (const times of fired.values()) {
      expect(times[0]).toBeLessThanOrEqual(2000 + 250);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(2000 + 250);
      expect(times.length).toBeGreaterThanOrEqual(2);
    }
  });
});
