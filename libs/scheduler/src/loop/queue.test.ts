import { describe, expect, it } from 'vitest';
import { backoffMs, SchedulingQueue, type QueueClock } from './queue.js';

function fakeClock(): QueueClock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      timers.push({ at: now + ms, fn });
      return 0;
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

describe('SchedulingQueue', () => {
  it('pops by priority, then by arrival', () => {
    const q = new SchedulingQueue(() => undefined, fakeClock());
    q.add('a', 0);
    q.add('b', 10);
    q.add('c', 0);
    q.add('d', 10);
    q.add('a', 0); // already queued: once only
    expect([q.pop(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual(['b', 'd', 'a', 'c', undefined]);
  });

  it('backs off 1 s doubling to 60 s', () => {
    expect([1, 2, 3, 6, 7, 8, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 32000, 60000, 60000, 60000]);
  });

  it('returns a backed-off pod when its backoff ends, and not before', () => {
    const clock = fakeClock();
    let woken = 0;
    const q = new SchedulingQueue(() => woken++, clock);
    q.add('p', 0);
    expect(q.pop()).toBe('p');
    expect(q.backoff('p', 0)).toBe(1000);
    q.add('p', 0); // an update while backing off does not skip the wait
    expect(q.pop()).toBeUndefined();
    clock.advance(999);
    expect(q.pop()).toBeUndefined();
    clock.advance(1);
    expect(q.pop()).toBe('p');
    expect(q.backoff('p', 0)).toBe(2000);
    expect(woken).toBeGreaterThanOrEqual(2);
  });

  it('moves every waiting pod to active on a cluster event', () => {
    const q = new SchedulingQueue(() => undefined, fakeClock());
    for (const k of ['x', 'y']) {
      q.add(k, 0);
      q.pop();
      q.backoff(k, 0);
    }
    expect(q.waitingCount).toBe(2);
    expect(q.moveAllToActive()).toBe(2);
    expect([q.pop(), q.pop()]).toEqual(['x', 'y']);
  });

  it('forgets a pod that is done', () => {
    const q = new SchedulingQueue(() => undefined, fakeClock());
    q.add('a', 0);
    q.add('b', 0);
    q.done('a');
    expect(q.has('a')).toBe(false);
    expect([q.pop(), q.pop()]).toEqual(['b', undefined]);
  });
});
