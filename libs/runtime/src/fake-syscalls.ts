/** A Syscalls that records calls and succeeds (or answers from `alive`), for unit tests. */
import type { Syscalls } from './syscalls.js';

export type SyscallRecord =
  | { call: 'kill'; pid: number; signal: number }
  | { call: 'mount'; source: string; target: string; fstype: string; flags: number; data: string }
  | { call: 'umount'; target: string; flags: number };

export class RecordingSyscalls implements Syscalls {
  readonly calls: SyscallRecord[] = [];
  /** Pids that kill() reports as existing; others answer ESRCH (false). */
  readonly alive = new Set<number>();

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
}
