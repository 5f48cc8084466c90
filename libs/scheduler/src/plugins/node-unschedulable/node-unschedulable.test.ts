import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter } from '../../testing/harness.js';
import { NodeUnschedulableReasons } from './node-unschedulable.js';

describe('NodeUnschedulable filter', () => {
  const cases = [
    { name: 'schedulable node fits', node: makeNode('n'), pod: makePod('p'), want: '' },
    { name: 'cordoned node is refused', node: makeNode('n').unschedulable(), pod: makePod('p'), want: NodeUnschedulableReasons.Unschedulable },
    {
      name: 'cordoned node fits a pod tolerating node.kubernetes.io/unschedulable',
      node: makeNode('n').unschedulable(),
      pod: makePod('p').toleration('node.kubernetes.io/unschedulable', 'Exists', '', 'NoSchedule'),
      want: '',
    },
    {
      name: 'a toleration for another effect does not count',
      node: makeNode('n').unschedulable(),
      pod: makePod('p').toleration('node.kubernetes.io/unschedulable', 'Exists', '', 'NoExecute'),
      want: NodeUnschedulableReasons.Unschedulable,
    },
    {
      name: 'an empty-key Exists toleration tolerates everything',
      node: makeNode('n').unschedulable(),
      pod: makePod('p').toleration('', 'Exists', '', ''),
      want: '',
    },
  ];
  it.each(cases)('$name', ({ node, pod, want }) => {
    expect(runFilter(PluginNames.NodeUnschedulable, pod.build(), [node.build(), makeNode('other').unschedulable().build()])['n']).toBe(want);
  });
});
