/**
 * gRPC statuses back to the typed errors of @tsk/api, so callers write
 * `catch (e) { if (e instanceof ConflictError) ... }` and never see a grpc-js ServiceError.
 * The server edge maps TskError codes to statuses; this is the exact inverse.
 */
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  ConflictError,
  ExpiredError,
  FailedPreconditionError,
  InvalidError,
  NotFoundError,
  TskError,
  UnavailableError,
} from '@tsk/api';

/** The status fields of a grpc-js error (a ServiceError or a stream's error event). */
export interface GrpcStatusLike {
  readonly code?: number | undefined;
  readonly details?: string | undefined;
  readonly message?: string | undefined;
}

function isGrpcStatus(err: unknown): err is GrpcStatusLike & Error {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** The server's own message: grpc-js prefixes `message` with "5 NOT_FOUND: ", `details` is bare. */
function detailsOf(err: GrpcStatusLike): string {
  if (err.details !== undefined && err.details !== '') return err.details;
  const m = err.message ?? '';
  return m.replace(/^\d+ [A-Z_]+: /, '');
}

/**
 * Converts any error from a call into a TskError. `address` names the server in the message a
 * user sees when it cannot be reached.
 */
export function fromGrpcError(err: unknown, address: string): TskError {
  if (err instanceof TskError) return err;
  if (!isGrpcStatus(err)) {
    return new TskError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
  }
  const message = detailsOf(err);
  switch (err.code) {
    case Status.INVALID_ARGUMENT:
      return new InvalidError(message);
    case Status.NOT_FOUND:
      return new NotFoundError(message);
    case Status.ALREADY_EXISTS:
      return new AlreadyExistsError(message);
    case Status.ABORTED:
      return new ConflictError(message);
    case Status.FAILED_PRECONDITION:
      return new FailedPreconditionError(message);
    case Status.OUT_OF_RANGE:
      return new ExpiredError(message);
    case Status.UNAVAILABLE:
      return new UnavailableError(unavailableMessage(message, address), { cause: err });
    case Status.DEADLINE_EXCEEDED:
      return new TskError('DEADLINE_EXCEEDED', `the server at ${address} did not answer in time (${message})`, { cause: err });
    case Status.RESOURCE_EXHAUSTED:
      return new TskError('RESOURCE_EXHAUSTED', message, { cause: err });
    case Status.CANCELLED:
      // The server (or a proxy) cancelled the call: as good as a dropped connection to a caller.
      return new UnavailableError(`the call to ${address} was cancelled: ${message}`, { cause: err });
    default:
      return new TskError('INTERNAL', message === '' ? `server error (gRPC status ${String(err.code)})` : message, {
        cause: err,
      });
  }
}

function unavailableMessage(details: string, address: string): string {
  if (/ECONNREFUSED|No connection established|connect ECONN|Connection refused/i.test(details)) {
    return `cannot connect to the server at ${address}: connection refused (is tsk-server running?)`;
  }
  if (/ENOTFOUND|EAI_AGAIN|Name resolution failed|DNS resolution failed/i.test(details)) {
    return `cannot connect to the server at ${address}: host not found`;
  }
  return `the server at ${address} is unavailable: ${details}`;
}

/** True for a failure worth retrying on an idempotent call: the server was not reached or dropped us. */
export function isRetryable(err: TskError): boolean {
  return err.code === 'UNAVAILABLE';
}
