import { describe, expect, it } from 'vitest';
import { NO_NODES_MESSAGE } from './decision.js';
import { makeProfile } from './framework/profile.js';
import { createScheduler, decide, numFeasibleNodesToFind } from './pipeline.js';
import { assume, buildSnapshot } from './snapshot/snapshot.js';
import { makeNode, makePod } from './testing/builders.js';

describe('decide', () => {
  it('sums the reasons as kube-scheduler does, sorted as strings', () => {
    const nodes = [
      makeNode('c1').cpu('1').memory('1Gi').build(),
      makeNode('c2').cpu('1').memory('1Gi').build(),
      makeNode('c3').cpu('1').memory('1Gi').build(),
      makeNode('t1').cpu('8').memory('8Gi').taint('node.kubernetes.io/unreachable', '', 'NoExecute').build(),
      makeNode('t2').cpu('8').memory('8Gi').taint('node.kubernetes.io/unreachable', '', 'NoExecute').build(),
    ];
    const d = decide(buildSnapshot(nodes, []), makePod('p').cpu('2').build(), 1);
    expect(d).toEqual({
      kind: 'Unschedulable',
      reasons: new Map([
        ['Insufficient cpu', 3],
        ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }', 2],
      ]),
      message: '0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.',
    });
  });

  it('reports every shortage of a node', () => {
    const d = decide(buildSnapshot([makeNode('n').cpu('1').memory('1Gi').build()], []), makePod('p').cpu('2').memory('2Gi').build(), 1);
    expect(d.kind === 'Unschedulable' && d.message).toBe('0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.');
  });

  it('says so when there are no nodes', () => {
    const d = decide(buildSnapshot([], []), makePod('p').build(), 1);
    expect(d).toEqual({ kind: 'Unschedulable', reasons: new Map(), message: NO_NODES_MESSAGE });
  });

  it('refuses a pod whose spec cannot be read, on every node, without throwing', () => {
    const d = decide(buildSnapshot([makeNode('a').build(), makeNode('b').build()], []), makePod('p').cpu('lots').build(), 1);
    expect(d.kind).toBe('Unschedulable');
    expect(d.kind === 'Unschedulable' && d.message).toMatch(/^0\/2 nodes are available: 2 pod spec is invalid: .*"lots" is not a quantity/);
  });

  it('runs the filters in order and takes the best score', () => {
    const nodes = [
      makeNode('cordoned').cpu('4').memory('8Gi').unschedulable().build(),
      makeNode('small').cpu('500m').memory('8Gi').build(),
      makeNode('busy').cpu('4').memory('8Gi').build(),
      makeNode('free').cpu('4').memory('8Gi').build(),
    ];
    const snapshot = buildSnapshot(nodes, [makePod('b').cpu('3').node('busy').build()]);
    const d = decide(snapshot, makePod('p').cpu('1').build(), 1);
    expect(d).toMatchObject({ kind: 'Scheduled', node: 'free', feasibleNodes: 2, evaluatedNodes: 4 });
  });

  it('MostAllocated bin-packs where LeastAllocated spreads', () => {
    const nodes = [makeNode('a').cpu('4').memory('8Gi').build(), makeNode('b').cpu('4').memory('8Gi').build()];
    const bound = [makePod('b0').cpu('2').memory('1Gi').node('a').build()];
    const pod = makePod('p').cpu('1').memory('1Gi').build();
    expect(decide(buildSnapshot(nodes, bound), pod, 1)).toMatchObject({ node: 'b' });
    expect(decide(buildSnapshot(nodes, bound), pod, 1, makeProfile({ scoringStrategy: 'MostAllocated' }))).toMatchObject({ node: 'a' });
  });

  it('spreads the replicas of one owner across nodes by default', () => {
    const nodes = ['a', 'b', 'c'].map((n) => makeNode(n).cpu('8').memory('16Gi').build());
    const snapshot = buildSnapshot(nodes, []);
    const scheduler = createScheduler();
    const placed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const pod = makePod(`web-${i}`).owner('rs').build();
      const d = scheduler.decide(snapshot, pod, 7);
      if (d.kind !== 'Scheduled') throw new Error(d.message);
      assume(snapshot, pod, d.node);
      placed.push(d.node);
    }
    expect(placed.filter((n) => n === 'a')).toHaveLength(2);
    expect(placed.filter((n) => n === 'b')).toHaveLength(2);
    expect(placed.filter((n) => n === 'c')).toHaveLength(2);
  });

  it('a disabled plugin does not run', () => {
    const nodes = [makeNode('n').cpu('1').memory('1Gi').build()];
    const pod = makePod('p').cpu('2').build();
    expect(decide(buildSnapshot(nodes, []), pod, 1, makeProfile({ disabled: ['NodeResourcesFit'] }))).toMatchObject({ kind: 'Scheduled', node: 'n' });
  });

  it('same inputs, same node; different seeds can break a tie differently', () => {
    const nodes = Array.from({ length: 20 }, (_, i) => makeNode(`n${i}`).cpu('4').memory('8Gi').build());
    const pod = makePod('p').build();
    const pick = (seed: number) => {
      const d = decide(buildSnapshot(nodes, []), pod, seed);
      return d.kind === 'Scheduled' ? d.node : d.message;
    };
    expect(pick(42)).toBe(pick(42));
    const distinct = new Set(Array.from({ length: 20 }, (_, seed) => pick(seed)));
    expect(distinct.size).toBeGreaterThan(1);
  });
});

describe('numFeasibleNodesToFind (percentageOfNodesToScore)', () => {
  const cases = [
    { percentage: 0, nodes: 50, want: 50 },
    { percentage: 0, nodes: 100, want: 100 },
    { percentage: 0, nodes: 1000, want: 420 },
    { percentage: 0, nodes: 5000, want: 500 },
    { percentage: 0, nodes: 100_000, want: 5000 },
    { percentage: 0, nodes: 150, want: 100 },
    { percentage: 30, nodes: 1000, want: 300 },
    { percentage: 100, nodes: 5000, want: 5000 },
  ];
  it.each(cases)('$percentage% of $nodes nodes -> $want', ({ percentage, nodes, want }) => {
    expect(numFeasibleNodesToFind(percentage, nodes)).toBe(want);
  });

  it('rotates the starting node, so a partial search does not always favour the first nodes', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => makeNode(`n${i}`).cpu('4').memory('8Gi').build());
    const snapshot = buildSnapshot(nodes, []);
    const first = decide(snapshot, makePod('p1').build(), 1);
    // 300 nodes: 50% - 300/125% = 48% -> 144 nodes.
    expect(first).toMatchObject({ evaluatedNodes: 144, feasibleNodes: 144 });
    expect(snapshot.nextStartIndex).toBe(144);
    decide(snapshot, makePod('p2').build(), 1);
    expect(snapshot.nextStartIndex).toBe(288);
    decide(snapshot, makePod('p3').build(), 1);
    expect(snapshot.nextStartIndex).toBe(132);
  });
});
