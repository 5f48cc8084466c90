/**
 * Cgroup limits, OOM reporting, user namespaces, overlay rootfs and seccomp on the real kernel,
 * plus the v2 manager on a private cgroup2 mount (this host is v1/hybrid).
 */
import { existsSync, mkdirSync, openSync, readFileSync, rmdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execInContainer, LinuxSyscalls, Runtime } from '@tsk/runtime';
import { silentLogger } from '@tsk/log';
import { runCollect, setupEnv, sh, type Env } from './_fixture.js';

let env: Env;
beforeAll(() => {
  env = setupEnv();
});
afterAll(async () => {
  await env.cleanup();
});

describe('cgroup limits', () => {
  it('kills a process over its memory limit and reports OOMKilled', async () => {
    const b = env.bundle('oom', (s) => {
      s.process!.args = ['sh', '-c', 'echo start; exec dd if=/dev/zero of=/dev/null bs=64M count=1'];
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 16 << 20, swap: 16 << 20 } };
    });
    const r = await runCollect(env, 'oom', b);
    expect(r.out).toContain('start');
    expect(r.oom).toBe(true);
    expect(r.code).toBe(137);
    const st = await env.rt.state('oom');
    expect(st).toMatchObject({ status: 'stopped', oomKilled: true });
  });

  it('applies pids, cpu quota and memory limits visibly inside', async () => {
    const b = env.bundle('lim', (s) => {
      s.process!.args = ['sh', '-c', 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; for i in 1 2 3 4 5 6 7 8; do sleep 2 & done 2>&1 | grep -c "t fork" ; wait'];
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 << 20 }, cpu: { quota: 50000, period: 100000 }, pids: { limit: 4 } };
    });
    const r = await runCollect(env, 'lim', b);
    const [quota, mem, pids, refused] = r.out.trim().split('\n');
    expect(quota).toBe('50000');
    expect(Number(mem)).toBe(64 << 20);
    expect(pids).toBe('4');
    expect(Number(refused)).toBeGreaterThan(0);
  });
});

describe('user namespace', () => {
  it('is root inside and an unprivileged uid outside', async () => {
    const b = env.bundle('userns', (s) => {
      s.process!.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; sleep 0.5'];
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    });
    const outFile = `${env.dir}/userns.out`;
    const fd = openSync(outFile, 'w');
    const c = await env.rt.run(env.track('userns'), { bundle: b, stdio: ['ignore', fd, fd], attach: true });
    const hostUid = /Uid:\s+(\d+)/.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))?.[1];
    const exit = await c.exited;
    expect(exit.exitCode).toBe(0);
    expect(hostUid).toBe('200000');
    expect(readFileSync(outFile, 'utf8')).toMatch(/^0\n\s+0\s+200000\s+65536/);
  });
});

describe('exec into a user-namespaced container', () => {
  it('joins its user namespace and cgroup', async () => {
    const b = env.bundle('userns-exec', (s) => {
      s.process!.args = ['sleep', '100'];
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
    });
    const id = env.track('userns-exec');
    await env.rt.run(id, { bundle: b, stdio: 'ignore' });
    const outFile = `${env.dir}/userns-exec.out`;
    const fd = openSync(outFile, 'w');
    const e = await execInContainer(env.rt, id, { args: ['sh', '-c', 'id -u; cat /proc/self/uid_map'], stdio: ['ignore', fd, fd] });
    expect(await e.exited).toBe(0);
    expect(readFileSync(outFile, 'utf8')).toMatch(/^0\n\s+0\s+300000\s+65536/);
    await env.rt.delete(id, true);
  });
});

describe('overlay rootfs', () => {
  it('writes go to the upper dir; the image stays untouched', async () => {
    const upper = `${env.dir}/upper`;
    const work = `${env.dir}/work`;
    const mnt = `${env.dir}/merged`;
    for (const d of [upper, work, mnt]) mkdirSync(d);
    const b = env.bundle('ovl', (s) => {
      s.root = { path: mnt, readonly: false };
      s.process!.args = ['sh', '-c', 'echo new > /bin/created; rm /bin/true; ls /bin | wc -l'];
      s.annotations = { 'tsk.dev/overlay.lowerdirs': `${env.dir}/rootfs`, 'tsk.dev/overlay.upperdir': upper, 'tsk.dev/overlay.workdir': work };
    });
    const r = await runCollect(env, 'ovl', b);
    expect(r.code).toBe(0);
    expect(readFileSync(`${upper}/bin/created`, 'utf8')).toBe('new\n');
    expect(existsSync(`${env.dir}/rootfs/bin/created`)).toBe(false);
    expect(existsSync(`${env.dir}/rootfs/bin/true`)).toBe(true);
    // The overlay lived in the container's mount namespace only.
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(mnt);
  });
});

describe('seccomp', () => {
  it('loads the config filter: a denied syscall fails with its errno, others work', async () => {
    const b = env.bundle('sec', (s) => {
      s.process!.args = ['sh', '-c', 'mkdir /tmp/x 2>&1; echo ok'];
      s.root!.readonly = false;
      s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    const r = await runCollect(env, 'sec', b);
    expect(r.out).toMatch(/Operation not permitted/);
    expect(r.out).toContain('ok');
  });
});

describe('cgroup v2 on a private cgroup2 mount', () => {
  it('runs, freezes and cleans up a container', async () => {
    const sys = new LinuxSyscalls();
    const mnt = `${env.dir}/cg2`;
    mkdirSync(mnt);
    sys.mount('cgroup2', mnt, 'cgroup2', 0, '');
    const parent = `/tsk-v2-${process.pid}`;
    try {
      const rt = new Runtime({ root: `${env.dir}/state-v2`, logger: silentLogger(), cgroupLayout: { version: 2, root: mnt }, cgroupParent: parent });
      const b = env.bundle('v2', (s) => {
        sh('sleep 100')(s);
        s.linux!.cgroupsPath = `${parent}/v2`;
      });
      const c = await rt.run('v2', { bundle: b, stdio: 'ignore' });
      try {
        expect(readFileSync(`${mnt}${parent}/v2/cgroup.procs`, 'utf8')).toContain(String(c.pid));
        await rt.pause('v2');
        expect((await rt.state('v2')).status).toBe('paused');
        expect(readFileSync(`/proc/${c.pid}/status`, 'utf8')).toMatch(/State:\s+S/);
        await rt.resume('v2');
        expect((await rt.state('v2')).status).toBe('running');
      } finally {
        await rt.delete('v2', true);
      }
      expect(existsSync(`${mnt}${parent}/v2`)).toBe(false);
    } finally {
      try {
        rmdirSync(`${mnt}${parent}`);
      } catch {
        /* already gone */
      }
      sys.umount(mnt, 0);
    }
  });
});

