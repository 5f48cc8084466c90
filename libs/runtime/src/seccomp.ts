/**
 * Compiles an OCI linux.seccomp profile to a classic BPF program for x86_64, in TypeScript, so
 * the host needs no libseccomp and the helper only loads bytes. Layout of the program:
 *   check arch (anything but x86_64 is killed) → refuse the x32 ABI → one block per rule
 *   (syscall number, then its argument tests, then the rule's action) → the default action.
 * Argument tests support the operators that matter for real profiles (EQ, NE, MASKED_EQ on the
 * full 64 bits); others are refused with the field named, never compiled approximately.
 */
import { ConfigError } from './errors.js';
import type { Seccomp } from './spec.js';
import { SYSCALLS_X86_64 } from './syscall-table.js';

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
const EPERM = 1;

// BPF opcodes (linux/filter.h)
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const AND_K = 0x54;
const RET_K = 0x06;

interface Insn { code: number; jt: number | string; jf: number | string; k: number; label?: string }

export interface CompiledSeccomp {
  /** struct sock_filter[] as bytes (8 per instruction), little endian. */
  readonly program: Buffer;
  /** Syscall names unknown on x86_64, skipped as libseccomp does for other architectures. */
  readonly skipped: readonly string[];
}

function action(name: string, errnoRet: number | undefined, field: string): number {
  switch (name) {
    case 'SCMP_ACT_ALLOW': return RET.ALLOW;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS': return RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP': return RET.TRAP;
    case 'SCMP_ACT_LOG': return RET.LOG;
    case 'SCMP_ACT_ERRNO': return (RET.ERRNO | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE': return (RET.TRACE | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    default: throw new ConfigError(field, `seccomp action ${JSON.stringify(name)} is not supported`);
  }
}

export function compileSeccomp(profile: Seccomp): CompiledSeccomp {
  const archs = profile.architectures ?? ['SCMP_ARCH_X86_64'];
  if (archs.length > 0 && !archs.includes('SCMP_ARCH_X86_64')) {
    throw new ConfigError('linux.seccomp.architectures', 'must include SCMP_ARCH_X86_64 (the only architecture tsk compiles for)');
  }
  const defaultAction = action(profile.defaultAction, profile.defaultErrnoRet, 'linux.seccomp.defaultAction');
  const code: Insn[] = [];
  const skipped: string[] = [];
  const emit = (i: Insn): void => void code.push(i);
  emit({ code: LD_W_ABS, jt: 0, jf: 0, k: 4 });
  emit({ code: JEQ_K, jt: 1, jf: 0, k: AUDIT_ARCH_X86_64 });
  emit({ code: RET_K, jt: 0, jf: 0, k: RET.KILL_PROCESS });
  emit({ code: LD_W_ABS, jt: 0, jf: 0, k: 0 });
  emit({ code: JGE_K, jt: 0, jf: 1, k: X32_SYSCALL_BIT });
  emit({ code: RET_K, jt: 0, jf: 0, k: RET.KILL_PROCESS });
  let block = 0;
  (profile.syscalls ?? []).forEach((rule, r) => {
    const field = `linux.seccomp.syscalls[${r}]`;
    const ret = action(rule.action, rule.errnoRet, `${field}.action`);
    if (ret === defaultAction) return;
    for (const name of rule.names) {
      const nr = SYSCALLS_X86_64[name];
      if (nr === undefined) {
        skipped.push(name);
        continue;
      }
      const end = `end${block++}`;
      // A holds the syscall number at the start of every block.
      emit({ code: JEQ_K, jt: 0, jf: end, k: nr });
      for (const [a, arg] of (rule.args ?? []).entries()) {
        if (arg.index < 0 || arg.index > 5) throw new ConfigError(`${field}.args[${a}].index`, 'must be 0..5');
        const value = BigInt(arg.value);
        let mask = 0xffffffffffffffffn;
        let want = value;
        if (arg.op === 'SCMP_CMP_MASKED_EQ') {
          mask = value;
          want = BigInt(arg.valueTwo ?? 0);
        } else if (arg.op !== 'SCMP_CMP_EQ' && arg.op !== 'SCMP_CMP_NE') {
          throw new ConfigError(`${field}.args[${a}].op`, `operator ${arg.op} is not supported (EQ, NE, MASKED_EQ are)`);
        }
        const pass = `pass${block}_${a}`;
        const words: Array<[number, number, number]> = [
          [16 + 8 * arg.index, Number(want & 0xffffffffn), Number(mask & 0xffffffffn)],
          [20 + 8 * arg.index, Number(want >> 32n), Number(mask >> 32n)],
        ];
        for (const [w, [offset, v, m]] of words.entries()) {
          emit({ code: LD_W_ABS, jt: 0, jf: 0, k: offset });
          if (m !== 0xffffffff) emit({ code: AND_K, jt: 0, jf: 0, k: m });
          if (arg.op === 'SCMP_CMP_NE') {
            // NE holds when either word differs.
            emit({ code: JEQ_K, jt: w === 0 ? 0 : `reload${block}`, jf: pass, k: v });
          } else {
            emit({ code: JEQ_K, jt: w === 0 ? 0 : pass, jf: `reload${block}`, k: v });
          }
        }
        code.push({ code: 0, jt: 0, jf: 0, k: 0, label: pass });
      }
      emit({ code: RET_K, jt: 0, jf: 0, k: ret });
      if (rule.args?.length) {
        code.push({ code: 0, jt: 0, jf: 0, k: 0, label: `reload${block}` });
        emit({ code: LD_W_ABS, jt: 0, jf: 0, k: 0 });
      }
      code.push({ code: 0, jt: 0, jf: 0, k: 0, label: end });
    }
  });
  emit({ code: RET_K, jt: 0, jf: 0, k: defaultAction });
  return { program: assemble(code), skipped };
}

/** Resolves labels (zero-size markers) into relative jumps; BPF jumps are forward and 8-bit. */
function assemble(code: readonly Insn[]): Buffer {
  const real: Insn[] = [];
  const labels = new Map<string, number>();
  for (const insn of code) {
    if (insn.label !== undefined) labels.set(insn.label, real.length);
    else real.push(insn);
  }
  const out = Buffer.alloc(real.length * 8);
  real.forEach((insn, i) => {
    const jump = (j: number | string): number => {
      if (typeof j === 'number') return j;
      const target = labels.get(j);
      if (target === undefined) throw new Error(`seccomp: unresolved label ${j}`);
      const off = target - (i + 1);
      if (off < 0 || off > 255) throw new Error(`seccomp: jump to ${j} out of range (${off})`);
      return off;
    };
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(jump(insn.jt), i * 8 + 2);
    out.writeUInt8(jump(insn.jf), i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}
