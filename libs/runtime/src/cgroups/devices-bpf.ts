/**
 * Compiles device cgroup rules to an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, the way
 * cgroup v2 checks device access (v2 has no devices.allow/deny files). In TypeScript, no
 * library, as seccomp.ts does for classic BPF; devices-v2.ts loads and attaches the result.
 *
 * Meaning of the rules (that of the v1 devices controller, which config.json was written for):
 * - rules apply in order and, for each access bit (m, r, w), the last rule that matches the
 *   device and holds that bit decides; a request with several bits (open O_RDWR asks r|w) is
 *   allowed only when every bit is;
 * - a rule of type `a` (all devices) is a reset, as writing `a` to devices.allow/deny is on v1:
 *   it drops the rules before it and makes the default allow or deny, whatever its numbers and
 *   access; before any such rule the default is deny (as runc does on v2).
 *
 * The program reads struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } where
 * access_type = (access << 16) | type, type 1 block / 2 char, access bits 1 mknod, 2 read,
 * 4 write, and returns 1 (allow) or 0 (deny). Layout: load the four fields into r2..r5, then
 * one block per access bit that is skipped unless the bit is requested; in a block the rules
 * that hold the bit are tested last to first, the first match allows (jump to the next block)
 * or denies (return 0), and no match takes the default; after the last block, return 1.
 */
import { ConfigError } from '../errors.js';

/** A device rule with numbers resolved; `major`/`minor` undefined means any. */
export interface DeviceRuleN {
  readonly allow: boolean;
  readonly type: 'a' | 'c' | 'b';
  readonly major: number | undefined;
  readonly minor: number | undefined;
  /** Any of m, r, w. */
  readonly access: string;
  /** The config field this rule comes from, named in errors. */
  readonly field: string;
}

export const BPF_DEVCG_ACC = { m: 1, r: 2, w: 4 } as const;
export const BPF_DEVCG_DEV = { b: 1, c: 2 } as const;

// eBPF opcodes (linux/bpf.h, linux/bpf_common.h)
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU64_AND_K = 0x57;
const ALU64_RSH_K = 0x77;
const ALU64_MOV_K = 0xb7;
const JMP_JA = 0x05;
const JMP_JNE_K = 0x55;
const JMP_JSET_K = 0x45;
const JMP_EXIT = 0x95;

/** Registers: r1 holds the context; r2 type, r3 access, r4 major, r5 minor. */
const R0 = 0;
const R1 = 1;
const R_TYPE = 2;
const R_ACCESS = 3;
const R_MAJOR = 4;
const R_MINOR = 5;

interface Insn { code: number; dst: number; src: number; off: number | string; imm: number; label?: string }

const insn = (code: number, dst: number, src: number, off: number | string, imm: number): Insn => ({ code, dst, src, off, imm });
const label = (name: string): Insn => ({ code: -1, dst: 0, src: 0, off: 0, imm: 0, label: name });

