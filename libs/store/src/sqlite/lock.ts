/**
 * The SQLite store keeps its revision counter in memory and wakes watchers in-process, which is
 * only right while it is the file's one writer. A second tsk-server on the same file would
 * reuse revisions, so the store holds `PATH.lock` (the owner's pid) while open. A lock left by a
 * process that died (kill -9) is taken over; one held by a live process refuses the open.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { StoreUnavailableError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Paths this process holds: a pid check cannot tell two stores of one process apart. */
const held = new Set<string>();

export function acquireLock(dbPath: string): () => void {
  const lockPath = `${dbPath}.lock`;
  if (held.has(lockPath)) throw new StoreUnavailableError(`SQLite store ${dbPath} is already open in this process`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(lockPath);
      return () => {
        held.delete(lockPath);
        try {
          unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreUnavailableError(`cannot lock SQLite store ${dbPath}: ${String(err)}`, { cause: err });
      }
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {
      // Removed meanwhile, or unreadable: try again.
    }
    if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
      throw new StoreUnavailableError(`SQLite store ${dbPath} is in use by process ${owner} (lock file ${lockPath})`);
    }
    // A stale lock (its owner is gone): remove it and try again.
    try {
      unlinkSync(lockPath);
    } catch {
      // Someone else removed it first.
    }
  }
  throw new StoreUnavailableError(`cannot lock SQLite store ${dbPath}: lock file ${lockPath} keeps changing`);
}
