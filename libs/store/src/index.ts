/**
 * @tsk/store: the revisioned key/value store under the API server. `openStore(url)` picks the
 * backend from the URL scheme, as kine does: `sqlite://PATH` (embedded, the default) or
 * `etcd://HOST:PORT[,HOST:PORT...][?prefix=/PREFIX]`.
 */
import type { Logger } from '@tsk/log';
import type { Store } from './types.js';
import { parseStoreUrl } from './url.js';

export type * from './types.js';
export {
  StoreError,
  StoreCompactedError,
  StoreFutureRevisionError,
  StoreUnavailableError,
  StoreClosedError,
  StoreLeaseNotFoundError,
  StoreUrlError,
  StoreInvalidArgumentError,
} from './errors.js';
export { parseStoreUrl, type StoreLocation } from './url.js';
export { startEtcd, type EtcdProcess, type StartEtcdOptions } from './testing/etcd.js';

export interface OpenStoreOptions {
  readonly logger: Logger;
  /** etcd: how long a request may take before it fails with StoreUnavailableError (ms). */
  readonly requestTimeoutMs?: number;
  /** etcd: how long openStore waits for the first answer before StoreUnavailableError (ms). */
  readonly connectTimeoutMs?: number;
  /** SQLite: how often expired leases are swept (ms). */
  readonly leaseSweepMs?: number;
}

/**
 * Opens the store a URL names. Throws StoreUrlError for a bad URL and StoreUnavailableError when
 * the backend cannot be reached (the etcd endpoints or the SQLite path are in the message).
 */
export async function openStore(url: string, options: OpenStoreOptions): Promise<Store> {
  const location = parseStoreUrl(url);
  // Backends are loaded on demand: the SQLite default never pays for gRPC, nor etcd for SQLite.
  if (location.backend === 'sqlite') {
    const { SqliteStore } = await import('./sqlite/store.js');
    return SqliteStore.open(location.path, {
      logger: options.logger,
      ...(options.leaseSweepMs === undefined ? {} : { leaseSweepMs: options.leaseSweepMs }),
    });
  }
  const { EtcdStore } = await import('./etcd/store.js');
  return EtcdStore.open(location.endpoints, location.prefix, {
    logger: options.logger,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  });
}
