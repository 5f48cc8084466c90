/**
 * Device rules on cgroup v2, enforced by the eBPF program tsk attaches to the container's
 * cgroup, on the real kernel: a private cgroup2 mount (this host is v1/hybrid; cgroup BPF runs
 * on the one cgroup2 hierarchy whatever is mounted where). The container gets CAP_MKNOD, so
 * only the device program stands between it and a device node it makes itself.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceProgramIds, LinuxSyscalls, Runtime, type Spec } from '@tsk/runtime';
import { silentLogger } from '@tsk/log';
import { setupEnv, type Env } from './_fixture.js';

let env: Env;
const sys = new LinuxSyscalls();
let mnt = '';
let mounted = false;
const parent = `/tsk-dev-${process.pid}`;
let rt: Runtime;
const ids: string[] = [];

beforeAll(() => {
  env = setupEnv();
  mnt = `${env.dir}/cg2`;
  mkdirSync(mnt);
  sys.mount('cgroup2', mnt, 'cgroup2', 0, '');
  mounted = true;
  rt = new Runtime({ root: `${env.dir}/state-dev`, logger: silentLogger(), cgroupLayout: { version: 2, root: mnt }, cgroupParent: parent });
});

afterAll(async () => {
  try {
    for (const id of ids) await rt.delete(id, true).catch(() => undefined);
    for (const id of ids) {
      try {
        rmdirSync(`${mnt}${parent}/${id}`);
      } catch {
        /* removed by delete */
      }
    }
    try {
      rmdirSync(`${mnt}${parent}`);
    } catch {
      /* never made */
    }
  } finally {
    if (mounted) sys.umount(mnt, 0);
    await env.cleanup();
  }
});

const SCRIPT = [
  'head -c 4 /dev/zero | wc -c',
  'cat /dev/null && echo null-ok',
  'echo hi > /dev/null && echo null-write-ok',
  'mknod /tmp/kmsg c 1 11 && echo mknod-c-ok',
  'mknod /tmp/sda b 8 0 && echo mknod-b-ok',
  '(exec 3>/tmp/kmsg) 2>&1 && echo kmsg-write-ok',
  '(exec 3</tmp/kmsg) 2>&1 && echo kmsg-read-ok',
  'head -c 1 /tmp/sda 2>&1',
  'true',
].join('; ');

async function runV2(name: string, edit: (s: Spec) => void): Promise<string> {
  const b = env.bundle(name, (s) => {
    s.process!.args = ['sh', '-c', SCRIPT];
    for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set]!.push('CAP_MKNOD');
    s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    s.linux!.cgroupsPath = `${parent}/${name}`;
    edit(s);
  });
  const outFile = `${env.dir}/${name}.out`;
  const fd = openSync(outFile, 'w');
  ids.push(name);
  try {
    const c = await rt.run(name, { bundle: b, stdio: ['ignore', fd, fd], attach: true });
    // One program, attached to the container's own cgroup, while it runs.
    expect(deviceProgramIds(sys, `${mnt}${parent}/${name}`)).toHaveLength(1);
    const exit = await c.exited;
    expect(exit.exitCode).toBe(0);
  } finally {
    closeSync(fd);
  }
  await rt.delete(name, true);
  expect(existsSync(`${mnt}${parent}/${name}`)).toBe(false);
  return readFileSync(outFile, 'utf8');
}

describe('device rules on cgroup v2 (eBPF)', () => {
  it('with runc spec rules allows /dev/null and /dev/zero but no other device, even made with CAP_MKNOD', async () => {
    const out = await runV2('devdefault', (s) => {
      expect(s.linux!.resources!.devices).toEqual([{ allow: false, access: 'rwm' }]);
    });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('4');
    expect(out).toContain('null-ok');
    expect(out).toContain('null-write-ok');
    expect(out).toContain('mknod-c-ok');
    expect(out).toContain('mknod-b-ok');
    expect(out).toMatch(/\/tmp\/kmsg: Operation not permitted/);
    expect(out).not.toContain('kmsg-write-ok');
    expect(out).not.toContain('kmsg-read-ok');
    expect(out).toMatch(/\/tmp\/sda: Operation not permitted/);
  });

  it('opens a device once a rule allows it, only for the access the rule gives', async () => {
    const out = await runV2('devallow', (s) => {
      s.linux!.resources!.devices!.push(
        { allow: true, type: 'c', major: 1, minor: 11, access: 'w' },
        { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
      );
    });
    expect(out).toContain('kmsg-write-ok');
    // Read is still denied: only w was allowed for 1:11.
    expect(out).toMatch(/\/tmp\/kmsg: Operation not permitted/);
    expect(out).not.toContain('kmsg-read-ok');
    // Past the device check the open reaches the block layer, which has no disk 8:0 here.
    expect(out).not.toMatch(/\/tmp\/sda: Operation not permitted/);
    expect(out).toMatch(/\/tmp\/sda: No such device or address/);
  });

  it('on v1 (this host) the same rules, written to devices.allow/deny, deny the same device', async () => {
    // setupEnv's runtime detects the host's layout (v1/hybrid): the devices controller decides.
    const b = env.bundle('devv1', (s) => {
      s.process!.args = ['sh', '-c', SCRIPT];
      for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set]!.push('CAP_MKNOD');
      s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    });
    const outFile = `${env.dir}/devv1.out`;
    const fd = openSync(outFile, 'w');
    try {
      const c = await env.rt.run(env.track('devv1'), { bundle: b, stdio: ['ignore', fd, fd], attach: true });
      expect((await c.exited).exitCode).toBe(0);
    } finally {
      closeSync(fd);
    }
    const out = readFileSync(outFile, 'utf8');
    expect(out).toContain('null-ok');
    expect(out).toMatch(/\/tmp\/kmsg: Operation not permitted/);
  });
});
