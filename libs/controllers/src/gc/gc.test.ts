import { describe, expect, it } from 'vitest';
import { type OwnerReference } from '@tsk/api';
import { actionsOf } from '../actions.js';
import { type GcObject, planGarbageCollection } from './gc.js';

function obj(kind: GcObject['kind'], name: string, o: { owners?: OwnerReference[]; finalizers?: string[]; deleting?: boolean } = {}): GcObject {
  return {
    kind,
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ...(o.owners !== undefined ? { ownerReferences: o.owners } : {}),
      ...(o.finalizers !== undefined ? { finalizers: o.finalizers } : {}),
      ...(o.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
  };
}

function owner(kind: string, name: string, block = true): OwnerReference {
  return { apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true, blockOwnerDeletion: block };
}

describe('planGarbageCollection', () => {
  it('background: deletes dependents whose owner is gone, verified by a live read', () => {
    const actions = planGarbageCollection({ objects: [obj('ReplicaSet', 'rs', { owners: [owner('Deployment', 'web')] }), obj('Pod', 'p', { owners: [owner('ReplicaSet', 'rs')] })] });
    expect(actions).toEqual([
      {
        type: 'DeleteObject',
        target: { kind: 'ReplicaSet', namespace: 'default', name: 'rs', uid: 'uid-rs' },
        propagationPolicy: 'Background',
        reason: 'owner Deployment/web gone',
        ifOwnersAbsent: [{ kind: 'Deployment', namespace: 'default', name: 'web', uid: 'uid-web' }],
      },
    ]);
  });

  it('keeps an object with a live owner, dropping only the dead owner reference', () => {
    const actions = planGarbageCollection({ objects: [obj('Deployment', 'alive'), obj('Pod', 'p', { owners: [owner('ReplicaSet', 'dead'), { ...owner('Deployment', 'alive'), controller: false }] })] });
    expect(actionsOf(actions, 'DeleteObject')).toEqual([]);
    expect(actionsOf(actions, 'SetOwnerReferences')[0]?.ownerReferences.map((r) => r.name)).toEqual(['alive']);
  });

  it('foreground: deletes dependents and keeps the finalizer while blocking dependents remain', () => {
    const deploy = obj('Deployment', 'web', { deleting: true, finalizers: ['foregroundDeletion'] });
    const rs = obj('ReplicaSet', 'rs', { owners: [owner('Deployment', 'web')] });
    const actions = planGarbageCollection({ objects: [deploy, rs] });
    expect(actionsOf(actions, 'DeleteObject').map((a) => [a.target.name, a.propagationPolicy])).toEqual([['rs', 'Foreground']]);
    expect(actionsOf(actions, 'SetFinalizers')).toEqual([]);
    // The RS is itself deleting in the foreground: nothing new for it, the owner still waits.
    const rsDeleting = obj('ReplicaSet', 'rs', { owners: [owner('Deployment', 'web')], deleting: true, finalizers: ['foregroundDeletion'] });
    const pod = obj('Pod', 'p', { owners: [owner('ReplicaSet', 'rs')] });
    const next = planGarbageCollection({ objects: [deploy, rsDeleting, pod] });
    expect(actionsOf(next, 'DeleteObject').map((a) => a.target.name)).toEqual(['p']);
    expect(actionsOf(next, 'SetFinalizers')).toEqual([]);
    // Pod gone: the RS drops its finalizer; RS gone: the Deployment drops its finalizer.
    expect(actionsOf(planGarbageCollection({ objects: [deploy, rsDeleting] }), 'SetFinalizers').map((a) => [a.target.name, a.finalizers])).toEqual([['rs', []]]);
    expect(actionsOf(planGarbageCollection({ objects: [deploy] }), 'SetFinalizers').map((a) => [a.target.name, a.finalizers])).toEqual([['web', []]]);
  });

  it('foreground: non-blocking dependents are deleted but do not hold the owner', () => {
    const deploy = obj('Deployment', 'web', { deleting: true, finalizers: ['foregroundDeletion'] });
    const rs = obj('ReplicaSet', 'rs', { owners: [owner('Deployment', 'web', false)] });
    const actions = planGarbageCollection({ objects: [deploy, rs] });
    expect(actionsOf(actions, 'DeleteObject').map((a) => a.target.name)).toEqual(['rs']);
    expect(actionsOf(actions, 'SetFinalizers')).toHaveLength(1);
  });

  it('orphan: removes the owner from dependents, then the orphan finalizer', () => {
    const rs = obj('ReplicaSet', 'rs', { deleting: true, finalizers: ['orphan', 'other'] });
    const p1 = obj('Pod', 'p1', { owners: [owner('ReplicaSet', 'rs')] });
    const actions = planGarbageCollection({ objects: [rs, p1] });
    expect(actions.map((a) => a.type)).toEqual(['SetOwnerReferences', 'SetFinalizers']);
    expect(actionsOf(actions, 'SetOwnerReferences')[0]?.ownerReferences).toEqual([]);
    expect(actionsOf(actions, 'SetFinalizers')[0]?.finalizers).toEqual(['other']);
  });

  it('does nothing for healthy ownership', () => {
    expect(planGarbageCollection({ objects: [obj('Deployment', 'web'), obj('ReplicaSet', 'rs', { owners: [owner('Deployment', 'web')] })] })).toEqual([]);
  });
});
