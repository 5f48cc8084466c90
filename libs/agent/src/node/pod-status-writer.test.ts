import { afterEach, describe, expect, it } from 'vitest';
import { BatchOperation, BatchRequest, BatchResponse, kindOf, NotFoundError, Pod, PodStatus, WatchEvent, wrap } from '@tsk/api';
import { connect, FakeObjectsServer, type ApiClient } from '@tsk/client';
import { scanPodEvent, type ScannedPod } from './pod-scan.js';
import { operationFrame, podWithStatusPieces, PodStatusWriter, scanBatchResults } from './pod-status-writer.js';

const POD = kindOf('Pod');

const stored: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', uid: 'u-1', resourceVersion: '17', labels: { app: 'web' }, generation: 1 },
  spec: { nodeName: 'n-1', containers: [{ name: 'c', image: 'nginx' }] },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], qosClass: 'BestEffort' },
};
const running: PodStatus = { phase: 'Running', podIP: '10.244.1.2', conditions: [{ type: 'Ready', status: 'True' }], qosClass: 'BestEffort' };

/** The pod as the watch delivers it: encoded, with its resourceVersion spliced in at the end of its metadata (as the server does). */
function watched(pod: Pod): ScannedPod {
  const { resourceVersion, ...meta } = pod.metadata ?? {};
  const bytes = Buffer.from(WatchEvent.encode({ type: 'MODIFIED', object: wrap(POD, { ...pod, metadata: meta }) }).finish());
  const ev = scanPodEvent(bytes);
  // Re-scan with the version present, wherever the encoder put it: it must be cut out either way.
  const withVersion = Buffer.from(WatchEvent.encode({ type: 'MODIFIED', object: wrap(POD, { ...pod, metadata: { ...meta, resourceVersion } }) }).finish());
  expect(ev.pod?.resourceVersion).toBe('');
  return scanPodEvent(withVersion).pod!;
}

/** What ApiClient's batcher sends for updateStatus(pod): the operations entry of a BatchRequest. */
function batcherFrame(pod: Pod): Buffer {
  const op = BatchOperation.encode({ updateStatus: { object: wrap(POD, pod), dryRun: false } }).finish();
  return Buffer.concat([Buffer.from([0x0a]), varint(op.length), op]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

describe('podWithStatusPieces and operationFrame', () => {
  it('make the very bytes ApiClient would send for the changed pod', () => {
    const p = watched(stored);
    const { resourceVersion: _rv, ...meta } = stored.metadata!;
    const expected: Pod = { ...stored, metadata: meta, status: running };
    const pieces = podWithStatusPieces(p.raw!, PodStatus.encode(running).finish());
    expect(Buffer.concat(pieces)).toEqual(Buffer.from(Pod.encode(expected).finish()));
    const frame = operationFrame(pieces);
    expect(frame).toEqual(batcherFrame(expected));
    expect(BatchRequest.decode(frame).operations?.[0]?.updateStatus?.object?.pod).toEqual(Pod.decode(Pod.encode(expected).finish()));
  });

  it('add a status to a pod that had none', () => {
    const { status: _s, ...bare } = stored;
    const p = watched(bare);
    const { resourceVersion: _rv, ...meta } = stored.metadata!;
    expect(Buffer.concat(podWithStatusPieces(p.raw!, PodStatus.encode(running).finish()))).toEqual(Buffer.from(Pod.encode({ ...bare, metadata: meta, status: running }).finish()));
  });
});

describe('scanBatchResults', () => {
  it('reads each result code and message, skipping the objects', () => {
    const bytes = BatchResponse.encode({ results: [{ code: 0, object: wrap(POD, stored) }, { code: 5, message: 'pods "x" not found' }, { code: 0 }] }).finish();
    expect(scanBatchResults(bytes)).toEqual([
      { code: 0, message: '' },
      { code: 5, message: 'pods "x" not found' },
      { code: 0, message: '' },
    ]);
  });
});

describe('PodStatusWriter', () => {
  let server: FakeObjectsServer | undefined;
  let client: ApiClient | undefined;

  afterEach(async () => {
    client?.close();
    await server?.stop();
  });

  async function setup(batch: boolean): Promise<{ client: ApiClient; server: FakeObjectsServer; pods: ScannedPod[] }> {
    server = await FakeObjectsServer.start({ batch });
    client = connect(server.address);
    const pods: ScannedPod[] = [];
    for (let i = 0; i < 40; i++) {
      const created = await client.create<Pod>('Pod', { metadata: { name: `p-${i}`, namespace: 'default' }, spec: { nodeName: 'n-1', containers: [{ name: 'c', image: 'nginx' }] } });
      pods.push(scanPodEvent(Buffer.from(WatchEvent.encode({ type: 'MODIFIED', object: wrap(POD, created) }).finish())).pod!);
    }
    return { client, server, pods };
  }

  it('writes a burst of reports in one Batch call, each with its own outcome', async () => {
    const { client, server, pods } = await setup(true);
    await client.delete('Pod', 'default', 'p-7');
    const before = server.calls.get('Batch') ?? 0;
    const writer = new PodStatusWriter(client, { delayMs: 20 });
    const outcomes = await Promise.allSettled(pods.map((p, i) => writer.write(p, { ...running, podIP: `10.244.1.${i + 2}` })));
    expect((server.calls.get('Batch') ?? 0) - before).toBe(1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(39);
    const failed = outcomes[7];
    expect(failed?.status === 'rejected' && failed.reason instanceof NotFoundError).toBe(true);
    const p3 = await client.get<Pod>('Pod', 'default', 'p-3');
    expect(p3.status?.phase).toBe('Running');
    expect(p3.status?.podIP).toBe('10.244.1.5');
    expect(p3.spec?.containers?.[0]?.image).toBe('nginx');
  });

  it('splits bursts into calls of maxOperations, at most maxInFlight at once', async () => {
    const { client, server, pods } = await setup(true);
    const before = server.calls.get('Batch') ?? 0;
    const writer = new PodStatusWriter(client, { delayMs: 5, maxOperations: 10, maxInFlight: 2 });
    await Promise.all(pods.map((p) => writer.write(p, running)));
    expect((server.calls.get('Batch') ?? 0) - before).toBe(4);
    expect((await client.get<Pod>('Pod', 'default', 'p-39')).status?.phase).toBe('Running');
  });

  it('writes through ApiClient to a server without Batch', async () => {
    const { client, server, pods } = await setup(false);
    const writer = new PodStatusWriter(client, { delayMs: 5 });
    await Promise.all(pods.slice(0, 5).map((p) => writer.write(p, running)));
    await writer.write(pods[5]!, running);
    expect(server.calls.get('UpdateStatus')).toBe(6);
    expect((await client.get<Pod>('Pod', 'default', 'p-5')).status?.phase).toBe('Running');
  });
});
