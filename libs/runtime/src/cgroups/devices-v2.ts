/**
 * Device access on cgroup v2: the rules (devices.ts) compiled to an eBPF program
 * (devices-bpf.ts), loaded with BPF_PROG_LOAD and attached to the container's cgroup with
 * BPF_PROG_ATTACH (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI: the programs of the ancestors run too
 * and every one must allow). The attachment holds the program, so both fds are closed at once;
 * removing the cgroup frees it.
 *
 * Applied again (a second apply() on the same cgroup), the new program is attached first and
 * the ones attached before are detached after: in between both run, so an access is never
 * allowed that neither the old nor the new rules allow.
 */
import { constants as osConstants } from 'node:os';
import { RuntimeError } from '../errors.js';
import type { Resources } from '../spec.js';
import { SyscallError, type Syscalls } from '../syscalls.js';
import { compileDeviceProgram } from './devices-bpf.js';
import { deviceRules } from './devices.js';

// linux/bpf.h
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_PROG_GET_FD_BY_ID = 13;
const BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
/** Big enough for every field used; the kernel takes a shorter or longer (zero tail) attr. */
const ATTR_SIZE = 128;
const LOG_SIZE = 64 * 1024;
/** Any string does: the program calls no GPL-only helper (it calls no helper at all). */
const LICENSE = 'Apache-2.0';

const FIELD = 'linux.resources.devices';

function errnoName(errno: number): string {
  for (const [name, n] of Object.entries(osConstants.errno)) if (n === errno) return name;
  return `errno ${errno}`;
}

function fail(what: string, err: unknown, detail = ''): never {
  const why = err instanceof SyscallError ? errnoName(err.errno) : String(err);
  throw new RuntimeError('INTERNAL', 'cgroup apply', `${FIELD}: ${what} failed (${why})${detail}`, { cause: err });
}

/** BPF_PROG_LOAD; on failure loads again with the verifier's log to say why. */
export function loadDeviceProgram(sys: Syscalls, insns: Buffer): number {
  const load = (log?: Buffer): number => {
    const attr = Buffer.alloc(ATTR_SIZE);
    attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0); // prog_type
    attr.writeUInt32LE(insns.length / 8, 4); // insn_cnt
    const license = Buffer.from(`${LICENSE}\0`);
    attr.writeUInt32LE(log === undefined ? 0 : 1, 24); // log_level
    attr.writeUInt32LE(log?.length ?? 0, 28); // log_size
    attr.write('tsk_devices', 48); // prog_name (16 bytes, NUL-terminated)
    const pointers = [{ offset: 8, buffer: insns }, { offset: 16, buffer: license }];
    if (log !== undefined) pointers.push({ offset: 32, buffer: log });
    return sys.bpf(BPF_PROG_LOAD, attr, pointers);
  };
  try {
    return load();
  } catch (err) {
    const log = Buffer.alloc(LOG_SIZE);
    try {
      // A verifier error only repeats with the log on; anything else fails the same way.
      return load(log);
    } catch {
      /* report the first failure, with what the log says */
    }
    // The verifier's last words, without its statistics line ("processed N insns ...").
    const lines = log.subarray(0, log.indexOf(0) < 0 ? log.length : log.indexOf(0)).toString('utf8').split('\n');
    const text = lines.filter((l) => l.trim() !== '' && !l.startsWith('processed ')).slice(-3).join(' | ');
    const hint = err instanceof SyscallError && err.errno === osConstants.errno.EPERM ? ' (needs CAP_BPF or CAP_SYS_ADMIN)' : '';
    fail('loading the device eBPF program (BPF_PROG_LOAD)', err, `${hint}${text === '' ? '' : `: ${text}`}`);
  }
}

/** Ids of the device programs attached to the cgroup itself (not inherited). */
function attachedPrograms(sys: Syscalls, cgroupFd: number): number[] {
  for (let cap = 8; ; cap *= 4) {
    const attr = Buffer.alloc(ATTR_SIZE);
    attr.writeUInt32LE(cgroupFd, 0); // target_fd
    attr.writeUInt32LE(BPF_CGROUP_DEVICE, 4); // attach_type
    attr.writeUInt32LE(cap, 24); // prog_cnt: room in prog_ids
    const ids = Buffer.alloc(cap * 4);
    try {
      sys.bpf(BPF_PROG_QUERY, attr, [{ offset: 16, buffer: ids }]);
    } catch (err) {
      if (err instanceof SyscallError && err.errno === osConstants.errno.ENOSPC && cap < 4096) continue;
      throw err;
    }
    const count = attr.readUInt32LE(24);
    return Array.from({ length: Math.min(count, cap) }, (_, i) => ids.readUInt32LE(i * 4));
  }
}

/** Ids of the device programs attached to `dir` itself, for tests and diagnostics. */
export function deviceProgramIds(sys: Syscalls, dir: string): number[] {
  const fd = sys.openDirectory(dir);
  try {
    return attachedPrograms(sys, fd);
  } finally {
    sys.close(fd);
  }
}

function attachAttr(cgroupFd: number, progFd: number, flags: number): Buffer {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, 0); // target_fd
  attr.writeUInt32LE(progFd, 4); // attach_bpf_fd
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8); // attach_type
  attr.writeUInt32LE(flags, 12); // attach_flags
  return attr;
}

/** Compiles the rules of `resources`, loads the program and puts it in place on `dir`. */
export function applyDeviceProgram(sys: Syscalls, dir: string, resources: Resources): void {
  const insns = compileDeviceProgram(deviceRules(resources));
  const progFd = loadDeviceProgram(sys, insns);
  let cgroupFd: number | undefined;
  try {
    try {
      cgroupFd = sys.openDirectory(dir);
    } catch (err) {
      fail(`opening ${dir} to attach the device program`, err);
    }
    let old: number[];
    try {
      old = attachedPrograms(sys, cgroupFd);
    } catch (err) {
      fail(`listing the device programs of ${dir} (BPF_PROG_QUERY)`, err);
    }
    try {
      sys.bpf(BPF_PROG_ATTACH, attachAttr(cgroupFd, progFd, BPF_F_ALLOW_MULTI));
    } catch (err) {
      const hint = err instanceof SyscallError && err.errno === osConstants.errno.EPERM ? ' (an ancestor cgroup may hold a device program attached without BPF_F_ALLOW_MULTI)' : '';
      fail(`attaching the device program to ${dir} (BPF_PROG_ATTACH)`, err, hint);
    }
    for (const id of old) detach(sys, cgroupFd, id, dir);
  } finally {
    if (cgroupFd !== undefined) sys.close(cgroupFd);
    sys.close(progFd);
  }
}

function detach(sys: Syscalls, cgroupFd: number, id: number, dir: string): void {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(id, 0); // prog_id
  let fd: number;
  try {
    fd = sys.bpf(BPF_PROG_GET_FD_BY_ID, attr);
  } catch (err) {
    if (err instanceof SyscallError && err.errno === osConstants.errno.ENOENT) return; // gone meanwhile
    fail(`opening the previous device program ${id} of ${dir} (BPF_PROG_GET_FD_BY_ID)`, err);
  }
  try {
    sys.bpf(BPF_PROG_DETACH, attachAttr(cgroupFd, fd, 0));
  } catch (err) {
    if (!(err instanceof SyscallError && err.errno === osConstants.errno.ENOENT)) {
      fail(`detaching the previous device program ${id} from ${dir} (BPF_PROG_DETACH)`, err);
    }
  } finally {
    sys.close(fd);
  }
}
