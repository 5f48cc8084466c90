/**
 * OCI hooks on the real kernel: every kind runs, in order, where the spec says (runtime or
 * container namespaces, before or after pivot_root), with the state on stdin, its args and env;
 * a failing or timed-out create/start hook fails the operation and leaves nothing behind, while
 * poststart/poststop failures are warnings.
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, type RuntimeLogger, type Spec } from '@tsk/runtime';
import { setupEnv, sleep, type Env } from './_fixture.js';

let env: Env;
let out: string;
beforeAll(() => {
  env = setupEnv();
  out = `${env.dir}/out`;
  mkdirSync(out);
});
afterAll(async () => {
  await env.cleanup();
});

interface HookSpec { path: string; args?: string[]; env?: string[]; timeout?: number }
type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/** A hook that runs `script` with busybox sh; `inContainer` paths resolve after pivot_root. */
function hook(script: string, inContainer = false, extra: Partial<HookSpec> = {}): HookSpec {
  const shell = inContainer ? '/bin/sh' : `${env.dir}/rootfs/bin/sh`;
  return { path: shell, args: ['sh', '-c', script], env: ['PATH=/bin:/usr/bin', 'HOOKVAR=from-config'], ...extra };
}

/** The bundle: /out in the container is `out` on the host, rw; the process records that it ran. */
function bundle(name: string, hooks: Partial<Record<HookKind, HookSpec[]>>, edit?: (s: Spec) => void): string {
  return env.bundle(name, (s) => {
    s.process!.args = ['sh', '-c', `echo ran >> /out/${name}.process`];
    s.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    s.annotations = { 'org.example/test': name };
    (s as unknown as { hooks: unknown }).hooks = hooks;
    edit?.(s);
  });
}

function capture(): { logger: RuntimeLogger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: RuntimeLogger = { warn: (_o, msg) => void warnings.push(msg), debug: () => undefined, child: () => logger };
  return { logger, warnings };
}

async function waitStopped(rt: Runtime, id: string): Promise<void> {
  for (let i = 0; i < 200 && (await rt.state(id)).status !== 'stopped'; i++) await sleep(10);
  expect((await rt.state(id)).status).toBe('stopped');
}

const read = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');

