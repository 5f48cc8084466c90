/** The API server scenarios against the embedded SQLite store, plus the service extras. */
import { credentials, Client, makeGenericClientConstructor, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, startServer, type ServerProcess } from './harness.js';
import * as s from './scenarios.js';

describe('API server on SQLite', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ apiOnly: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates, reads, updates and deletes', () => s.crud(server));
  it('refuses a stale update with ABORTED and writes nothing', () => s.optimisticConcurrency(server));
  it('bumps generation only on spec changes', () => s.generation(server));
  it('applies: created, configured, unchanged', () => s.apply(server));
  it('stores nothing of a refused multi-document apply', () => s.refusedApplyStoresNothing(server));
  it('lists with selectors and pages', () => s.listPaging(server));
  it('holds deletions for finalizers and bound pods', () => s.finalizersAndGrace(server));
  it('watches with filters', () => s.watchBasics(server));
  it('deletes everything in a deleted namespace', () => s.namespaceCascade(server));
  it('answers each write of a batch on its own', () => s.batch(server));

  it('reports its version and store', async () => {
    const v = await server.api.version();
    expect(v.storeBackend).toBe('sqlite');
    expect(v.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('serves /healthz and /metrics', async () => {
    expect(await httpGet(server.httpAddress, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    const metrics = await httpGet(server.httpAddress, '/metrics');
    expect(metrics.body).toMatch(/tsk_apiserver_requests_total\{method="Create",code="OK"\} \d+/);
    expect(metrics.body).toMatch(/tsk_apiserver_request_duration_seconds_bucket\{method="Get",le="0.005"\}/);
    expect(metrics.body).toMatch(/tsk_store_revision \d+/);
    expect((await httpGet(server.httpAddress, '/nope')).status).toBe(404);
  });

  it('serves the gRPC health service and reflection', async () => {
    const Health = makeGenericClientConstructor(healthService, 'Health');
    const health = new Health(server.grpcAddress, credentials.createInsecure()) as unknown as Client & {
      check(req: { service: string }, cb: (err: ServiceError | null, res?: { status?: string }) => void): void;
    };
    const answer = await new Promise<{ status?: string }>((resolve, reject) =>
      health.check({ service: 'tsk.v1.Objects' }, (err, res) => (err ? reject(err) : resolve(res ?? {}))),
    );
    health.close();
    expect(answer.status).toBe('SERVING');

    const reflection = new Client(server.grpcAddress, credentials.createInsecure());
    const call = reflection.makeBidiStreamRequest(
      '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
      (v: Buffer) => v,
      (v: Buffer) => v,
    );
    // ServerReflectionRequest { list_services: "" } = field 7, empty string.
    const reply = new Promise<Buffer>((resolve, reject) => {
      call.on('data', (b: Buffer) => resolve(b));
      call.on('error', reject);
    });
    call.write(Buffer.from([0x3a, 0x00]));
    const bytes = await reply;
    call.end();
    reflection.close();
    expect(bytes.toString('latin1')).toContain('tsk.v1.Objects');
  });

  it('answers INVALID_ARGUMENT for a missing object', async () => {
    const err = await server.api.create({}).catch((e: ServiceError) => e);
    expect((err as ServiceError).code).toBe(status.INVALID_ARGUMENT);
  });

  it('refuses a request over 16 MiB and honours deadlines', async () => {
    const huge = { configMap: { metadata: { name: 'huge', namespace: 'default' }, data: { big: 'x'.repeat(17 * 1024 * 1024) } } };
    const err = await server.api.create({ object: huge }).catch((e: ServiceError) => e);
    expect((err as ServiceError).code).toBe(status.RESOURCE_EXHAUSTED);
    const manifest = Array.from({ length: 200 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dl-${i}\n`).join('---\n');
    const late = await new Promise<ServiceError | null>((resolve) =>
      server.client.applyManifest({ manifest, filename: 'dl.yaml', dryRun: true }, new Metadata(), { deadline: Date.now() + 1 }, (e) => resolve(e)),
    );
    expect(late?.code).toBe(status.DEADLINE_EXCEEDED);
    expect((await server.api.version()).storeBackend).toBe('sqlite');
  });
});
