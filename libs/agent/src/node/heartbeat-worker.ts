/**
 * HeartbeatWorker: runs the lease renewals and node status updates of an agent's nodes on a
 * worker thread (heartbeat-thread.ts), so no amount of pod work on the main thread can delay
 * them. The main thread registers each node, then hands it over with add().
 */
import { Worker } from 'node:worker_threads';
import { type Lease, type Node } from '@tsk/api';
import { type Logger } from '@tsk/log';
import { type NodeSpecInput } from './registration.js';

export interface HeartbeatSettings {
  readonly server: string;
  readonly leaseDurationSeconds: number;
  readonly leaseRenewMs: number;
  readonly statusUpdateMs: number;
  /** How often the thread reports its counters (logged at info). */
  readonly reportMs: number;
}

export interface HeartbeatStats {
  leaseRenewals: number;
  leaseFailures: number;
  /** The slowest renewal since the last report, queueing included. */
  slowestRenewalMs: number;
  statusUpdates: number;
  statusFailures: number;
}

export type HeartbeatMessage =
  | { readonly type: 'add'; readonly input: NodeSpecInput; readonly node: Node; readonly lease: Lease | undefined }
  | { readonly type: 'stop' };

export class HeartbeatWorker {
  private readonly worker: Worker;
  private latest: HeartbeatStats = { leaseRenewals: 0, leaseFailures: 0, slowestRenewalMs: 0, statusUpdates: 0, statusFailures: 0 };

  constructor(settings: HeartbeatSettings, logger: Logger) {
    const log = logger.child({ component: 'heartbeats' });
    this.worker = new Worker(new URL('./heartbeat-thread.js', import.meta.url), { workerData: settings });
    this.worker.on('message', (m: { type: 'stats'; stats: HeartbeatStats; lastError: string }) => {
      this.latest = m.stats;
      log.info({ ...m.stats, ...(m.lastError !== '' ? { lastError: m.lastError } : {}) }, 'heartbeats');
    });
    this.worker.on('error', (err) => log.error({ err }, 'heartbeat thread failed'));
    this.worker.unref();
  }

  get stats(): Readonly<HeartbeatStats> {
    return this.latest;
  }

  add(input: NodeSpecInput, node: Node, lease: Lease | undefined): void {
    const message: HeartbeatMessage = { type: 'add', input, node, lease };
    this.worker.postMessage(message);
  }

  async stop(): Promise<void> {
    const message: HeartbeatMessage = { type: 'stop' };
    this.worker.postMessage(message);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void this.worker.terminate().then(() => resolve()), 2_000);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
