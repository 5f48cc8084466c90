import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runScore } from '../../testing/harness.js';

const MIB = 1024 * 1024;

describe('ImageLocality score', () => {
  const cases = [
    {
      name: 'no node has the image: skipped',
      nodes: [makeNode('a').image('docker.io/library/redis:7', 500 * MIB)],
      pod: makePod('p').image('nginx:1'),
      want: 'skipped' as const,
    },
    {
      name: 'short and full names match; a big image on one of two nodes',
      nodes: [makeNode('a').image('docker.io/library/nginx:1', 1000 * MIB), makeNode('b')],
      pod: makePod('p').image('nginx:1'),
      // 1000Mi * 1/2 = 500Mi; (500 - 23) / (1000 - 23) * 100 = 48.
      want: { a: 48, b: 0 },
    },
    {
      name: 'a small image counts for nothing',
      nodes: [makeNode('a').image('nginx:latest', 10 * MIB), makeNode('b')],
      pod: makePod('p').image('nginx'),
      want: { a: 0, b: 0 },
    },
  ];
  it.each(cases)('$name', ({ nodes, pod, want }) => {
    expect(runScore(PluginNames.ImageLocality, pod.build(), nodes.map((n) => n.build()))).toEqual(want);
  });
});
