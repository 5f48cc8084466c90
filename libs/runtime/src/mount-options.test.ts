import { describe, expect, it } from 'vitest';
import { MS, parseMountOptions, rootPropagation } from './mount-options.js';

describe('parseMountOptions', () => {
  it('splits flags, propagation and file-system data', () => {
    const p = parseMountOptions(['nosuid', 'noexec', 'ro', 'rbind', 'rslave', 'mode=755', 'size=65536k']);
    expect(p.flags).toBe(MS.NOSUID | MS.NOEXEC | MS.RDONLY | MS.BIND | MS.REC);
    expect(p.propagation).toBe(MS.SLAVE | MS.REC);
    expect(p.data).toBe('mode=755,size=65536k');
  });
  it('lets a later option clear an earlier one, and type bind imply MS_BIND', () => {
    expect(parseMountOptions(['ro', 'rw']).flags).toBe(0);
    expect(parseMountOptions([], 'bind').flags).toBe(MS.BIND);
  });
  it('defaults root propagation to rprivate', () => {
    expect(rootPropagation(undefined)).toBe(MS.PRIVATE | MS.REC);
    expect(rootPropagation('bogus')).toBeUndefined();
  });
});
