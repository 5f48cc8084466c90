/**
 * One client's watch stream: a bounded queue of encoded frames in front of a sink (the gRPC call)
 * that may push back. A client that falls more than `maxQueued` frames behind is sent a 410 ERROR
 * and dropped, so one slow reader never holds the others up or grows memory without bound; it
 * lists again and resumes, as a Kubernetes client does.
 */
import { WatchEvent, wrap, type KindInfo } from '@tsk/api';
import { type ObjectFilter } from './storage.js';

/** Where frames go: write returns false when the sink wants a pause until drain. */
export interface WatchSink {
  write(frame: Buffer): boolean;
  onDrain(listener: () => void): void;
  end(): void;
}

export interface WatcherOptions {
  readonly sink: WatchSink;
  readonly namespace: string;
  readonly filter: ObjectFilter | undefined;
  /** Send only events after this revision. */
  readonly afterRevision: number;
  readonly allowBookmarks: boolean;
  readonly maxQueued: number;
  readonly onClose: (watcher: Watcher) => void;
}

export function errorFrame(code: number, reason: string, message: string): Buffer {
  return Buffer.from(WatchEvent.encode({ type: 'ERROR', status: { code, reason, message } }).finish());
}

export function bookmarkFrame(info: KindInfo, revision: number): Buffer {
  const object = wrap(info, { apiVersion: info.apiVersion, kind: info.kind, metadata: { resourceVersion: String(revision) } });
  return Buffer.from(WatchEvent.encode({ type: 'BOOKMARK', object }).finish());
}

export class Watcher {
  readonly namespace: string;
  readonly filter: ObjectFilter | undefined;
  readonly allowBookmarks: boolean;
  /** The revision of the last event queued for this client (events up to it are never resent). */
  lastRevision: number;
  private readonly sink: WatchSink;
  private readonly maxQueued: number;
  private readonly onClose: (watcher: Watcher) => void;
  private queue: Buffer[] = [];
  private head = 0;
  private blocked = false;
  private closed = false;

  constructor(options: WatcherOptions) {
    this.sink = options.sink;
    this.namespace = options.namespace;
    this.filter = options.filter;
    this.lastRevision = options.afterRevision;
    this.allowBookmarks = options.allowBookmarks;
    this.maxQueued = options.maxQueued;
    this.onClose = options.onClose;
    this.sink.onDrain(() => {
      this.blocked = false;
      this.flush();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  push(frame: Buffer, revision: number): void {
    if (this.closed) return;
    if (revision > this.lastRevision) this.lastRevision = revision;
    this.queue.push(frame);
    if (this.pending > this.maxQueued) {
      this.expire('the watch fell too far behind; list again and watch from the list\'s resourceVersion');
      return;
    }
    this.flush();
  }

  /** Ends the stream with Kubernetes' 410 Gone so the client relists. */
  expire(message: string): void {
    if (this.closed) return;
    this.queue = [];
    this.head = 0;
    // The error goes out even past backpressure: it is one small frame and the last.
    this.sink.write(errorFrame(410, 'Expired', message));
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.sink.end();
    this.onClose(this);
  }

  private flush(): void {
    while (!this.blocked && !this.closed && this.head < this.queue.length) {
      const frame = this.queue[this.head]!;
      this.head++;
      if (!this.sink.write(frame)) this.blocked = true;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