describe('hooks', () => {
  it('runs every kind in order, each where the spec puts it, with the state on stdin', async () => {
    const log = `${out}/order`;
    // Records: kind, argv0, env, hostname, mount namespace, and the state from stdin.
    const record = (kind: string, dir: string): string =>
      `echo ${kind} >> ${dir}/order; { echo "$0 $HOOKVAR $(hostname) $(readlink /proc/self/ns/mnt)"; cat; echo; } > ${dir}/${kind}.txt`;
    const b = bundle('all', {
      prestart: [hook(record('prestart', out))],
      createRuntime: [hook(record('createRuntime', out))],
      // Before pivot_root: host paths resolve, but the namespaces are the container's.
      createContainer: [hook(`${record('createContainer', out)}; test -d ${env.dir}/rootfs/bin && echo host-paths >> ${out}/createContainer.txt`)],
      // After pivot_root: /out is the bind mount, and the host's paths are gone.
      startContainer: [hook(`${record('startContainer', '/out')}; test -e ${env.dir}/rootfs/bin || echo no-host-paths >> /out/startContainer.txt`, true)],
      poststart: [hook(record('poststart', out))],
      poststop: [hook(record('poststop', out))],
    });
    const id = env.track('all');
    const c = await env.rt.create(id, { bundle: b, stdio: 'ignore' });
    expect(read(log)).toBe('prestart\ncreateRuntime\ncreateContainer\n');
    expect(read(`${out}/all.process`)).toBe('');
    await env.rt.start(id);
    expect(read(log)).toBe('prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\n');
    await waitStopped(env.rt, id);
    expect(read(`${out}/all.process`)).toBe('ran\n');
    await env.rt.delete(id);
    expect(read(log)).toBe('prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\npoststop\n');

    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    const parse = (kind: string): { head: string; state: Record<string, unknown>; rest: string } => {
      const [head = '', json = '{}', ...rest] = read(`${out}/${kind}.txt`).split('\n');
      return { head, state: JSON.parse(json) as Record<string, unknown>, rest: rest.join('\n') };
    };
    const expected = { id, bundle: b, annotations: { 'org.example/test': 'all' } };
    for (const [kind, status] of [['prestart', 'created'], ['createRuntime', 'created'], ['createContainer', 'creating'], ['startContainer', 'created'], ['poststart', 'running']] as const) {
      const { head, state } = parse(kind);
      expect(head.startsWith('sh from-config ')).toBe(true);
      expect(state).toMatchObject({ ...expected, status, pid: c.pid });
      const inContainer = kind === 'createContainer' || kind === 'startContainer';
      // Container hooks see the container's hostname and mount namespace; runtime hooks ours.
      expect(head.includes(' runc ')).toBe(inContainer);
      expect(head.endsWith(hostMnt)).toBe(!inContainer);
    }
    expect(parse('poststop').state).toMatchObject({ ...expected, status: 'stopped' });
    expect(parse('createContainer').rest).toContain('host-paths');
    expect(parse('startContainer').rest).toContain('no-host-paths');
  });

  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    it(`a failing ${kind} hook fails create, runs poststop, and leaves nothing behind`, async () => {
      const name = `fail-${kind}`;
      const b = bundle(name, { [kind]: [hook('echo broken >&2; exit 3')], poststop: [hook(`echo ${name} >> ${out}/${name}.poststop`)] });
      const id = env.track(name);
      await expect(env.rt.create(id, { bundle: b, stdio: 'ignore' })).rejects.toThrow(new RegExp(`hooks\\.${kind}\\[0\\].*status 3.*broken`));
      expect(existsSync(`${env.root}/${id}`)).toBe(false);
      expect(existsSync(`/sys/fs/cgroup/memory${env.cgroupParent}/${name}`)).toBe(false);
      expect(read(`${out}/${name}.process`)).toBe('');
      expect(read(`${out}/${name}.poststop`)).toBe(`${name}\n`);
    });
  }

  it('kills a hook at its timeout and fails create, naming the field', async () => {
    const b = bundle('timeout', { createRuntime: [hook('sleep 20', false, { timeout: 1 })] });
    const t0 = Date.now();
    await expect(env.rt.create(env.track('timeout'), { bundle: b, stdio: 'ignore' })).rejects.toThrow(/hooks\.createRuntime\[0\].*timed out after 1s \(hooks\.createRuntime\[0\]\.timeout\)/);
    expect(Date.now() - t0).toBeLessThan(5000);
    const b2 = bundle('timeout-in', { createContainer: [hook('sleep 20', false, { timeout: 1 })] });
    await expect(env.rt.create(env.track('timeout-in'), { bundle: b2, stdio: 'ignore' })).rejects.toThrow(/timed out after 1s \(hooks\.createContainer\[0\]\.timeout\)/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a failing startContainer hook fails start; the process never runs and the container is stopped', async () => {
    const b = bundle('fail-start', { startContainer: [hook('exit 5', true)] });
    const id = env.track('fail-start');
    await env.rt.create(id, { bundle: b, stdio: 'ignore' });
    await expect(env.rt.start(id)).rejects.toThrow(/hooks\.startContainer\[0\].*status 5/);
    await waitStopped(env.rt, id);
    expect(read(`${out}/fail-start.process`)).toBe('');
    await env.rt.delete(id);
  });

  it('poststart and poststop failures are warnings; the later hooks still run', async () => {
    const { logger, warnings } = capture();
    const rt = new Runtime({ root: env.root, logger, cgroupParent: env.cgroupParent });
    const b = bundle('warn', {
      poststart: [hook('exit 1'), hook(`echo poststart >> ${out}/warn.log`)],
      poststop: [{ path: '/nonexistent/hook' }, hook(`echo poststop >> ${out}/warn.log`)],
    });
    const id = env.track('warn');
    await rt.run(id, { bundle: b, stdio: 'ignore' });
    await waitStopped(rt, id);
    await rt.delete(id);
    expect(read(`${out}/warn.log`)).toBe('poststart\npoststop\n');
    expect(warnings.join('\n')).toMatch(/hooks\.poststart\[0\].*status 1/);
    expect(warnings.join('\n')).toMatch(/hooks\.poststop\[0\].*\/nonexistent\/hook/);
  });

  it('runs container hooks as the mapped root of a user namespace', async () => {
    const b = bundle('userns', {
      createContainer: [hook(`id -u >> ${out}/userns.log; cat /proc/self/uid_map >> ${out}/userns.log`)],
      startContainer: [hook('id -u >> /out/userns.log', true)],
    }, (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    });
    const id = env.track('userns');
    await env.rt.create(id, { bundle: b, stdio: 'ignore' });
    await env.rt.start(id);
    await waitStopped(env.rt, id);
    expect(read(`${out}/userns.log`)).toMatch(/^0\n\s+0\s+0\s+65536\n0\n$/);
    await env.rt.delete(id);
  });

  it('runs the createContainer and startContainer hooks for `run` as well', async () => {
    const b = bundle('run', {
      createContainer: [hook(`echo createContainer >> ${out}/run.log`)],
      startContainer: [hook('echo startContainer >> /out/run.log', true)],
      poststart: [hook(`echo poststart >> ${out}/run.log`)],
    });
    const id = env.track('run');
    await env.rt.run(id, { bundle: b, stdio: 'ignore' });
    await waitStopped(env.rt, id);
    expect(read(`${out}/run.log`)).toBe('createContainer\nstartContainer\npoststart\n');
    expect(read(`${out}/run.process`)).toBe('ran\n');
    await env.rt.delete(id);
  });
});
