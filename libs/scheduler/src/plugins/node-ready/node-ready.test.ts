import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter } from '../../testing/harness.js';
import { NodeReadyReasons } from './node-ready.js';

const NOT_READY = NodeReadyReasons.NotReady;

describe('NodeReady filter', () => {
  const cases = [
    { name: 'Ready=True fits', node: makeNode('n').ready('True'), pod: makePod('p'), want: '' },
    { name: 'Ready=False is refused', node: makeNode('n').ready('False'), pod: makePod('p'), want: NOT_READY },
    { name: 'Ready=Unknown is refused', node: makeNode('n').ready('Unknown'), pod: makePod('p'), want: NOT_READY },
    { name: 'no Ready condition is refused', node: makeNode('n').ready(undefined), pod: makePod('p'), want: NOT_READY },
    {
      name: 'Ready=False fits a pod tolerating not-ready',
      node: makeNode('n').ready('False'),
      pod: makePod('p').toleration('node.kubernetes.io/not-ready', 'Exists', '', 'NoExecute'),
      want: '',
    },
    {
      name: 'Ready=Unknown is refused to a pod tolerating only not-ready',
      node: makeNode('n').ready('Unknown'),
      pod: makePod('p').toleration('node.kubernetes.io/not-ready', 'Exists', '', 'NoExecute'),
      want: NOT_READY,
    },
    {
      name: 'Ready=Unknown fits a pod tolerating unreachable',
      node: makeNode('n').ready('Unknown'),
      pod: makePod('p').toleration('node.kubernetes.io/unreachable', 'Exists', '', 'NoSchedule'),
      want: '',
    },
  ];
  it.each(cases)('$name', ({ node, pod, want }) => {
    // A second, Ready node keeps the plugin from skipping itself for an all-Ready snapshot.
    const result = runFilter(PluginNames.NodeReady, pod.build(), [node.build(), makeNode('ready').build()]);
    expect(result['n']).toBe(want);
  });

  it('skips itself when every node is Ready', () => {
    expect(runFilter(PluginNames.NodeReady, makePod('p').build(), [makeNode('a').build()])).toEqual({ a: '' });
  });
});
