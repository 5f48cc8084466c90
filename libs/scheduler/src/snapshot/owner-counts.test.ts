import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { assume, buildSnapshot, forget, updateNode, type Snapshot } from './snapshot.js';

const ZONE = 'topology.kubernetes.io/zone';
const NODES = 40;

/** Owner counts recounted from scratch from the pods on each node. */
function recount(s: Snapshot): Map<string, { nodes: Map<number, number>; zones: Map<string, number> }> {
  const out = new Map<string, { nodes: Map<number, number>; zones: Map<string, number> }>();
  for (const node of s.nodes) {
    for (const p of node.pods) {
      if (p.ownerUid === '') continue;
      let o = out.get(p.ownerUid);
      if (o === undefined) out.set(p.ownerUid, (o = { nodes: new Map(), zones: new Map() }));
      o.nodes.set(node.index, (o.nodes.get(node.index) ?? 0) + 1);
      if (node.zone !== undefined) o.zones.set(node.zone, (o.zones.get(node.zone) ?? 0) + 1);
    }
  }
  return out;
}

function expectMatchesRecount(s: Snapshot): void {
  const want = recount(s);
  expect([...s.owners.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [uid, w] of want) {
    const got = s.owners.get(uid)!;
    for (let i = 0; i < s.nodes.length; i++) expect(got.onNode(i)).toBe(w.nodes.get(i) ?? 0);
    for (let z = 0; z < s.zones.length; z++) expect(got.inZone(z)).toBe(w.zones.get(s.zones[z]!) ?? 0);
    expect(got.inZone(-1)).toBe(0);
    expect(got.pods).toBe([...w.nodes.values()].reduce((a, b) => a + b, 0));
  }
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('assume' as const), pod: fc.nat(200), owner: fc.nat(3), node: fc.nat(NODES - 1) }),
  fc.record({ kind: fc.constant('forget' as const), pod: fc.nat(200) }),
  fc.record({ kind: fc.constant('relabel' as const), node: fc.nat(NODES - 1), zone: fc.option(fc.nat(4), { nil: undefined }) }),
);

describe('owner counts (default spreading)', () => {
  it('match a recount after any sequence of assume, forget and node relabels, sparse or dense', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const node = (i: number, zone: number | undefined) => {
          const b = makeNode(`n${i}`).cpu('100');
          return (zone === undefined ? b : b.label(ZONE, `z${zone}`)).build();
        };
        const s = buildSnapshot(
          Array.from({ length: NODES }, (_, i) => node(i, i % 3 === 0 ? undefined : i % 2)),
          [],
        );
        const owners = new Map<number, string>();
        for (const o of ops) {
          if (o.kind === 'assume') {
            // A pod keeps the owner it was first given (as a real pod's controller uid).
            let owner = owners.get(o.pod);
            if (owner === undefined) owners.set(o.pod, (owner = o.owner === 0 ? '' : `rs${o.owner}`));
            const b = makePod(`p${o.pod}`).withUid(`u${o.pod}`);
            assume(s, (owner === '' ? b : b.owner(owner)).build(), `n${o.node}`);
          } else if (o.kind === 'forget') {
            forget(s, makePod(`p${o.pod}`).withUid(`u${o.pod}`).build());
          } else {
            updateNode(s, node(o.node, o.zone));
          }
        }
        expectMatchesRecount(s);
      }),
      { numRuns: 150 },
    );
  });

  it('turns dense once an owner uses many nodes, and keeps counting', () => {
    const s = buildSnapshot(
      Array.from({ length: 32 }, (_, i) => makeNode(`n${i}`).cpu('100').label(ZONE, `z${i % 2}`).build()),
      [],
    );
    for (let i = 0; i < 32; i++) assume(s, makePod(`p${i}`).withUid(`u${i}`).owner('rs').build(), `n${i}`);
    expect(s.owners.get('rs')?.dense).toBeDefined();
    for (let i = 0; i < 31; i++) forget(s, makePod(`p${i}`).withUid(`u${i}`).build());
    expectMatchesRecount(s);
    forget(s, makePod('p31').withUid('u31').build());
    expect(s.owners.size).toBe(0);
  });
});
