/**
 * Podman (Debian's 4.3) with tsk-runtime as its OCI runtime (`podman --runtime`), on a local image
 * made by `podman import` of a busybox rootfs tar: no registry, no network.
 *
 * Podman state lives in a temp --root/--runroot/--tmpdir (vfs driver, so no overlay mounts), its
 * containers go under a cgroup parent of our own, and afterAll removes every container, the
 * cgroups (including podman's `conmon` one), any mount under the temp dir, and the temp dir.
 *
 * See libs/runtime/README.md "Compatibility" for what works and what does not (exit codes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeRootfs } from './_fixture.js';

const havePodman = spawnSync('podman', ['--version']).status === 0;
const IMAGE = 'localhost/tsk-busybox:test';

let dir = '';
let cgroupParent = '';
let args: string[] = [];
// podman passes no --root to the runtime, so tsk-runtime uses its default; remove it if we made it.
const RUNTIME_ROOT = '/run/tsk-runtime';
const hadRuntimeRoot = existsSync(RUNTIME_ROOT);
// This sandbox has no CAP_SYS_RESOURCE: podman's default rlimits (nofile 1048576, nproc 4194304)
// cannot be set by any runtime (runc fails the same way), so ask for what podman itself runs with.
const ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

function podman(...a: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('podman', [...args, ...a], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Removes a cgroup directory tree, children first. */
function rmCgroupTree(path: string): void {
  if (!existsSync(path)) return;
  for (const e of readdirSync(path, { withFileTypes: true })) if (e.isDirectory()) rmCgroupTree(`${path}/${e.name}`);
  rmdirSync(path);
}

beforeAll(() => {
  if (!havePodman) return;
  dir = mkdtempSync(`${tmpdir()}/tsk-podman-`);
  chmodSync(dir, 0o755);
  cgroupParent = `/tsk-podman-test-${process.pid}`;
  args = ['--root', `${dir}/root`, '--runroot', `${dir}/runroot`, '--tmpdir', `${dir}/tmp`, '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', CLI];
  makeRootfs(`${dir}/rootfs`);
  execFileSync('tar', ['-C', `${dir}/rootfs`, '-cf', `${dir}/rootfs.tar`, '.']);
  const r = podman('import', `${dir}/rootfs.tar`, IMAGE);
  if (r.code !== 0) throw new Error(`podman import: ${r.err}`);
});

afterAll(() => {
  if (!dir) return;
  try {
    const ids = podman('ps', '-aq', '--no-trunc').out.split('\n').filter((l) => l !== '');
    if (ids.length > 0) podman('rm', '-f', '-t', '0', ...ids);
    // A container podman lost track of: delete it from tsk-runtime's state directly.
    for (const id of ids) spawnSync(CLI, ['delete', '--force', id], { stdio: 'ignore' });
    podman('rmi', '-f', IMAGE);
  } finally {
    for (const h of readdirSync('/sys/fs/cgroup')) {
      try {
        rmCgroupTree(`/sys/fs/cgroup/${h}${cgroupParent}`);
      } catch {
        /* busy or absent */
      }
    }
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir)).reverse();
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
    if (!hadRuntimeRoot) {
      try {
        rmdirSync(RUNTIME_ROOT); // only if empty
      } catch {
        /* not empty or absent */
      }
    }
  }
});

describe.skipIf(!havePodman)('podman --runtime tsk-runtime', () => {
  it('runs `run --rm IMAGE echo hi` and prints its output', () => {
    const r = podman('run', '--rm', '--network', 'none', '--cgroup-parent', cgroupParent, ...ULIMITS, IMAGE, 'echo', 'hi');
    expect(r.out).toBe('hi\n');
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/Error:/);
  });

  // conmon is a child subreaper and reads init's status with waitpid: the shim hands init over
  // to it (native/handoff.h) instead of staying resident, so exit codes reach podman.
  it('reports exit codes of run, run -t, inspect and exec', () => {
    const base = ['--network', 'none', '--cgroup-parent', cgroupParent, ...ULIMITS];
    expect(podman('run', '--rm', ...base, IMAGE, 'sh', '-c', 'exit 3').code).toBe(3);
    expect(podman('run', '--rm', '-t', ...base, IMAGE, 'sh', '-c', 'exit 5').code).toBe(5);
    const name = `tsk-pm-exit-${process.pid}`;
    expect(podman('run', '-d', '--name', name, ...base, IMAGE, 'sh', '-c', 'sleep 100').code).toBe(0);
    expect(podman('exec', name, 'sh', '-c', 'exit 4').code).toBe(4);
    expect(podman('exec', name, 'true').code).toBe(0);
    expect(podman('kill', name).code).toBe(0);
    for (let i = 0; i < 50 && podman('inspect', name, '--format', '{{.State.Status}}').out.trim() !== 'exited'; i++) spawnSync('sleep', ['0.1']);
    expect(podman('inspect', name, '--format', '{{.State.ExitCode}}').out.trim()).toBe('137'); // podman kill sends SIGKILL
    expect(podman('rm', name).code).toBe(0);
  });

  it('runs a detached container through ps, exec, logs, top, pause/unpause, stats, stop and rm', () => {
    const name = `tsk-pm-${process.pid}`;
    const run = podman('run', '-d', '--name', name, '--network', 'none', '--cgroup-parent', cgroupParent, '-m', '64m', ...ULIMITS, IMAGE, 'sh', '-c', 'echo started; exec sleep 100');
    expect(run.code, run.err).toBe(0);
    expect(podman('ps', '--format', '{{.Names}} {{.Status}}').out).toMatch(new RegExp(`^${name} Up`, 'm'));
    const ex = podman('exec', name, 'sh', '-c', 'echo in-exec; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ps -o pid,args');
    expect(ex.out).toMatch(/^in-exec\n67108864\n/);
    expect(ex.out).toMatch(/^\s+1 sleep 100$/m);
    expect(podman('logs', name).out).toBe('started\n');
    expect(podman('top', name).out).toContain('sleep 100');
    expect(podman('pause', name).code).toBe(0);
    expect(podman('inspect', name, '--format', '{{.State.Status}}').out.trim()).toBe('paused');
    expect(podman('unpause', name).code).toBe(0);
    expect(podman('inspect', name, '--format', '{{.State.Status}}').out.trim()).toBe('running');
    const stats = podman('stats', '--no-stream', '--format', '{{.PIDs}}', name);
    expect(stats.code, stats.err).toBe(0);
    expect(stats.out.trim()).toBe('1');
    // sleep as PID 1 ignores SIGTERM (no handler), as under runc: stop falls back to SIGKILL.
    expect(podman('stop', '-t', '1', name).code).toBe(0);
    expect(podman('inspect', name, '--format', '{{.State.Status}}').out.trim()).toBe('exited');
    expect(podman('rm', name).code).toBe(0);
    expect(podman('ps', '-aq').out.trim()).toBe('');
  });
});
