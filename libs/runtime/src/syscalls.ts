/**
 * Every system call libs/runtime makes from Node goes through this interface (as youki's
 * Syscall trait): the real one below, backed by koffi for what Node lacks, and the recording
 * fake in fake-syscalls.ts for unit tests. It is passed in, never chosen implicitly.
 * What must happen between fork and exec is not here: it cannot run in a V8 process at all,
 * and lives in native/nsexec.c.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface Syscalls {
  /** kill(2); returns false when the process is gone (ESRCH) instead of throwing. */
  kill(pid: number, signal: number): boolean;
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  umount(target: string, flags: number): void;
  /**
   * bpf(2) with `attr` as union bpf_attr. Each of `pointers` is copied to native memory whose
   * address is written at `offset` in attr (as a u64), and copied back after the call, so the
   * kernel can read programs and fill logs or id arrays. Returns the result (an fd, or 0);
   * throws a SyscallError on -1.
   */
  bpf(cmd: number, attr: Buffer, pointers?: ReadonlyArray<{ offset: number; buffer: Buffer }>): number;
  /** open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC): an fd naming a directory (a cgroup, for bpf). */
  openDirectory(path: string): number;
  close(fd: number): void;
}

export class SyscallError extends Error {
  override readonly name = 'SyscallError';
  constructor(
    readonly syscall: string,
    readonly errno: number,
    detail: string,
  ) {
    super(`${syscall}(${detail}) failed: errno ${errno}`);
  }
}

type Fn = (...args: unknown[]) => number;
interface Koffi {
  load(name: string): { func(decl: string): Fn };
  errno(): number;
  alloc(type: string, length: number): unknown;
  free(ptr: unknown): void;
  address(ptr: unknown): bigint;
  view(ptr: unknown, length: number): ArrayBuffer;
}
interface Libc {
  mount: Fn;
  umount2: Fn;
  syscall: Fn;
  koffi: Koffi;
  errno: () => number;
}

const SYS_BPF_X86_64 = 321;

/** The real system calls. koffi (and libc) are loaded on first use, so the CLI verbs that
 * need none (most of them) do not pay for it. */
export class LinuxSyscalls implements Syscalls {
  private libc: Libc | undefined;

  private lib(): Libc {
    if (this.libc === undefined) {
      const koffi = createRequire(import.meta.url)('koffi') as Koffi;
      const lib = koffi.load('libc.so.6');
      this.libc = {
        mount: lib.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)'),
        umount2: lib.func('int umount2(const char *target, int flags)'),
        syscall: lib.func('long syscall(long nr, ...)'),
        koffi,
        errno: () => koffi.errno(),
      };
    }
    return this.libc;
  }

  kill(pid: number, signal: number): boolean {
    try {
      process.kill(pid, signal);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw err;
    }
  }

  mount(source: string, target: string, fstype: string, flags: number, data: string): void {
    const libc = this.lib();
    if (libc.mount(source, target, fstype, flags, data === '' ? null : data) !== 0) {
      throw new SyscallError('mount', libc.errno(), `${source}, ${target}, ${fstype}`);
    }
  }

  umount(target: string, flags: number): void {
    const libc = this.lib();
    if (libc.umount2(target, flags) !== 0) throw new SyscallError('umount2', libc.errno(), target);
  }

  openDirectory(path: string): number {
    // Node opens with O_CLOEXEC already.
    return openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  }

  close(fd: number): void {
    closeSync(fd);
  }

  bpf(cmd: number, attr: Buffer, pointers: ReadonlyArray<{ offset: number; buffer: Buffer }> = []): number {
    const libc = this.lib();
    const { koffi } = libc;
    // Native memory, not Buffers: V8 may keep small typed arrays on its moving heap.
    const native = [attr, ...pointers.map((p) => p.buffer)].map((b) => {
      const ptr = koffi.alloc('uint8', Math.max(b.length, 1));
      return { ptr, view: Buffer.from(koffi.view(ptr, b.length)), b };
    });
    try {
      const [a, ...rest] = native;
      a!.view.set(attr);
      rest.forEach((n, i) => {
        n.view.set(n.b);
        a!.view.writeBigUInt64LE(koffi.address(n.ptr), pointers[i]!.offset);
      });
      const ret = Number(libc.syscall(SYS_BPF_X86_64, 'int', cmd, 'void *', a!.ptr, 'uint32_t', attr.length));
      const errno = libc.errno();
      for (const n of rest) n.view.copy(n.b);
      // attr without the native addresses: the fields the kernel filled in (counts, flags).
      const out = Buffer.from(a!.view);
      for (const p of pointers) out.writeBigUInt64LE(0n, p.offset);
      out.copy(attr);
      if (ret < 0) throw new SyscallError('bpf', errno, `cmd ${cmd}`);
      return ret;
    } finally {
      for (const n of native) koffi.free(n.ptr);
    }
  }
}
