import { connect } from 'node:http2';
import { WatchEvent, WatchRequest, kindOf } from '@tsk/api';
import { silentLogger } from '@tsk/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from './server.js';
import { MemoryStore } from './testing/memory-store.js';

/** A raw HTTP/2 gRPC watch, so the test controls reading (and can stop reading) itself. */
function rawWatch(address: string, request: Uint8Array, paused: boolean) {
  const session = connect(`http://${address}`);
  session.on('error', () => {}); // a session torn down at the end is not a test failure
  const stream = session.request({ ':method': 'POST', ':path': '/tsk.v1.Objects/Watch', 'content-type': 'application/grpc', te: 'trailers' });
  const header = Buffer.alloc(5);
  header.writeUInt32BE(request.length, 1);
  stream.end(Buffer.concat([header, request]));
  const state = { events: [] as WatchEvent[], ended: false, stream, close: () => session.close() };
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const n = pending.readUInt32BE(1);
      state.events.push(WatchEvent.decode(pending.subarray(5, 5 + n)));
      pending = pending.subarray(5 + n);
    }
  });
  stream.on('end', () => (state.ended = true));
  stream.on('error', () => (state.ended = true));
  if (paused) stream.pause();
  return state;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ApiServer watch streams', () => {
  let server: ApiServer;
  const store = new MemoryStore();
  beforeAll(async () => {
    server = await ApiServer.start({ store, logger: silentLogger(), listen: '127.0.0.1:0', httpListen: '127.0.0.1:0', watch: { maxQueuedPerWatcher: 500 } });
  });
  afterAll(async () => {
    await server.stop();
    await store.close();
  });

  it('drops a client that stops reading with 410 while the others get everything', async () => {
    const request = WatchRequest.encode({ kind: 'ConfigMap', namespace: 'default', resourceVersion: String(await store.currentRevision()) }).finish();
    const fast = rawWatch(server.grpcAddress, request, false);
    const slow = rawWatch(server.grpcAddress, request, true);
    await sleep(200);
    const cm = kindOf('ConfigMap');
    const total = 2_000;
    for (let i = 0; i < total; i++) {
      await server.storage.create(cm, { metadata: { name: `e-${i}`, namespace: 'default' }, data: { pad: 'x'.repeat(500) } } as never);
      // Pauses let a client that reads keep up; the one that does not read falls behind.
      if (i % 25 === 0) await sleep(1);
    }
    for (let i = 0; i < 100 && fast.events.length < total; i++) await sleep(50);
    expect(fast.events).toHaveLength(total);
    slow.stream.resume();
    for (let i = 0; i < 100 && !slow.ended; i++) await sleep(50);
    expect(slow.ended).toBe(true);
    expect(slow.events.length).toBeLessThan(total);
    expect(slow.events.at(-1)?.type).toBe('ERROR');
    expect(slow.events.at(-1)?.status?.code).toBe(410);
    fast.close();
    slow.close();
  });
});
