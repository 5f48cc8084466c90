/**
 * Namespaces and the default `runc spec` confinement, on the real kernel: what a process inside
 * sees, and escape attempts that must fail.
 */
import { mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRootfs, runCollect, setupEnv, sh, type Env } from './_fixture.js';

let env: Env;
beforeAll(() => {
  env = setupEnv();
});
afterAll(async () => {
  await env.cleanup();
});

describe('namespaces', () => {
  it('shows PID 1, only lo, its own hostname and none of the host mounts', async () => {
    const b = env.bundle('ns', sh('echo pid=$$; ps -o pid | wc -l; ls /sys/class/net; hostname; cat /proc/mounts'));
    const { code, out } = await runCollect(env, 'ns', b);
    expect(code).toBe(0);
    expect(out).toContain('pid=1\n');
    // header + sh + ps + wc: nothing of the host
    expect(Number(/^(\d+)$/m.exec(out)?.[1])).toBeLessThanOrEqual(4);
    expect(out).toMatch(/^lo\nrunc\n/m);
    expect(out).not.toContain('/work');
    expect(out).not.toMatch(/ \/sys\/fs\/cgroup\/memory cgroup .*rw/);
  });
});

describe('cgroup namespace', () => {
  it('shows the container its own cgroup as the root', async () => {
    const b = env.bundle('cgns', (s) => {
      s.process!.args = ['cat', '/proc/self/cgroup'];
      s.linux!.namespaces!.push({ type: 'cgroup' });
    });
    const { code, out } = await runCollect(env, 'cgns', b);
    expect(code).toBe(0);
    expect(out).toMatch(/:memory:\/\n/);
    expect(out).not.toContain(env.cgroupParent);
  });
});

describe('namespaces joined by path', () => {
  it('lets a second container share the network namespace of the first, as pods do', async () => {
    const first = await env.rt.run(env.track('pod-a'), { bundle: env.bundle('pod-a', sh('sleep 100')), stdio: 'ignore' });
    const b = env.bundle('pod-b', (s) => {
      s.process!.args = ['readlink', '/proc/self/ns/net'];
      s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: `/proc/${first.pid}/ns/net` } : n));
    });
    const { code, out } = await runCollect(env, 'pod-b', b);
    expect(code).toBe(0);
    expect(out.trim()).toBe(readlinkSync(`/proc/${first.pid}/ns/net`));
    expect(out.trim()).not.toBe(readlinkSync('/proc/self/ns/net'));
  });
});

describe('process settings', () => {
  it('applies user, groups, sysctl, oom_score_adj, no_new_privs, rlimits and a read-only root', async () => {
    const b = env.bundle('proc', (s) => {
      s.process!.args = ['sh', '-c', 'id; cat /proc/sys/net/ipv4/ip_forward /proc/self/oom_score_adj; grep NoNewPrivs /proc/self/status; ulimit -n; touch /x 2>&1 || true; grep CapEff /proc/self/status'];
      s.process!.user = { uid: 1000, gid: 1000, additionalGids: [5, 7] };
      s.process!.oomScoreAdj = 500;
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    });
    const { code, out } = await runCollect(env, 'proc', b);
    expect(code).toBe(0);
    expect(out).toMatch(/^uid=1000 gid=1000 groups=5,7\n1\n500\nNoNewPrivs:\t1\n1024\n/);
    expect(out).toMatch(/Read-only file system/);
    // A non-root user keeps only ambient caps (runc spec lists none as inheritable, so none).
    expect(out).toContain('CapEff:\t0000000000000000');
  });
});

describe('an image cannot point mounts at the host', () => {
  it('refuses a mount destination that resolves through a symlink outside the rootfs', async () => {
    const rootfs = `${env.dir}/evil-rootfs`;
    makeRootfs(rootfs);
    const decoy = `${env.dir}/host-dir`;
    mkdirSync(decoy);
    symlinkSync(decoy, `${rootfs}/proc`);
    const b = env.bundle('evil', (s) => void (s.root = { path: rootfs, readonly: true }));
    await expect(runCollect(env, 'evil', b)).rejects.toThrow(/mount destination \/proc resolves outside the rootfs/);
    expect(readdirSync(decoy)).toEqual([]);
  });
});

describe('escapes with the default runc spec config fail', () => {
  const attempts: Array<[string, string]> = [
    ['mount', 'mount -t tmpfs none /tmp'],
    ['write /proc/sys', 'echo 1 > /proc/sys/kernel/panic'],
    ['host root via /proc/1/root', 'ls /proc/1/root/work'],
    ['mknod', 'mknod /tmp/mem c 1 1'],
    ['load a module', 'insmod /lib/modules/x.ko || modprobe dummy; test -e /sys/module/dummy'],
    ['raise a limit', 'ulimit -n 4096'],
    ['unshare a user namespace to regain caps', 'unshare -r -m mount -t tmpfs none /tmp'],
    ['sysrq', 'echo b > /proc/sysrq-trigger'],
    ['read kcore', 'head -c 1 /proc/kcore | wc -c | grep -qv "^0"'],
  ];
  for (const [name, script] of attempts) {
    it(name, async () => {
      const { code } = await runCollect(env, `esc-${name.replace(/[^a-z]/g, '')}`, env.bundle(`esc-${name.replace(/[^a-z]/g, '')}`, sh(script)));
      expect(code).not.toBe(0);
    });
  }

  it('cannot signal or ptrace a host process: host pids do not exist inside', async () => {
    const hostPid = process.pid;
    const b = env.bundle('ptrace', sh(`kill -0 ${hostPid} || echo nokill; test -e /proc/${hostPid} || echo noproc`));
    const { out } = await runCollect(env, 'ptrace', b);
    expect(out).toContain('nokill');
    expect(out).toContain('noproc');
  });

  it('keeps capabilities to the bounding set of the config', async () => {
    const { out } = await runCollect(env, 'caps', env.bundle('caps', sh('grep CapBnd /proc/self/status')));
    // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
    expect(out.trim()).toBe('CapBnd:\t0000000020000420');
  });
});
