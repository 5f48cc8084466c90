/**
 * The etcd3 client as the store needs it, and the mapping of its errors to store errors.
 */
import { ClientClosedError, EtcdLeaseInvalidError, Etcd3, type IKeyValue, type IOptions } from 'etcd3';
import {
  StoreCompactedError,
  StoreError,
  StoreFutureRevisionError,
  StoreInvalidArgumentError,
  StoreLeaseNotFoundError,
  StoreUnavailableError,
} from '../errors.js';
import type { KeyValue } from '../types.js';

type HostPolicy = ReturnType<NonNullable<NonNullable<IOptions['faultHandling']>['host']>>;

/**
 * etcd3's default per-host policy is a circuit breaker that, after three failures, refuses every
 * call for 5 s: after an etcd restart the store would stay unavailable for 5 s more. This policy
 * just runs the call; the client's global retry (3 attempts over shuffled hosts) still fails
 * over between endpoints, and the store's own watch loop does the backoff that matters.
 */
const passThrough = {
  execute: <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
} as unknown as HostPolicy;

export function createClient(endpoints: readonly string[], requestTimeoutMs: number): Etcd3 {
  return new Etcd3({
    hosts: endpoints.map((e) => `http://${e}`),
    // Unary calls get a deadline so that a partitioned endpoint fails instead of hanging;
    // streams (watch, keepalive) live as long as they are needed.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    faultHandling: { host: () => passThrough },
    grpcOptions: {
      // grpc-js refuses messages over 4 MiB by default; a list of a big prefix is larger.
      'grpc.max_receive_message_length': 512 * 1024 * 1024,
      // Pings on open streams find a dead connection (a partition, a host that vanished) that
      // TCP alone would not report for minutes, so watches resume promptly. etcd allows a ping
      // every 5 s by default.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
    },
  });
}

export const num = (value: string | number | undefined): number => Number(value ?? 0);

/** A store KeyValue from etcd's, with the namespace prefix (nsLength bytes) cut off the key. */
export function fromEtcdKv(kv: IKeyValue, nsLength: number): KeyValue {
  return {
    key: kv.key.subarray(nsLength).toString('utf8'),
    value: kv.value,
    createRevision: num(kv.create_revision),
    modRevision: num(kv.mod_revision),
    lease: num(kv.lease),
  };
}

export interface ErrorContext {
  readonly endpoints: readonly string[];
  readonly what: string;
  readonly revision?: number;
  readonly lease?: number;
  /** The latest compact revision this client knows of (etcd does not say it on a read). */
  readonly compactRevision: number;
}

/** Maps an etcd3 error to a store error; store errors pass through unchanged. */
export function toStoreError(err: unknown, context: ErrorContext): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('required revision has been compacted')) {
    return new StoreCompactedError(context.compactRevision, context.revision ?? 0, { cause: err });
  }
  if (message.includes('required revision is a future revision')) {
    return new StoreFutureRevisionError(context.revision ?? 0, 0);
  }
  if (message.includes('request is too large')) {
    return new StoreInvalidArgumentError(`${context.what}: the request is larger than etcd accepts (${message})`);
  }
  if (err instanceof EtcdLeaseInvalidError || message.includes('requested lease not found')) {
    return new StoreLeaseNotFoundError(context.lease ?? 0);
  }
  const closed = err instanceof ClientClosedError ? ' (client closed)' : '';
  // Everything else (connection refused, deadline, no leader, a broken stream) is an
  // infrastructure failure the caller can only retry.
  return new StoreUnavailableError(
    `etcd at ${context.endpoints.join(',')} is unavailable${closed}: ${context.what} failed: ${message}`,
    { cause: err },
  );
}
