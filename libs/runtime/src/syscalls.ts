/**
 * Every system call libs/runtime makes from Node goes through this interface (as youki's
 * Syscall trait): the real one below, backed by koffi for what Node lacks, and the recording
 * fake in fake-syscalls.ts for unit tests. It is passed in, never chosen implicitly.
 * What must happen between fork and exec is not here: it cannot run in a V8 process at all,
 * and lives in native/nsexec.c.
 */
import { createRequire } from 'node:module';

export interface Syscalls {
  /** kill(2); returns false when the process is gone (ESRCH) instead of throwing. */
  kill(pid: number, signal: number): boolean;
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  umount(target: string, flags: number): void;
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
interface Libc {
  mount: Fn;
  umount2: Fn;
  errno: () => number;
}

/** The real system calls. koffi (and libc) are loaded on first use, so the CLI verbs that
 * need none (most of them) do not pay for it. */
export class LinuxSyscalls implements Syscalls {
  private libc: Libc | undefined;

  private lib(): Libc {
    if (this.libc === undefined) {
      const koffi = createRequire(import.meta.url)('koffi') as {
        load(name: string): { func(decl: string): Fn };
        errno(): number;
      };
      const lib = koffi.load('libc.so.6');
      this.libc = {
        mount: lib.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)'),
        umount2: lib.func('int umount2(const char *target, int flags)'),
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
}
