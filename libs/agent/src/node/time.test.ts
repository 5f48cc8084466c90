import { describe, expect, it } from 'vitest';
import { microTime, rfc3339 } from './time.js';

describe('time formats', () => {
  it('formats each instant, memoised or not', () => {
    const a = new Date('2026-01-02T15:04:05.123Z');
    const b = new Date('2026-01-02T15:04:05.999Z');
    const c = new Date('2026-01-02T15:04:06.000Z');
    expect(microTime(a)).toBe('2026-01-02T15:04:05.123000Z');
    expect(microTime(a)).toBe('2026-01-02T15:04:05.123000Z');
    expect(microTime(b)).toBe('2026-01-02T15:04:05.999000Z');
    expect(rfc3339(a)).toBe('2026-01-02T15:04:05Z');
    expect(rfc3339(b)).toBe('2026-01-02T15:04:05Z');
    expect(rfc3339(c)).toBe('2026-01-02T15:04:06Z');
    expect(rfc3339(new Date('1969-12-31T23:59:59.500Z'))).toBe('1969-12-31T23:59:59Z');
    expect(() => microTime(new Date(Number.NaN))).toThrow();
  });
});
