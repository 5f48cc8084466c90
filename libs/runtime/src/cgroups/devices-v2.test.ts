/**
 * Loading and attaching the v2 device program, through the recording Syscalls: the bpf_attr
 * fields of each command, replacing what was attached before, closing every fd, and errors
 * that name linux.resources.devices. The real kernel is exercised in test/runtime/devices.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RecordingSyscalls, type SyscallRecord } from '../fake-syscalls.js';
import { SyscallError } from '../syscalls.js';
import { compileDeviceProgram } from './devices-bpf.js';
import { applyDeviceProgram, deviceProgramIds } from './devices-v2.js';
import { deviceRules } from './devices.js';

type BpfCall = Extract<SyscallRecord, { call: 'bpf' }>;
const closed = (sys: RecordingSyscalls): number[] => sys.calls.flatMap((c) => (c.call === 'close' ? [c.fd] : [])).sort();
const bpfCalls = (sys: RecordingSyscalls): BpfCall[] => sys.calls.filter((c): c is BpfCall => c.call === 'bpf');
const runcSpec = { devices: [{ allow: false, access: 'rwm' }] };

describe('applyDeviceProgram', () => {
  it('loads the compiled rules and attaches them with BPF_F_ALLOW_MULTI', () => {
    const sys = new RecordingSyscalls();
    applyDeviceProgram(sys, '/cg/c1', runcSpec);
    const [load, query, attach] = bpfCalls(sys);
    expect(bpfCalls(sys).map((c) => c.cmd)).toEqual([5, 16, 8]);
    // BPF_PROG_LOAD: type CGROUP_DEVICE, the program, a license, no log on the first try.
    expect(load!.attr.readUInt32LE(0)).toBe(15);
    const insns = compileDeviceProgram(deviceRules(runcSpec));
    expect(load!.attr.readUInt32LE(4)).toBe(insns.length / 8);
    expect(load!.pointers[0]).toEqual({ offset: 8, buffer: insns });
    expect(load!.pointers[1]!.offset).toBe(16);
    expect(load!.pointers[1]!.buffer.toString()).toMatch(/^Apache-2.0\0$/);
    expect(load!.attr.readUInt32LE(24)).toBe(0);
    // The prog fd is 1000, the cgroup directory's 1001.
    expect(sys.calls.find((c) => c.call === 'open')).toEqual({ call: 'open', path: '/cg/c1', fd: 1001 });
    expect(query!.attr.readUInt32LE(0)).toBe(1001);
    expect(query!.attr.readUInt32LE(4)).toBe(6);
    // BPF_PROG_ATTACH: target, program, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI.
    expect([0, 4, 8, 12].map((o) => attach!.attr.readUInt32LE(o))).toEqual([1001, 1000, 6, 2]);
    expect(closed(sys)).toEqual([1000, 1001]);
  });

  it('detaches the programs attached before, after attaching the new one', () => {
    const sys = new RecordingSyscalls();
    let fd = 600;
    sys.bpfHandler = (cmd, attr, pointers) => {
      if (cmd === 16) {
        attr.writeUInt32LE(2, 24);
        pointers[0]!.buffer.writeUInt32LE(41, 0);
        pointers[0]!.buffer.writeUInt32LE(42, 4);
        return 0;
      }
      return cmd === 8 || cmd === 9 ? 0 : fd++;
    };
    applyDeviceProgram(sys, '/cg/c1', runcSpec);
    const calls = bpfCalls(sys);
    expect(calls.map((c) => c.cmd)).toEqual([5, 16, 8, 13, 9, 13, 9]);
    expect(calls[3]!.attr.readUInt32LE(0)).toBe(41);
    expect(calls[5]!.attr.readUInt32LE(0)).toBe(42);
    // The new program is fd 600, the cgroup 1000; detach names the old program's fd (601,
    // then 602) on the cgroup.
    expect([0, 4, 8, 12].map((o) => calls[2]!.attr.readUInt32LE(o))).toEqual([1000, 600, 6, 2]);
    expect([0, 4, 8].map((o) => calls[4]!.attr.readUInt32LE(o))).toEqual([1000, 601, 6]);
    expect([0, 4, 8].map((o) => calls[6]!.attr.readUInt32LE(o))).toEqual([1000, 602, 6]);
    expect(closed(sys)).toEqual([1000, 600, 601, 602].sort());
    sys.calls.length = 0;
    expect(deviceProgramIds(sys, '/cg/c1')).toEqual([41, 42]);
  });

  it('asks again with more room when the kernel says ENOSPC', () => {
    const sys = new RecordingSyscalls();
    sys.bpfHandler = (cmd, attr, pointers) => {
      if (cmd !== 16) return 7;
      const room = attr.readUInt32LE(24);
      attr.writeUInt32LE(20, 24);
      if (room < 20) throw new SyscallError('bpf', 28, 'cmd 16');
      for (let i = 0; i < 20; i++) pointers[0]!.buffer.writeUInt32LE(100 + i, i * 4);
      return 0;
    };
    expect(deviceProgramIds(sys, '/cg')).toHaveLength(20);
  });

  it('reports a refused program with the verifier log, naming the field', () => {
    const sys = new RecordingSyscalls();
    sys.bpfHandler = (cmd, _attr, pointers) => {
      const log = pointers[2]?.buffer;
      log?.write('0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000)\n\0');
      throw new SyscallError('bpf', 13, `cmd ${cmd}`);
    };
    expect(() => applyDeviceProgram(sys, '/cg/c1', runcSpec)).toThrow(
      'cgroup apply: linux.resources.devices: loading the device eBPF program (BPF_PROG_LOAD) failed (EACCES): 0: (95) exit | R0 !read_ok',
    );
    // Loaded twice (the second time with a log level and buffer), nothing opened.
    const [first, second] = bpfCalls(sys);
    expect(second!.attr.readUInt32LE(24)).toBe(1);
    expect(second!.attr.readUInt32LE(28)).toBe(64 * 1024);
    expect(first!.pointers).toHaveLength(2);
    expect(sys.calls.some((c) => c.call === 'open')).toBe(false);
  });

  it('names the field and the cgroup when attaching fails, and closes the program', () => {
    const sys = new RecordingSyscalls();
    sys.bpfHandler = (cmd, attr) => {
      if (cmd === 8) throw new SyscallError('bpf', 1, 'cmd 8');
      if (cmd === 16) attr.writeUInt32LE(0, 24);
      return 1000;
    };
    expect(() => applyDeviceProgram(sys, '/cg/c1', runcSpec)).toThrow(
      /linux.resources.devices: attaching the device program to \/cg\/c1 \(BPF_PROG_ATTACH\) failed \(EPERM\) \(an ancestor cgroup/,
    );
    expect(closed(sys)).toEqual([1000, 1000]);
  });

  it('refuses a bad rule before any system call', () => {
    const sys = new RecordingSyscalls();
    expect(() => applyDeviceProgram(sys, '/cg', { devices: [{ allow: true, type: 'x' }] })).toThrow(/linux.resources.devices\[0\].type/);
    expect(sys.calls).toEqual([]);
  });
});
