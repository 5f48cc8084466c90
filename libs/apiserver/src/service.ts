/**
 * The tsk.v1.Objects gRPC service: decodes requests, calls the verbs, encodes answers. Requests
 * are decoded by a wrapper that turns undecodable bytes into INVALID_ARGUMENT (grpc-js itself
 * would answer INTERNAL), and Watch frames are encoded once per event in the watch cache and
 * passed through as bytes.
 */
import {
  Metadata,
  status as Status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  InvalidError,
  ObjectsService,
  kindOf,
  parseManifests,
  unwrap,
  wrap,
  type ApplyManifestRequest,
  type ApplyRequest,
  type ApplyResponse,
  type BatchRequest,
  type BatchResponse,
  type CreateRequest,
  type DeleteRequest,
  type GetRequest,
  type ListRequest,
  type ListResponse,
  type TskObject,
  type UpdateRequest,
  type VersionResponse,
  type WatchRequest,
} from '@tsk/api';
import { type Logger } from '@tsk/log';
import { applyObjects, type ApplyOutput } from './apply.js';
import { runBatch, type BatchVerbs } from './batch.js';
import { encodeAnswer, encodeBatchResponse } from './wire.js';
import { deleteObject } from './deletion.js';
import { toStatus } from './errors-to-grpc.js';
import { type Metrics } from './metrics.js';
import { type NamespaceLifecycle } from './namespace-lifecycle.js';
import { type Storage } from './storage.js';
import { type Watches } from './watches.js';
import { type WatchSink } from './watcher.js';

/** A request as the wrapped deserializer hands it over. */
type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface ServiceDeps {
  readonly storage: Storage;
  readonly watches: Watches;
  readonly namespaces: NamespaceLifecycle;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly version: Omit<VersionResponse, 'storeBackend'>;
}

/** Methods answering one Object: their answer may come from the bytes a write stored (wire.ts). */
const OBJECT_ANSWERS = new Set(['get', 'create', 'update', 'updateStatus', 'delete']);

/**
 * ObjectsService with a deserializer that never throws, a Watch serializer that passes bytes,
 * and answers to writes encoded from the bytes they stored.
 */
export function objectsDefinition(): ServiceDefinition {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(ObjectsService)) {
    const m = method as { requestDeserialize: (b: Buffer) => unknown; responseSerialize: (v: never) => Buffer };
    const serialize = OBJECT_ANSWERS.has(name)
      ? (value: TskObject): Buffer => {
          const bytes = encodeAnswer(value);
          return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        }
      : name === 'batch'
        ? (value: BatchResponse): Buffer => encodeBatchResponse(value)
        : (value: unknown): Buffer => m.responseSerialize(value as never);
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): Decoded<unknown> => {
        try {
          return { ok: true, value: m.requestDeserialize(bytes) };
        } catch (err) {
          return { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      },
      responseSerialize: (value: unknown): Buffer => (Buffer.isBuffer(value) ? value : serialize(value as never)),
    };
  }
  return out as unknown as ServiceDefinition;
}

/** Frames in flight on one stream before the watcher is told to pause (and when to resume). */
const HIGH_WATER = 64;
const LOW_WATER = 16;

interface RawCall {
  sendMessage(message: Buffer, callback: () => void): void;
}

/**
 * The watch stream as a WatchSink. Frames go straight to grpc-js's call object when it has the
 * (1.x) sendMessage entry point: the stream.Writable in front of it costs about a third of the
 * CPU of a fan-out to many watchers. Backpressure is then counted here, in frames not yet handed
 * to HTTP/2. Without that entry point the Writable is used as is.
 */
