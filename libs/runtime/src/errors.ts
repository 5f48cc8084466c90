/**
 * Errors of the runtime. Each names the step that failed and, where there is one, the config
 * field at fault, so that a user can act on the message alone. `code` maps to a gRPC status at
 * the server edge (the agent), never here.
 */
export type RuntimeErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'INTERNAL';

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    readonly code: RuntimeErrorCode,
    /** What the runtime was doing, e.g. "create", "start", "cgroup apply". */
    readonly step: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${step}: ${message}`, options);
  }
}

/** A config.json that the runtime refuses; `field` is a JSON path such as `linux.namespaces[2].type`. */
export class ConfigError extends RuntimeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('INVALID_ARGUMENT', 'config', `${field}: ${message}`);
  }
}
