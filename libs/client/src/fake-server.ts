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
  type ObjectsServer,
  type WatchEvent,
  type WatchRequest,
} from '@tsk/api';
import { FakeStore, type Change, type Filter } from './fake-store.js';

export interface FakeServerOptions {
  /** Port to listen on (127.0.0.1); 0 picks a free one. */
  readonly port?: number;
  /** Version reported by Version. */
  readonly version?: string;
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

  private handlers(): ObjectsServer {
    const s = this.store;
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
      create: this.unary('Create', (r) => {
        const { info, object } = unwrap(r.object ?? {});
        return wrap(info, s.create(info, object, r.dryRun ?? false));
      }),
      update: this.unary('Update', (r) => {
        const { info, object } = unwrap(r.object ?? {});
        return wrap(info, s.update(info, object, { dryRun: r.dryRun ?? false }));
      }),
      updateStatus: this.unary('UpdateStatus', (r) => {
        const { info, object } = unwrap(r.object ?? {});
        return wrap(info, s.update(info, object, { status: true, dryRun: r.dryRun ?? false }));
      }),
      delete: this.unary('Delete', (r) => {
        const info = kindOf(r.kind ?? '');
        return wrap(info, s.delete(info, r.namespace ?? '', r.name ?? '', r.dryRun ?? false));
      }),
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
