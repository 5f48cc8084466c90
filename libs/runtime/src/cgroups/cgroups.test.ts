/**
 * The v1 and v2 managers on temporary directories laid out like the kernel's, so every write
 * a limit causes is checked without root. The real kernel is exercised in test/runtime.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingSyscalls } from '../fake-syscalls.js';
import { sharesToWeight } from './cpu.js';
import { openCgroup, parseMountinfo } from './detect.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(`${tmpdir()}/tsk-cg-`);
  dirs.push(d);
  return d;
}
const read = (f: string): string => readFileSync(f, 'utf8');

const resources = {
  memory: { limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20 },
  cpu: { shares: 1024, quota: 200000, period: 100000, cpus: '0-1', mems: '0' },
  pids: { limit: 32 },
  blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 100_000_000 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 50 }] },
  devices: [{ allow: false, access: 'rwm' }],
};

describe('cgroup v1', () => {
  function layout(): { mounts: Record<string, string>; root: string } {
    const root = tmp();
    const mounts: Record<string, string> = {};
    for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer']) {
      mkdirSync(`${root}/${c}`);
      mounts[c] = `${root}/${c}`;
    }
    writeFileSync(`${root}/cpuset/cpuset.cpus`, '0-3\n');
    writeFileSync(`${root}/cpuset/cpuset.mems`, '0\n');
    return { mounts, root };
  }

  it('writes every limit to its hierarchy', async () => {
    const { mounts, root } = layout();
    const cg = openCgroup({ version: 1, mounts }, '/tsk/c1', new RecordingSyscalls());
    // The kernel makes these files with the directory; emulate the two that must pre-exist.
    mkdirSync(`${root}/cpuset/tsk/c1`, { recursive: true });
    writeFileSync(`${root}/cpuset/tsk/cpuset.cpus`, '');
    writeFileSync(`${root}/cpuset/tsk/cpuset.mems`, '');
    await cg.create(resources);
    expect(read(`${root}/memory/tsk/c1/memory.limit_in_bytes`)).toBe(String(64 << 20));
    expect(read(`${root}/memory/tsk/c1/memory.soft_limit_in_bytes`)).toBe(String(32 << 20));
    expect(read(`${root}/memory/tsk/c1/memory.memsw.limit_in_bytes`)).toBe(String(96 << 20));
    expect(read(`${root}/cpu/tsk/c1/cpu.cfs_quota_us`)).toBe('200000');
    expect(read(`${root}/cpu/tsk/c1/cpu.shares`)).toBe('1024');
    expect(read(`${root}/cpuset/tsk/cpuset.cpus`)).toBe('0-3');
    expect(read(`${root}/cpuset/tsk/c1/cpuset.cpus`)).toBe('0-1');
    expect(read(`${root}/pids/tsk/c1/pids.max`)).toBe('32');
    expect(read(`${root}/blkio/tsk/c1/blkio.throttle.read_bps_device`)).toBe('8:0 100000000');
    expect(read(`${root}/blkio/tsk/c1/blkio.throttle.write_iops_device`)).toBe('8:0 50');
    // devices.allow is written once per rule; the last default rule is what remains in a plain file.
    expect(read(`${root}/devices/tsk/c1/devices.deny`)).toBe('a *:* rwm');
    expect(cg.procsFiles()).toContain(`${root}/memory/tsk/c1/cgroup.procs`);
    expect(cg.oomCounter()).toEqual({ file: `${root}/memory/tsk/c1/memory.oom_control`, key: 'oom_kill ' });
  });

  it('freezes, reads stats and kills what is left on destroy', async () => {
    const { mounts, root } = layout();
    const sys = new RecordingSyscalls();
    const cg = openCgroup({ version: 1, mounts }, '/c2', sys);
    await cg.create({});
    await cg.freeze();
    expect(await cg.isFrozen()).toBe(true);
    writeFileSync(`${root}/memory/c2/memory.usage_in_bytes`, '4096\n');
    writeFileSync(`${root}/cpuacct/c2/cpuacct.usage`, '123\n');
    writeFileSync(`${root}/blkio/c2/blkio.throttle.io_service_bytes`, '8:0 Read 10\n8:0 Write 20\nTotal 30\n');
    const s = await cg.stats();
    expect(s.memory.usage).toBe(4096);
    expect(s.cpu.usageNanos).toBe(123);
    expect(s.io).toEqual({ readBytes: 10, writeBytes: 20 });
    writeFileSync(`${root}/pids/c2/cgroup.procs`, '77\n78\n');
    // Plain directories with files cannot be rmdir'ed; remove the files as the kernel would.
    for (const c of Object.keys(mounts)) rmSync(`${root}/${c}/c2`, { recursive: true });
    await cg.destroy();
    expect(sys.calls).toEqual([]);
    expect(existsSync(`${root}/memory/c2`)).toBe(false);
  });

  it('kills what is left inside through the syscalls it is given, and says which cgroup stays', async () => {
    const { mounts, root } = layout();
    const sys = new RecordingSyscalls();
    const cg = openCgroup({ version: 1, mounts: { pids: mounts['pids']!, freezer: mounts['freezer']! } }, '/c4', sys);
    await cg.create({});
    writeFileSync(`${root}/pids/c4/cgroup.procs`, '77\n78\n');
    // A plain directory holding files cannot be removed, like a cgroup with live tasks.
    await expect(cg.destroy()).rejects.toThrow(/delete: cannot remove cgroup .*\/pids\/c4/);
    expect(sys.calls).toEqual([{ call: 'kill', pid: 77, signal: 9 }, { call: 'kill', pid: 78, signal: 9 }]);
  });

  it('names the field when a controller is missing', async () => {
    const root = tmp();
    mkdirSync(`${root}/memory`);
    const cg = openCgroup({ version: 1, mounts: { memory: `${root}/memory` } }, '/c3', new RecordingSyscalls());
    await expect(cg.create({ pids: { limit: 5 } })).rejects.toThrow(/linux.resources.pids.limit: the pids controller is not mounted/);
  });
});

describe('cgroup v2', () => {
  it('enables controllers top-down and writes unified files', async () => {
    const root = tmp();
    writeFileSync(`${root}/cgroup.controllers`, 'cpuset cpu io memory pids hugetlb\n');
    mkdirSync(`${root}/tsk`);
    writeFileSync(`${root}/tsk/cgroup.controllers`, 'cpu io memory pids\n');
    const sys = new RecordingSyscalls();
    const cg = openCgroup({ version: 2, root }, '/tsk/c1', sys);
    await cg.create(resources);
    expect(read(`${root}/cgroup.subtree_control`)).toBe('+cpuset +cpu +io +memory +pids');
    expect(read(`${root}/tsk/cgroup.subtree_control`)).toBe('+cpu +io +memory +pids');
    const dir = `${root}/tsk/c1`;
    expect(read(`${dir}/memory.max`)).toBe(String(64 << 20));
    expect(read(`${dir}/memory.low`)).toBe(String(32 << 20));
    expect(read(`${dir}/memory.swap.max`)).toBe(String(32 << 20));
    expect(read(`${dir}/cpu.max`)).toBe('200000 100000');
    expect(read(`${dir}/cpu.weight`)).toBe(String(sharesToWeight(1024)));
    expect(read(`${dir}/pids.max`)).toBe('32');
    expect(read(`${dir}/io.max`)).toBe('8:0 rbps=100000000 wiops=50');
    expect(cg.oomCounter()).toEqual({ file: `${dir}/memory.events`, key: 'oom_kill ' });
    // Devices: no file, an eBPF program loaded and attached to the directory (devices-v2.test.ts).
    expect(sys.calls.filter((c) => c.call === 'bpf').map((c) => (c as { cmd: number }).cmd)).toEqual([5, 16, 8]);
    expect(sys.calls.find((c) => c.call === 'open')).toMatchObject({ path: dir });
  });

  it('reads v2 stats', async () => {
    const root = tmp();
    const cg = openCgroup({ version: 2, root }, '/c', new RecordingSyscalls());
    await cg.create({});
    writeFileSync(`${root}/c/cpu.stat`, 'usage_usec 5\nuser_usec 3\n');
    writeFileSync(`${root}/c/memory.current`, '100\n');
    writeFileSync(`${root}/c/memory.peak`, '200\n');
    writeFileSync(`${root}/c/io.stat`, '8:0 rbytes=1 wbytes=2 rios=0\n');
    const s = await cg.stats();
    expect(s).toMatchObject({ cpu: { usageNanos: 5000 }, memory: { usage: 100, peak: 200 }, io: { readBytes: 1, writeBytes: 2 } });
  });
});

describe('parseMountinfo', () => {
  it('reads a hybrid host as v1 and a unified one as v2', () => {
    const hybrid = [
      '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(parseMountinfo(hybrid)).toEqual({ version: 1, mounts: { cpu: '/sys/fs/cgroup/cpu', memory: '/sys/fs/cgroup/memory', 'name=systemd': '/sys/fs/cgroup/systemd' } });
    expect(parseMountinfo('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate')).toEqual({ version: 2, root: '/sys/fs/cgroup' });
  });
});
