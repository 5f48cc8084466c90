/**
 * Controller: one reconcile loop. Informer handlers enqueue keys; a few workers take keys from
 * the WorkQueue, call the pure reconciler on the caches as they are now, and apply its actions.
 * A failed apply requeues the key with per-key exponential backoff; a RequeueAfter schedules the
 * key again (the smallest delay wins). Level-triggered: the reconciler always sees the whole
 * current state, so a duplicate or late key only costs one idempotent pass.
 */
import { ConflictError } from '@tsk/api';
import { type Logger } from '@tsk/log';
import { type Action } from '../actions.js';
import { type Applier } from './applier.js';
import { WorkQueue, type WorkQueueOptions } from './queue.js';

export interface ControllerOptions {
  /** Short name for logs, e.g. "replicaset". */
  readonly name: string;
  readonly logger: Logger;
  readonly applier: Applier;
  /**
   * The actions for `key` on the current caches; [] when the object is gone. Pure reconcilers
   * answer at once; one that must check something live first (the node lifecycle) may await.
   */
  readonly reconcile: (key: string, now: number) => readonly Action[] | Promise<readonly Action[]>;
  /** Workers running at once (one per key at a time). Default 2. */
  readonly workers?: number;
  /** Enqueue these keys every this many ms regardless of events (0 = never). */
  readonly resyncMs?: number;
  readonly resyncKeys?: () => Iterable<string>;
  readonly queue?: WorkQueueOptions;
  /** Told which of a sync's actions were not carried out (a failure stopped the run before them). */
  readonly onNotApplied?: (key: string, actions: readonly Action[]) => void;
}

export interface ControllerMetrics {
  syncs: number;
  failures: number;
  actions: number;
}

export class Controller {
  readonly queue: WorkQueue;
  readonly name: string;
  readonly metrics: ControllerMetrics = { syncs: 0, failures: 0, actions: 0 };
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ControllerOptions) {
    this.name = options.name;
    this.queue = new WorkQueue(options.queue);
    this.log = options.logger.child({ component: `${options.name}-controller` });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  start(): void {
    if (this.workers.length > 0) return;
    const n = Math.max(1, this.options.workers ?? 2);
    for (let i = 0; i < n; i++) this.workers.push(this.work());
    const every = this.options.resyncMs ?? 0;
    const keys = this.options.resyncKeys;
    if (every > 0 && keys !== undefined) {
      this.resyncTimer = setInterval(() => {
        for (const k of keys()) this.queue.add(k);
      }, every);
      this.resyncTimer.unref();
    }
    this.log.info({ workers: n }, 'controller started');
  }

  /** Stops taking keys, cancels calls in flight and waits for the workers. */
  async stop(): Promise<void> {
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    this.abort.abort();
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** One pass over one key. Never throws: every failure becomes a rate-limited requeue. */
  async sync(key: string): Promise<void> {
    this.metrics.syncs++;
    let actions: readonly Action[];
    try {
      actions = await this.options.reconcile(key, Date.now());
    } catch (err) {
      // A reconciler bug must not kill the worker; back off so it does not spin either.
      this.metrics.failures++;
      this.log.error({ key, err }, 'reconcile threw');
      this.queue.addRateLimited(key);
      return;
    }
    if (actions.length === 0) {
      this.queue.forget(key);
      return;
    }
    const result = await this.options.applier.apply(actions, this.abort.signal);
    this.metrics.actions += result.applied;
    if (result.error !== undefined || this.abort.signal.aborted) this.options.onNotApplied?.(key, actions.slice(result.applied));
    if (this.abort.signal.aborted) return;
    if (result.error !== undefined) {
      this.metrics.failures++;
      const failed = actions[result.applied];
      // A conflict only means the cache was behind the store: expected, and fixed by a requeue.
      const level = result.error instanceof ConflictError ? 'debug' : 'warn';
      this.log[level]({ key, action: failed?.type, err: result.error.message, retries: this.queue.numRequeues(key) }, 'sync failed; requeued');
      this.queue.addRateLimited(key);
    } else {
      this.queue.forget(key);
    }
    if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
  }
}
