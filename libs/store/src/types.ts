/**
 * The store contract: an etcd-shaped, revisioned key/value store (as kine presents to
 * Kubernetes). Every write bumps one cluster-wide revision; each key remembers the revision that
 * created it and the one that last modified it. The API server maps resourceVersion to
 * modRevision, so optimistic concurrency is a compare of modRevision.
 *
 * Expected outcomes (a compare that failed, a key that is absent) are values, not exceptions.
 * Exceptions are for infrastructure failures (StoreUnavailableError) and for a watch or read
 * at a compacted revision (StoreCompactedError: the caller must list again, Kubernetes' 410).
 */

export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  /** Revision of the write that created this key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the last write to this key. */
  readonly modRevision: number;
  /** Lease the key is attached to (0 when none); the key is deleted when the lease expires. */
  readonly lease: number;
}

export interface GetResult {
  readonly kv: KeyValue | undefined;
  /** The store's revision when the read was served. */
  readonly revision: number;
}

export interface ListOptions {
  /** At most this many keys (0 or absent: all). */
  readonly limit?: number;
  /** Start at this key (inclusive) instead of the prefix's first key: for paging. */
  readonly startKey?: string;
  /** Read as of this revision (must not be compacted); absent: the current revision. */
  readonly revision?: number;
}

export interface ListResult {
  /** Keys in ascending byte order. */
  readonly kvs: readonly KeyValue[];
  readonly revision: number;
  /** True when more keys follow under the prefix (the list was cut by `limit`). */
  readonly more: boolean;
}

/** Outcome of a create, compare-and-swap update, or delete. */
export type WriteResult =
  | { readonly succeeded: true; readonly revision: number; readonly kv: KeyValue | undefined }
  /** The compare failed: `kv` is the key as it is now (undefined when absent). Nothing was written. */
  | { readonly succeeded: false; readonly revision: number; readonly kv: KeyValue | undefined };

export interface WriteOptions {
  /** Attach the key to this lease (from grantLease). */
  readonly lease?: number;
}

export interface UpdateOptions extends WriteOptions {
  /**
   * The key as the caller just read it, at expectedModRevision. A store may use it instead of
   * reading the value again inside the write (the revision still decides); it must be exactly
   * what a get returned.
   */
  readonly current?: KeyValue;
}

export interface StoreEvent {
  readonly type: 'put' | 'delete';
  /** For put: the key after the write. For delete: key, empty value, modRevision = the delete's revision. */
  readonly kv: KeyValue;
  /** The key before the write, when it existed. */
  readonly prevKv: KeyValue | undefined;
}

export interface WatchOptions {
  /**
   * Deliver every event with revision >= startRevision, in revision order, none twice.
   * (Added:) 0 means "from now", as in etcd: writes after the first pull of the iterator. Pass
   * an explicit revision (a list's revision + 1) when nothing may be missed.
   */
  readonly startRevision: number;
  readonly signal?: AbortSignal;
}

export interface Store {
  /** "sqlite" or "etcd". */
  readonly backend: string;

  get(key: string): Promise<GetResult>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Number of keys under a prefix at the current revision. */
  count(prefix: string): Promise<{ readonly count: number; readonly revision: number }>;

  /** Write only if the key does not exist. On failure `kv` is the existing key. */
  create(key: string, value: Uint8Array, options?: WriteOptions): Promise<WriteResult>;
  /** Write only if the key exists with modRevision === expectedModRevision. */
  update(key: string, value: Uint8Array, expectedModRevision: number, options?: UpdateOptions): Promise<WriteResult>;
  /**
   * Delete the key; with `expectedModRevision`, only if it still has that modRevision.
   * `kv` of a successful delete is the key as it was just before.
   * (Added:) deleting an absent key fails (`succeeded: false`, `kv` undefined) and writes nothing.
   */
  delete(key: string, expectedModRevision?: number): Promise<WriteResult>;

  /**
   * Stream changes under a prefix, batched by revision order. Survives a lost connection to the
   * backend by resuming after the last delivered revision. Throws StoreCompactedError when
   * startRevision has been compacted. Ends when `signal` aborts.
   */
  watch(prefix: string, options: WatchOptions): AsyncIterable<readonly StoreEvent[]>;

  /** The store's current revision. */
  currentRevision(): Promise<number>;
  /**
   * Forget history before `revision`: reads and watches at older revisions fail as compacted.
   * (Added:) compacting to a revision at or below an earlier compaction does nothing.
   */
  compact(revision: number): Promise<void>;

  /** Grant a lease of `ttlSeconds`; keys attached to it are deleted when it expires. */
  grantLease(ttlSeconds: number): Promise<number>;
  /** (Added:) throws StoreLeaseNotFoundError when the lease has expired or was revoked. */
  keepAliveLease(lease: number): Promise<void>;
  /** Deletes the lease and its keys (as deletes that watchers see); a lease already gone is fine. */
  revokeLease(lease: number): Promise<void>;

  close(): Promise<void>;
}
