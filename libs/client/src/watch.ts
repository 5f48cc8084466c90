/**
 * Watch as an async iterable that survives dropped streams: it remembers the last
 * resourceVersion it saw (bookmarks included) and reopens the stream from there with backoff,
 * so the caller sees each change once. A compacted resourceVersion is not resumable: the
 * iteration ends with ExpiredError and the caller lists again (Kubernetes' 410 Gone).
 */
import { type ClientReadableStream } from '@grpc/grpc-js';
import {
  ExpiredError,
  InvalidError,
  NotFoundError,
  TskError,
  unwrap,
  type KindInfo,
  type KindObject,
  type WatchEvent,
} from '@tsk/api';
import { type Logger } from '@tsk/log';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { StreamQueue } from './stream-queue.js';
import { type ObjectEvent, type ObjectList, type WatchEventType, type WatchOptions } from './types.js';

export interface WatchSource<T extends KindObject> {
  readonly info: KindInfo;
  readonly logger: Logger;
  readonly backoff: BackoffOptions;
  /** Lists the watched objects (used when no resourceVersion is given). */
  list(signal: AbortSignal | undefined): Promise<ObjectList<T>>;
  /** Opens a Watch stream after `resourceVersion`. */
  open(resourceVersion: string): ClientReadableStream<WatchEvent>;
  mapError(err: unknown): TskError;
}

const TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);

/** Revisions are store revisions (decimal); keep the highest so a resume never goes back. */
export function laterVersion(a: string, b: string): string {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(b) > BigInt(a) ? b : a;
  return b === '' ? a : b;
}

/** An ERROR event's status as a typed error: 410 is Expired, 4xx is final, others resumable. */
function statusError(ev: WatchEvent): TskError {
  const code = ev.status?.code ?? 0;
  const message = ev.status?.message ?? `watch error ${code}`;
  if (code === 410) return new ExpiredError(message);
  if (code === 404) return new NotFoundError(message);
  if (code >= 400 && code < 500) return new InvalidError(message);
  return new TskError('INTERNAL', message);
}

function toEvent<T extends KindObject>(ev: WatchEvent): ObjectEvent<T> {
  const type = ev.type ?? '';
  if (!TYPES.has(type)) throw new TskError('INTERNAL', `watch sent an event of unknown type "${type}"`);
  let object: T;
  try {
    object = unwrap(ev.object ?? {}).object as T;
  } catch (err) {
    // A bookmark may carry no kind at all; only its resourceVersion matters.
    if (type !== 'BOOKMARK') throw err;
    object = { metadata: { resourceVersion: '' } } as T;
  }
  return { type: type as WatchEventType, object, resourceVersion: object.metadata?.resourceVersion ?? '' };
}

/** Resumable after these: the connection or the server went away, not the request was wrong. */
function resumable(err: TskError): boolean {
  return err.code === 'UNAVAILABLE' || err.code === 'INTERNAL' || err.code === 'DEADLINE_EXCEEDED' || err.code === 'RESOURCE_EXHAUSTED';
}

export async function* watchObjects<T extends KindObject>(src: WatchSource<T>, opts: WatchOptions): AsyncGenerator<ObjectEvent<T>> {
  const signal = opts.signal;
  // A function, not a property read, so TypeScript does not narrow it across awaits.
  const aborted = (): boolean => signal?.aborted === true;
  const log = src.logger.child({ kind: src.info.kind });
  const backoff = new Backoff(src.backoff);
  let rv = opts.resourceVersion ?? '';
  if (rv === '') {
    // List, then watch from the list's revision: unlike the server's own initial ADDED events,
    // this has a revision to resume from if the stream drops half-way.
    const list = await src.list(signal);
    for (const object of list.items) {
      if (aborted()) return;
      yield { type: 'ADDED', object, resourceVersion: object.metadata?.resourceVersion ?? '' };
    }
    rv = list.resourceVersion;
  }
  while (!aborted()) {
    const queue = new StreamQueue(src.open(rv));
    const onAbort = (): void => queue.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const raw = await queue.next();
        if (raw === undefined) break;
        if (raw.type === 'ERROR') throw statusError(raw);
        const ev = toEvent<T>(raw);
        backoff.reset();
        if (ev.resourceVersion !== '') rv = laterVersion(rv, ev.resourceVersion);
        if (ev.type === 'BOOKMARK' && opts.allowBookmarks !== true) continue;
        yield ev;
      }
      if (aborted()) return;
      log.debug({ resourceVersion: rv }, 'watch stream ended; resuming');
    } catch (raw) {
      if (aborted()) return;
      const err = src.mapError(raw);
      if (!resumable(err)) throw err;
      log.debug({ resourceVersion: rv, err: err.message }, 'watch stream dropped; resuming');
    } finally {
      signal?.removeEventListener('abort', onAbort);
      queue.cancel();
    }
    await sleep(backoff.next(), signal);
  }
}