/** Compiles rules (already in OCI order, defaults appended) to eBPF instructions, 8 bytes each. */
export function compileDeviceProgram(rules: readonly DeviceRuleN[]): Buffer {
  let defaultAllow = false;
  let active: DeviceRuleN[] = [];
  for (const r of rules) {
    if (r.type === 'a') {
      defaultAllow = r.allow;
      active = [];
    } else {
      active.push(r);
    }
  }
  const code: Insn[] = [
    insn(LDX_MEM_W, R_TYPE, R1, 0, 0),
    insn(ALU64_AND_K, R_TYPE, 0, 0, 0xffff),
    insn(LDX_MEM_W, R_ACCESS, R1, 0, 0),
    insn(ALU64_RSH_K, R_ACCESS, 0, 0, 16),
    insn(LDX_MEM_W, R_MAJOR, R1, 4, 0),
    insn(LDX_MEM_W, R_MINOR, R1, 8, 0),
  ];
  const deny = (): void => void code.push(insn(ALU64_MOV_K, R0, 0, 0, 0), insn(JMP_EXIT, 0, 0, 0, 0));
  let n = 0;
  for (const bit of ['m', 'r', 'w'] as const) {
    const done = `done_${bit}`;
    // Not requested: skip the block.
    code.push(insn(JMP_JSET_K, R_ACCESS, 0, 1, BPF_DEVCG_ACC[bit]), insn(JMP_JA, 0, 0, done, 0));
    for (let i = active.length - 1; i >= 0; i--) {
      const r = active[i]!;
      if (!r.access.includes(bit)) continue;
      const next = `next_${n++}`;
      code.push(insn(JMP_JNE_K, R_TYPE, 0, next, BPF_DEVCG_DEV[r.type as 'b' | 'c']));
      if (r.major !== undefined) code.push(insn(JMP_JNE_K, R_MAJOR, 0, next, r.major));
      if (r.minor !== undefined) code.push(insn(JMP_JNE_K, R_MINOR, 0, next, r.minor));
      if (r.allow) code.push(insn(JMP_JA, 0, 0, done, 0));
      else deny();
      code.push(label(next));
    }
    if (!defaultAllow) deny();
    code.push(label(done));
  }
  code.push(insn(ALU64_MOV_K, R0, 0, 0, 1), insn(JMP_EXIT, 0, 0, 0, 0));
  return assemble(code);
}

/** Resolves labels into 16-bit relative offsets; every jump is forward. */
function assemble(code: readonly Insn[]): Buffer {
  const real: Insn[] = [];
  const labels = new Map<string, number>();
  for (const i of code) {
    if (i.label !== undefined) labels.set(i.label, real.length);
    else real.push(i);
  }
  const out = Buffer.alloc(real.length * 8);
  real.forEach((i, pc) => {
    let off = i.off;
    if (typeof off === 'string') {
      const target = labels.get(off);
      if (target === undefined) throw new Error(`device program: unresolved label ${off}`);
      off = target - (pc + 1);
      if (off < 0 || off > 0x7fff) throw new Error(`device program: jump to ${i.off} out of range (${off})`);
    }
    out.writeUInt8(i.code, pc * 8);
    out.writeUInt8((i.src << 4) | i.dst, pc * 8 + 1);
    out.writeInt16LE(off, pc * 8 + 2);
    out.writeInt32LE(i.imm | 0, pc * 8 + 4);
  });
  return out;
}

/**
 * Checks and resolves one config rule (`linux.resources.devices[i]`); -1 or absent numbers mean
 * any. Numbers are taken up to 2^32-1 as v1 takes them; one of 2^31 or more can match no device
 * (Linux majors are 12 bits, minors 20) and the program's sign-extended compare never matches it.
 */
export function normalizeDeviceRule(d: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }, field: string): DeviceRuleN {
  const type = d.type ?? 'a';
  if (type !== 'a' && type !== 'c' && type !== 'b') throw new ConfigError(`${field}.type`, `must be a, c or b (got ${JSON.stringify(d.type)})`);
  const num = (v: number | undefined, name: string): number | undefined => {
    if (v === undefined || v === -1) return undefined;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new ConfigError(`${field}.${name}`, `must be -1 (any) or a device number 0..4294967295 (got ${v})`);
    return v;
  };
  const access = d.access ?? 'rwm';
  if (!/^[rwm]*$/.test(access)) throw new ConfigError(`${field}.access`, `must be made of r, w and m (got ${JSON.stringify(access)})`);
  return { allow: d.allow, type, major: num(d.major, 'major'), minor: num(d.minor, 'minor'), access, field };
}

/** Parses a v1-style rule string such as `c 1:3 rwm` or `b *:* m` (the built-in defaults). */
export function parseDeviceRule(allow: boolean, rule: string, field: string): DeviceRuleN {
  const m = /^([acb]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(rule);
  if (m === null) throw new Error(`device rule ${JSON.stringify(rule)} is malformed`);
  const num = (s: string): number | undefined => (s === '*' ? undefined : Number(s));
  return { allow, type: m[1] as 'a' | 'c' | 'b', major: num(m[2]!), minor: num(m[3]!), access: m[4]!, field };
}
