/**
 * Logging shared by every tsk process: pino, JSON lines on stderr, pretty only on a TTY.
 * Components take a `Logger` as a parameter (never a global) and derive children with
 * `component` and object keys, so every line says which loop and which object it is about.
 */
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  /** Process name, e.g. "tsk-server"; becomes the `name` key of every line. */
  readonly name: string;
  readonly level?: LogLevel;
  /** Force pretty (true) or JSON (false); by default pretty only when stderr is a TTY. */
  readonly pretty?: boolean;
  /** Where JSON lines go; defaults to stderr (fd 2) so stdout stays free for command output. */
  readonly destination?: NodeJS.WritableStream;
}

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads $TSK_LOG_LEVEL, falling back to `fallback` when unset or not a pino level. */
export function levelFromEnv(fallback: LogLevel = 'info'): LogLevel {
  const value = process.env['TSK_LOG_LEVEL'];
  return value !== undefined && (LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : fallback;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? levelFromEnv();
  const pretty = options.pretty ?? (process.stderr.isTTY === true && options.destination === undefined);
  if (pretty) {
    return pino({
      name: options.name,
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } },
    });
  }
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino({ name: options.name, level }, destination);
}

/** A logger that drops everything: for unit tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
