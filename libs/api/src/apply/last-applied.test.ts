import { describe, expect, it } from 'vitest';
import { type Pod } from '../gen/tsk/v1/pod.js';
import { getLastApplied, LAST_APPLIED_ANNOTATION, lastAppliedConfiguration, setLastApplied } from './last-applied.js';
import { threeWayMerge } from './merge.js';

describe('last-applied annotation', () => {
  it('records desired without status, server metadata or itself', () => {
    const desired = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', uid: 'u', resourceVersion: '3', annotations: { [LAST_APPLIED_ANNOTATION]: '{"old":1}', team: 'a' } },
      data: { a: '1' },
      status: { x: 1 },
    };
    expect(JSON.parse(lastAppliedConfiguration(desired))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', annotations: { team: 'a' } }, data: { a: '1' } });
    expect(desired.metadata.annotations[LAST_APPLIED_ANNOTATION]).toBe('{"old":1}');
  });

  it('sets it on a JSON object and reads it back', () => {
    const desired: Record<string, unknown> = { kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } };
    const target = setLastApplied(structuredClone(desired), desired);
    expect(getLastApplied(target)).toEqual(desired);
    // Setting it again does not nest the previous annotation.
    setLastApplied(target);
    expect(getLastApplied(target)).toEqual(desired);
    expect(Object.keys((target['metadata'] as { annotations: object }).annotations)).toEqual([LAST_APPLIED_ANNOTATION]);
  });

  it('sets it on a typed object, keeping its other annotations', () => {
    const pod: Pod = { metadata: { name: 'web', annotations: { a: 'b' } } };
    setLastApplied(pod, { kind: 'Pod', metadata: { name: 'web' } });
    expect(pod.metadata!.annotations!['a']).toBe('b');
    expect(JSON.parse(pod.metadata!.annotations![LAST_APPLIED_ANNOTATION]!)).toEqual({ kind: 'Pod', metadata: { name: 'web' } });
  });

  it.each([
    ['no metadata', {}],
    ['no annotation', { metadata: { annotations: {} } }],
    ['broken JSON', { metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: '{' } } }],
    ['a JSON list', { metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: '[1]' } } }],
  ])('reads %s as never applied', (_what, object) => expect(getLastApplied(object)).toBeUndefined());

  it('drives a re-apply: the user removes a label, the allocated clusterIP survives', () => {
    const first = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { a: '1', b: '2' } }, spec: { ports: [{ port: 80 }] } };
    const live = setLastApplied(structuredClone({ ...first, spec: { ...first.spec, clusterIP: '10.96.0.9' } }), first);
    const second = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { a: '1' } }, spec: { ports: [{ port: 80 }] } };
    const merged = setLastApplied(threeWayMerge(getLastApplied(live), live, second), second);
    expect(merged['spec']).toEqual({ ports: [{ port: 80 }], clusterIP: '10.96.0.9' });
    expect((merged['metadata'] as { labels: object }).labels).toEqual({ a: '1' });
    expect(getLastApplied(merged)).toEqual(second);
  });
});
