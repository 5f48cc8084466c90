import { type Pod } from '@tsk/api';
import { connect, EventRecorder, FakeObjectsServer, type ApiClient } from '@tsk/client';
import { silentLogger } from '@tsk/log';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Action } from '../actions.js';
import { Applier } from './applier.js';
import { Controller } from './controller.js';

let server: FakeObjectsServer;
let client: ApiClient;
let applier: Applier;
const controllers: Controller[] = [];

beforeEach(async () => {
  server = await FakeObjectsServer.start();
  client = connect(server.address, { retry: { initialMs: 5, maxMs: 20 } });
  applier = new Applier({ client, events: new EventRecorder({ client, logger: silentLogger(), component: 't' }), component: 't' });
});

afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop();
  client.close();
  await server.stop();
});

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function controller(reconcile: (key: string) => readonly Action[], workers = 3): Controller {
  const c = new Controller({ name: 'test', logger: silentLogger(), applier, reconcile, workers });
  controllers.push(c);
  c.start();
  return c;
}

const pod = (name: string): Pod => ({ metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

describe('Controller', () => {
  it('requeues a failed sync with backoff until it succeeds', async () => {
    // gRPC INTERNAL (13), twice: the third attempt creates the pod.
    server.failNext('Create', 13 as Parameters<FakeObjectsServer['failNext']>[1], 2);
    const c = controller(() => [{ type: 'CreatePod', pod: pod('p') }]);
    c.enqueue('default/p');
    // actions counts applied creates: the third sync has finished, not just begun.
    await until(() => c.metrics.failures === 2 && c.metrics.actions >= 1);
    expect((await client.get<Pod>('Pod', 'default', 'p')).metadata?.name).toBe('p');
    expect(c.queue.numRequeues('default/p')).toBe(0);
  });

  it('runs a key again after its RequeueAfter, without an event', async () => {
    let runs = 0;
    const c = controller(() => {
      runs++;
      return runs < 3 ? [{ type: 'RequeueAfter', ms: 20 }] : [];
    });
    c.enqueue('k');
    await until(() => runs === 3);
  });

  it('survives a reconciler that throws, and retries it', async () => {
    let runs = 0;
    const c = controller(() => {
      runs++;
      if (runs === 1) throw new Error('bug');
      return [];
    });
    c.enqueue('k');
    await until(() => runs === 2);
    expect(c.metrics.failures).toBe(1);
  });

  it('never runs one key in two workers at once', async () => {
    let inFlight = 0;
    let overlap = false;
    let applies = 0;
    // An applier whose calls take a while, so a second worker would overlap if it got the key.
    class SlowApplier extends Applier {
      override async apply(actions: readonly Action[]): ReturnType<Applier['apply']> {
        inFlight++;
        if (inFlight > 1) overlap = true;
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
        applies++;
        return super.apply(actions);
      }
    }
    const slow = new SlowApplier({ client, events: new EventRecorder({ client, logger: silentLogger(), component: 't' }), component: 't' });
    const c = new Controller({ name: 'slow', logger: silentLogger(), applier: slow, workers: 4, reconcile: () => [{ type: 'RequeueAfter', ms: 1 }] });
    controllers.push(c);
    c.start();
    for (let i = 0; i < 20; i++) {
      c.enqueue('same');
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => applies >= 5);
    expect(overlap).toBe(false);
  });
});
