/**
 * The logging surface the runtime needs. A pino Logger (from @tsk/log) satisfies it, but the
 * runtime does not import pino itself: the `tsk-runtime` CLI is started once per container
 * operation and every module it loads is paid for in start-up time.
 */
export interface RuntimeLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): RuntimeLogger;
}

export const noopLogger: RuntimeLogger = {
  warn: () => undefined,
  debug: () => undefined,
  child: () => noopLogger,
};
