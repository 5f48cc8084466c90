/**
 * The device eBPF compiler: its programs run through a tiny eBPF interpreter (the opcodes the
 * compiler emits, nothing else) and checked as the kernel's verifier would on the points that
 * matter (every instruction reachable, jumps forward and in range, only 4-byte context reads
 * of the three fields, r0 set to 0 or 1 before exit), against a table and a reference model.
 */
import { describe, expect, it } from 'vitest';
import { compileDeviceProgram, normalizeDeviceRule, parseDeviceRule, type DeviceRuleN } from './devices-bpf.js';
import { deviceRules } from './devices.js';

const ACC = { m: 1, r: 2, w: 4 } as const;
const DEV = { b: 1, c: 2 } as const;

interface Access { type: 'b' | 'c'; major: number; minor: number; access: string }

/** Runs a program on one access; returns r0 at exit. */
function run(prog: Buffer, a: Access): number {
  const ctx = Buffer.alloc(12);
  const bits = [...a.access].reduce((s, c) => s | ACC[c as 'm' | 'r' | 'w'], 0);
  ctx.writeUInt32LE((bits << 16) | DEV[a.type], 0);
  ctx.writeUInt32LE(a.major, 4);
  ctx.writeUInt32LE(a.minor, 8);
  const reg: Array<bigint | undefined> = new Array(11).fill(undefined);
  const n = prog.length / 8;
  for (let pc = 0, steps = 0; pc < n; pc++, steps++) {
    if (steps > 100_000) throw new Error('loops');
    const code = prog.readUInt8(pc * 8);
    const dst = prog.readUInt8(pc * 8 + 1) & 0xf;
    const src = prog.readUInt8(pc * 8 + 1) >> 4;
    const off = prog.readInt16LE(pc * 8 + 2);
    const imm = BigInt.asUintN(64, BigInt(prog.readInt32LE(pc * 8 + 4)));
    const val = (r: number): bigint => {
      const v = reg[r];
      if (v === undefined) throw new Error(`pc ${pc}: r${r} read before set`);
      return v;
    };
    switch (code) {
      case 0x61: // ldx w [src+off]
        if (src !== 1 || ![0, 4, 8].includes(off)) throw new Error(`pc ${pc}: bad context read r${src}+${off}`);
        reg[dst] = BigInt(ctx.readUInt32LE(off));
        break;
      case 0x57: reg[dst] = val(dst) & imm; break;
      case 0x77: reg[dst] = val(dst) >> imm; break;
      case 0xb7: reg[dst] = imm; break;
      case 0x05: pc += off; break;
      case 0x55: if (val(dst) !== imm) pc += off; break;
      case 0x45: if ((val(dst) & imm) !== 0n) pc += off; break;
      case 0x95: {
        const r0 = val(0);
        if (r0 !== 0n && r0 !== 1n) throw new Error(`pc ${pc}: returns ${r0}`);
        return Number(r0);
      }
      default: throw new Error(`pc ${pc}: opcode 0x${code.toString(16)}`);
    }
  }
  throw new Error('fell off the program');
}

/** What the kernel's verifier would refuse: unreachable code, bad jumps, no exit at the end. */
function verify(prog: Buffer): void {
  const n = prog.length / 8;
  expect(n).toBeLessThanOrEqual(4096);
  const seen = new Set<number>();
  const todo = [0];
  while (todo.length > 0) {
    const pc = todo.pop()!;
    if (seen.has(pc)) continue;
    if (pc >= n) throw new Error('falls off the end');
    seen.add(pc);
    const code = prog.readUInt8(pc * 8);
    const off = prog.readInt16LE(pc * 8 + 2);
    if (code === 0x95) continue;
    if ((code & 0x07) === 0x05) {
      if (off < 0) throw new Error(`pc ${pc}: backward jump`);
      todo.push(pc + 1 + off);
      if (code !== 0x05) todo.push(pc + 1);
    } else {
      todo.push(pc + 1);
    }
  }
  for (let pc = 0; pc < n; pc++) if (!seen.has(pc)) throw new Error(`unreachable insn ${pc}`);
}

/** The reference: per access bit, the last matching rule holding it; `a` resets. */
function model(rules: readonly DeviceRuleN[], a: Access): number {
  for (const bit of a.access) {
    let allowed = false;
    for (const r of rules) {
      if (r.type === 'a') allowed = r.allow;
      else if (r.type === a.type && (r.major ?? a.major) === a.major && (r.minor ?? a.minor) === a.minor && r.access.includes(bit)) allowed = r.allow;
    }
    if (!allowed) return 0;
  }
  return 1;
}

const rule = (allow: boolean, text: string): DeviceRuleN => parseDeviceRule(allow, text, 'test');
const acc = (type: 'b' | 'c', major: number, minor: number, access: string): Access => ({ type, major, minor, access });

