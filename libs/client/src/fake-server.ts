/**
 * FakeObjectsServer: an in-process tsk.v1.Objects gRPC server over an in-memory store, with
 * fault injection (failed calls, dropped watch streams, 410 Expired, restarts). For unit tests
 * of anything built on @tsk/client, without a real tsk-server.
 */
import {
  Server,
  ServerCredentials,
  status as Status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import {
  kindOf,
  ObjectsService,
  parseFieldSelector,
  parseLabelSelector,
  parseManifests,
  TskError,
  unwrap,
  wrap,
  type BatchOperation,
  type BatchRequest,
  type BatchResponse,
  type BatchResult,
  type CreateRequest,
  type DeleteRequest,
  type ObjectsServer,
  type TskObject,
  type UpdateRequest,
  type WatchEvent,
  type WatchRequest,
} from '@tsk/api';
import { FakeStore, type Change, type Filter } from './fake-store.js';

export interface FakeServerOptions {
  /** Port to listen on (127.0.0.1); 0 picks a free one. */
  readonly port?: number;
  /** Version reported by Version. */
  readonly version?: string;
  /** false: answer Batch UNIMPLEMENTED, as a server older than Batch would. */
  readonly batch?: boolean;
}

interface Writes {
  Create(r: CreateRequest): TskObject;
  Update(r: UpdateRequest): TskObject;
  UpdateStatus(r: UpdateRequest): TskObject;
  Delete(r: DeleteRequest): TskObject;
}

interface OpenWatch {
  readonly call: ServerWritableStream<WatchRequest, WatchEvent>;
  readonly filter: Filter;
  readonly close: () => void;
}

function toStatus(err: unknown): { code: Status; details: string } {
  if (err instanceof TskError) return { code: Status[err.code], details: err.message };
  return { code: Status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

export class FakeObjectsServer {
  readonly store = new FakeStore();
  /** Calls received per method ("Get", "Watch"...), injected failures included. */
  readonly calls = new Map<string, number>();
  private readonly failures = new Map<string, { code: Status; remaining: number }>();
  private readonly watches = new Set<OpenWatch>();
  private server: Server | undefined;
  private port = 0;

  private constructor(private readonly options: FakeServerOptions) {}

  static async start(options: FakeServerOptions = {}): Promise<FakeObjectsServer> {
    const s = new FakeObjectsServer(options);
    await s.listen(options.port ?? 0);
    return s;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Makes the next `times` calls of `method` fail with `code` before touching the store. */
  failNext(method: string, code: Status, times = 1): void {
    this.failures.set(method, { code, remaining: times });
  }

  /** Ends every open watch stream with `code` (UNAVAILABLE: a dropped connection). */
  dropWatches(code: Status = Status.UNAVAILABLE): void {
    for (const w of [...this.watches]) {
      w.close();
      w.call.emit('error', { code, details: 'watch dropped by the fake server' });
    }
  }

  /** Sends a 410 Expired ERROR event on every open watch, then ends it. */
  expireWatches(): void {
    for (const w of [...this.watches]) {
      w.close();
      w.call.write({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version' } });
      w.call.end();
    }
  }

  /** Sends a BOOKMARK at the current revision on every open watch. */
  bookmark(): void {
    for (const w of this.watches) {
      w.call.write({ type: 'BOOKMARK', object: wrap(w.filter.info, { metadata: { resourceVersion: String(this.store.revision) } }) });
    }
  }

  get openWatches(): number {
    return this.watches.size;
  }

  /** Stops listening and cuts every connection, as a crashed server would. */
  async stop(): Promise<void> {
    for (const w of [...this.watches]) w.close();
    this.server?.forceShutdown();
    this.server = undefined;
    await Promise.resolve();
  }

  /** Listens again on the same port with the same store. */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen(this.port);
  }

  private async listen(port: number): Promise<void> {
    const server = new Server();
    server.addService(ObjectsService, this.handlers());
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err !== null ? reject(err) : resolve(p))),
    );
    this.server = server;
  }

  private injected(method: string): { code: Status; details: string } | undefined {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const f = this.failures.get(method);
    if (f === undefined || f.remaining <= 0) return undefined;
    f.remaining--;
    return { code: f.code, details: `injected failure of ${method}` };
  }

  private unary<Req, Res>(method: string, fn: (req: Req) => Res) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const fail = this.injected(method);
      if (fail !== undefined) return callback(fail);
      try {
        callback(null, fn(call.request));
      } catch (err) {
        callback(toStatus(err));
      }
    };
  }

  /** One operation of a Batch, counted and failed (failNext) as its unary call would be. */
  private batchOperation(op: BatchOperation, writes: Writes): BatchResult {
    const [method, run] =
      op.create !== undefined
        ? (['Create', () => writes.Create(op.create!)] as const)
        : op.update !== undefined
          ? (['Update', () => writes.Update(op.update!)] as const)
          : op.updateStatus !== undefined
            ? (['UpdateStatus', () => writes.UpdateStatus(op.updateStatus!)] as const)
            : op.delete !== undefined
              ? (['Delete', () => writes.Delete(op.delete!)] as const)
              : (['Batch', () => { throw new TskError('INVALID_ARGUMENT', 'names no operation'); }] as const);
    const fail = this.injected(method);
    if (fail !== undefined) return { code: fail.code, message: fail.details };
    try {
      return { code: Status.OK, message: '', object: run() };
    } catch (err) {
      const st = toStatus(err);
      return { code: st.code, message: st.details };
    }
  }

  private handlers(): ObjectsServer {
    const s = this.store;
    const writes: Writes = {
      Create: (r) => {
        const { info, object } = unwrap(r.object ?? {});
        return wrap(info, s.create(info, object, r.dryRun ?? false));
      },
      Update: (r) => {
        const { info, object } = unwrap(r.object ?? {});
        return wrap(info, s.update(info, object, { dryRun: r.dryRun ?? false }));
      },
      UpdateStatus: (r) => {
        const { info, object } = unwrap(r.object ?? {});
        return wrap(info, s.update(info, object, { status: true, dryRun: r.dryRun ?? false }));
      },
      Delete: (r) => {
        const info = kindOf(r.kind ?? '');
        return wrap(info, s.delete(info, r.namespace ?? '', r.name ?? '', r.dryRun ?? false));
      },
    };
    return {
      get: this.unary('Get', (r) => {
        const info = kindOf(r.kind ?? '');
        return wrap(info, s.get(info, r.namespace || 'default', r.name ?? ''));
      }),
      list: this.unary('List', (r) => {
        const info = kindOf(r.kind ?? '');
        const { items, revision } = s.list({ info, namespace: r.namespace ?? '', labelSelector: r.labelSelector ?? '', fieldSelector: r.fieldSelector ?? '' });
        return { metadata: { resourceVersion: String(revision), continue: '' }, items: items.map((o) => wrap(info, o)) };
      }),
      create: this.unary('Create', writes.Create),
      update: this.unary('Update', writes.Update),
      updateStatus: this.unary('UpdateStatus', writes.UpdateStatus),
      delete: this.unary('Delete', writes.Delete),
      batch:
        this.options.batch === false
          ? (_call, callback) => {
              this.calls.set('Batch', (this.calls.get('Batch') ?? 0) + 1);
              callback({ code: Status.UNIMPLEMENTED, details: 'The server does not implement the method /tsk.v1.Objects/Batch' });
            }
          : this.unary('Batch', (r: BatchRequest): BatchResponse => ({ results: (r.operations ?? []).map((op) => this.batchOperation(op, writes)) })),
      apply: this.unary('Apply', (r) => {
        const objects = (r.objects ?? []).map((o) => unwrap(o));
        const results = s.apply(objects, r.dryRun ?? false, r.namespace ?? '');
        return { results: results.map((x) => ({ object: wrap(x.info, x.object), action: x.action })) };
      }),
      applyManifest: this.unary('ApplyManifest', (r) => {
        const docs = parseManifests(r.manifest ?? '', r.filename || '<manifest>');
        const results = s.apply(docs, r.dryRun ?? false, r.namespace ?? '');
        return { results: results.map((x) => ({ object: wrap(x.info, x.object), action: x.action })) };
      }),
      version: this.unary('Version', () => ({
        version: this.options.version ?? 'v0.0.0-fake',
        gitCommit: 'fake',
        platform: `${process.platform}/${process.arch}`,
        storeBackend: 'memory',
      })),
      watch: (call) => this.watch(call),
    };
  }

  private watch(call: ServerWritableStream<WatchRequest, WatchEvent>): void {
    const fail = this.injected('Watch');
    if (fail !== undefined) {
      call.emit('error', fail);
      return;
    }
    const r = call.request;
    try {
      const info = kindOf(r.kind ?? '');
      const filter: Filter = { info, namespace: r.namespace ?? '', labelSelector: r.labelSelector ?? '', fieldSelector: r.fieldSelector ?? '' };
      parseLabelSelector(filter.labelSelector);
      parseFieldSelector(filter.fieldSelector);
      const send = (c: Change): void => {
        if (s.matches(c.info, c.object, filter)) call.write({ type: c.type, object: wrap(c.info, c.object) });
      };
      const s = this.store;
      const rv = r.resourceVersion ?? '';
      if (rv === '') {
        for (const o of s.list(filter).items) call.write({ type: 'ADDED', object: wrap(info, o) });
      } else {
        let backlog: Change[];
        try {
          backlog = s.since(Number(rv), filter);
        } catch {
          call.write({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: `too old resource version: ${rv}` } });
          call.end();
          return;
        }
        for (const c of backlog) send(c);
      }
      const unsubscribe = s.subscribe(send);
      const w: OpenWatch = {
        call,
        filter,
        close: () => {
          unsubscribe();
          this.watches.delete(w);
        },
      };
      this.watches.add(w);
      call.on('cancelled', () => w.close());
      call.on('close', () => w.close());
    } catch (err) {
      call.emit('error', toStatus(err));
    }
  }
}
