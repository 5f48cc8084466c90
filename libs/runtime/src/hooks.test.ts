import { describe, expect, it } from 'vitest';
import { checkHooks, hookOps, needsHookSync, runHook, runHooks } from './hooks.js';
import { containerPlan } from './plan.js';
import { checkSpec, type Spec } from './spec.js';

const state = { ociVersion: '1.0.2', id: 'c1', status: 'created' as const, pid: 42, bundle: '/b', annotations: { a: 'b' } };

describe('checkHooks', () => {
  it('keeps path, args, env and timeout, and ignores unknown hook kinds', () => {
    const hooks = checkHooks({ prestart: [{ path: '/bin/true', args: ['true', '-x'], env: ['A=1'], timeout: 3 }], somedayHooks: [{ path: 'x' }] });
    expect(hooks).toEqual({ prestart: [{ path: '/bin/true', args: ['true', '-x'], env: ['A=1'], timeout: 3 }] });
  });

  it('names the field at fault', () => {
    expect(() => checkHooks({ poststop: [{ path: 'relative' }] })).toThrow('hooks.poststop[0].path: must be an absolute path');
    expect(() => checkHooks({ createRuntime: [{ path: '/x' }, { path: '/y', timeout: 0 }] })).toThrow('hooks.createRuntime[1].timeout');
    expect(() => checkHooks({ startContainer: [{ path: '/x', args: [1] }] })).toThrow('hooks.startContainer[0].args');
    expect(() => checkHooks({ prestart: {} })).toThrow('hooks.prestart: must be an array');
  });

  it('asks the helper to stop before pivot_root only for the hooks that need it', () => {
    expect(needsHookSync({ poststart: [{ path: '/x' }], poststop: [{ path: '/x' }] })).toBe(false);
    expect(needsHookSync({ startContainer: [{ path: '/x' }] })).toBe(true);
    expect(needsHookSync({ prestart: [{ path: '/x' }] })).toBe(true);
  });

  it('hands the helper only createContainer and startContainer hooks, with argv and env', () => {
    const tokens: string[] = [];
    hookOps({ prestart: [{ path: '/p' }], createContainer: [{ path: '/c', args: ['c', '1'], env: ['E=2'], timeout: 5 }], startContainer: [{ path: '/s' }] },
      (name, ...args) => void tokens.push(name, ...args.map(String)));
    expect(tokens).toEqual(['hook', 'createContainer', '/c', '5', 'hookarg', 'c', 'hookarg', '1', 'hookenv', 'E=2', 'hook', 'startContainer', '/s', '0']);
  });

  it('puts hooksync with the state files in the plan', () => {
    const spec: Spec = {
      ociVersion: '1.0.2', process: { args: ['sh'], cwd: '/' }, root: { path: 'rootfs' },
      linux: { namespaces: [{ type: 'mount' }] }, hooks: { createContainer: [{ path: '/c' }] },
    };
    const files = { createContainer: '/run/x/a.json', startContainer: '/run/x/b.json' };
    const tokens = containerPlan(checkSpec('/b', spec), { cgroupProcs: [], cgroupDirs: {}, exitFile: '/run/x/exit.json', hookStateFiles: files });
    const i = tokens.indexOf('hooksync');
    expect(tokens.slice(i, i + 3)).toEqual(['hooksync', files.createContainer, files.startContainer]);
    expect(tokens).toContain('/c');
  });
});

describe('runHook', () => {
  it('passes the state on stdin, argv[0] and only the given env', async () => {
    const out = `/tmp/tsk-hook-test-${process.pid}`;
    await runHook({ path: '/bin/sh', args: ['hooky', '-c', `{ echo "$0 $X $HOME"; cat; } > ${out}`], env: ['X=1'] }, state, 'hooks.prestart[0]');
    const { readFile, rm } = await import('node:fs/promises');
    const [head, json] = (await readFile(out, 'utf8')).split('\n');
    await rm(out);
    expect(head).toBe('hooky 1 ');
    expect(JSON.parse(json ?? '')).toEqual(state);
  });

  it('fails with the status and output, or the timeout, naming the field', async () => {
    await expect(runHook({ path: '/bin/sh', args: ['sh', '-c', 'echo oops >&2; exit 4'] }, state, 'hooks.prestart[2]')).rejects.toThrow(/hooks\.prestart\[2\].*exited with status 4: oops/);
    await expect(runHook({ path: '/nonexistent' }, state, 'hooks.poststop[0]')).rejects.toThrow(/cannot run \/nonexistent \(hooks\.poststop\[0\]\.path\)/);
    const t0 = Date.now();
    await expect(runHook({ path: '/bin/sh', args: ['sh', '-c', 'sleep 30'], timeout: 1 }, state, 'hooks.createRuntime[0]')).rejects.toThrow(/timed out after 1s \(hooks\.createRuntime\[0\]\.timeout\)/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('runs on after a failure when warning, stops at it otherwise', async () => {
    const hooks = { poststop: [{ path: '/bin/false' }, { path: '/bin/true' }] };
    const warnings: string[] = [];
    await runHooks(hooks, 'poststop', state, (m) => warnings.push(m));
    expect(warnings).toHaveLength(1);
    await expect(runHooks(hooks, 'poststop', state)).rejects.toThrow(/hooks\.poststop\[0\]/);
  });
});
