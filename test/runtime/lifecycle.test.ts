/**
 * The OCI lifecycle through the CLI and the library on the real kernel: statuses, exec, pause,
 * kill, delete leaving nothing behind, and a container outliving the CLI that started it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execInContainer } from '@tsk/runtime';
import { CLI, setupEnv, sh, sleep, type Env } from './_fixture.js';

let env: Env;
beforeAll(() => {
  env = setupEnv();
});
afterAll(async () => {
  await env.cleanup();
});

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, '--root', env.root, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
/** For verbs that leave a container running: it inherits our stdio, so give it none to hold. */
function cliDetached(...args: string[]): number {
  return spawnSync(process.execPath, [CLI, '--root', env.root, ...args], { stdio: 'ignore', timeout: 30_000 }).status ?? -1;
}
const status = (id: string): string => (JSON.parse(cli('state', id).out) as { status: string }).status;
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');

describe('tsk-runtime CLI', () => {
  it('runs the runc spec bundle in the foreground and returns its exit code', () => {
    const b = env.bundle('fg', sh('echo hello from $(hostname); exit 7'));
    const r = cli('run', '-b', b, env.track('fg'));
    expect(r.out).toBe('hello from runc\n');
    expect(r.code).toBe(7);
    // run without --keep deletes the container
    expect(cli('state', 'fg').code).toBe(1);
  });

  it('walks create → created → start → running → pause → paused → resume → kill → stopped → delete', async () => {
    const b = env.bundle('life', sh('trap "exit 3" TERM; while true; do sleep 0.1; done'));
    const id = env.track('life');
    const pidFile = `${env.dir}/life.pid`;
    expect(cliDetached('create', '-b', b, '--pid-file', pidFile, id)).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(status(id)).toBe('created');
    expect(cli('start', id).code).toBe(0);
    expect(status(id)).toBe('running');
    expect(cli('ps', '--format', 'json', id).out).toContain(String(pid));
    expect(cli('pause', id).code).toBe(0);
    expect(status(id)).toBe('paused');
    expect(cli('resume', id).code).toBe(0);
    expect(status(id)).toBe('running');
    const stats = JSON.parse(cli('events', '--stats', id).out) as { data: { pids: { current: number }; memory: { usage: number } } };
    expect(stats.data.pids.current).toBeGreaterThanOrEqual(1);
    expect(stats.data.memory.usage).toBeGreaterThan(0);
    expect(cli('delete', id).err).toMatch(/running: stop it first or use --force/);
    expect(cli('kill', id, 'TERM').code).toBe(0);
    for (let i = 0; i < 100 && status(id) !== 'stopped'; i++) await sleep(20);
    const st = JSON.parse(cli('state', id).out) as { status: string; exitCode: number };
    expect(st).toMatchObject({ status: 'stopped', exitCode: 3 });
    expect(cli('list', '-q').out).toContain(id);
    expect(cli('delete', id).code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(`${env.root}/${id}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/memory${env.cgroupParent}/${id}`)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(`${env.dir}/rootfs`);
  });

  it('execs in the container namespaces, with env, cwd and exit code', () => {
    const b = env.bundle('ex', sh('sleep 100'));
    const id = env.track('ex');
    expect(cliDetached('run', '-d', '-b', b, id)).toBe(0);
    const r = cli('exec', '-e', 'X=42', '--cwd', '/bin', id, 'sh', '-c', 'echo $X $(pwd) $(hostname); ps -o pid,args | grep -c "^ *1 sleep 100"; exit 4');
    expect(r.out).toBe('42 /bin runc\n1\n');
    expect(r.code).toBe(4);
    expect(cli('delete', '--force', id).code).toBe(0);
  });

  it('exec -d leaves a process that kill --all reaches, and delete --force leaves none', async () => {
    const b = env.bundle('multi', sh('sleep 100'));
    const id = env.track('multi');
    expect(cliDetached('run', '-d', '-b', b, id)).toBe(0);
    const pidFile = `${env.dir}/multi-exec.pid`;
    expect(cliDetached('exec', '-d', '--pid-file', pidFile, id, 'sleep', '200')).toBe(0);
    const execPid = Number(readFileSync(pidFile, 'utf8'));
    const pids = JSON.parse(cli('ps', '--format', 'json', id).out) as number[];
    expect(pids).toContain(execPid);
    expect(pids.length).toBe(2);
    expect(cli('kill', '--all', id, 'KILL').code).toBe(0);
    for (let i = 0; i < 100 && status(id) !== 'stopped'; i++) await sleep(20);
    expect(status(id)).toBe('stopped');
    expect(cli('delete', '--force', id).code).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('keeps the container when the CLI is killed, and records its exit code', async () => {
    const b = env.bundle('orphan', sh('sleep 2; exit 9'));
    const id = env.track('orphan');
    const pidFile = `${env.dir}/orphan.pid`;
    const child = spawn(process.execPath, [CLI, '--root', env.root, 'run', '--keep', '--pid-file', pidFile, '-b', b, id], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await sleep(10);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(alive(pid)).toBe(true);
    expect(status(id)).toBe('running');
    for (let i = 0; i < 300 && status(id) !== 'stopped'; i++) await sleep(20);
    const st = JSON.parse(cli('state', id).out) as { status: string; exitCode: number };
    expect(st).toMatchObject({ status: 'stopped', exitCode: 9 });
    expect(alive(pid)).toBe(false); // reaped: no zombie left behind
    expect(cli('delete', id).code).toBe(0);
  });

  it('names the field of a bad config', () => {
    const b = env.bundle('bad', (s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_WINGS', soft: 1, hard: 1 }];
    });
    const r = cli('run', '-b', b, env.track('bad'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/process.rlimits\[0\].type: unknown rlimit/);
    expect(existsSync(`${env.root}/bad`)).toBe(false);
  });

  it('reports a missing program with the step and field', () => {
    const r = cli('run', '-b', env.bundle('noexec', (s) => void (s.process!.args = ['/nope'])), env.track('noexec'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/exec \/nope \(process.args\[0\]\)/);
  });
});

describe('library', () => {
  it('exec with a terminal gets a pty', async () => {
    const b = env.bundle('tty', sh('sleep 100'));
    const id = env.track('tty');
    await env.rt.run(id, { bundle: b, stdio: 'ignore' });
    const r = cli('exec', '-t', id, 'tty');
    expect(r.out.trim()).toMatch(/^\/dev\/pts\/\d+$/);
    const e = await execInContainer(env.rt, id, { args: ['sh', '-c', 'exit 6'], stdio: 'ignore' });
    expect(await e.exited).toBe(6);
    await env.rt.delete(id, true);
  });
});
