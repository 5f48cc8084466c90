import { ConflictError, type Event, type Pod, type ReplicaSet } from '@tsk/api';
import { connect, EventRecorder, FakeObjectsServer, type ApiClient } from '@tsk/client';
import { silentLogger } from '@tsk/log';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Action } from '../actions.js';
import { Applier, withDefaultTolerations } from './applier.js';

let server: FakeObjectsServer;
let client: ApiClient;
let events: EventRecorder;
let applier: Applier;

beforeEach(async () => {
  server = await FakeObjectsServer.start();
  client = connect(server.address, { retry: { initialMs: 5, maxMs: 20 } });
  events = new EventRecorder({ client, logger: silentLogger(), component: 'test-controller' });
  applier = new Applier({ client, events, component: 'test-controller' });
});

afterEach(async () => {
  client.close();
  await server.stop();
});

const pod = (name: string): Pod => ({ metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const rs = (name: string, replicas: number): ReplicaSet => ({
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

describe('Applier', () => {
  it('treats AlreadyExists and NotFound as done, and returns the smallest RequeueAfter', async () => {
    await client.create('Pod', pod('a'));
    const result = await applier.apply([
      { type: 'CreatePod', pod: pod('a') },
      { type: 'RequeueAfter', ms: 500 },
      { type: 'DeletePod', namespace: 'default', name: 'gone', uid: 'u', reason: 'test' },
      { type: 'CreatePod', pod: pod('b') },
      { type: 'RequeueAfter', ms: 200 },
    ]);
    expect(result.error).toBeUndefined();
    expect(result.applied).toBe(5);
    expect(result.requeueAfterMs).toBe(200);
    const b = await client.get<Pod>('Pod', 'default', 'b');
    expect(b.spec?.tolerations?.map((t) => [t.key, t.tolerationSeconds])).toEqual([
      ['node.kubernetes.io/not-ready', 5],
      ['node.kubernetes.io/unreachable', 5],
    ]);
  });

  it('stops at the first failure and reports it; later actions are not attempted', async () => {
    const stale = await client.create<ReplicaSet>('ReplicaSet', rs('web', 1));
    await client.update<ReplicaSet>('ReplicaSet', { ...stale, spec: { ...stale.spec, replicas: 2 } });
    const actions: Action[] = [
      { type: 'UpdateReplicaSet', replicaSet: { ...stale, spec: { ...stale.spec, replicas: 3 } } },
      { type: 'CreatePod', pod: pod('after') },
    ];
    const result = await applier.apply(actions);
    expect(result.error).toBeInstanceOf(ConflictError);
    expect(result.applied).toBe(0);
    await expect(client.get('Pod', 'default', 'after')).rejects.toThrow();
  });

  it('honours uid preconditions: another incarnation of the name is left alone', async () => {
    const r = await client.create<ReplicaSet>('ReplicaSet', rs('web', 1));
    await applier.apply([{ type: 'ScaleReplicaSet', namespace: 'default', name: 'web', uid: 'someone-else', replicas: 9, annotations: {} }]);
    expect((await client.get<ReplicaSet>('ReplicaSet', 'default', 'web')).spec?.replicas).toBe(1);
    await applier.apply([{ type: 'ScaleReplicaSet', namespace: 'default', name: 'web', uid: r.metadata!.uid!, replicas: 4, annotations: { 'deployment.kubernetes.io/revision': '2' } }]);
    const after = await client.get<ReplicaSet>('ReplicaSet', 'default', 'web');
    expect(after.spec?.replicas).toBe(4);
    expect(after.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
  });

  it('ifOwnersAbsent: acts only when a live read finds the owner gone', async () => {
    const owner = await client.create<ReplicaSet>('ReplicaSet', rs('owner', 1));
    await client.create('Pod', { ...pod('dep'), metadata: { ...pod('dep').metadata, ownerReferences: [{ kind: 'ReplicaSet', name: 'owner', uid: owner.metadata!.uid!, apiVersion: 'apps/v1' }] } });
    const del: Action = {
      type: 'DeleteObject',
      target: { kind: 'Pod', namespace: 'default', name: 'dep' },
      propagationPolicy: 'Background',
      reason: 'owner gone',
      ifOwnersAbsent: [{ kind: 'ReplicaSet', namespace: 'default', name: 'owner', uid: owner.metadata!.uid! }],
    };
    await applier.apply([del]);
    expect((await client.get<Pod>('Pod', 'default', 'dep')).metadata?.name).toBe('dep');
    await client.delete('ReplicaSet', 'default', 'owner');
    await applier.apply([del]);
    await expect(client.get('Pod', 'default', 'dep')).rejects.toThrow(/not found/);
  });

  it('creates a run of pods in slow-start batches; a failure in the first batch stops the run', async () => {
    const many: Action[] = Array.from({ length: 100 }, (_, i) => ({ type: 'CreatePod', pod: pod(`m-${i}`) }));
    server.failNext('Create', 13 as Parameters<FakeObjectsServer['failNext']>[1]);
    const failed = await applier.apply([...many, { type: 'SetAnnotations', target: { kind: 'Pod', namespace: 'default', name: 'm-0' }, annotations: { a: 'b' } }]);
    expect(failed.applied).toBe(0);
    expect((await client.list('Pod', { namespace: 'default' })).items).toHaveLength(0);
    const ok = await applier.apply([...many, { type: 'SetAnnotations', target: { kind: 'Pod', namespace: 'default', name: 'm-0' }, annotations: { a: 'b' } }]);
    expect(ok).toEqual({ applied: 101 });
    expect((await client.list('Pod', { namespace: 'default' })).items).toHaveLength(100);
    expect((await client.get<Pod>('Pod', 'default', 'm-0')).metadata?.annotations).toEqual({ a: 'b' });
  });

  it('keeps creating in batches through the Event that follows each create, and records each Event after its create', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const counting = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'create') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: Parameters<ApiClient['create']>) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            return await target.create(...args);
          } finally {
            inFlight--;
          }
        };
      },
    });
    const recorded: string[] = [];
    const sink = { record: (e: { message: string }) => void recorded.push(e.message) } as unknown as EventRecorder;
    const batched = new Applier({ client: counting, events: sink, component: 'test-controller' });
    const actions: Action[] = Array.from({ length: 20 }, (_, i): Action[] => [
      { type: 'CreatePod', pod: pod(`e-${i}`) },
      { type: 'Event', involvedObject: { kind: 'ReplicaSet', namespace: 'default', name: 'web' }, eventType: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: e-${i}` },
    ]).flat();
    expect(await batched.apply(actions)).toEqual({ applied: 40 });
    expect(maxInFlight).toBe(8); // batches of 1, 2, 4, 8, 5: not one create at a time
    expect((await client.list('Pod', { namespace: 'default' })).items).toHaveLength(20);
    expect([...recorded].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `Created pod: e-${i}`).sort());
  });

  it('a failed call is a failure to requeue, not an exception', async () => {
    // gRPC INTERNAL (13); the code is numeric so this package need not depend on grpc-js.
    server.failNext('Create', 13 as Parameters<FakeObjectsServer['failNext']>[1]);
    const result = await applier.apply([{ type: 'CreatePod', pod: pod('x') }]);
    expect(result.error).toBeDefined();
    expect(result.applied).toBe(0);
  });
});

describe('Event actions', () => {
  it('aggregates repeats of one object, reason and message into one Event with a count', async () => {
    const ev: Action = { type: 'Event', involvedObject: { kind: 'ReplicaSet', namespace: 'default', name: 'web', uid: 'u1' }, eventType: 'Normal', reason: 'SuccessfulCreate', message: 'Created pod: web-abcde' };
    await applier.apply([ev]);
    await events.flush();
    await applier.apply([ev, ev]);
    await events.flush();
    await applier.apply([{ ...ev, message: 'Created pod: web-fghij' }]);
    await events.flush();
    const list = (await client.list<Event>('Event', { namespace: 'default' })).items;
    expect(list.map((e) => [e.message, e.count]).sort()).toEqual([
      ['Created pod: web-abcde', 3],
      ['Created pod: web-fghij', 1],
    ]);
    const first = list.find((e) => e.count === 3);
    expect(first?.source?.component).toBe('test-controller');
    expect(first?.involvedObject).toMatchObject({ kind: 'ReplicaSet', name: 'web', uid: 'u1' });
  });

  it('never creates one aggregate twice, even with both writers on it at once', async () => {
    const ev: Action = { type: 'Event', involvedObject: { kind: 'Job', namespace: 'default', name: 'j', uid: 'u2' }, eventType: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    await applier.apply([ev, ev, ev, ev]);
    await events.flush();
    const list = (await client.list<Event>('Event', { namespace: 'default' })).items;
    expect(list.map((e) => e.count)).toEqual([4]);
  });
});

describe('withDefaultTolerations', () => {
  it('keeps a pod that already says how long it tolerates', () => {
    const p: Pod = { ...pod('p'), spec: { ...pod('p').spec, tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] } };
    const out = withDefaultTolerations(p, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
    ]);
    expect(out.spec?.tolerations?.map((t) => [t.key, t.tolerationSeconds])).toEqual([
      ['node.kubernetes.io/unreachable', 300],
      ['node.kubernetes.io/not-ready', 5],
    ]);
  });
});
