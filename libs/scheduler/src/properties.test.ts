/**
 * Invariants over random clusters and random pod streams (fast-check): whatever the pods ask,
 * binding what decide() returns and assume()-ing it never overcommits a node, never breaks a
 * DoNotSchedule spread constraint, and is a function of its inputs and seed.
 */
import { type Pod } from '@tsk/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeProfile, type Profile } from './framework/profile.js';
import { createScheduler } from './pipeline.js';
import { assume, buildSnapshot, type Snapshot } from './snapshot/snapshot.js';
import { makeNode, makePod } from './testing/builders.js';

const ZONE = 'topology.kubernetes.io/zone';

const nodeArb = fc.record({
  milliCpu: fc.integer({ min: 0, max: 8000 }),
  memoryMi: fc.integer({ min: 0, max: 16384 }),
  pods: fc.integer({ min: 0, max: 12 }),
  gpus: fc.integer({ min: 0, max: 4 }),
  zone: fc.constantFrom('a', 'b', 'c'),
  cordoned: fc.boolean(),
  tainted: fc.boolean(),
});

const podArb = fc.record({
  milliCpu: fc.integer({ min: 0, max: 3000 }),
  memoryMi: fc.integer({ min: 0, max: 4096 }),
  gpus: fc.constantFrom(0, 0, 0, 1, 2),
  owner: fc.constantFrom('', 'rs-1', 'rs-2'),
  tolerates: fc.boolean(),
  hostPort: fc.constantFrom(0, 0, 0, 80, 443),
});

const profileArb: fc.Arbitrary<Profile> = fc
  .record({ strategy: fc.constantFrom('LeastAllocated' as const, 'MostAllocated' as const), percentage: fc.constantFrom(0, 10, 50, 100) })
  .map(({ strategy, percentage }) => makeProfile({ scoringStrategy: strategy, percentageOfNodesToScore: percentage }));

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
type NodeSpec = ValueOf<typeof nodeArb>;
type PodSpec = ValueOf<typeof podArb>;

function buildNodes(specs: readonly NodeSpec[]) {
  return specs.map((n, i) => {
    const b = makeNode(`n${i}`).cpu(`${n.milliCpu}m`).memory(`${n.memoryMi}Mi`).pods(n.pods).label(ZONE, n.zone);
    if (n.gpus > 0) b.resource('nvidia.com/gpu', String(n.gpus));
    if (n.cordoned) b.unschedulable();
    if (n.tainted) b.taint('dedicated', 'x', 'NoSchedule');
    return b.build();
  });
}

function buildPod(spec: PodSpec, i: number): Pod {
  const b = makePod(`p${i}`);
  if (spec.milliCpu > 0) b.cpu(`${spec.milliCpu}m`);
  if (spec.memoryMi > 0) b.memory(`${spec.memoryMi}Mi`);
  if (spec.gpus > 0) b.request('nvidia.com/gpu', String(spec.gpus));
  if (spec.owner !== '') b.owner(spec.owner);
  if (spec.tolerates) b.toleration('dedicated', 'Equal', 'x', 'NoSchedule');
  if (spec.hostPort > 0) b.hostPort(spec.hostPort);
  return b.build();
}

