import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter } from '../../testing/harness.js';
import { NodeNameReasons } from './node-name.js';

describe('NodeName filter', () => {
  const nodes = [makeNode('a').build(), makeNode('b').build()];
  const cases = [
    { name: 'no nodeName: every node fits', pod: makePod('p'), want: { a: '', b: '' } },
    { name: 'nodeName: only that node fits', pod: makePod('p').node('b'), want: { a: NodeNameReasons.Mismatch, b: '' } },
    { name: 'nodeName of a missing node: nothing fits', pod: makePod('p').node('zzz'), want: { a: NodeNameReasons.Mismatch, b: NodeNameReasons.Mismatch } },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(runFilter(PluginNames.NodeName, pod.build(), nodes)).toEqual(want);
  });
});
