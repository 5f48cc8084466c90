/**
 * Small file helpers shared by the v1 and v2 managers. cgroupfs files live in the kernel and
 * never wait on a disk, so they are read and written with direct (synchronous) system calls:
 * a round trip through libuv's thread pool costs more than the write itself, and creating one
 * cgroup takes some 30 of them (a CLI start paid ~8 ms for that). The functions stay async so
 * callers need not care.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { CgroupWrite } from './types.js';

export async function writeControl(dir: string, w: CgroupWrite): Promise<void> {
  try {
    writeFileSync(`${dir}/${w.file}`, w.value);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new RuntimeError('INVALID_ARGUMENT', 'cgroup apply', `${w.field}: writing ${JSON.stringify(w.value)} to ${dir}/${w.file} failed (${code})`, { cause: err });
  }
}

export async function readText(file: string): Promise<string | undefined> {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export async function readNumber(file: string): Promise<number> {
  const text = (await readText(file))?.trim();
  if (text === undefined || text === 'max') return 0;
  const n = Number(text);
  return Number.isFinite(n) ? n : 0;
}

/** Value of `key` in a "key value" per line file (memory.events, cpu.stat, memory.oom_control). */
export function keyed(text: string | undefined, key: string): number {
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.split(' ');
    if (k === key) return Number(v);
  }
  return 0;
}

export function parsePids(text: string | undefined): number[] {
  return (text ?? '').split('\n').filter((l) => l !== '').map(Number);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
