import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Pod } from '@tsk/api';
import { type AddHandler, type DeleteHandler, type UpdateHandler } from '@tsk/client';
import { controllerRefOf } from '../common/owners.js';
import { ownerRef, pod } from '../testing/builders.js';
import { ByController } from './by-controller.js';

/** An informer driven by hand: a cache plus the three handler lists, as Informer emits them. */
class HandInformer {
  readonly cache = new Map<string, Pod>();
  private readonly adds: AddHandler<Pod>[] = [];
  private readonly updates: UpdateHandler<Pod>[] = [];
  private readonly deletes: DeleteHandler<Pod>[] = [];
  onAdd(h: AddHandler<Pod>): this {
    this.adds.push(h);
    return this;
  }
  onUpdate(h: UpdateHandler<Pod>): this {
    this.updates.push(h);
    return this;
  }
  onDelete(h: DeleteHandler<Pod>): this {
    this.deletes.push(h);
    return this;
  }
  upsert(p: Pod): void {
    const key = `${p.metadata?.namespace}/${p.metadata?.name}`;
    const old = this.cache.get(key);
    this.cache.set(key, p);
    if (old === undefined) for (const h of this.adds) h(p);
    else for (const h of this.updates) h(old, p);
  }
  delete(namespace: string, name: string): void {
    const old = this.cache.get(`${namespace}/${name}`);
    if (old === undefined) return;
    this.cache.delete(`${namespace}/${name}`);
    for (const h of this.deletes) h(old);
  }
}

const NAMESPACES = ['a', 'b'];
const OWNERS = ['rs1', 'rs2', 'rs3'];

const op = fc.record({
  del: fc.boolean(),
  name: fc.nat(15),
  ns: fc.constantFrom(...NAMESPACES),
  owner: fc.option(fc.constantFrom(...OWNERS), { nil: undefined }),
});

const names = (pods: readonly Pod[]): string[] => pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();

describe('ByController', () => {
  it('claimable() is always the own pods plus the orphans of the namespace, recomputed from the cache', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const informer = new HandInformer();
        const index = new ByController(informer);
        for (const o of ops) {
          if (o.del) informer.delete(o.ns, `p${o.name}`);
          else informer.upsert(pod(`p${o.name}`, { namespace: o.ns, ...(o.owner !== undefined ? { owner: ownerRef('ReplicaSet', o.owner) } : {}) }));
        }
        const all = [...informer.cache.values()];
        for (const ns of NAMESPACES) {
          for (const owner of [...OWNERS, 'none']) {
            const uid = `uid-${owner}`;
            const want = all.filter((p) => p.metadata?.namespace === ns && [uid, undefined].includes(controllerRefOf(p)?.uid));
            const got = index.claimable(ns, uid);
            expect(names(got)).toEqual(names(want));
            // The objects are the cache's current ones, not stale copies.
            for (const p of got) expect(informer.cache.get(`${ns}/${p.metadata?.name}`)).toBe(p);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('an empty uid gets the orphans only', () => {
    const informer = new HandInformer();
    const index = new ByController(informer);
    informer.upsert(pod('o', { namespace: 'a' }));
    expect(names(index.claimable('a', ''))).toEqual(['a/o']);
  });
});
