import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KindObject, type OwnerReference } from '@tsk/api';
import { gcRelevantChange } from './manager.js';

/** What gcRelevantChange replaced: the same fields compared as JSON. */
function byJson(old: KindObject, next: KindObject): boolean {
  const a = old.metadata;
  const b = next.metadata;
  return (
    (a?.deletionTimestamp ?? '') !== (b?.deletionTimestamp ?? '') ||
    JSON.stringify(a?.finalizers ?? []) !== JSON.stringify(b?.finalizers ?? []) ||
    JSON.stringify(a?.ownerReferences ?? []) !== JSON.stringify(b?.ownerReferences ?? [])
  );
}

const ref: fc.Arbitrary<OwnerReference> = fc.record(
  {
    apiVersion: fc.constant('apps/v1'),
    kind: fc.constantFrom('ReplicaSet', 'Job'),
    name: fc.constantFrom('a', 'b'),
    uid: fc.constantFrom('u1', 'u2'),
    controller: fc.boolean(),
    blockOwnerDeletion: fc.boolean(),
  },
  { requiredKeys: ['apiVersion', 'kind', 'name', 'uid'] },
);
const meta = fc.record(
  {
    deletionTimestamp: fc.constantFrom('', '2026-01-01T00:00:00Z'),
    finalizers: fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }),
    ownerReferences: fc.array(ref, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

describe('gcRelevantChange', () => {
  it('agrees with comparing the fields as JSON', () => {
    fc.assert(
      fc.property(meta, meta, fc.boolean(), (a, b, same) => {
        const old: KindObject = { metadata: a } as KindObject;
        const next: KindObject = { metadata: same ? structuredClone(a) : b } as KindObject;
        expect(gcRelevantChange(old, next)).toBe(byJson(old, next));
      }),
      { numRuns: 500 },
    );
  });
});
