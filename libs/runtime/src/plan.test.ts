import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { MS } from './mount-options.js';
import { containerPlan, execPlan, encodePlan, CLONE_FLAGS } from './plan.js';
import { checkSpec, type Spec } from './spec.js';

/** The shape `runc spec` writes, trimmed to what the plan reads. */
function runcSpec(): Spec {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false, user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin'], cwd: '/',
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }], noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'],
    },
  };
}

const ctx = { cgroupProcs: ['/cg/memory/x/cgroup.procs'], cgroupDirs: { memory: '/cg/memory/x' }, exitFile: '/run/x/exit.json' };

/** Splits tokens into [op, ...args] by the op names the helper knows. */
function ops(tokens: string[], name: string): string[][] {
  const out: string[][] = [];
  tokens.forEach((t, i) => {
    if (t === name && (i === 0 || !['arg', 'env'].includes(tokens[i - 1] ?? ''))) out.push(tokens.slice(i + 1, i + 8));
  });
  return out;
}

describe('containerPlan', () => {
  it('creates the namespaces of runc spec in one clone and joins the cgroup', () => {
    const tokens = containerPlan(checkSpec('/b', runcSpec()), ctx);
    const flags = Number(ops(tokens, 'clone')[0]?.[0]);
    expect(flags).toBe(CLONE_FLAGS['pid']! | CLONE_FLAGS['network']! | CLONE_FLAGS['ipc']! | CLONE_FLAGS['uts']! | CLONE_FLAGS['mount']!);
    expect(ops(tokens, 'cgroup')[0]?.[0]).toBe('/cg/memory/x/cgroup.procs');
    expect(tokens).toContain('rootro');
    expect(ops(tokens, 'rootfs')[0]?.[0]).toBe('/b/rootfs');
  });

  it('binds only the container cgroup at /sys/fs/cgroup, read-only', () => {
    const tokens = containerPlan(checkSpec('/b', runcSpec()), ctx);
    const bind = ops(tokens, 'mount').find((m) => m[1] === '/sys/fs/cgroup/memory');
    expect(bind?.[0]).toBe('/cg/memory/x');
    expect(Number(bind?.[3]) & MS.RDONLY).toBeTruthy();
    expect(Number(bind?.[3]) & MS.BIND).toBeTruthy();
  });

  it('gives /dev the standard nodes and a fifo only for create', () => {
    const tokens = containerPlan(checkSpec('/b', runcSpec()), { ...ctx, fifo: '/run/x/exec.fifo' });
    expect(ops(tokens, 'mkdev').map((d) => d[0])).toEqual(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
    expect(ops(tokens, 'fifo')[0]?.[0]).toBe('/run/x/exec.fifo');
    expect(ops(containerPlan(checkSpec('/b', runcSpec()), ctx), 'fifo')).toEqual([]);
  });

  it('maps capabilities and rlimits to numbers', () => {
    const tokens = containerPlan(checkSpec('/b', runcSpec()), ctx);
    expect(ops(tokens, 'caps')[0]?.slice(0, 5)).toEqual(['0x20', '0x20', '0x20', '0x0', '0x20']);
    expect(ops(tokens, 'rlimit')[0]?.slice(0, 3)).toEqual(['7', '1024', '1024']);
    expect(tokens).toContain('nnp');
  });

  it('never takes an argument for an op (a process may be called "mount")', () => {
    const spec = runcSpec();
    spec.process!.args = ['mount', '-t', 'proc'];
    const tokens = containerPlan(checkSpec('/b', spec), ctx);
    expect(encodePlan(tokens).toString()).toContain('arg\0mount\0');
  });

  it('joins namespaces given by path instead of creating them', () => {
    const spec = runcSpec();
    spec.linux!.namespaces = [{ type: 'mount' }, { type: 'network', path: '/var/run/netns/pod' }];
    delete spec.hostname;
    const tokens = containerPlan(checkSpec('/b', spec), ctx);
    expect(ops(tokens, 'setns')[0]?.slice(0, 2)).toEqual(['/var/run/netns/pod', String(CLONE_FLAGS['network'])]);
    expect(Number(ops(tokens, 'clone')[0]?.[0])).toBe(CLONE_FLAGS['mount']);
  });

  it('writes uid/gid maps for a user namespace', () => {
    const spec = runcSpec();
    spec.linux!.namespaces!.push({ type: 'user' });
    spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const tokens = containerPlan(checkSpec('/b', spec), ctx);
    expect(ops(tokens, 'uidmap')[0]?.slice(0, 3)).toEqual(['0', '100000', '65536']);
  });

  it('mounts an overlay rootfs first when asked through annotations', () => {
    const spec = runcSpec();
    spec.annotations = { 'tsk.dev/overlay.lowerdirs': '/l1:/l2', 'tsk.dev/overlay.upperdir': '/u', 'tsk.dev/overlay.workdir': '/w' };
    const tokens = containerPlan(checkSpec('/b', spec), { ...ctx, overlay: { lowerdirs: ['/l1', '/l2'], upperdir: '/u', workdir: '/w' } });
    expect(ops(tokens, 'mount')[0]).toEqual(['overlay', '/', 'overlay', '0', '0', 'lowerdir=/l1:/l2,upperdir=/u,workdir=/w', 'hostname']);
  });
});

describe('checkSpec', () => {
  it('names the field it refuses', () => {
    const spec = runcSpec() as unknown as Record<string, unknown>;
    spec['vm'] = {};
    expect(() => checkSpec('/b', spec)).toThrow(/vm: not supported/);
    const noMnt = runcSpec();
    noMnt.linux!.namespaces = [{ type: 'pid' }];
    expect(() => checkSpec('/b', noMnt)).toThrow(ConfigError);
    const badCap = runcSpec();
    badCap.process!.capabilities!.bounding = ['CAP_FLY'];
    expect(() => containerPlan(checkSpec('/b', badCap), ctx)).toThrow(/process.capabilities.bounding\[0\]: unknown capability/);
    const badNs = runcSpec();
    badNs.linux!.namespaces!.push({ type: 'time' });
    expect(() => checkSpec('/b', badNs)).toThrow(/linux.namespaces\[5\].type/);
  });
});

describe('execPlan', () => {
  it('joins user first and mount last', () => {
    const spec = runcSpec();
    spec.linux!.namespaces!.push({ type: 'user' });
    const tokens = execPlan(spec, 42, ['/cg/x/cgroup.procs'], { args: ['ls'], cwd: '/' }, undefined);
    const joined = ops(tokens, 'setns').map((s) => s[0]);
    expect(joined[0]).toBe('/proc/42/ns/user');
    expect(joined.at(-1)).toBe('/proc/42/ns/mnt');
  });
});

describe('handoff', () => {
  it('lets the shim hand off only when asked (detached create/run, detached exec)', () => {
    expect(containerPlan(checkSpec('/b', runcSpec()), ctx)).not.toContain('handoff');
    expect(containerPlan(checkSpec('/b', runcSpec()), { ...ctx, handOff: true })).toContain('handoff');
    expect(execPlan(runcSpec(), 42, [], { args: ['ls'], cwd: '/' }, undefined)).not.toContain('handoff');
    expect(execPlan(runcSpec(), 42, [], { args: ['ls'], cwd: '/' }, undefined, true)[0]).toBe('handoff');
  });
});
