import { type Event, type ObjectReference } from '@tsk/api';
import { silentLogger } from '@tsk/log';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type ApiClient } from './client.js';
import { EventRecorder, eventTimestamp, type EventRecorderOptions, type RecordedEvent } from './events.js';
import { FakeObjectsServer } from './fake-server.js';

let server: FakeObjectsServer;
let client: ApiClient;
let now: number;

beforeEach(async () => {
  server = await FakeObjectsServer.start();
  client = connect(server.address, { retry: { initialMs: 5, maxMs: 20 } });
  now = Date.parse('2026-01-01T00:00:00Z');
});

afterEach(async () => {
  client.close();
  await server.stop();
});

const recorder = (options: Partial<EventRecorderOptions> = {}): EventRecorder =>
  new EventRecorder({ client, logger: silentLogger(), component: 'test-controller', clock: () => now, ...options });

const rs = (name: string): ObjectReference => ({ kind: 'ReplicaSet', namespace: 'default', name, uid: `uid-${name}` });
const created = (owner: string, pod: string): RecordedEvent => ({ type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${pod}`, involvedObject: rs(owner) });
const events = async (): Promise<Event[]> => (await client.list<Event>('Event', { namespace: 'default' })).items;
const MINUTE = 60_000;

describe('EventRecorder', () => {
  it('writes an Event named <object>.<hex timestamp> with its source, off the caller', async () => {
    const r = recorder();
    r.record(created('web', 'web-a'));
    expect(r.metrics.written).toBe(0); // record() returned before any write
    await r.flush();
    const [e] = await events();
    expect(e?.metadata?.name).toMatch(/^web\.[0-9a-f]+$/);
    expect(e).toMatchObject({
      reason: 'SuccessfulCreate',
      message: 'Created pod: web-a',
      type: 'Normal',
      count: 1,
      source: { component: 'test-controller' },
      reportingComponent: 'test-controller',
      involvedObject: { kind: 'ReplicaSet', namespace: 'default', name: 'web', uid: 'uid-web' },
      firstTimestamp: '2026-01-01T00:00:00Z',
    });
    expect(r.metrics).toMatchObject({ written: 1, dropped: 0, filtered: 0, failed: 0, queued: 0 });
  });

  it('puts the events of cluster-scoped objects in "default", and takes a per-call component', async () => {
    const r = recorder();
    r.record({ type: 'Normal', reason: 'NodeNotReady', message: 'Node n1 status is now: NodeNotReady', involvedObject: { kind: 'Node', namespace: '', name: 'n1' } }, 'node-controller');
    await r.flush();
    const [e] = await events();
    expect(e?.metadata?.namespace).toBe('default');
    expect(e?.involvedObject).toMatchObject({ kind: 'Node', name: 'n1' });
    expect(e?.involvedObject?.namespace ?? '').toBe('');
    expect(e?.source?.component).toBe('node-controller');
  });

  it('dedupes: the same object, type, reason and message bump count and lastTimestamp of one Event', async () => {
    const r = recorder();
    const failed: RecordedEvent = { type: 'Warning', reason: 'FailedScheduling', message: '0/3 nodes are available: 3 Insufficient cpu.', involvedObject: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u' } };
    r.record(failed);
    await r.flush();
    now += MINUTE;
    r.record(failed);
    await r.flush();
    // Repeats while a write is pending ride on it: three more, at most two writes, one Event.
    now += MINUTE;
    r.record(failed);
    r.record(failed);
    r.record(failed);
    await r.flush();
    const list = await events();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ count: 5, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:02:00Z' });
    expect(r.metrics.written).toBeLessThanOrEqual(4);
  });

  it('writes an Event again when it was deleted meanwhile', async () => {
    const r = recorder();
    r.record(created('web', 'web-a'));
    await r.flush();
    const [first] = await events();
    await client.delete('Event', 'default', first?.metadata?.name ?? '');
    r.record(created('web', 'web-a'));
    await r.flush();
    expect((await events()).map((e) => e.count)).toEqual([2]);
    expect(r.metrics.failed).toBe(0);
  });

  it('combines the 11th similar event (another message) into one "(combined from similar events)" Event', async () => {
    const r = recorder();
    for (let i = 0; i < 12; i++) {
      now += 1_000;
      r.record(created('web', `web-${i}`));
      await r.flush();
    }
    const list = await events();
    expect(list).toHaveLength(11);
    const combined = list.filter((e) => e.message?.startsWith('(combined from similar events): '));
    expect(combined.map((e) => [e.message, e.count])).toEqual([['(combined from similar events): Created pod: web-11', 2]]);
    // A message seen among the first ten still counts on its own Event.
    r.record(created('web', 'web-3'));
    await r.flush();
    expect((await events()).find((e) => e.message === 'Created pod: web-3')?.count).toBe(2);
  });

  it('starts aggregation afresh after 10 minutes without a similar event', async () => {
    const r = recorder();
    for (let i = 0; i < 10; i++) r.record(created('web', `web-${i}`));
    now += 11 * MINUTE;
    r.record(created('web', 'web-10'));
    await r.flush();
    expect((await events()).some((e) => e.message === 'Created pod: web-10')).toBe(true);
  });

  it('filters the 26th event about one object within 5 minutes; other objects still get theirs', async () => {
    const r = recorder();
    for (let i = 0; i < 26; i++) {
      now += 10_000; // 26 events in 4 min 20 s
      r.record({ type: 'Normal', reason: `Reason${i}`, message: 'm', involvedObject: rs('web') });
    }
    await r.flush();
    expect(r.metrics.filtered).toBe(1);
    expect(await events()).toHaveLength(25);
    expect((await events()).some((e) => e.reason === 'Reason25')).toBe(false);

    r.record(created('api', 'api-a'));
    await r.flush();
    expect((await events()).filter((e) => e.involvedObject?.name === 'api')).toHaveLength(1);

    // The budget refills by one event every 5 minutes.
    now += 5 * MINUTE;
    r.record({ type: 'Normal', reason: 'Late', message: 'm', involvedObject: rs('web') });
    r.record({ type: 'Normal', reason: 'TooLate', message: 'm', involvedObject: rs('web') });
    await r.flush();
    const reasons = (await events()).map((e) => e.reason);
    expect(reasons).toContain('Late');
    expect(reasons).not.toContain('TooLate');
    expect(r.metrics.filtered).toBe(2);
  });

  it('keeps ~25 Events for a 10,000-pod scale-up of one ReplicaSet', async () => {
    const r = recorder({ qps: 1_000_000 });
    for (let i = 0; i < 10_000; i++) r.record(created('big', `big-${i}`));
    await r.flush();
    const list = await events();
    expect(list.length).toBeLessThanOrEqual(25);
    expect(r.metrics.filtered).toBe(10_000 - 25);
  });

  it('drops (and counts) events beyond its queue instead of waiting', async () => {
    const r = recorder({ queueSize: 1, concurrency: 1 });
    for (let i = 0; i < 5; i++) r.record(created(`rs${i}`, 'p'));
    // One is being written, one waits in the queue, three find it full.
    expect(r.metrics).toMatchObject({ dropped: 3, queued: 1 });
    await r.flush();
    expect(await events()).toHaveLength(2);
  });

  it('writes at most qps events per second (a global token bucket), dropping beyond it', async () => {
    const r = recorder({ qps: 5 });
    for (let i = 0; i < 8; i++) r.record(created(`rs${i}`, 'p'));
    expect(r.metrics.dropped).toBe(3);
    now += 1_000;
    for (let i = 8; i < 16; i++) r.record(created(`rs${i}`, 'p'));
    expect(r.metrics.dropped).toBe(6);
    await r.flush();
    expect(await events()).toHaveLength(10);
  });

  it('flush resolves at once when idle, and after the writes otherwise', async () => {
    const r = recorder();
    await r.flush();
    for (let i = 0; i < 20; i++) r.record(created(`rs${i}`, 'p'));
    expect(r.metrics.queued).toBeGreaterThan(0);
    await r.flush();
    expect(r.metrics).toMatchObject({ written: 20, queued: 0 });
    expect(await events()).toHaveLength(20);
  });

  it('counts a failed write and goes on', async () => {
    const r = recorder();
    // gRPC INTERNAL (13): not retried by the client.
    server.failNext('Create', 13 as Parameters<FakeObjectsServer['failNext']>[1]);
    r.record(created('a', 'p'));
    r.record(created('b', 'p'));
    await r.flush();
    expect(r.metrics).toMatchObject({ failed: 1, written: 1 });
  });
});

describe('eventTimestamp', () => {
  it('is RFC 3339 seconds, the same as formatting each time', () => {
    const base = Date.UTC(2026, 0, 2, 3, 4, 5);
    for (const ms of [base, base + 1, base + 999, base + 1000, base - 1, 0, base + 86_400_000 + 17]) {
      expect(eventTimestamp(ms)).toBe(new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    }
    expect(eventTimestamp(base + 500)).toBe('2026-01-02T03:04:05Z');
  });
});
