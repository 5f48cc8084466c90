/**
 * A namespace index over an informer's cache, kept by its handlers: reconcilers take "the pods of
 * the owner's namespace", and filtering every cached pod on every sync would cost O(all pods)
 * per key in a large cluster (Kubernetes' informers keep the same namespace index).
 */
import { type KindObject } from '@tsk/api';
import { type Informer } from '@tsk/client';

export class ByNamespace<T extends KindObject> {
  private readonly index = new Map<string, Map<string, T>>();

  constructor(informer: Informer<T>) {
    informer.onAdd((o) => this.put(o));
    informer.onUpdate((_old, o) => this.put(o));
    informer.onDelete((o) => this.remove(o));
  }

  /** The objects of one namespace, as the cache holds them now. */
  list(namespace: string): T[] {
    const m = this.index.get(namespace);
    return m === undefined ? [] : [...m.values()];
  }

  private put(o: T): void {
    const ns = o.metadata?.namespace ?? '';
    let m = this.index.get(ns);
    if (m === undefined) {
      m = new Map();
      this.index.set(ns, m);
    }
    m.set(o.metadata?.name ?? '', o);
  }

  private remove(o: T): void {
    const ns = o.metadata?.namespace ?? '';
    const m = this.index.get(ns);
    if (m === undefined) return;
    m.delete(o.metadata?.name ?? '');
    if (m.size === 0) this.index.delete(ns);
  }
}
