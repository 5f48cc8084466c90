/**
 * ApiClient: the typed, promise-based face of the Objects gRPC service that tsctl, controllers,
 * the scheduler and node agents share. Calls carry a deadline, come back as typed TskErrors,
 * and idempotent reads retry with capped backoff while the server restarts.
 */
import { credentials, Metadata, status as Status, type ClientUnaryCall, type ServiceError, type CallOptions as GrpcCallOptions } from '@grpc/grpc-js';
import {
  kindOf,
  BatchResponse,
  ObjectsClient,
  TskError,
  unwrap,
  type BatchOperation,
  type DeleteRequest,
  wrap,
  type KindInfo,
  type KindObject,
  type TskObject,
  type ListResponse,
  type ApplyResponse,
  type VersionResponse,
} from '@tsk/api';
import { silentLogger, type Logger } from '@tsk/log';
import { Backoff, sleep } from './backoff.js';
import { fromGrpcError, isRetryable } from './errors.js';
import {
  type AppliedObject,
  type ApplyManifestOptions,
  type ApplyOptions,
  type CallOptions,
  type ConnectOptions,
  type DeleteOptions,
  type KindRef,
  type ListOptions,
  type ObjectEvent,
  type ObjectList,
  type ObjectToApply,
  type RetryOptions,
  type WatchOptions,
  type WriteOptions,
} from './types.js';
import { WriteBatcher } from './batcher.js';
import { watchObjects } from './watch.js';

export const DEFAULT_DEADLINE_MS = 30_000;

/** Message size limits: Kubernetes accepts 1.5 MiB per object; a List can hold many. */
const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  // Detect a dead connection under an idle watch; grpc-js servers accept pings this rare.
  'grpc.keepalive_time_ms': 60_000,
  'grpc.keepalive_timeout_ms': 20_000,
  // Redial a lost server at most 2 s apart (grpc's default backoff grows to 120 s): after a
  // tsk-server restart, agents must renew their leases well within the node grace period (8 s),
  // and informers catch up at once.
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

const BATCH_PATH = '/tsk.v1.Objects/Batch';
const decodeBatchResponse = (b: Buffer): BatchResponse => BatchResponse.decode(b);

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
type Invoke<Res> = (metadata: Metadata, options: Partial<GrpcCallOptions>, callback: Callback<Res>) => ClientUnaryCall;

export function resolveKind(kind: KindRef): KindInfo {
  return typeof kind === 'string' ? kindOf(kind) : kind;
}

/** Connects lazily (the first call dials); never throws for an unreachable server. */
export function connect(address: string, options: ConnectOptions = {}): ApiClient {
  return new ApiClient(address, options);
}

export class ApiClient {
  /** The generated grpc-js client, for what this wrapper does not cover. */
  readonly raw: ObjectsClient;
  readonly logger: Logger;
  private readonly deadlineMs: number;
  private readonly retry: RetryOptions;
  private readonly batcher: WriteBatcher | undefined;

  constructor(
    readonly address: string,
    options: ConnectOptions = {},
  ) {
    this.raw = new ObjectsClient(address, credentials.createInsecure(), CHANNEL_OPTIONS);
    this.logger = (options.logger ?? silentLogger()).child({ component: 'client', server: address });
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.retry = options.retry ?? {};
    if (options.batchWrites !== false) {
      this.batcher = new WriteBatcher({
        unary: (op) => this.writeAlone(op, {}),
        // The body is encoded by the batcher (it sizes batches by their bytes): passed as is.
        batch: (body) =>
          this.unary<BatchResponse>('Batch', false, {}, (md, co, cb) =>
            this.raw.makeUnaryRequest(BATCH_PATH, (b: Buffer) => b, decodeBatchResponse, body, md, co, (err, res) => cb(err, res ?? {})),
          ).then(
            (r) => r.results ?? [],
            (e: unknown) => {
              if (e instanceof TskError && (e.cause as { code?: unknown } | undefined)?.code === Status.UNIMPLEMENTED) return 'unimplemented' as const;
              throw e;
            },
          ),
        error: (code, message) => fromGrpcError(Object.assign(new Error(message), { code, details: message }), this.address),
      });
    }
  }

