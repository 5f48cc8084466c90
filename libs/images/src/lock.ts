/**
 * A lock file (O_EXCL) guarding index.json across processes (tsctl and the agent may share a
 * store), plus an in-process queue so concurrent calls in one process do not spin on it. A lock
 * left by a process that no longer exists is taken over.
 */
import { promises as fs } from 'node:fs';
import { errnoCode, ImageError } from './errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

export class FileLock {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private async acquire(): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        const fh = await fs.open(this.file, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
      }
      const owner = Number(await fs.readFile(this.file, 'utf8').catch(() => ''));
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !alive(owner)) {
        await fs.rm(this.file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new ImageError('UNAVAILABLE', 'lock image store', this.file, `held by pid ${owner} for over ${this.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Runs fn holding the lock. */
  with<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await this.acquire();
      try {
        return await fn();
      } finally {
        await fs.rm(this.file, { force: true });
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
