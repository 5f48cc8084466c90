/**
 * Image errors: a code that maps to a gRPC status (as every tsk error does), the step that failed
 * (pull, push, unpack, ...) and the reference it was about, so one line tells a user what to fix.
 */
export type ImageErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'PERMISSION_DENIED'
  | 'DATA_LOSS'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

export class ImageError extends Error {
  override name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    /** What tsk was doing: "pull", "push", "unpack", "import", ... */
    readonly step: string,
    /** The image reference, digest or path the failure is about ('' when none). */
    readonly ref: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${step}${ref === '' ? '' : ` ${ref}`}: ${detail}`, options);
  }
}

export function isImageError(err: unknown): err is ImageError {
  return err instanceof ImageError;
}

/** Node's errno code of a failed fs call ('' when the error is not one). */
export function errnoCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}
