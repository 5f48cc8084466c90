/**
 * InformerFactory: one informer per (kind, namespace, selectors) shared by every controller in
 * a process, as Kubernetes' SharedInformerFactory, so ten loops watching Pods cost one watch.
 */
import { type KindObject } from '@tsk/api';
import { type Logger } from '@tsk/log';
import { resolveKind, type ApiClient } from './client.js';
import { Informer, type InformerOptions } from './informer.js';
import { type KindRef, type SelectorOptions } from './types.js';

export class InformerFactory {
  private readonly informers = new Map<string, Informer>();
  private started = false;

  constructor(
    private readonly client: ApiClient,
    private readonly options: { readonly logger?: Logger; readonly resyncPeriodMs?: number } = {},
  ) {}

  /** The shared informer for this kind and filter; created (and started, if the factory is) on first use. */
  informer<T extends KindObject = KindObject>(kind: KindRef, filter: SelectorOptions = {}): Informer<T> {
    const info = resolveKind(kind);
    const key = [info.kind, filter.namespace ?? '', filter.labelSelector ?? '', filter.fieldSelector ?? ''].join('\u0000');
    let informer = this.informers.get(key);
    if (informer === undefined) {
      const opts: InformerOptions = {
        ...filter,
        ...(this.options.logger !== undefined ? { logger: this.options.logger } : {}),
        ...(this.options.resyncPeriodMs !== undefined ? { resyncPeriodMs: this.options.resyncPeriodMs } : {}),
      };
      informer = new Informer(this.client, info, opts);
      this.informers.set(key, informer);
      if (this.started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer made so far and any made later. */
  start(): this {
    this.started = true;
    for (const i of this.informers.values()) i.start();
    return this;
  }

  /** Resolves when every informer has synced (or the signal aborts). */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
