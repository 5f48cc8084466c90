/**
 * The SQLite store's own fsync of its WAL, off the event loop. The connection runs
 * synchronous=NORMAL (SQLite does not fsync at commit); after each group commit the store asks
 * for a sync here and acknowledges the batch's writes only when it resolves, which gives FULL's
 * guarantee (an acknowledged write survives power loss) while the event loop keeps serving.
 */
import { closeSync, constants, fdatasync, openSync } from 'node:fs';

export class WalSync {
  private readonly fd: number;
  /** Waiters for the next fdatasync, and whether one is running. */
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  /**
   * `walPath` is the database path plus "-wal". Its inode stays the same for the life of the
   * store: SQLite rewinds or truncates a WAL but only unlinks it when its last connection
   * closes. O_CREAT: an empty file is what SQLite would create itself.
   */
  constructor(
    walPath: string,
    /** Called when an fdatasync ends and no other was asked for: commits held back may go. */
    private readonly onIdle: () => void = () => undefined,
  ) {
    this.fd = openSync(walPath, constants.O_RDWR | constants.O_CREAT, 0o644);
  }

  /** An fdatasync is running. */
  get busy(): boolean {
    return this.running;
  }

  /**
   * Resolves once an fdatasync that started after this call has finished, so everything
   * committed before the call is on disk. Syncs run one at a time on libuv's thread pool; the
   * commits made while one runs share the next.
   */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.running) this.start();
    });
  }

  private start(): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.running = true;
    fdatasync(this.fd, (err) => {
      this.running = false;
      for (const w of waiters) {
        if (err === null) w.resolve();
        else w.reject(err);
      }
      if (this.waiters.length > 0) this.start();
      else this.onIdle();
    });
  }

  /** Call once every sync asked for has settled. */
  close(): void {
    closeSync(this.fd);
  }
}
