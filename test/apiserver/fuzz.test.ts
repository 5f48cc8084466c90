/**
 * Fuzz: 10,000 mutated manifests through ApplyManifest and random byte strings as the request
 * of every method. Every answer must be a clean gRPC status (never INTERNAL or UNKNOWN, never a
 * dropped connection), and the server must still serve afterwards. Seeded: set TSK_FUZZ_SEED to
 * replay a run; a failure prints the seed and the input's index.
 */
import { credentials, makeGenericClientConstructor, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCode, httpGet, startServer, type ServerProcess } from './harness.js';
import { mutatedManifest, prng, randomBytes } from './fuzz-inputs.js';
import { configMap } from './scenarios.js';

const SEED = Number(process.env['TSK_FUZZ_SEED'] ?? 20261127);
const MANIFESTS = 10_000;
const RAW_PER_METHOD = 300;
const CONCURRENCY = 24;
const CLEAN = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.ABORTED,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.RESOURCE_EXHAUSTED,
]);
const UNARY = ['Get', 'List', 'Create', 'Update', 'UpdateStatus', 'Delete', 'Apply', 'ApplyManifest', 'Version'];

interface RawClient extends Client {
  [method: string]: unknown;
}

function rawClient(address: string): RawClient {
  const identity = (b: Buffer): Buffer => b;
  const methods = Object.fromEntries(
    [...UNARY, 'Watch'].map((m) => [
      m,
      { path: `/tsk.v1.Objects/${m}`, requestStream: false, responseStream: m === 'Watch', requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
    ]),
  );
  const Ctor = makeGenericClientConstructor(methods, 'Objects');
  return new Ctor(address, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 }) as RawClient;
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

describe('fuzz', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ apiOnly: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`answers ${MANIFESTS} mutated manifests with clean errors (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const inputs = Array.from({ length: MANIFESTS }, () => ({ manifest: mutatedManifest(random), dryRun: random() < 0.7 }));
    const bad: string[] = [];
    const codes = new Map<number, number>();
    await pool(inputs, CONCURRENCY, async (input, i) => {
      let code: number = status.OK;
      let details = '';
      try {
        await server.api.applyManifest({ manifest: input.manifest, filename: `fuzz-${i}.yaml`, dryRun: input.dryRun });
      } catch (err) {
        code = (err as ServiceError).code;
        details = (err as ServiceError).details;
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (!CLEAN.has(code)) bad.push(`seed ${SEED} manifest ${i}: code ${code} ${details}: ${input.manifest.slice(0, 300)}`);
    });
    expect(bad.slice(0, 5)).toEqual([]);
    // Most inputs are refused, but some mutations stay valid: both paths ran.
    expect(codes.get(status.INVALID_ARGUMENT) ?? 0).toBeGreaterThan(MANIFESTS / 4);
    expect(codes.get(status.OK) ?? 0).toBeGreaterThan(0);
  });

  it(`answers random bytes to every method with clean errors (seed ${SEED})`, async () => {
    const client = rawClient(server.grpcAddress);
    const random = prng(SEED + 1);
    const jobs = [...UNARY, 'Watch'].flatMap((method) => Array.from({ length: RAW_PER_METHOD }, () => ({ method, bytes: randomBytes(random) })));
    const bad: string[] = [];
    await pool(jobs, CONCURRENCY, async ({ method, bytes }, i) => {
      const code = await new Promise<number>((resolve) => {
        const deadline = Date.now() + 20_000;
        if (method === 'Watch') {
          const call = (client['Watch'] as (b: Buffer, o: object) => NodeJS.EventEmitter & { cancel(): void }).call(client, bytes, { deadline });
          // A watch that decodes and starts is fine: take its first frame and hang up.
          call.on('data', () => {
            call.cancel();
            resolve(status.OK);
          });
          call.on('error', (err: ServiceError) => resolve(err.code === status.CANCELLED ? status.OK : err.code));
          call.on('end', () => resolve(status.OK));
          return;
        }
        (client[method] as (b: Buffer, o: object, cb: (e: ServiceError | null) => void) => void).call(client, bytes, { deadline }, (err) =>
          resolve(err === null ? status.OK : err.code),
        );
      });
      if (!CLEAN.has(code)) bad.push(`seed ${SEED + 1} job ${i} ${method}: code ${code} for ${bytes.length} bytes ${bytes.subarray(0, 32).toString('hex')}`);
    });
    client.close();
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('is still alive and serving afterwards', async () => {
    expect((await server.api.version()).storeBackend).toBe('sqlite');
    await server.api.create({ object: configMap('after-fuzz') });
    expect((await server.api.get({ kind: 'ConfigMap', namespace: 'default', name: 'after-fuzz' })).configMap?.metadata?.name).toBe('after-fuzz');
    await expectCode(server.api.get({ kind: 'ConfigMap', namespace: 'default', name: 'nope' }), status.NOT_FOUND);
    expect((await httpGet(server.httpAddress, '/healthz')).status).toBe(200);
    expect(server.logs()).not.toMatch(/"msg":"unexpected error"/);
  });
});