  /** One object, unwrapped: `await client.get<Pod>('Pod', 'default', 'web-1')`. */
  async get<T extends KindObject = KindObject>(kind: KindRef, namespace: string, name: string, opts: CallOptions = {}): Promise<T> {
    const info = resolveKind(kind);
    const o = await this.unary<TskObject>('Get', true, opts, (md, co, cb) =>
      this.raw.get({ kind: info.kind, namespace: info.namespaced ? namespace : '', name }, md, co, cb),
    );
    return unwrap(o).object as T;
  }

  /** One page (or, without `limit`, all) of a kind's objects matching the selectors. */
  async list<T extends KindObject = KindObject>(kind: KindRef, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const info = resolveKind(kind);
    const res = await this.unary<ListResponse>('List', true, opts, (md, co, cb) =>
      this.raw.list(
        {
          kind: info.kind,
          namespace: info.namespaced ? (opts.namespace ?? '') : '',
          labelSelector: opts.labelSelector ?? '',
          fieldSelector: opts.fieldSelector ?? '',
          limit: opts.limit ?? 0,
          continue: opts.continue ?? '',
        },
        md,
        co,
        cb,
      ),
    );
    return {
      items: (res.items ?? []).map((o) => unwrap(o).object as T),
      resourceVersion: res.metadata?.resourceVersion ?? '',
      continue: res.metadata?.continue ?? '',
    };
  }

  /** Creates an object; ALREADY_EXISTS surfaces as AlreadyExistsError. */
  async create<T extends KindObject>(kind: KindRef, object: T, opts: WriteOptions = {}): Promise<T> {
    const info = resolveKind(kind);
    return this.write({ create: { object: wrap(info, object), dryRun: opts.dryRun ?? false } }, opts) as Promise<T>;
  }

  /**
   * Replaces metadata and spec. With metadata.resourceVersion set, a concurrent change makes
   * it fail with ConflictError and write nothing: re-read and retry.
   */
  async update<T extends KindObject>(kind: KindRef, object: T, opts: WriteOptions = {}): Promise<T> {
    const info = resolveKind(kind);
    return this.write({ update: { object: wrap(info, object), dryRun: opts.dryRun ?? false } }, opts) as Promise<T>;
  }

  /** Replaces only the status (controllers and agents); same precondition as update. */
  async updateStatus<T extends KindObject>(kind: KindRef, object: T, opts: WriteOptions = {}): Promise<T> {
    const info = resolveKind(kind);
    return this.write({ updateStatus: { object: wrap(info, object), dryRun: opts.dryRun ?? false } }, opts) as Promise<T>;
  }

  /** Deletes an object; returns it as last seen (with deletionTimestamp while finalizers hold it). */
  async delete<T extends KindObject = KindObject>(kind: KindRef, namespace: string, name: string, opts: DeleteOptions = {}): Promise<T> {
    const info = resolveKind(kind);
    const request: DeleteRequest = {
      kind: info.kind,
      namespace: info.namespaced ? namespace : '',
      name,
      propagationPolicy: opts.propagationPolicy ?? '',
      resourceVersion: opts.resourceVersion ?? '',
      uid: opts.uid ?? '',
      ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
      dryRun: opts.dryRun ?? false,
    };
    return this.write({ delete: request }, opts) as Promise<T>;
  }

  /**
   * One write, through the batcher unless the caller set its own deadline (a batch carries the
   * client's deadline) or the client was made without batching.
   */
  private async write(op: BatchOperation, opts: CallOptions): Promise<KindObject> {
    const o = this.batcher !== undefined && opts.deadlineMs === undefined ? await this.batcher.write(op, opts.signal) : await this.writeAlone(op, opts);
    return unwrap(o).object;
  }

  /** One write as its own unary call. */
  private writeAlone(op: BatchOperation, opts: CallOptions): Promise<TskObject> {
    if (op.create !== undefined) return this.unary<TskObject>('Create', false, opts, (md, co, cb) => this.raw.create(op.create!, md, co, cb));
    if (op.update !== undefined) return this.unary<TskObject>('Update', false, opts, (md, co, cb) => this.raw.update(op.update!, md, co, cb));
    if (op.updateStatus !== undefined) {
      return this.unary<TskObject>('UpdateStatus', false, opts, (md, co, cb) => this.raw.updateStatus(op.updateStatus!, md, co, cb));
    }
    if (op.delete !== undefined) return this.unary<TskObject>('Delete', false, opts, (md, co, cb) => this.raw.delete(op.delete!, md, co, cb));
    return Promise.reject(new Error('a write names no operation'));
  }

