/**
 * The API server: the Objects gRPC service (with reflection and health) on one port, the HTTP
 * listener on another, and the loops the API itself needs (namespace lifecycle, compaction).
 * The caller owns the store: it opens it before start() and closes it after stop().
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { type Logger } from '@tsk/log';
import { type Store } from '@tsk/store';
import { Compactor } from './compactor.js';
import { addHealth, addReflection, type Health } from './grpc-extras.js';
import { HttpServer } from './http.js';
import { Metrics } from './metrics.js';
import { NamespaceLifecycle } from './namespace-lifecycle.js';
import { objectsDefinition, objectsImplementation } from './service.js';
import { Storage } from './storage.js';
import { Watches } from './watches.js';

export const MAX_RECEIVE_BYTES = 16 * 1024 * 1024;

export interface ApiServerOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** gRPC address HOST:PORT (port 0 picks a free one). */
  readonly listen: string;
  /** HTTP address HOST:PORT for /healthz, /metrics and later the registry and dashboard. */
  readonly httpListen: string;
  readonly version?: string;
  readonly gitCommit?: string;
  readonly compaction?: { readonly intervalMs?: number; readonly keepMs?: number; readonly keepRevisions?: number };
  readonly watch?: { readonly bookmarkIntervalMs?: number; readonly windowSize?: number; readonly maxQueuedPerWatcher?: number };
  readonly namespaceIntervalMs?: number;
}

/** Splits HOST:PORT (IPv6 hosts in brackets). */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]*):(\d{1,5})$/.exec(address);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 0 && port < 65536)) throw new Error(`"${address}" is not HOST:PORT`);
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

export class ApiServer {
  readonly grpc: Server;
  readonly http: HttpServer;
  readonly storage: Storage;
  readonly metrics = new Metrics();
  /** Bound addresses, with the ports actually chosen. */
  grpcAddress = '';
  httpAddress = '';
  private readonly logger: Logger;
  private readonly watches: Watches;
  private readonly namespaces: NamespaceLifecycle;
  private readonly compactor: Compactor;
  private readonly health: Health;
  private readonly options: ApiServerOptions;
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  private constructor(options: ApiServerOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'apiserver' });
    this.storage = new Storage({ store: options.store, logger: this.logger });
    this.watches = new Watches({ storage: this.storage, logger: options.logger, ...options.watch });
    this.namespaces = new NamespaceLifecycle({
      storage: this.storage,
      logger: options.logger,
      ...(options.namespaceIntervalMs === undefined ? {} : { intervalMs: options.namespaceIntervalMs }),
    });
    this.compactor = new Compactor({
      store: options.store,
      logger: options.logger,
      ...options.compaction,
      onCompacted: (revision) => this.watches.compacted(revision),
    });
    this.grpc = new Server({
      'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
    this.grpc.addService(
      objectsDefinition(),
      objectsImplementation({
        storage: this.storage,
        watches: this.watches,
        namespaces: this.namespaces,
        metrics: this.metrics,
        logger: this.logger,
        version: { version: options.version ?? '0.1.0', gitCommit: options.gitCommit ?? '', platform: `${process.platform}/${process.arch}` },
      }),
    );
    this.health = addHealth(this.grpc);
    if (!addReflection(this.grpc)) this.logger.warn('proto/ not found next to the package: gRPC reflection is off');
    this.http = new HttpServer(options.logger);
    this.http.route('GET', '/healthz', async (_req, res) => {
      const ok = await this.storeAnswers();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'store unavailable\n');
    });
    this.http.route('GET', '/metrics', async (_req, res) => {
      const storeRevision = await options.store.currentRevision().catch(() => 0);
      const d = this.loopDelay;
      const loop = { p50: d.percentile(50) / 1e9, p99: d.percentile(99) / 1e9, max: d.max / 1e9 };
      d.reset();
      const text = this.metrics.render({ watchers: await this.watches.count(), storeRevision }, loop);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
    });
  }

  private async storeAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2_000)));
    try {
      return await Promise.race([this.options.store.currentRevision().then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  static async start(options: ApiServerOptions): Promise<ApiServer> {
    const server = new ApiServer(options);
    server.loopDelay.enable();
    await server.namespaces.ensureSystemNamespaces();
    server.namespaces.start();
    server.compactor.start();
    const grpcPort = await bind(server.grpc, options.listen);
    const { host } = splitHostPort(options.listen);
    server.grpcAddress = `${host.includes(':') ? `[${host}]` : host}:${grpcPort}`;
    const http = splitHostPort(options.httpListen);
    const httpInfo = await server.http.listen(http.host, http.port);
    server.httpAddress = `${http.host.includes(':') ? `[${http.host}]` : http.host}:${httpInfo.port}`;
    server.health.setServing(true);
    return server;
  }

  /** Graceful: refuse new calls, end watches, let calls in flight finish (up to `graceMs`). */
  async stop(graceMs = 5_000): Promise<void> {
    this.health.setServing(false);
    this.loopDelay.disable();
    await this.watches.stop();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.grpc.forceShutdown();
        resolve();
      }, graceMs);
      this.grpc.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await Promise.all([this.http.close(), this.namespaces.stop(), this.compactor.stop()]);
  }
}
