/**
 * The two system calls unpacking needs and Node lacks: mknod (overlayfs whiteouts are 0/0
 * character devices; layers may carry device nodes) and lsetxattr (opaque directories, file
 * capabilities). Loaded on first use through koffi, as libs/runtime loads its own; when the
 * runtime's syscall module exports these, this file should become a re-export of it.
 */
import { createRequire } from 'node:module';

type Fn = (...args: unknown[]) => number;
interface Libc {
  mknod: Fn;
  lsetxattr: Fn;
  errno: () => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc !== undefined) return libc;
  const koffi = createRequire(import.meta.url)('koffi') as {
    load(name: string): { func(decl: string): Fn };
    errno(): number;
  };
  const lib = koffi.load('libc.so.6');
  libc = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    errno: () => koffi.errno(),
  };
  return libc;
}

const ERRNO_NAMES: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 13: 'EACCES', 17: 'EEXIST', 22: 'EINVAL', 95: 'EOPNOTSUPP', 61: 'ENODATA' };

export class SyscallError extends Error {
  override name = 'SyscallError';
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly path: string,
  ) {
    super(`${syscall} ${path}: ${ERRNO_NAMES[errno] ?? `errno ${errno}`}`);
  }
  get code(): string {
    return ERRNO_NAMES[this.errno] ?? `E${this.errno}`;
  }
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** Linux's makedev encoding. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n) | ((ma & ~0xfffn) << 32n);
}

export function mknod(path: string, mode: number, dev: bigint = 0n): void {
  const c = load();
  if (c.mknod(path, mode, dev) !== 0) throw new SyscallError('mknod', c.errno(), path);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  const c = load();
  if (c.lsetxattr(path, name, value, value.length, 0) !== 0) throw new SyscallError('lsetxattr', c.errno(), path);
}
