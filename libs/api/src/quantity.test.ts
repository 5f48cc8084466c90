import { describe, expect, it } from 'vitest';
import { formatBytes, formatCpuMillis, parseBytes, parseCpuMillis } from './quantity.js';

describe('quantities', () => {
  it.each([
    ['500m', 500],
    ['2', 2000],
    ['0.1', 100],
    ['1.5', 1500],
    ['250u', 1],
  ])('cpu %s is %i millicores', (text, millis) => expect(parseCpuMillis(text)).toBe(millis));

  it.each([
    ['128Mi', 128 * 1024 * 1024],
    ['1G', 1e9],
    ['1e3', 1000],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['110', 110],
  ])('%s is %i', (text, n) => expect(parseBytes(text)).toBe(n));

  it('refuses what is not a quantity, naming the field', () => {
    expect(() => parseBytes('12 MB', 'spec.containers[0].resources.limits.memory')).toThrow(
      'spec.containers[0].resources.limits.memory: "12 MB" is not a quantity',
    );
  });

  it('formats as Kubernetes prints', () => {
    expect(formatCpuMillis(500)).toBe('500m');
    expect(formatCpuMillis(2000)).toBe('2');
    expect(formatBytes(134217728)).toBe('128Mi');
    expect(formatBytes(1000)).toBe('1000');
  });
});
