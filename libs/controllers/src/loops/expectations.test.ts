import { describe, expect, it } from 'vitest';
import { type Pod } from '@tsk/api';
import { type Action } from '../actions.js';
import { PendingStatusThrottle, PodExpectations, withoutPodChanges } from './expectations.js';

const pod = (name: string, uid = `uid-${name}`, deleting = false): Pod => ({
  metadata: { name, namespace: 'default', uid, ...(deleting ? { deletionTimestamp: '2026-11-27T00:00:00Z' } : {}) },
});
const create = (name: string): Action => ({ type: 'CreatePod', pod: pod(name) });
const del = (name: string): Action => ({ type: 'DeletePod', namespace: 'default', name, uid: `uid-${name}`, reason: 'scale down' });
const event = (message: string): Action => ({ type: 'Event', involvedObject: { kind: 'ReplicaSet', namespace: 'default', name: 'web' }, eventType: 'Normal', reason: 'SuccessfulCreate', message });
const cache = (...pods: Pod[]) => (name: string): Pod | undefined => pods.find((p) => p.metadata?.name === name);

describe('PodExpectations', () => {
  it('holds a key until the cache shows every pod it created', () => {
    const e = new PodExpectations();
    e.expect('default/web', [create('a'), event('a'), create('b')], 0);
    expect(e.satisfied('default/web', cache(), 10)).toBe(false);
    expect(e.satisfied('default/web', cache(pod('a')), 20)).toBe(false);
    expect(e.satisfied('default/web', cache(pod('a'), pod('b')), 30)).toBe(true);
    // Satisfied once: the entry is gone, and other keys were never held.
    expect(e.satisfied('default/web', cache(), 40)).toBe(true);
    expect(e.satisfied('default/other', cache(), 40)).toBe(true);
  });

  it('counts a delete as seen when the pod is gone, terminating, or another incarnation', () => {
    for (const now of [cache(), cache(pod('a', 'uid-a', true)), cache(pod('a', 'new-uid'))]) {
      const e = new PodExpectations();
      e.expect('k', [del('a')], 0);
      expect(e.satisfied('k', cache(pod('a')), 1)).toBe(false);
      expect(e.satisfied('k', now, 2)).toBe(true);
    }
  });

  it('gives up after the TTL, and forgets what was not applied or whose owner is gone', () => {
    const e = new PodExpectations(1000);
    e.expect('k', [create('a'), create('b')], 0);
    expect(e.remainingMs('k', 400)).toBe(600);
    expect(e.satisfied('k', cache(), 999)).toBe(false);
    expect(e.satisfied('k', cache(), 1000)).toBe(true);
    e.expect('k', [create('a'), create('b')], 2000);
    e.notApplied('k', [create('b')]);
    expect(e.satisfied('k', cache(pod('a')), 2001)).toBe(true);
    e.expect('k', [create('c')], 3000);
    e.forget('k');
    expect(e.satisfied('k', cache(), 3001)).toBe(true);
  });
});

describe('withoutPodChanges', () => {
  it('drops creates, deletes and the Event after each, and keeps the rest', () => {
    const status: Action = { type: 'UpdateStatus', target: { kind: 'ReplicaSet', namespace: 'default', name: 'web' }, status: {} };
    const requeue: Action = { type: 'RequeueAfter', ms: 5 };
    const warning = event('selector');
    expect(withoutPodChanges([warning, create('a'), event('a'), del('b'), event('b'), status, requeue])).toEqual([warning, status, requeue]);
  });
});

describe('PendingStatusThrottle', () => {
  const status: Action = { type: 'UpdateStatus', target: { kind: 'ReplicaSet', namespace: 'default', name: 'web' }, status: {} };

  it('lets a sync that writes status run at most every 500 ms while expectations are pending', () => {
    const t = new PendingStatusThrottle(500);
    expect(t.skip('default/web', false, 0)).toBeUndefined(); // never written: runs
    t.ran('default/web', [status], 0);
    expect(t.skip('default/web', false, 200)).toEqual({ type: 'RequeueAfter', ms: 300 });
    expect(t.skip('default/web', false, 500)).toBeUndefined();
  });

  it('never holds a sync whose expectations are met: it may create more at once', () => {
    const t = new PendingStatusThrottle(500);
    t.ran('default/web', [status], 0);
    expect(t.skip('default/web', true, 1)).toBeUndefined();
  });

  it('counts only syncs that wrote status, and forgets deleted owners', () => {
    const t = new PendingStatusThrottle(500);
    t.ran('default/web', [create('a')], 0);
    expect(t.skip('default/web', false, 10)).toBeUndefined();
    t.ran('default/web', [status], 10);
    t.forget('default/web');
    expect(t.skip('default/web', false, 20)).toBeUndefined();
  });
});
