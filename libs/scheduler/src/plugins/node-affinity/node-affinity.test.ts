import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore } from '../../testing/harness.js';
import { NodeAffinityReasons } from './node-affinity.js';

const NO = NodeAffinityReasons.Mismatch;

describe('NodeAffinity filter', () => {
  const nodes = [
    makeNode('a').label('disk', 'ssd').label('gen', '3').build(),
    makeNode('b').label('disk', 'hdd').label('gen', '5').build(),
    makeNode('c').build(),
  ];
  const cases = [
    { name: 'no constraints: skipped, all fit', pod: makePod('p'), want: { a: '', b: '', c: '' } },
    { name: 'nodeSelector', pod: makePod('p').nodeSelectorLabel('disk', 'ssd'), want: { a: '', b: NO, c: NO } },
    { name: 'In', pod: makePod('p').requiredNodeTerm([{ key: 'disk', operator: 'In', values: ['ssd', 'nvme'] }]), want: { a: '', b: NO, c: NO } },
    { name: 'NotIn (absent label matches)', pod: makePod('p').requiredNodeTerm([{ key: 'disk', operator: 'NotIn', values: ['ssd'] }]), want: { a: NO, b: '', c: '' } },
    { name: 'Exists', pod: makePod('p').requiredNodeTerm([{ key: 'disk', operator: 'Exists', values: [] }]), want: { a: '', b: '', c: NO } },
    { name: 'DoesNotExist', pod: makePod('p').requiredNodeTerm([{ key: 'disk', operator: 'DoesNotExist', values: [] }]), want: { a: NO, b: NO, c: '' } },
    { name: 'Gt', pod: makePod('p').requiredNodeTerm([{ key: 'gen', operator: 'Gt', values: ['4'] }]), want: { a: NO, b: '', c: NO } },
    { name: 'Lt', pod: makePod('p').requiredNodeTerm([{ key: 'gen', operator: 'Lt', values: ['4'] }]), want: { a: '', b: NO, c: NO } },
    { name: 'Gt with a non-integer value matches nothing', pod: makePod('p').requiredNodeTerm([{ key: 'gen', operator: 'Gt', values: ['x'] }]), want: { a: NO, b: NO, c: NO } },
    { name: 'unknown operator matches nothing', pod: makePod('p').requiredNodeTerm([{ key: 'gen', operator: 'Near', values: ['4'] }]), want: { a: NO, b: NO, c: NO } },
    {
      name: 'terms are ORed',
      pod: makePod('p')
        .requiredNodeTerm([{ key: 'disk', operator: 'In', values: ['ssd'] }])
        .requiredNodeTerm([{ key: 'disk', operator: 'DoesNotExist', values: [] }]),
      want: { a: '', b: NO, c: '' },
    },
    {
      name: 'expressions in a term are ANDed',
      pod: makePod('p').requiredNodeTerm([
        { key: 'disk', operator: 'Exists', values: [] },
        { key: 'gen', operator: 'Gt', values: ['4'] },
      ]),
      want: { a: NO, b: '', c: NO },
    },
    { name: 'matchFields metadata.name', pod: makePod('p').requiredNodeTerm([], [{ key: 'metadata.name', operator: 'In', values: ['c'] }]), want: { a: NO, b: NO, c: '' } },
    { name: 'matchFields on another field matches nothing', pod: makePod('p').requiredNodeTerm([], [{ key: 'spec.x', operator: 'In', values: ['c'] }]), want: { a: NO, b: NO, c: NO } },
    {
      name: 'hostname label defaults to the node name',
      pod: makePod('p').nodeSelectorLabel('kubernetes.io/hostname', 'b'),
      want: { a: NO, b: '', c: NO },
    },
    {
      name: 'nodeSelector and affinity must both hold',
      pod: makePod('p').nodeSelectorLabel('disk', 'ssd').requiredNodeTerm([{ key: 'gen', operator: 'Gt', values: ['4'] }]),
      want: { a: NO, b: NO, c: NO },
    },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(runFilter(PluginNames.NodeAffinity, pod.build(), nodes)).toEqual(want);
  });
});

describe('NodeAffinity score (preferred terms)', () => {
  const nodes = [makeNode('a').label('disk', 'ssd').label('zone', 'z1').build(), makeNode('b').label('zone', 'z1').build(), makeNode('c').build()];
  const cases = [
    { name: 'no preferences: skipped', pod: makePod('p'), want: 'skipped' as const },
    {
      name: 'weights summed then scaled to 100',
      pod: makePod('p')
        .preferredNodeTerm(30, [{ key: 'disk', operator: 'In', values: ['ssd'] }])
        .preferredNodeTerm(10, [{ key: 'zone', operator: 'In', values: ['z1'] }]),
      want: { a: 100, b: 25, c: 0 },
    },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(runScore(PluginNames.NodeAffinity, pod.build(), nodes)).toEqual(want);
  });
});