function watchSink(call: ServerWritableStream<unknown, Buffer>, isEnded: () => boolean, markEnded: () => void): WatchSink {
  const raw = (call as unknown as { call?: Partial<RawCall> }).call;
  const direct = typeof raw?.sendMessage === 'function' ? (raw as RawCall) : undefined;
  let inflight = 0;
  let blocked = false;
  let onDrain: (() => void) | undefined;
  const sent = (): void => {
    inflight--;
    if (blocked && inflight <= LOW_WATER) {
      blocked = false;
      onDrain?.();
    }
  };
  return {
    write(frame: Buffer): boolean {
      if (isEnded()) return true;
      try {
        if (direct === undefined) return call.write(frame);
        inflight++;
        direct.sendMessage(frame, sent);
        if (inflight >= HIGH_WATER) blocked = true;
        return !blocked;
      } catch {
        return true; // the client has gone; 'cancelled' cleans up
      }
    },
    onDrain(listener: () => void): void {
      onDrain = listener;
      if (direct === undefined) call.on('drain', listener);
    },
    end(): void {
      if (isEnded()) return;
      markEnded();
      call.end();
    },
  };
}

function objectOf(o: TskObject | undefined): ReturnType<typeof unwrap> {
  if (o === undefined) throw new InvalidError('required field is missing', 'object');
  return unwrap(o);
}

function applyResponse(results: readonly ApplyOutput[]): ApplyResponse {
  return { results: results.map((r) => ({ object: wrap(kindOf(r.object.kind ?? ''), r.object), action: r.action })) };
}

