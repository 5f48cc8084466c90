/**
 * Typed store errors. Expected outcomes (a failed compare, an absent key) are values in the
 * Store contract; these classes are for what a caller must handle differently: relist on
 * StoreCompactedError (Kubernetes' 410 Gone), retry later on StoreUnavailableError. The API
 * server maps them to gRPC codes at its edge, so each carries a message a user can act on and
 * chains the backend's error as `cause`.
 */

export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A read or watch asked for history that compaction has removed: list again from now. */
export class StoreCompactedError extends StoreError {
  override readonly name = 'StoreCompactedError';
  constructor(
    /** The revision the store is compacted to (0 when the backend does not say). */
    readonly compactRevision: number,
    readonly requestedRevision: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      `revision ${requestedRevision} has been compacted` +
        (compactRevision > 0 ? ` (compacted up to ${compactRevision})` : '') +
        '; list again from the current revision',
      options,
    );
  }
}

/** A read asked for a revision the store has not reached yet. */
export class StoreFutureRevisionError extends StoreError {
  override readonly name = 'StoreFutureRevisionError';
  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number,
  ) {
    super(`revision ${requestedRevision} is in the future (current revision ${currentRevision})`);
  }
}

/** The backend cannot be reached (etcd down, network lost, disk I/O failed). Retry later. */
export class StoreUnavailableError extends StoreError {
  override readonly name = 'StoreUnavailableError';
}

/** The store was closed by its owner; nothing more can be done with it. */
export class StoreClosedError extends StoreError {
  override readonly name = 'StoreClosedError';
  constructor(backend: string) {
    super(`the ${backend} store is closed`);
  }
}

/** The lease does not exist (never granted, revoked, or expired). */
export class StoreLeaseNotFoundError extends StoreError {
  override readonly name = 'StoreLeaseNotFoundError';
  constructor(readonly lease: number) {
    super(`lease ${lease} not found (expired or revoked)`);
  }
}

/** A store URL that names no backend or is malformed. */
export class StoreUrlError extends StoreError {
  override readonly name = 'StoreUrlError';
}

/** An argument no backend accepts (empty key, negative revision, bad TTL). */
export class StoreInvalidArgumentError extends StoreError {
  override readonly name = 'StoreInvalidArgumentError';
}
