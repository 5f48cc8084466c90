import { describe, expect, it } from 'vitest';
import { makeProfile } from '../../framework/profile.js';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore } from '../../testing/harness.js';
import { NodeResourcesFitReasons as R } from './node-resources-fit.js';

describe('NodeResourcesFit filter', () => {
  const node = () => makeNode('n').cpu('2').memory('4Gi').pods(3);
  const bound = (cpu: string, memory: string, i = 0) => makePod(`b${i}`).cpu(cpu).memory(memory).node('n').build();
  const cases = [
    { name: 'fits an empty node', pod: makePod('p').cpu('2').memory('4Gi'), bound: [], want: '' },
    { name: 'cpu short', pod: makePod('p').cpu('1500m'), bound: [bound('1', '1Gi')], want: R.InsufficientCpu },
    { name: 'memory short', pod: makePod('p').memory('3Gi'), bound: [bound('1', '2Gi')], want: R.InsufficientMemory },
    { name: 'both short: both reported', pod: makePod('p').cpu('2').memory('4Gi'), bound: [bound('1', '1Gi')], want: `${R.InsufficientCpu}; ${R.InsufficientMemory}` },
    { name: 'pod slots full', pod: makePod('p'), bound: [bound('0', '0', 1), bound('0', '0', 2), bound('0', '0', 3)], want: R.TooManyPods },
    { name: 'exactly full still fits', pod: makePod('p').cpu('1').memory('2Gi'), bound: [bound('1', '2Gi')], want: '' },
    { name: 'pods that finished hold nothing', pod: makePod('p').cpu('2'), bound: [makePod('done').cpu('2').node('n').phaseIs('Succeeded').build()], want: '' },
    { name: 'a request-less pod only needs a slot', pod: makePod('p'), bound: [bound('3', '8Gi')], want: '' },
    { name: 'limits count as requests when requests are absent', pod: makePod('p'), bound: [], want: '' },
  ];
  it.each(cases)('$name', ({ pod, bound: b, want }) => {
    expect(runFilter(PluginNames.NodeResourcesFit, pod.build(), [node().build()], b)['n']).toBe(want);
  });

  it('checks other resources too, each by name, after the basic ones', () => {
    const gpuNode = makeNode('n').cpu('2').memory('4Gi').resource('nvidia.com/gpu', '2').resource('ephemeral-storage', '10Gi');
    const run = (pod: ReturnType<typeof makePod>, bound: ReturnType<typeof makePod>[] = []) =>
      runFilter(PluginNames.NodeResourcesFit, pod.build(), [gpuNode.build()], bound.map((b) => b.node('n').build()))['n'];
    expect(run(makePod('p').request('nvidia.com/gpu', '2'))).toBe('');
    expect(run(makePod('p').request('nvidia.com/gpu', '1'), [makePod('b').request('nvidia.com/gpu', '2')])).toBe('Insufficient nvidia.com/gpu');
    expect(run(makePod('p').request('example.com/fpga', '1'))).toBe('Insufficient example.com/fpga');
    expect(run(makePod('p').cpu('3').request('ephemeral-storage', '20Gi'))).toBe(`${R.InsufficientCpu}; Insufficient ephemeral-storage`);
    expect(run(makePod('p').request('ephemeral-storage', '5Gi'), [makePod('b').request('ephemeral-storage', '5Gi')])).toBe('');
  });

  it('a limit without a request is the request', () => {
    const pod = makePod('p').build();
    pod.spec!.containers![0]!.resources = { limits: { cpu: '3' } };
    expect(runFilter(PluginNames.NodeResourcesFit, pod, [node().build()])['n']).toBe(R.InsufficientCpu);
  });

  it('init containers count at their largest, not summed with the app containers', () => {
    const pod = makePod('p').cpu('1').build();
    pod.spec!.initContainers = [{ name: 'init', resources: { requests: { cpu: '1500m' } } }];
    expect(runFilter(PluginNames.NodeResourcesFit, pod, [node().build()])['n']).toBe('');
    pod.spec!.initContainers = [{ name: 'init', resources: { requests: { cpu: '2500m' } } }];
    expect(runFilter(PluginNames.NodeResourcesFit, pod, [node().build()])['n']).toBe(R.InsufficientCpu);
  });
});

describe('NodeResourcesFit score', () => {
  const nodes = [makeNode('idle').cpu('4').memory('8Gi').build(), makeNode('busy').cpu('4').memory('8Gi').build()];
  const bound = [makePod('b').cpu('2').memory('4Gi').node('busy').build()];
  const pod = makePod('p').cpu('1').memory('2Gi').build();
  const cases = [
    // idle: (4-1)/4 = 75 for both resources; busy: (4-3)/4 = 25.
    { name: 'LeastAllocated prefers free nodes', strategy: 'LeastAllocated' as const, want: { idle: 75, busy: 25 } },
    { name: 'MostAllocated packs', strategy: 'MostAllocated' as const, want: { idle: 25, busy: 75 } },
  ];
  it.each(cases)('$name', ({ strategy, want }) => {
    expect(runScore(PluginNames.NodeResourcesFit, pod, nodes, bound, makeProfile({ scoringStrategy: strategy }))).toEqual(want);
  });

  it('counts request-less containers as 100m and 200Mi', () => {
    const scores = runScore(PluginNames.NodeResourcesFit, makePod('p').build(), [makeNode('n').cpu('1').memory('1000Mi').build()]);
    // cpu (1000-100)/1000 = 90, memory (1000-200)/1000 = 80 -> 85.
    expect(scores).toEqual({ n: 85 });
  });
});
