import { describe, expect, it } from 'vitest';
import { kindOf, WatchEvent, wrap, type Pod } from '@tsk/api';
import { ScannedPod, scanPodEvent } from './pod-scan.js';
import { runningStatus, runningStatusOf } from '../hollow/status.js';

const POD = kindOf('Pod');

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-ä1',
    namespace: 'default',
    uid: 'u-1',
    resourceVersion: '42',
    deletionTimestamp: '2026-01-02T15:04:05Z',
    labels: { app: 'web' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-1', controller: true }],
  },
  spec: { nodeName: 'hollow-7', containers: [{ name: 'c', image: 'nginx' }], terminationGracePeriodSeconds: 30 },
  status: { phase: 'Running', podIP: '10.244.7.3', hostIP: '172.16.0.8', conditions: [{ type: 'Ready', status: 'True' }] },
};

const frame = (ev: WatchEvent): Buffer => Buffer.from(WatchEvent.encode(ev).finish());

describe('scanPodEvent', () => {
  it('reads the fields an agent decides on, and decodes the same Pod as the generated decoder', () => {
    const bytes = frame({ type: 'MODIFIED', object: wrap(POD, pod) });
    const ev = scanPodEvent(bytes);
    expect(ev.type).toBe('MODIFIED');
    const p = ev.pod!;
    expect([p.name, p.namespace, p.uid, p.resourceVersion, p.deletionTimestamp]).toEqual(['web-ä1', 'default', 'u-1', '42', '2026-01-02T15:04:05Z']);
    expect([p.nodeName, p.phase, p.podIP]).toEqual(['hollow-7', 'Running', '10.244.7.3']);
    expect(p.pod()).toEqual(WatchEvent.decode(bytes).object?.pod);
    // Also from a view that is not a Buffer of its own.
    const copy = new Uint8Array(bytes.length + 3);
    copy.set(bytes, 3);
    expect(scanPodEvent(copy.subarray(3)).pod?.pod()).toEqual(p.pod());
  });

  it('reads containers and status without decoding the pod, as the decoder would give them', () => {
    const twoContainers: Pod = { ...pod, spec: { ...pod.spec, containers: [{ name: 'c', image: 'nginx', args: ['-x'] }, { name: 'd', image: 'busybox' }] } };
    const p = scanPodEvent(frame({ type: 'MODIFIED', object: wrap(POD, twoContainers) })).pod!;
    expect(p.containers()).toEqual([
      { name: 'c', image: 'nginx' },
      { name: 'd', image: 'busybox' },
    ]);
    const decoded = WatchEvent.decode(frame({ type: 'MODIFIED', object: wrap(POD, twoContainers) })).object?.pod;
    expect(p.status()).toEqual(decoded?.status);
    const bare = scanPodEvent(frame({ type: 'ADDED', object: wrap(POD, { metadata: { name: 'x' } }) })).pod!;
    expect([bare.containers(), bare.status()]).toEqual([[], undefined]);
    expect(runningStatusOf(p.uid, p.containers(), p.status(), '10.0.0.1', '172.16.0.1', new Date(0))).toEqual(runningStatus(decoded!, '10.0.0.1', '172.16.0.1', new Date(0)));
  });

  it('reads absent fields as empty', () => {
    const ev = scanPodEvent(frame({ type: 'ADDED', object: wrap(POD, { metadata: { name: 'x', namespace: 'default' } }) }));
    expect([ev.pod?.nodeName, ev.pod?.phase, ev.pod?.uid, ev.pod?.deletionTimestamp]).toEqual(['', '', '', '']);
  });

  it('reads bookmarks and error events', () => {
    const bookmark = scanPodEvent(frame({ type: 'BOOKMARK', object: wrap(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '99' } }) }));
    expect([bookmark.type, bookmark.pod?.resourceVersion]).toEqual(['BOOKMARK', '99']);
    const expired = scanPodEvent(frame({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old' } }));
    expect([expired.type, expired.errorCode, expired.pod]).toEqual(['ERROR', 410, undefined]);
    expect(scanPodEvent(frame({ type: 'ERROR', status: { code: -3 } })).errorCode).toBe(-3);
  });

  it('rejects a truncated frame', () => {
    const bytes = frame({ type: 'ADDED', object: wrap(POD, pod) });
    expect(() => scanPodEvent(bytes.subarray(0, bytes.length - 5))).toThrow();
  });

  it('makes the same view of a decoded pod', () => {
    const p = ScannedPod.of(pod);
    expect([p.name, p.uid, p.nodeName, p.phase, p.podIP, p.deletionTimestamp]).toEqual(['web-ä1', 'u-1', 'hollow-7', 'Running', '10.244.7.3', '2026-01-02T15:04:05Z']);
    expect(p.pod()).toBe(pod);
  });
});
