import { describe, expect, it } from 'vitest';
import { containerPlan } from './plan.js';
import { checkSpec, type Spec } from './spec.js';

function base(): Spec {
  return {
    ociVersion: '1.0.2',
    process: { args: ['sh'], cwd: '/' },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/dev', type: 'tmpfs', source: 'tmpfs' }],
    linux: { namespaces: [{ type: 'mount' }] },
  };
}

const ctx = { cgroupProcs: [], cgroupDirs: {}, exitFile: '/run/x/exit.json' };

describe('checkSpec: unknown and unsupported properties', () => {
  it('ignores properties the spec does not define, with a warning', () => {
    const raw = { ...base(), unknown: 'x', linux: { ...base().linux, futureThing: 1 } };
    const b = checkSpec('/b', raw);
    expect(b.warnings).toEqual(expect.arrayContaining([expect.stringContaining('unknown'), expect.stringContaining('linux.futureThing')]));
  });

  it('ignores other platforms\' sections silently', () => {
    expect(checkSpec('/b', { ...base(), windows: { layerFolders: [] }, solaris: {} }).warnings).toEqual([]);
  });

  it('refuses settings the spec defines but tsk-runtime lacks, naming them', () => {
    expect(() => checkSpec('/b', { ...base(), linux: { ...base().linux, intelRdt: { closID: 'x' } } })).toThrow('linux.intelRdt: not supported');
    expect(() => checkSpec('/b', { ...base(), process: { ...base().process!, scheduler: { policy: 'SCHED_FIFO' } } })).toThrow('process.scheduler: not supported');
    expect(() => checkSpec('/b', { ...base(), vm: { kernel: { path: '/k' } } })).toThrow('vm: not supported');
    expect(() => checkSpec('/b', { ...base(), ociVersion: 'invalid' })).toThrow('ociVersion');
  });
});

describe('linux.devices', () => {
  const devicesPlan = (devices: unknown[]): string[] => {
    const s = base();
    (s.linux as Record<string, unknown>)['devices'] = devices;
    return containerPlan(checkSpec('/b', s), ctx);
  };
  const mkdev = (tokens: string[], path: string): string[] => {
    const i = tokens.findIndex((t, k) => t === 'mkdev' && tokens[k + 1] === path);
    return tokens.slice(i + 1, i + 8);
  };

  it('makes a fifo for type p, without device numbers', () => {
    expect(mkdev(devicesPlan([{ path: '/dev/fifo', type: 'p', fileMode: 0o600 }]), '/dev/fifo')).toEqual(['/dev/fifo', 'p', '0', '0', '384', '0', '0']);
  });

  it('maps u to a character device and needs numbers for c, b and u', () => {
    expect(mkdev(devicesPlan([{ path: '/dev/u', type: 'u', major: 1, minor: 3 }]), '/dev/u').slice(1, 4)).toEqual(['c', '1', '3']);
    expect(() => devicesPlan([{ path: '/dev/b', type: 'b' }])).toThrow('linux.devices[0].major');
    expect(() => devicesPlan([{ path: '/dev/x', type: 'x', major: 1, minor: 1 }])).toThrow('linux.devices[0].type: must be c, b, u or p');
    expect(() => devicesPlan([{ path: 'dev/x', type: 'c', major: 1, minor: 1 }])).toThrow('linux.devices[0].path');
  });
});
