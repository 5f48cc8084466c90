/**
 * Block I/O throttling on the real kernel (cgroup v1 blkio on this host): the OCI
 * `linux.resources.blockIO.throttle*` values land in the container's blkio.throttle.* files, and a
 * direct write inside the container to a throttled loop device is actually slowed.
 *
 * The loop device is made here with `losetup` on a temp file and detached in afterAll, after the
 * containers are deleted, even when a test failed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execInContainer } from '@tsk/runtime';
import { runCollect, setupEnv, type Env } from './_fixture.js';

const BLKIO = '/sys/fs/cgroup/blkio';
const haveBlkioV1 = (() => {
  try {
    return statSync(`${BLKIO}/blkio.throttle.write_bps_device`).isFile();
  } catch {
    return false;
  }
})();

let env: Env;
let loop: string | undefined;
let major = 0;
let minor = 0;

/** major:minor of the device behind `/`, from the root entry of /proc/self/mountinfo. */
function rootDevice(): [number, number] {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[4] === '/') {
      const [ma, mi] = f[2]!.split(':').map(Number);
      return [ma!, mi!];
    }
  }
  throw new Error('no / in /proc/self/mountinfo');
}

/** Reads a blkio file of the container's cgroup on the host as "maj:min value" lines. */
function throttleFile(cgroup: string, name: string): string[] {
  return readFileSync(`${BLKIO}${cgroup}/blkio.throttle.${name}`, 'utf8').trim().split('\n').filter((l) => l !== '');
}

beforeAll(() => {
  env = setupEnv();
  if (!haveBlkioV1) return;
  execFileSync('truncate', ['-s', '64M', `${env.dir}/disk.img`]);
  loop = execFileSync('losetup', ['--find', '--show', `${env.dir}/disk.img`], { encoding: 'utf8' }).trim();
  [major, minor] = readFileSync(`/sys/block/${loop.slice('/dev/'.length)}/dev`, 'utf8').trim().split(':').map(Number) as [number, number];
});
afterAll(async () => {
  // Containers first (they hold the device open), then the loop device, then the temp dir.
  try {
    if (env) {
      for (const id of ['blkio-root', 'blkio-loop']) await env.rt.delete(id, true).catch(() => undefined);
    }
    if (loop) execFileSync('losetup', ['-d', loop]);
  } finally {
    await env?.cleanup();
  }
});

describe.skipIf(!haveBlkioV1)('blkio throttling (cgroup v1)', () => {
  it('writes all four throttles for the root disk into the container cgroup', async () => {
    const [ma, mi] = rootDevice();
    const b = env.bundle('blkio-root', (s) => {
      s.process!.args = ['sh', '-c', 'cd /sys/fs/cgroup/blkio && cat blkio.throttle.read_bps_device blkio.throttle.write_bps_device blkio.throttle.read_iops_device blkio.throttle.write_iops_device'];
      s.linux!.resources = {
        ...s.linux!.resources,
        blockIO: {
          throttleReadBpsDevice: [{ major: ma, minor: mi, rate: 100 << 20 }],
          throttleWriteBpsDevice: [{ major: ma, minor: mi, rate: 50 << 20 }],
          throttleReadIOPSDevice: [{ major: ma, minor: mi, rate: 1000 }],
          throttleWriteIOPSDevice: [{ major: ma, minor: mi, rate: 500 }],
        },
      };
    });
    const r = await runCollect(env, 'blkio-root', b);
    expect(r.code).toBe(0);
    // Seen from inside (cgroup namespace: the container's own cgroup is its /).
    expect(r.out.trim().split('\n')).toEqual([`${ma}:${mi} ${100 << 20}`, `${ma}:${mi} ${50 << 20}`, `${ma}:${mi} 1000`, `${ma}:${mi} 500`]);
  });

  it('holds a direct write to a loop device to its write_bps limit, and the host sees the limits', async () => {
    const rate = 1 << 20; // 1 MiB/s
    const cgroup = `${env.cgroupParent}/blkio-loop`;
    const b = env.bundle('blkio-loop', (s) => {
      s.process!.args = ['sleep', '60'];
      s.linux!.devices = [{ path: '/dev/xvdt', type: 'b', major, minor, fileMode: 0o660, uid: 0, gid: 0 }];
      s.linux!.resources = {
        ...s.linux!.resources,
        devices: [...(s.linux!.resources?.devices ?? []), { allow: true, type: 'b', major, minor, access: 'rw' }],
        blockIO: {
          throttleWriteBpsDevice: [{ major, minor, rate }],
          throttleWriteIOPSDevice: [{ major, minor, rate: 10000 }],
        },
      };
    });
    const id = env.track('blkio-loop');
    await env.rt.run(id, { bundle: b, stdio: 'ignore' });
    expect(throttleFile(cgroup, 'write_bps_device')).toEqual([`${major}:${minor} ${rate}`]);
    expect(throttleFile(cgroup, 'write_iops_device')).toEqual([`${major}:${minor} 10000`]);
    expect(throttleFile(cgroup, 'read_bps_device')).toEqual([]);

    // Unthrottled baseline: the same write from the host (root blkio cgroup).
    const dd = ['bs=64k', 'count=48', 'oflag=direct', 'conv=notrunc']; // 3 MiB
    let t = performance.now();
    execFileSync('dd', ['if=/dev/zero', `of=${loop!}`, ...dd], { stdio: 'ignore' });
    const hostMs = performance.now() - t;

    t = performance.now();
    const e = await execInContainer(env.rt, id, { args: ['dd', 'if=/dev/zero', 'of=/dev/xvdt', ...dd], stdio: 'ignore' });
    expect(await e.exited).toBe(0);
    const insideMs = performance.now() - t;
    // 3 MiB at 1 MiB/s: ~3 s (the throttle grants a first slice up front, so allow ~2 s).
    expect(insideMs).toBeGreaterThan(1800);
    expect(hostMs).toBeLessThan(1000);
    // The bytes were accounted to the container's cgroup on that device.
    const served = readFileSync(`${BLKIO}${cgroup}/blkio.throttle.io_service_bytes`, 'utf8');
    expect(served).toMatch(new RegExp(`^${major}:${minor} Write ${3 << 20}$`, 'm'));
    console.log(`blkio: 3 MiB O_DIRECT write to ${loop!}: host ${hostMs.toFixed(0)} ms, container at 1 MiB/s ${insideMs.toFixed(0)} ms`);
  });
});
