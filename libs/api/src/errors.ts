/**
 * Typed errors of the API. Each carries a code that the server edge maps to a gRPC status
 * (and tsctl maps back); nothing below the edge knows about gRPC.
 */

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ABORTED'
  | 'FAILED_PRECONDITION'
  | 'OUT_OF_RANGE'
  | 'UNAVAILABLE'
  | 'RESOURCE_EXHAUSTED'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL';

export class TskError extends Error {
  override name = 'TskError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The object or request is wrong; `path` names the field ("spec.replicas") when there is one. */
export class InvalidError extends TskError {
  override name = 'InvalidError';
  constructor(
    message: string,
    readonly path: string = '',
    options?: { cause?: unknown },
  ) {
    super('INVALID_ARGUMENT', path === '' ? message : `${path}: ${message}`, options);
  }
}

export class NotFoundError extends TskError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class AlreadyExistsError extends TskError {
  override name = 'AlreadyExistsError';
  constructor(message: string) {
    super('ALREADY_EXISTS', message);
  }
}

/** A resourceVersion (or uid) precondition failed: re-read and retry. */
export class ConflictError extends TskError {
  override name = 'ConflictError';
  constructor(message: string) {
    super('ABORTED', message);
  }
}

export class FailedPreconditionError extends TskError {
  override name = 'FailedPreconditionError';
  constructor(message: string) {
    super('FAILED_PRECONDITION', message);
  }
}

/** A watch or list asked for a revision that was compacted away: list again (Kubernetes' 410 Gone). */
export class ExpiredError extends TskError {
  override name = 'ExpiredError';
  constructor(message: string) {
    super('OUT_OF_RANGE', message);
  }
}

export class UnavailableError extends TskError {
  override name = 'UnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

export function isTskError(err: unknown): err is TskError {
  return err instanceof TskError;
}
