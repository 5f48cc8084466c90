/**
 * The one place where errors become gRPC statuses. Typed errors (TskError codes from @tsk/api,
 * store errors) carry their own meaning; anything else is a bug: the client gets INTERNAL with a
 * generic message and the stack goes to the log, never to the wire.
 */
import { status as Status, type StatusObject, Metadata } from '@grpc/grpc-js';
import { isTskError, type ErrorCode } from '@tsk/api';
import { type Logger } from '@tsk/log';
import {
  StoreClosedError,
  StoreCompactedError,
  StoreFutureRevisionError,
  StoreInvalidArgumentError,
  StoreUnavailableError,
} from '@tsk/store';

const CODES: Record<ErrorCode, Status> = {
  INVALID_ARGUMENT: Status.INVALID_ARGUMENT,
  NOT_FOUND: Status.NOT_FOUND,
  ALREADY_EXISTS: Status.ALREADY_EXISTS,
  ABORTED: Status.ABORTED,
  FAILED_PRECONDITION: Status.FAILED_PRECONDITION,
  OUT_OF_RANGE: Status.OUT_OF_RANGE,
  UNAVAILABLE: Status.UNAVAILABLE,
  RESOURCE_EXHAUSTED: Status.RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED: Status.DEADLINE_EXCEEDED,
  INTERNAL: Status.INTERNAL,
};

/** gRPC refuses huge status details; a user never needs more than this of a message. */
const MAX_DETAILS = 4096;

function clip(message: string): string {
  return message.length > MAX_DETAILS ? `${message.slice(0, MAX_DETAILS)}...` : message;
}

export function toStatus(err: unknown, logger: Logger, method: string): StatusObject {
  const make = (code: Status, details: string): StatusObject => ({ code, details: clip(details), metadata: new Metadata() });
  if (isTskError(err)) return make(CODES[err.code], err.message);
  if (err instanceof StoreCompactedError) return make(Status.OUT_OF_RANGE, err.message);
  if (err instanceof StoreFutureRevisionError) return make(Status.OUT_OF_RANGE, err.message);
  if (err instanceof StoreUnavailableError || err instanceof StoreClosedError) {
    logger.warn({ err, method }, 'store unavailable');
    return make(Status.UNAVAILABLE, err.message);
  }
  if (err instanceof StoreInvalidArgumentError) return make(Status.INVALID_ARGUMENT, err.message);
  if (err instanceof Error && err.name === 'AbortError') return make(Status.CANCELLED, 'the call was cancelled');
  logger.error({ err, method }, 'unexpected error');
  return make(Status.INTERNAL, 'internal error; the server log has the details');
}
