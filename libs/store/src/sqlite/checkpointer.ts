/**
 * WAL checkpoints off the main thread. SQLite's automatic checkpoint runs inside whichever commit
 * crosses the threshold and, with synchronous=FULL, fsyncs the database file there: a write
 * every ~4 MB of WAL stalled for 50–200 ms on this VM. So the store turns automatic checkpoints
 * off and a worker thread with its own connection runs PASSIVE checkpoints, which never block
 * the writer (WAL mode lets a checkpoint and a writer run at once).
 *
 * The worker is eval'd CommonJS so that it runs the same from TypeScript sources (tests) and
 * from dist/; it gets better-sqlite3's resolved path from the main thread.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@tsk/log';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = FULL');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err)); }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg === 'close') { clearInterval(timer); checkpoint(); db.close(); parentPort.close(); }
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(path: string, logger: Logger, intervalMs = 500) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { module, path, intervalMs } });
    this.worker.on('message', (message: unknown) => logger.warn({ message }, 'WAL checkpoint failed'));
    this.worker.on('error', (err) => logger.error({ err }, 'WAL checkpointer failed'));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // Never keep a process alive just to checkpoint.
    this.worker.unref();
  }

  /** Runs a last checkpoint and stops the worker. */
  async close(): Promise<void> {
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
