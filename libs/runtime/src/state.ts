/**
 * A container's record under --root: ROOT/ID/{state.json, config.json, plan, exec.fifo,
 * exit.json}. The shim writes exit.json when init ends, so the status is known even after
 * every tsk process that knew the container is gone.
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { RuntimeError } from './errors.js';
import type { Spec } from './spec.js';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerRecord {
  id: string;
  /** Host pid of the container's init (PID 1 inside). */
  pid: number;
  /** /proc/PID/stat start time of init, so a reused pid is never taken for ours. */
  startTime: string;
  shimPid: number;
  bundle: string;
  rootfs: string;
  created: string;
  cgroupPath: string;
  annotations: Record<string, string>;
}

export interface ExitRecord {
  pid: number;
  exitCode: number;
  signal: number;
  oomKilled: boolean;
  /** Milliseconds since the epoch. */
  finishedAt: number;
}

/** The OCI state, as `state` prints it, with tsk's extras (exit details once stopped). */
export interface OciState {
  ociVersion: string;
  id: string;
  status: Status;
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
  exitCode?: number;
  oomKilled?: boolean;
  finishedAt?: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkId(id: string): void {
  if (!ID.test(id)) throw new RuntimeError('INVALID_ARGUMENT', 'container id', `${JSON.stringify(id)} must be 1-128 of [A-Za-z0-9_.-], not starting with . - or _`);
}

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return `${this.root}/${id}`;
  }

  /** Claims the id atomically: mkdir fails when it exists. */
  async claim(id: string): Promise<string> {
    checkId(id);
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    try {
      await mkdir(this.dir(id), { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntimeError('ALREADY_EXISTS', 'create', `container ${id} already exists`);
      throw err;
    }
    return this.dir(id);
  }

  async write(rec: ContainerRecord, spec?: Spec): Promise<void> {
    const dir = this.dir(rec.id);
    if (spec !== undefined) await writeFile(`${dir}/config.json`, JSON.stringify(spec));
    await writeFile(`${dir}/state.json.tmp`, JSON.stringify(rec));
    await rename(`${dir}/state.json.tmp`, `${dir}/state.json`);
  }

  async read(id: string): Promise<ContainerRecord> {
    checkId(id);
    try {
      return JSON.parse(await readFile(`${this.dir(id)}/state.json`, 'utf8')) as ContainerRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RuntimeError('NOT_FOUND', 'state', `container ${id} does not exist`);
      throw err;
    }
  }

  async spec(id: string): Promise<Spec> {
    return JSON.parse(await readFile(`${this.dir(id)}/config.json`, 'utf8')) as Spec;
  }

  async exit(id: string): Promise<ExitRecord | undefined> {
    try {
      return JSON.parse(await readFile(`${this.dir(id)}/exit.json`, 'utf8')) as ExitRecord;
    } catch {
      return undefined;
    }
  }

  async hasFifo(id: string): Promise<boolean> {
    return stat(`${this.dir(id)}/exec.fifo`).then(
      () => true,
      () => false,
    );
  }

  async ids(): Promise<string[]> {
    try {
      return (await readdir(this.root)).filter((n) => ID.test(n)).sort();
    } catch {
      return [];
    }
  }

  async remove(id: string): Promise<void> {
    await rm(this.dir(id), { recursive: true, force: true });
  }
}

/** Field 22 of /proc/PID/stat (after the parenthesised command, which may hold spaces). */
/**
 * Writes a pid file whole or not at all (temporary file, then rename), as runc does: a caller
 * polling for the file must never read it empty or half written.
 */
export async function writePidFile(path: string, pid: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, String(pid));
  await rename(tmp, path);
}

export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export async function isZombieOrGone(pid: number): Promise<boolean> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
