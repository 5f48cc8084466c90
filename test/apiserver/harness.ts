/**
 * Test harness: runs the real tsk-server (apps/server/dist/main.js) as a child process on free
 * ports with a temporary data dir, and talks to it with the generated grpc-js client. Other
 * integration tests reuse it:
 *
 *   const server = await startServer();            // SQLite in a temp dir, whole control plane
 *   const api = await startServer({ apiOnly: true }); // no scheduler or controllers writing
 *   const server = await startServer({ store: etcd.url });
 *   const api = server.api;                          // promisified Objects calls
 *   await api.create({ object: { configMap: {...} } });
 *   await server.restart();  await server.kill9();  await server.stop();
 *
 * Every server started here is killed by pid when the test process exits, even on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  ObjectsClient,
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
  type WatchEvent,
  type WatchRequest,
} from '@tsk/api';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SERVER_MAIN = join(REPO, 'apps/server/dist/main.js');

export interface StartOptions {
  /** Store URL; default sqlite in the data dir. */
  readonly store?: string;
  /** Reuse a data dir (else a new temp dir, removed by stop()). */
  readonly dataDir?: string;
  /** Extra flags, e.g. ['--compaction-interval', '1']. */
  readonly args?: readonly string[];
  readonly startTimeoutMs?: number;
  /** Only the API server: no scheduler, node lifecycle or controllers writing on their own. */
  readonly apiOnly?: boolean;
}

export interface Api {
  get(req: GetRequest): Promise<TskObject>;
  list(req: ListRequest): Promise<ListResponse>;
  create(req: CreateRequest): Promise<TskObject>;
  update(req: UpdateRequest): Promise<TskObject>;
  updateStatus(req: UpdateRequest): Promise<TskObject>;
  delete(req: DeleteRequest): Promise<TskObject>;
  apply(req: ApplyRequest): Promise<ApplyResponse>;
  applyManifest(req: ApplyManifestRequest): Promise<ApplyResponse>;
  version(): Promise<VersionResponse>;
  watch(req: WatchRequest): ClientReadableStream<WatchEvent>;
  batch(req: BatchRequest): Promise<BatchResponse>;
}

export interface ServerProcess {
  readonly grpcAddress: string;
  readonly httpAddress: string;
  readonly dataDir: string;
  readonly pid: number | undefined;
  readonly client: ObjectsClient;
  readonly api: Api;
  /** How the last server process ended (undefined while it runs). */
  exit(): { code: number | null; signal: string | null } | undefined;
  /** Everything the server wrote to stderr (JSON log lines). */
  logs(): string;
  /** SIGTERM and wait for exit (SIGKILL after 10 s); removes a temp data dir. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), keeping the data dir and ports. */
  kill9(): Promise<void>;
  /** SIGTERM then start again on the same ports and data. */
  restart(): Promise<void>;
  /** Start again after kill9(). */
  start(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function promisify<Req, Res>(client: ObjectsClient, method: string): (req: Req) => Promise<Res> {
  const fn = (client as unknown as Record<string, (req: Req, opts: object, cb: (err: ServiceError | null, res: Res) => void) => void>)[method]!;
  return (req) =>
    new Promise((resolve, reject) => {
      fn.call(client, req, { deadline: Date.now() + 30_000 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
}

export function makeApi(client: ObjectsClient): Api {
  return {
    get: promisify(client, 'get'),
    list: promisify(client, 'list'),
    create: promisify(client, 'create'),
    update: promisify(client, 'update'),
    updateStatus: promisify(client, 'updateStatus'),
    delete: promisify(client, 'delete'),
    apply: promisify(client, 'apply'),
    applyManifest: promisify(client, 'applyManifest'),
    version: () => promisify<object, VersionResponse>(client, 'version')({}),
    watch: (req) => client.watch(req),
    batch: promisify(client, 'batch'),
  };
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tsk-apiserver-'));
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const grpcAddress = `127.0.0.1:${grpcPort}`;
  const httpAddress = `127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  let stderr = '';
  let exited: { code: number | null; signal: string | null } | undefined;

  const launch = (): Promise<void> => {
    const args = [SERVER_MAIN, '--data-dir', dataDir, '--listen', grpcAddress, '--http-listen', httpAddress, '--exit-on-stdin-close'];
    if (options.store !== undefined) args.push('--store', options.store);
    if (options.apiOnly === true) args.push('--no-scheduler', '--no-node-lifecycle', '--no-controllers');
    args.push(...(options.args ?? []));
    // $TSK_SERVER_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env['TSK_SERVER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
    const proc = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, TSK_LOG_LEVEL: process.env['TSK_LOG_LEVEL'] ?? 'info' } });
    child = proc;
    exited = undefined;
    running.add(proc);
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      exited = { code, signal };
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tsk-server did not start in time:\n${stderr.slice(-4000)}`)), options.startTimeoutMs ?? 20_000);
      proc.stderr!.setEncoding('utf8');
      proc.stderr!.on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('"msg":"tsk-server listening"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`tsk-server exited (${code ?? signal}) before listening:\n${stderr.slice(-4000)}`));
      });
    });
  };

  await launch();
  const client = new ObjectsClient(grpcAddress, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 500,
  });
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (c?.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
    process.kill(c.pid, signal);
    await waitExit(c, 10_000);
  };
  return {
    grpcAddress,
    httpAddress,
    dataDir,
    get pid() {
      return child?.pid;
    },
    client,
    api: makeApi(client),
    logs: () => stderr,
    exit: () => exited,
    async stop() {
      client.close();
      await terminate('SIGTERM');
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
    kill9: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    start: launch,
  };
}

/** Collects watch events until `until` returns true (or the timeout passes). */
export function collect(
  stream: ClientReadableStream<WatchEvent>,
  until: (events: readonly WatchEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.cancel();
      reject(new Error(`watch timed out with ${events.length} events: ${JSON.stringify(events.map((e) => e.type))}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve(events);
    };
    stream.on('data', (e: WatchEvent) => {
      events.push(e);
      if (until(events)) {
        done();
        stream.cancel();
      }
    });
    stream.on('error', (err: ServiceError) => {
      if (err.code === 1 /* CANCELLED */) return;
      clearTimeout(timer);
      reject(err);
    });
    stream.on('end', done);
  });
}

export async function httpGet(address: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${address}${path}`);
  return { status: res.status, body: await res.text() };
}

/** Rejects unless `promise` fails with gRPC status `code`; returns the error. */
export async function expectCode(promise: Promise<unknown>, code: number): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    const e = err as ServiceError;
    if (e.code !== code) throw new Error(`expected gRPC code ${code}, got ${e.code}: ${e.details}`, { cause: err });
    return e;
  }
  throw new Error(`expected gRPC code ${code}, but the call succeeded`);
}
