/**
 * Option and result types of the client, in one place so client.ts, watch.ts and informer.ts
 * share them without importing each other in a cycle.
 */
import { type KindInfo, type KindObject } from '@tsk/api';
import { type Logger } from '@tsk/log';
import { type BackoffOptions } from './backoff.js';

/** A kind as a user names it ("Pod", "pods", "po") or its registry entry. */
export type KindRef = string | KindInfo;

export interface RetryOptions extends BackoffOptions {
  /** Attempts of an idempotent call (get, list, version) that fails UNAVAILABLE; default 5. */
  readonly maxAttempts?: number;
}

export interface ConnectOptions {
  readonly logger?: Logger;
  /** Deadline of each call, retries included; default 30 s. */
  readonly deadlineMs?: number;
  readonly retry?: RetryOptions;
  /**
   * Send writes issued while others are in flight together, as one Batch call (default true).
   * Each write still gets its own result or typed error; see batcher.ts.
   */
  readonly batchWrites?: boolean;
}

export interface CallOptions {
  /** Overrides the client's deadline for this call. */
  readonly deadlineMs?: number;
  /** Cancels the call; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface SelectorOptions {
  /** Empty or absent: all namespaces (for namespaced kinds). */
  readonly namespace?: string;
  /** kubectl -l syntax: "app=web,tier!=db". */
  readonly labelSelector?: string;
  /** "metadata.name=x,spec.nodeName=n1". */
  readonly fieldSelector?: string;
}

export interface ListOptions extends CallOptions, SelectorOptions {
  /** Page size; absent or 0 = everything. */
  readonly limit?: number;
  /** Token from a previous page's `continue`. */
  readonly continue?: string;
}

export interface ObjectList<T extends KindObject = KindObject> {
  readonly items: T[];
  /** The store revision the list was read at: a watch from it misses nothing. */
  readonly resourceVersion: string;
  /** Token for the next page; "" on the last page. */
  readonly continue: string;
}

export interface WriteOptions extends CallOptions {
  /** Validate and default on the server, store nothing. */
  readonly dryRun?: boolean;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions extends WriteOptions {
  readonly propagationPolicy?: PropagationPolicy;
  /** Overrides the pod's terminationGracePeriodSeconds (0 = now). */
  readonly gracePeriodSeconds?: number;
  /** Preconditions: delete only if the stored object still has this resourceVersion / uid. */
  readonly resourceVersion?: string;
  readonly uid?: string;
}

export interface ApplyOptions extends WriteOptions {
  /** Namespace for objects that name none; the server's default is "default". */
  readonly namespace?: string;
}

export interface ApplyManifestOptions extends ApplyOptions {
  /** Name used in error messages ("web.yaml: document 3 (...): ..."). */
  readonly filename?: string;
}

/** What apply did to one object, as kubectl prints it. */
export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface AppliedObject {
  readonly info: KindInfo;
  readonly object: KindObject;
  /** "created", "configured" or "unchanged" (a string, should the server add another). */
  readonly action: ApplyAction | (string & {});
}

/** An object (or a kind message) to apply: a registry entry with its message. */
export interface ObjectToApply {
  readonly info: KindInfo;
  readonly object: KindObject;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface ObjectEvent<T extends KindObject = KindObject> {
  readonly type: WatchEventType;
  /** The object after the change (as last seen, for DELETED); for BOOKMARK only its resourceVersion. */
  readonly object: T;
  /** The revision this event brings the watcher to. */
  readonly resourceVersion: string;
}

export interface WatchOptions extends SelectorOptions {
  /**
   * Start after this revision. Absent or "": list first (an ADDED event per current object),
   * then changes, so the caller sees the whole state either way.
   */
  readonly resourceVersion?: string;
  /** Also yield BOOKMARK events (the client always asks for them to resume cheaply). */
  readonly allowBookmarks?: boolean;
  /** Ends the iteration (without an error). */
  readonly signal?: AbortSignal;
}