  /**
   * Creates or updates every object in one request: the server validates all before writing
   * any. Results come back in request order.
   */
  async apply(objects: readonly ObjectToApply[], opts: ApplyOptions = {}): Promise<AppliedObject[]> {
    const res = await this.unary<ApplyResponse>('Apply', false, opts, (md, co, cb) =>
      this.raw.apply(
        {
          objects: objects.map((o) => wrap(o.info, o.object)),
          dryRun: opts.dryRun ?? false,
          namespace: opts.namespace ?? '',
        },
        md,
        co,
        cb,
      ),
    );
    return appliedResults(res.results ?? []);
  }

  /** As apply, from YAML or JSON text parsed on the server. */
  async applyManifest(manifest: string, opts: ApplyManifestOptions = {}): Promise<AppliedObject[]> {
    const res = await this.unary<ApplyResponse>('ApplyManifest', false, opts, (md, co, cb) =>
      this.raw.applyManifest(
        { manifest, filename: opts.filename ?? '', dryRun: opts.dryRun ?? false, namespace: opts.namespace ?? '' },
        md,
        co,
        cb,
      ),
    );
    return appliedResults(res.results ?? []);
  }

  async version(opts: CallOptions = {}): Promise<VersionResponse> {
    return this.unary<VersionResponse>('Version', true, opts, (md, co, cb) => this.raw.version({}, md, co, cb));
  }

  /**
   * Changes to a kind's objects as an async iterable. A dropped stream resumes from the last
   * seen resourceVersion (bookmarks included) with backoff, invisibly to the caller; a
   * compacted resourceVersion ends the iteration with ExpiredError (list again).
   */
  watch<T extends KindObject = KindObject>(kind: KindRef, opts: WatchOptions = {}): AsyncIterable<ObjectEvent<T>> {
    const info = resolveKind(kind);
    return watchObjects<T>(
      {
        info,
        logger: this.logger,
        backoff: this.retry,
        list: (signal) =>
          this.list<T>(info, {
            ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
            ...(opts.labelSelector !== undefined ? { labelSelector: opts.labelSelector } : {}),
            ...(opts.fieldSelector !== undefined ? { fieldSelector: opts.fieldSelector } : {}),
            ...(signal !== undefined ? { signal } : {}),
          }),
        open: (resourceVersion) =>
          this.raw.watch({
            kind: info.kind,
            namespace: info.namespaced ? (opts.namespace ?? '') : '',
            labelSelector: opts.labelSelector ?? '',
            fieldSelector: opts.fieldSelector ?? '',
            resourceVersion,
            allowBookmarks: true,
          }),
        mapError: (err) => fromGrpcError(err, this.address),
      },
      opts,
    );
  }

  /** Closes the channel; pending calls fail. */
  close(): void {
    this.raw.close();
  }

  /**
   * Runs one unary call with the deadline, cancellation and (for idempotent calls) retries on
   * UNAVAILABLE. The deadline bounds all attempts together, as a caller's patience does.
   */
  private async unary<Res>(method: string, idempotent: boolean, opts: CallOptions, invoke: Invoke<Res>): Promise<Res> {
    const deadline = Date.now() + (opts.deadlineMs ?? this.deadlineMs);
    const maxAttempts = idempotent ? (this.retry.maxAttempts ?? 5) : 1;
    const backoff = new Backoff(this.retry);
    for (let attempt = 1; ; attempt++) {
      opts.signal?.throwIfAborted();
      try {
        return await this.attempt(invoke, deadline, opts.signal);
      } catch (raw) {
        if (opts.signal?.aborted === true) throw opts.signal.reason;
        const err = fromGrpcError(raw, this.address);
        const delay = backoff.next();
        if (!isRetryable(err) || attempt >= maxAttempts || Date.now() + delay >= deadline) throw err;
        this.logger.debug({ method, attempt, delayMs: delay, err: err.message }, 'retrying');
        await sleep(delay, opts.signal);
      }
    }
  }

  private attempt<Res>(invoke: Invoke<Res>, deadline: number, signal: AbortSignal | undefined): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const call = invoke(new Metadata(), { deadline: new Date(deadline) }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err !== null) reject(err);
        else resolve(res);
      });
      const onAbort = (): void => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function appliedResults(results: readonly { object?: TskObject | undefined; action?: string | undefined }[]): AppliedObject[] {
  return results.map((r) => {
    const { info, object } = unwrap(r.object ?? {});
    return { info, object, action: r.action ?? '' };
  });
}
