import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore } from '../../testing/harness.js';

const untolerated = (text: string) => `node(s) had untolerated taint ${text}`;

describe('TaintToleration filter', () => {
  const cases = [
    { name: 'no taints', node: makeNode('n'), pod: makePod('p'), want: '' },
    { name: 'NoSchedule untolerated', node: makeNode('n').taint('gpu', 'true', 'NoSchedule'), pod: makePod('p'), want: untolerated('{gpu: true}') },
    {
      name: 'NoExecute untolerated, empty value printed as in Kubernetes',
      node: makeNode('n').taint('node.kubernetes.io/unreachable', '', 'NoExecute'),
      pod: makePod('p'),
      want: untolerated('{node.kubernetes.io/unreachable: }'),
    },
    { name: 'PreferNoSchedule never filters', node: makeNode('n').taint('gpu', 'true', 'PreferNoSchedule'), pod: makePod('p'), want: '' },
    { name: 'Equal toleration', node: makeNode('n').taint('gpu', 'true', 'NoSchedule'), pod: makePod('p').toleration('gpu', 'Equal', 'true', 'NoSchedule'), want: '' },
    {
      name: 'Equal toleration with another value',
      node: makeNode('n').taint('gpu', 'true', 'NoSchedule'),
      pod: makePod('p').toleration('gpu', 'Equal', 'false', 'NoSchedule'),
      want: untolerated('{gpu: true}'),
    },
    { name: 'Exists toleration, any effect', node: makeNode('n').taint('gpu', 'true', 'NoExecute'), pod: makePod('p').toleration('gpu', 'Exists', '', ''), want: '' },
    {
      name: 'toleration for another effect',
      node: makeNode('n').taint('gpu', 'true', 'NoExecute'),
      pod: makePod('p').toleration('gpu', 'Exists', '', 'NoSchedule'),
      want: untolerated('{gpu: true}'),
    },
    {
      name: 'the first untolerated taint is reported',
      node: makeNode('n').taint('a', '1', 'NoSchedule').taint('b', '2', 'NoSchedule'),
      pod: makePod('p').toleration('a', 'Exists', '', ''),
      want: untolerated('{b: 2}'),
    },
  ];
  it.each(cases)('$name', ({ node, pod, want }) => {
    expect(runFilter(PluginNames.TaintToleration, pod.build(), [node.build(), makeNode('t').taint('x', '', 'NoSchedule').build()])['n']).toBe(want);
  });
});

describe('TaintToleration score (PreferNoSchedule)', () => {
  const nodes = [
    makeNode('clean').build(),
    makeNode('one').taint('a', '', 'PreferNoSchedule').build(),
    makeNode('two').taint('a', '', 'PreferNoSchedule').taint('b', '', 'PreferNoSchedule').build(),
  ];
  const cases = [
    { name: 'fewer untolerated taints score higher', pod: makePod('p'), want: { clean: 100, one: 50, two: 0 } },
    { name: 'tolerated taints do not count', pod: makePod('p').toleration('a', 'Exists', '', 'PreferNoSchedule'), want: { clean: 100, one: 100, two: 0 } },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(runScore(PluginNames.TaintToleration, pod.build(), nodes)).toEqual(want);
  });
  it('skips when no node has a PreferNoSchedule taint', () => {
    expect(runScore(PluginNames.TaintToleration, makePod('p').build(), [makeNode('a').build()])).toBe('skipped');
  });
});