export function objectsImplementation(deps: ServiceDeps): UntypedServiceImplementation {
  const { storage, watches, metrics, logger } = deps;

  function unary<Req, Res>(method: string, work: (req: Req, signal: AbortSignal) => Promise<Res>) {
    return (call: ServerUnaryCall<Decoded<Req>, Res>, callback: sendUnaryData<Res>): void => {
      const started = performance.now();
      const abort = new AbortController();
      let answered = false;
      // grpc-js reports 'cancelled' when the stream closes, after an answer too; aborting then
      // would only build a DOMException nobody reads (2 % of the server's CPU under load).
      call.on('cancelled', () => {
        if (!answered) abort.abort();
      });
      const finish = (code: Status, err: Parameters<sendUnaryData<Res>>[0], value?: Res): void => {
        answered = true;
        metrics.observe(method, Status[code] ?? String(code), (performance.now() - started) / 1000);
        if (value === undefined) callback(err);
        else callback(null, value);
      };
      const req = call.request;
      const run = async (): Promise<Res> => {
        if (!req.ok) throw new InvalidError(`the request does not decode as a ${method} request: ${req.error}`);
        return work(req.value, abort.signal);
      };
      run().then(
        (value) => finish(Status.OK, null, value),
        (err: unknown) => {
          const s = toStatus(err, logger, method);
          finish(s.code, s);
        },
      );
    };
  }

  const writeOptions = (dryRun: boolean | undefined, signal: AbortSignal): { dryRun: boolean; signal: AbortSignal } => ({
    dryRun: dryRun === true,
    signal,
  });
  // Create, Update and UpdateStatus: the request's object was decoded for this call alone, so
  // storage may take it over instead of copying it.
  const ownedWrite = (dryRun: boolean | undefined, signal: AbortSignal): { dryRun: boolean; signal: AbortSignal; owned: true } => ({
    ...writeOptions(dryRun, signal),
    owned: true,
  });

  // The single-object writes, shared by their unary calls and by Batch.
  const verbs: BatchVerbs = {
    async Create(req: CreateRequest, signal) {
      const { info, object } = objectOf(req.object);
      return wrap(info, await storage.create(info, object, ownedWrite(req.dryRun, signal)));
    },
    async Update(req: UpdateRequest, signal) {
      const { info, object } = objectOf(req.object);
      return wrap(info, await storage.update(info, object, false, ownedWrite(req.dryRun, signal)));
    },
    async UpdateStatus(req: UpdateRequest, signal) {
      const { info, object } = objectOf(req.object);
      return wrap(info, await storage.update(info, object, true, ownedWrite(req.dryRun, signal)));
    },
    async Delete(req: DeleteRequest, signal) {
      const info = kindOf(req.kind ?? '');
      const result = await deleteObject(storage, info, req.namespace ?? '', req.name ?? '', {
        ...(req.propagationPolicy === undefined ? {} : { propagationPolicy: req.propagationPolicy }),
        ...(req.resourceVersion === undefined ? {} : { resourceVersion: req.resourceVersion }),
        ...(req.uid === undefined ? {} : { uid: req.uid }),
        ...(req.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: req.gracePeriodSeconds }),
        ...writeOptions(req.dryRun, signal),
      });
      if (info.kind === 'Namespace') deps.namespaces.kick();
      return wrap(info, result);
    },
  };

  return {
    get: unary('Get', async (req: GetRequest) => {
      const info = kindOf(req.kind ?? '');
      return wrap(info, await storage.get(info, req.namespace ?? '', req.name ?? ''));
    }),

    list: unary('List', async (req: ListRequest, signal): Promise<ListResponse> => {
      const info = kindOf(req.kind ?? '');
      const page = await storage.list(
        info,
        {
          namespace: req.namespace ?? '',
          labelSelector: req.labelSelector ?? '',
          fieldSelector: req.fieldSelector ?? '',
          limit: req.limit ?? 0,
          continueToken: req.continue ?? '',
        },
        signal,
      );
      return {
        metadata: { resourceVersion: page.resourceVersion, continue: page.continueToken },
        items: page.items.map((o) => wrap(info, o)),
      };
    }),

    create: unary('Create', verbs.Create),
    update: unary('Update', verbs.Update),
    updateStatus: unary('UpdateStatus', verbs.UpdateStatus),
    delete: unary('Delete', verbs.Delete),
    batch: unary('Batch', (req: BatchRequest, signal) =>
      runBatch(req, verbs, { toStatus: (err, method) => toStatus(err, logger, method), observe: (m, c, s) => metrics.observe(m, c, s) }, signal),
    ),

    apply: unary('Apply', async (req: ApplyRequest, signal) => {
      const inputs = (req.objects ?? []).map((o, i) => ({ ...objectOf(o), index: i + 1 }));
      const results = await applyObjects(storage, inputs, { ...writeOptions(req.dryRun, signal), namespace: req.namespace ?? '' });
      return applyResponse(results);
    }),

    applyManifest: unary('ApplyManifest', async (req: ApplyManifestRequest, signal) => {
      const filename = req.filename !== undefined && req.filename !== '' ? req.filename : '<manifest>';
      const docs = parseManifests(req.manifest ?? '', filename);
      const results = await applyObjects(storage, docs, {
        ...writeOptions(req.dryRun, signal),
        namespace: req.namespace ?? '',
        filename,
      });
      return applyResponse(results);
    }),

    watch: (call: ServerWritableStream<Decoded<WatchRequest>, Buffer>): void => {
      const started = performance.now();
      const abort = new AbortController();
      let ended = false;
      const sink = watchSink(call, () => ended, () => (ended = true));
      call.on('cancelled', () => {
        abort.abort();
        ended = true;
      });
      const req = call.request;
      const run = async (): Promise<void> => {
        if (!req.ok) throw new InvalidError(`the request does not decode as a Watch request: ${req.error}`);
        const r = req.value;
        const info = kindOf(r.kind ?? '');
        const watcher = await watches.watch(
          info,
          {
            namespace: r.namespace ?? '',
            labelSelector: r.labelSelector ?? '',
            fieldSelector: r.fieldSelector ?? '',
            resourceVersion: r.resourceVersion ?? '',
            allowBookmarks: r.allowBookmarks === true,
          },
          sink,
          abort.signal,
        );
        if (abort.signal.aborted) {
          watcher.close();
          return;
        }
        call.on('cancelled', () => watcher.close());
        // Headers now, not with the first event: the client learns the watch is established.
        if (!ended) call.sendMetadata(new Metadata());
      };
      run().then(
        () => metrics.observe('Watch', 'OK', (performance.now() - started) / 1000),
        (err: unknown) => {
          const s = toStatus(err, logger, 'Watch');
          metrics.observe('Watch', Status[s.code] ?? String(s.code), (performance.now() - started) / 1000);
          if (!ended) {
            ended = true;
            call.emit('error', s);
          }
        },
      );
    },

    version: unary('Version', () =>
      Promise.resolve({ ...deps.version, storeBackend: storage.store.backend } satisfies VersionResponse),
    ),
  };
}
