import { describe, expect, it } from 'vitest';
import { compileSeccomp } from './seccomp.js';
import { SYSCALLS_X86_64 } from './syscall-table.js';

/** A tiny classic-BPF interpreter, enough to run what compileSeccomp emits. */
function run(program: Buffer, nr: number, args: bigint[] = [], arch = 0xc000003e): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(a, 16 + 8 * i));
  let acc = 0;
  for (let pc = 0; pc < program.length / 8; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) acc = data.readUInt32LE(k);
    else if (code === 0x54) acc = (acc & k) >>> 0;
    else if (code === 0x15) pc += acc === k ? jt : jf;
    else if (code === 0x35) pc += acc >= k ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`opcode ${code}`);
  }
  throw new Error('fell off the program');
}

const ALLOW = 0x7fff0000;
const nr = (name: string): number => SYSCALLS_X86_64[name]!;

describe('compileSeccomp', () => {
  it('applies rule actions and the default', () => {
    const { program } = compileSeccomp({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
    });
    expect(run(program, nr('mkdir'))).toBe(0x00050000 | 13);
    expect(run(program, nr('unshare'))).toBe(0x00050000 | 13);
    expect(run(program, nr('read'))).toBe(ALLOW);
  });

  it('kills other architectures and the x32 ABI', () => {
    const { program } = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' });
    expect(run(program, 1, [], 0x40000003)).toBe(0x80000000);
    expect(run(program, 0x40000000 + 2)).toBe(0x80000000);
  });

  it('tests 64-bit arguments (EQ, NE, MASKED_EQ)', () => {
    const { program } = compileSeccomp({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 9, op: 'SCMP_CMP_NE' }] },
      ],
    });
    expect(run(program, nr('personality'), [0xffffffffn])).toBe(ALLOW);
    expect(run(program, nr('personality'), [0x1ffffffffn])).toBe(0x00050001);
    expect(run(program, nr('clone'), [0x11n])).toBe(ALLOW);
    expect(run(program, nr('clone'), [0x20000000n])).toBe(0x00050001);
    expect(run(program, nr('kill'), [1n, 15n])).toBe(ALLOW);
    expect(run(program, nr('kill'), [1n, 9n])).toBe(0x00050001);
  });

  it('skips names unknown on x86_64 and refuses unsupported operators', () => {
    expect(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['arm_fadvise64_64'], action: 'SCMP_ACT_ERRNO' }] }).skipped).toEqual(['arm_fadvise64_64']);
    expect(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_GT' }] }] }))
      .toThrow(/linux.seccomp.syscalls\[0\].args\[0\].op/);
    expect(() => compileSeccomp({ defaultAction: 'SCMP_ACT_NOTIFY' })).toThrow(/linux.seccomp.defaultAction/);
  });
});
