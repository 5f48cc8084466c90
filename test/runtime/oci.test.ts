/**
 * runtime-spec points that the runtime-tools validation suite found wrong, on the real kernel:
 * kill and delete of a created container, fifo devices and exact device modes, soft rlimits,
 * unknown properties.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCollect, setupEnv, sh, sleep, type Env } from './_fixture.js';

let env: Env;
beforeAll(() => {
  env = setupEnv();
});
afterAll(async () => {
  await env.cleanup();
});

const gone = (pid: number): boolean => !existsSync(`/proc/${pid}`) || /\) Z/.test(spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout);

describe('a created container', () => {
  it('is stopped by kill with SIGTERM before start (init handles it while it waits on the fifo)', async () => {
    const id = env.track('kill-created');
    const c = await env.rt.create(id, { bundle: env.bundle('kill-created', sh('echo never')), stdio: 'ignore' });
    expect((await env.rt.state(id)).status).toBe('created');
    await env.rt.kill(id, 'SIGTERM');
    for (let i = 0; i < 200 && (await env.rt.state(id)).status !== 'stopped'; i++) await sleep(10);
    expect(await env.rt.state(id)).toMatchObject({ status: 'stopped', exitCode: 128 + 15 });
    expect(gone(c.pid)).toBe(true);
    await env.rt.delete(id);
  });

  it('is not deleted without --force (it is not stopped), and is with it', async () => {
    const id = env.track('delete-created');
    const c = await env.rt.create(id, { bundle: env.bundle('delete-created', sh('echo never')), stdio: 'ignore' });
    await expect(env.rt.delete(id)).rejects.toThrow(/is created: stop it first or use --force/);
    expect((await env.rt.state(id)).status).toBe('created');
    const t0 = Date.now();
    await env.rt.delete(id, true);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(existsSync(`${env.root}/${id}`)).toBe(false);
    expect(gone(c.pid)).toBe(true);
  });

  it('starts in a user namespace (the mapped root opens the exec fifo)', async () => {
    const id = env.track('userns-created');
    const b = env.bundle('userns-created', (s) => {
      s.process!.args = ['true'];
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 210000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 210000, size: 65536 }];
    });
    await env.rt.create(id, { bundle: b, stdio: 'ignore' });
    await env.rt.start(id);
    for (let i = 0; i < 200 && (await env.rt.state(id)).status !== 'stopped'; i++) await sleep(10);
    expect(await env.rt.state(id)).toMatchObject({ status: 'stopped', exitCode: 0 });
    await env.rt.delete(id);
  });

  it('fails create, not start, when the program does not exist', async () => {
    const id = env.track('no-program');
    await expect(env.rt.create(id, { bundle: env.bundle('no-program', (s) => void (s.process!.args = ['no-such-program'])), stdio: 'ignore' }))
      .rejects.toThrow(/exec no-such-program \(process.args\[0\], looked up in the container's PATH\)/);
    expect(existsSync(`${env.root}/${id}`)).toBe(false);
  });
});

describe('linux.devices', () => {
  it('makes fifo (p) devices, and every node with exactly its fileMode, uid and gid', async () => {
    const b = env.bundle('devices', (s) => {
      s.process!.args = ['sh', '-c', 'stat -c "%F %a %u %g" /dev/fifo /dev/mynull /dev/null; echo hi > /dev/mynull'];
      s.linux!.devices = [
        { path: '/dev/fifo', type: 'p', fileMode: 0o660, uid: 1, gid: 2 },
        { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666 },
      ];
    });
    const { code, out } = await runCollect(env, 'devices', b);
    expect(out).toBe('fifo 660 1 2\ncharacter special file 666 0 0\ncharacter special file 666 0 0\n');
    expect(code).toBe(0);
  });
});

describe('linux.rootfsPropagation', () => {
  for (const [prop, tag] of [['rshared', 'shared:'], ['shared', 'shared:'], ['runbindable', 'unbindable'], ['private', '']] as const) {
    it(`${prop}: the container's root gets it, and nothing shows on the host`, async () => {
      const b = env.bundle(`prop-${prop}`, (s) => {
        s.process!.args = ['sh', '-c', 'awk \'$5 == "/"\' /proc/self/mountinfo'];
        s.linux!.rootfsPropagation = prop;
      });
      const { code, out } = await runCollect(env, `prop-${prop}`, b);
      expect(code).toBe(0);
      if (tag) expect(out).toContain(` ${tag}`);
      else expect(out).not.toMatch(/shared:|master:|unbindable/);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(`${env.dir}/rootfs`);
    });
  }
});

describe('process.rlimits', () => {
  it('applies the soft and hard limits as asked (RLIMIT_NOFILE 3000/4000)', async () => {
    const b = env.bundle('rlimits', (s) => {
      s.process!.args = ['sh', '-c', 'ulimit -Sn; ulimit -Hn; grep "open files" /proc/self/limits'];
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 3000, hard: 4000 }];
    });
    const { code, out } = await runCollect(env, 'rlimits', b);
    expect(code).toBe(0);
    expect(out).toMatch(/^3000\n4000\nMax open files +3000 +4000 +files/);
  });
});

describe('config.json properties', () => {
  it('ignores an unknown property with a warning, and refuses a spec-defined one it lacks', () => {
    const b = env.bundle('unknown', (s) => {
      (s as unknown as Record<string, unknown>)['unknown'] = 'x';
      s.process!.args = ['true'];
    });
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, '--root', env.root, ...args], { encoding: 'utf8', timeout: 30_000 });
    const ok = cli('run', '-b', b, env.track('unknown'));
    expect(ok.stderr).toContain('unknown is not a runtime-spec property tsk-runtime knows: ignored');
    expect(ok.status).toBe(0);
    const b2 = env.bundle('intelrdt', (s) => {
      (s.linux as Record<string, unknown>)['intelRdt'] = { closID: 'x' };
    });
    const bad = cli('run', '-b', b2, env.track('intelrdt'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('linux.intelRdt: not supported by tsk-runtime');
  });
});

const havePython = spawnSync('python3', ['--version']).status === 0;

describe.skipIf(!havePython)('a subreaper caller (as conmon is)', () => {
  it('gets init handed over on a detached create: it reaps init and reads its exit status', () => {
    const id = env.track('handoff');
    const b = env.bundle('handoff', sh('exit 7'));
    // A child subreaper runs `tsk-runtime create`, then `start`, and waits for init itself.
    const script = [
      'import ctypes, os, subprocess, sys',
      'ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER',
      'node, cli, root, bundle, cid, pidfile = sys.argv[1:]',
      'subprocess.run([node, cli, "--root", root, "create", "-b", bundle, "--pid-file", pidfile, cid], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)',
      'pid = int(open(pidfile).read())',
      'subprocess.run([node, cli, "--root", root, "start", cid], check=True)',
      'while True:',
      '    p, status = os.waitpid(-1, 0)',
      '    if p == pid: break',
      'print(os.waitstatus_to_exitcode(status))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script, process.execPath, CLI, env.root, b, id, `${env.dir}/handoff.pid`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('7\n');
    // No exit.json then (the caller has the status), but the container shows stopped.
    const st = spawnSync(process.execPath, [CLI, '--root', env.root, 'state', id], { encoding: 'utf8' });
    expect(JSON.parse(st.stdout)).toMatchObject({ status: 'stopped' });
    expect(spawnSync(process.execPath, [CLI, '--root', env.root, 'delete', id]).status).toBe(0);
  });
});
