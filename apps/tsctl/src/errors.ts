/**
 * The one line tsctl prints for a failure, in kubectl's words: "Error from server (NotFound):
 * pods "x" not found" for what the server refused, "error: ..." for everything else.
 */
import { isTskError, type KindInfo } from '@tsk/api';

/** An error already worded for the user (printed as is, after "error: "). */
export class CliError extends Error {
  override name = 'CliError';
}

/** A failure that was already reported on stderr: exit 1 without printing anything more. */
export class ReportedError extends Error {
  override name = 'ReportedError';
}

const REASONS: Partial<Record<string, string>> = {
  NOT_FOUND: 'NotFound',
  ALREADY_EXISTS: 'AlreadyExists',
  ABORTED: 'Conflict',
  FAILED_PRECONDITION: 'BadRequest',
  OUT_OF_RANGE: 'Expired',
  RESOURCE_EXHAUSTED: 'TooManyRequests',
  DEADLINE_EXCEEDED: 'Timeout',
  INTERNAL: 'InternalError',
};

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function formatError(err: unknown): string {
  if (isTskError(err)) {
    const reason = REASONS[err.code];
    return oneLine(reason === undefined ? `error: ${err.message}` : `Error from server (${reason}): ${err.message}`);
  }
  return oneLine(`error: ${err instanceof Error ? err.message : String(err)}`);
}

/** kubectl's not-found line for a named object: `pods "x" not found`. */
export function notFoundMessage(info: KindInfo, name: string): string {
  const resource = info.group === '' ? info.plural : `${info.plural}.${info.group}`;
  return `Error from server (NotFound): ${resource} "${name}" not found`;
}

/** kubectl's `deployment.apps "web"` form used by delete and describe messages. */
export function quotedName(info: KindInfo, name: string): string {
  const resource = info.group === '' ? info.kind.toLowerCase() : `${info.kind.toLowerCase()}.${info.group}`;
  return `${resource} "${name}"`;
}
