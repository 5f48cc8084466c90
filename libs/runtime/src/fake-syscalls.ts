/** A Syscalls that records calls and succeeds (or answers from `alive`), for unit tests. */
import type { Syscalls } from './syscalls.js';

export type SyscallRecord =
  | { call: 'kill'; pid: number; signal: number }
  | { call: 'mount'; source: string; target: string; fstype: string; flags: number; data: string }
  | { call: 'umount'; target: string; flags: number }
  | { call: 'open'; path: string; fd: number }
  | { call: 'close'; fd: number }
  | { call: 'bpf'; cmd: number; attr: Buffer; pointers: Array<{ offset: number; buffer: Buffer }> };

export class RecordingSyscalls implements Syscalls {
  readonly calls: SyscallRecord[] = [];
  /** Pids that kill() reports as existing; others answer ESRCH (false). */
  readonly alive = new Set<number>();
  /**
   * Answers bpf(2): may fill the attr and pointed-to buffers as the kernel would and returns
   * the result. By default BPF_PROG_QUERY (16) finds no program (prog_cnt 0) and every other
   * call returns a new fake fd (1000, 1001, ...).
   */
  bpfHandler: (cmd: number, attr: Buffer, pointers: ReadonlyArray<{ offset: number; buffer: Buffer }>) => number = (cmd, attr) => {
    if (cmd !== 16) return this.nextFd++;
    attr.writeUInt32LE(0, 24);
    return 0;
  };
  private nextFd = 1000;

  kill(pid: number, signal: number): boolean {
    this.calls.push({ call: 'kill', pid, signal });
    return this.alive.has(pid);
  }

  mount(source: string, target: string, fstype: string, flags: number, data: string): void {
    this.calls.push({ call: 'mount', source, target, fstype, flags, data });
  }

  umount(target: string, flags: number): void {
    this.calls.push({ call: 'umount', target, flags });
  }

  openDirectory(path: string): number {
    const fd = this.nextFd++;
    this.calls.push({ call: 'open', path, fd });
    return fd;
  }

  close(fd: number): void {
    this.calls.push({ call: 'close', fd });
  }

  bpf(cmd: number, attr: Buffer, pointers: ReadonlyArray<{ offset: number; buffer: Buffer }> = []): number {
    // Recorded as called (before the handler fills anything in), also when the handler throws.
    this.calls.push({ call: 'bpf', cmd, attr: Buffer.from(attr), pointers: pointers.map((p) => ({ offset: p.offset, buffer: Buffer.from(p.buffer) })) });
    return this.bpfHandler(cmd, attr, pointers);
  }
}