describe('compileDeviceProgram', () => {
  // runc spec's single rule, then the defaults every container gets.
  const runcDefault = deviceRules({ devices: [{ allow: false, access: 'rwm' }] });

  it.each([
    ['/dev/null read', acc('c', 1, 3, 'r'), 1],
    ['/dev/null read+write', acc('c', 1, 3, 'rw'), 1],
    ['/dev/zero mknod', acc('c', 1, 5, 'm'), 1],
    ['/dev/pts/7', acc('c', 136, 7, 'rw'), 1],
    ['tun', acc('c', 10, 200, 'rw'), 1],
    ['mknod of any char device', acc('c', 1, 11, 'm'), 1],
    ['mknod of any block device', acc('b', 8, 0, 'm'), 1],
    ['/dev/kmsg write', acc('c', 1, 11, 'w'), 0],
    ['/dev/kmsg read', acc('c', 1, 11, 'r'), 0],
    ['/dev/sda read', acc('b', 8, 0, 'r'), 0],
    ['block 1:3 (not /dev/null)', acc('b', 1, 3, 'r'), 0],
    ['/dev/mem', acc('c', 1, 1, 'rw'), 0],
    ['mknod + read of /dev/kmsg', acc('c', 1, 11, 'mr'), 0],
  ])('runc default rules: %s', (_name, a, want) => {
    const prog = compileDeviceProgram(runcDefault);
    verify(prog);
    expect(run(prog, a)).toBe(want);
  });

  it('lets the last matching rule decide, per access bit', () => {
    const rules = [
      rule(true, 'c 1:11 rwm'),
      rule(false, 'c 1:11 w'),
      rule(true, 'b 8:* r'),
      rule(false, 'b 8:3 r'),
      rule(true, 'c 4:2 r'),
      rule(true, 'c 4:2 w'),
    ];
    const prog = compileDeviceProgram(rules);
    verify(prog);
    expect(run(prog, acc('c', 1, 11, 'r'))).toBe(1);
    expect(run(prog, acc('c', 1, 11, 'w'))).toBe(0);
    expect(run(prog, acc('c', 1, 11, 'rw'))).toBe(0);
    expect(run(prog, acc('b', 8, 0, 'r'))).toBe(1);
    expect(run(prog, acc('b', 8, 3, 'r'))).toBe(0);
    expect(run(prog, acc('b', 8, 0, 'w'))).toBe(0);
    // Two rules together grant r and w.
    expect(run(prog, acc('c', 4, 2, 'rw'))).toBe(1);
  });

  it('treats type a as a reset of the rules before it', () => {
    const allowAll = compileDeviceProgram([rule(false, 'c 1:3 rwm'), rule(true, 'a *:* rwm')]);
    verify(allowAll);
    expect(run(allowAll, acc('c', 1, 3, 'r'))).toBe(1);
    expect(run(allowAll, acc('b', 259, 0, 'rwm'))).toBe(1);
    const allowAllBut = compileDeviceProgram([rule(true, 'a *:* rwm'), rule(false, 'b 8:* w')]);
    verify(allowAllBut);
    expect(run(allowAllBut, acc('b', 8, 1, 'r'))).toBe(1);
    expect(run(allowAllBut, acc('b', 8, 1, 'w'))).toBe(0);
    const empty = compileDeviceProgram([]);
    verify(empty);
    expect(run(empty, acc('c', 1, 3, 'r'))).toBe(0);
  });

  it('agrees with the reference model on random rule lists', () => {
    let seed = 7;
    const rnd = (k: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
    for (let t = 0; t < 200; t++) {
      const rules = Array.from({ length: rnd(8) }, () => {
        const type = pick(['a', 'c', 'c', 'b', 'b'] as const);
        const major = pick(['*', '1', '8']);
        const minor = pick(['*', '0', '3']);
        const access = pick(['r', 'w', 'm', 'rw', 'rwm', 'wm']);
        return rule(rnd(2) === 1, `${type} ${major}:${minor} ${access}`);
      });
      const prog = compileDeviceProgram(rules);
      verify(prog);
      for (const type of ['b', 'c'] as const) {
        for (const major of [1, 8, 9]) {
          for (const minor of [0, 3, 4]) {
            for (const access of ['r', 'w', 'm', 'rw', 'rwm']) {
              const a = acc(type, major, minor, access);
              expect(run(prog, a), `${JSON.stringify(rules)} ${JSON.stringify(a)}`).toBe(model(rules, a));
            }
          }
        }
      }
    }
  });

  it('checks config rules, naming the field', () => {
    expect(normalizeDeviceRule({ allow: true, type: 'c', major: -1, minor: 3 }, 'f')).toMatchObject({ major: undefined, minor: 3, access: 'rwm' });
    expect(() => deviceRules({ devices: [{ allow: true, type: 'p', access: 'r' }] })).toThrow(/linux.resources.devices\[0\].type: must be a, c or b/);
    expect(() => deviceRules({ devices: [{ allow: true }, { allow: true, type: 'c', access: 'rx' }] })).toThrow(/linux.resources.devices\[1\].access/);
    expect(() => deviceRules({ devices: [{ allow: true, type: 'c', major: -2 }] })).toThrow(/linux.resources.devices\[0\].major/);
  });
});
