/**
 * List continue tokens: opaque to clients, base64 of the next key and the revision the first
 * page was read at, so every page is read from one consistent snapshot (as Kubernetes does).
 */
import { InvalidError } from '@tsk/api';

export interface ContinuePoint {
  readonly startKey: string;
  readonly revision: number;
}

export function encodeContinue(point: ContinuePoint): string {
  return Buffer.from(JSON.stringify({ startKey: point.startKey, revision: point.revision })).toString('base64url');
}

export function decodeContinue(token: string, prefix: string): ContinuePoint {
  const bad = (): never => {
    throw new InvalidError('invalid continue token; list again without it', 'continue');
  };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return bad();
  }
  if (typeof value !== 'object' || value === null) return bad();
  const { startKey, revision } = value as Record<string, unknown>;
  if (typeof startKey !== 'string' || typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) {
    return bad();
  }
  // A token made for another kind or namespace would page through keys the caller did not ask for.
  if (!startKey.startsWith(prefix)) return bad();
  return { startKey, revision };
}
