/** Finds the host's cgroup layout from /proc/self/mountinfo: pure v2, or v1 (hybrid counts as v1). */
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { Syscalls } from '../syscalls.js';
import type { CgroupLayout, CgroupManager } from './types.js';
import { CgroupV1 } from './v1.js';
import { CgroupV2 } from './v2.js';

export function parseMountinfo(text: string): CgroupLayout {
  const v1: Record<string, string> = {};
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const mountPoint = left.split(' ')[4];
    const [fstype, , superOpts] = right.split(' ');
    if (mountPoint === undefined) continue;
    if (fstype === 'cgroup2' && mountPoint === '/sys/fs/cgroup') v2 = mountPoint;
    if (fstype === 'cgroup') {
      for (const opt of (superOpts ?? '').split(',')) {
        if (['rw', 'ro'].includes(opt) || opt.startsWith('release_agent') || opt === 'clone_children') continue;
        v1[opt] = mountPoint;
      }
    }
  }
  if (v2 !== undefined) return { version: 2, root: v2 };
  if (Object.keys(v1).length > 0) return { version: 1, mounts: v1 };
  throw new RuntimeError('FAILED_PRECONDITION', 'cgroup detect', 'no cgroup v1 or v2 file system is mounted');
}

export async function detectCgroupLayout(): Promise<CgroupLayout> {
  // procfs, in the kernel: a direct read is cheaper than a thread-pool round trip (see fs.ts).
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function openCgroup(layout: CgroupLayout, path: string, sys: Syscalls): CgroupManager {
  return layout.version === 2 ? new CgroupV2(layout.root, path, sys) : new CgroupV1(layout.mounts, path, sys);
}
