/**
 * The namespace lifecycle loop: creates the system namespaces at start, and empties a Terminating
 * namespace (deleting every namespaced object in it, with the usual finalizer and grace rules)
 * before removing the namespace itself. Level-triggered: each pass looks at every Terminating
 * namespace, so a restart mid-way simply carries on.
 */
import { KINDS, isTskError, kindOf, type KindInfo, type Namespace } from '@tsk/api';
import { type Logger } from '@tsk/log';
import { deleteObject, SYSTEM_NAMESPACES } from './deletion.js';
import { objectKey } from './keys.js';
import { type Storage } from './storage.js';

export interface NamespaceLifecycleOptions {
  readonly storage: Storage;
  readonly logger: Logger;
  /** How often Terminating namespaces are looked at even without a kick (ms). */
  readonly intervalMs?: number;
}

export class NamespaceLifecycle {
  private readonly storage: Storage;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly namespaceKind: KindInfo = kindOf('Namespace');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: NamespaceLifecycleOptions) {
    this.storage = options.storage;
    this.logger = options.logger.child({ component: 'namespace-lifecycle' });
    this.intervalMs = options.intervalMs ?? 2_000;
  }

  async ensureSystemNamespaces(): Promise<void> {
    for (const name of SYSTEM_NAMESPACES) {
      try {
        await this.storage.create(this.namespaceKind, { metadata: { name } });
        this.logger.info({ namespace: name }, 'created system namespace');
      } catch (err) {
        if (!isTskError(err) || err.code !== 'ALREADY_EXISTS') throw err;
      }
    }
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs a pass soon (a namespace was just marked Terminating). */
  kick(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.logger.warn({ err }, 'namespace pass failed; will retry'))
      .finally(() => {
        this.running = undefined;
        if (this.again && this.retry === undefined) {
          this.again = false;
          // A short pause, not an immediate rerun: a store that answers synchronously would
          // otherwise keep the loop in microtasks and starve every request.
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.kick();
          }, 100);
        }
      });
  }

  private async pass(): Promise<void> {
    const { items } = await this.storage.list(this.namespaceKind, {});
    for (const ns of items as Namespace[]) {
      if (this.stopped) return;
      if (ns.status?.phase !== 'Terminating') continue;
      await this.drain(ns);
    }
  }

  private async drain(ns: Namespace): Promise<void> {
    const name = ns.metadata?.name ?? '';
    let remaining = 0;
    for (const info of KINDS) {
      if (!info.namespaced) continue;
      const { items } = await this.storage.list(info, { namespace: name });
      for (const object of items) {
        remaining++;
        if ((object.metadata?.deletionTimestamp ?? '') !== '') continue; // already on its way out
        try {
          await deleteObject(this.storage, info, name, object.metadata?.name ?? '');
        } catch (err) {
          if (!isTskError(err) || err.code !== 'NOT_FOUND') throw err;
        }
      }
    }
    if (remaining > 0) {
      // Deleted objects are checked on the next pass: some may be held by finalizers or grace.
      this.again = true;
      return;
    }
    if ((ns.metadata?.finalizers ?? []).length > 0) return;
    const key = objectKey(this.namespaceKind, '', name);
    const { kv } = await this.storage.store.get(key);
    if (kv === undefined) return;
    const removed = await this.storage.store.delete(key, kv.modRevision);
    if (removed.succeeded) this.logger.info({ namespace: name }, 'namespace deleted');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.retry !== undefined) clearTimeout(this.retry);
    await this.running;
  }
}
