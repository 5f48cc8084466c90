/**
 * Read-modify-write with optimistic concurrency, as Kubernetes' retry.RetryOnConflict: get the
 * object, let the caller change it, update with its resourceVersion, and on ConflictError
 * start over from a fresh read.
 */
import { ConflictError, type KindObject } from '@tsk/api';
import { sleep } from './backoff.js';
import { type ApiClient } from './client.js';
import { type KindRef, type WriteOptions } from './types.js';

export interface ModifyOptions extends WriteOptions {
  /** Write the status (UpdateStatus) instead of metadata and spec. */
  readonly status?: boolean;
  /** Attempts before the last ConflictError is thrown; default 5. */
  readonly attempts?: number;
}

/**
 * Applies `mutate` to the current object and writes it. `mutate` may change its argument in
 * place (returning nothing) or return a new object; returning `false` means "nothing to do":
 * no write, and the current object is returned.
 */
export async function modify<T extends KindObject>(
  client: ApiClient,
  kind: KindRef,
  namespace: string,
  name: string,
  mutate: (object: T) => T | void | false,
  opts: ModifyOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const current = await client.get<T>(kind, namespace, name, opts);
    const changed = mutate(current);
    if (changed === false) return current;
    const next = changed ?? current;
    try {
      return opts.status === true ? await client.updateStatus(kind, next, opts) : await client.update(kind, next, opts);
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= attempts) throw err;
      await sleep(10 * attempt, opts.signal);
    }
  }
}