/** Schedules the stream, assuming each placement; returns node names (or null) in order. */
function run(snapshot: Snapshot, pods: readonly Pod[], seed: number, profile: Profile): (string | null)[] {
  const scheduler = createScheduler(profile);
  return pods.map((pod) => {
    const d = scheduler.decide(snapshot, pod, seed);
    if (d.kind !== 'Scheduled') {
      // Every node was examined and each refused for at least one named reason.
      expect(d.message.startsWith(`0/${snapshot.nodes.length} nodes are available: `)).toBe(true);
      expect([...d.reasons.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(snapshot.nodes.length);
      return null;
    }
    assume(snapshot, pod, d.node);
    return d.node;
  });
}

describe('scheduling properties', () => {
  it('never exceeds a node’s cpu, memory, GPUs or pod slots, never binds to a cordoned or untolerated node, never double-books a host port', () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 12 }), fc.array(podArb, { maxLength: 60 }), fc.integer(), profileArb, (nodeSpecs, podSpecs, seed, profile) => {
        const snapshot = buildSnapshot(buildNodes(nodeSpecs), []);
        const pods = podSpecs.map(buildPod);
        const placed = run(snapshot, pods, seed, profile);
        for (const node of snapshot.nodes) {
          const spec = nodeSpecs[node.index]!;
          let cpu = 0;
          let memory = 0;
          let gpus = 0;
          const ports = new Set<number>();
          for (const p of node.pods) {
            cpu += p.milliCpu;
            memory += p.memory;
            for (const [name, amount] of p.otherRequests) if (name === 'nvidia.com/gpu') gpus += amount;
            for (const hp of p.hostPorts) {
              expect(ports.has(hp.port)).toBe(false);
              ports.add(hp.port);
            }
            const podSpec = podSpecs[Number(p.key.slice('default/p'.length))]!;
            if (spec.tainted) expect(podSpec.tolerates).toBe(true);
          }
          expect(cpu).toBeLessThanOrEqual(spec.milliCpu);
          expect(memory).toBeLessThanOrEqual(spec.memoryMi * 1024 * 1024);
          expect(node.pods.length).toBeLessThanOrEqual(spec.pods);
          expect(gpus).toBeLessThanOrEqual(spec.gpus);
          if (spec.cordoned) expect(node.pods).toHaveLength(0);
        }
        expect(placed.filter((p) => p !== null).length).toBe(snapshot.nodes.reduce((sum, n) => sum + n.pods.length, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the skew of a DoNotSchedule spread constraint within maxSkew', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(ZONE, 'kubernetes.io/hostname'),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        profileArb,
        (zones, maxSkew, topologyKey, replicas, seed, profile) => {
          const nodes = zones.map((z, i) => makeNode(`n${i}`).cpu('64').memory('64Gi').pods(200).label(ZONE, z).build());
          const snapshot = buildSnapshot(nodes, []);
          const pods = Array.from({ length: replicas }, (_, i) =>
            makePod(`web-${i}`).label('app', 'web').cpu('100m').spreadConstraint(maxSkew, topologyKey, { matchLabels: { app: 'web' } }).build(),
          );
          const placed = run(snapshot, pods, seed, profile);
          // Plenty of room everywhere: the constraint can always be met, so every replica lands.
          expect(placed.every((p) => p !== null)).toBe(true);
          const counts = new Map<string, number>();
          for (const node of snapshot.nodes) {
            const domain = node.labels[topologyKey]!;
            counts.set(domain, (counts.get(domain) ?? 0) + node.pods.length);
          }
          const values = [...counts.values()];
          expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(maxSkew);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never puts two replicas with hostname anti-affinity to each other on one node', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 30 }),
        fc.integer(),
        (nodeCount, apps, seed) => {
          const nodes = Array.from({ length: nodeCount }, (_, i) => makeNode(`n${i}`).cpu('64').memory('64Gi').build());
          const snapshot = buildSnapshot(nodes, []);
          const pods = apps.map((app, i) => makePod(`${app}-${i}`).label('app', app).podAntiAffinityTo({ matchLabels: { app } }).build());
          const placed = run(snapshot, pods, seed, makeProfile({}));
          for (const node of snapshot.nodes) {
            const here = node.pods.map((p) => p.labels['app']);
            expect(new Set(here).size).toBe(here.length);
          }
          // Each app gets one replica per node, and no fewer than that fit.
          for (const app of ['a', 'b', 'c']) {
            const wanted = apps.filter((a) => a === app).length;
            const got = apps.filter((a, i) => a === app && placed[i] !== null).length;
            expect(got).toBe(Math.min(wanted, nodeCount));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same nodes, pods and seed give the same placements', () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 10 }), fc.array(podArb, { maxLength: 40 }), fc.integer(), profileArb, (nodeSpecs, podSpecs, seed, profile) => {
        const nodes = buildNodes(nodeSpecs);
        const pods = podSpecs.map(buildPod);
        expect(run(buildSnapshot(nodes, []), pods, seed, profile)).toEqual(run(buildSnapshot(nodes, []), pods, seed, profile));
      }),
      { numRuns: 100 },
    );
  });

  it('different seeds break ties differently', () => {
    const nodes = Array.from({ length: 8 }, (_, i) => makeNode(`n${i}`).cpu('4').memory('8Gi').build());
    const pods = Array.from({ length: 8 }, (_, i) => makePod(`p${i}`).build());
    const placements = new Set(Array.from({ length: 10 }, (_, seed) => run(buildSnapshot(nodes, []), pods, seed, makeProfile({})).join(',')));
    expect(placements.size).toBeGreaterThan(1);
  });
});
