import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore } from '../../testing/harness.js';
import { PodTopologySpreadReasons as R } from './pod-topology-spread.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const web = { matchLabels: { app: 'web' } };
const nodes = [
  makeNode('a1').label(ZONE, 'a').build(),
  makeNode('a2').label(ZONE, 'a').build(),
  makeNode('b1').label(ZONE, 'b').build(),
  makeNode('nozone').build(),
];
const webOn = (node: string, i: number) => makePod(`web-${i}`).label('app', 'web').node(node).build();
const webPod = () => makePod('p').label('app', 'web');

describe('PodTopologySpread filter (DoNotSchedule)', () => {
  const cases = [
    { name: 'no constraints: skipped', pod: makePod('p'), bound: [webOn('a1', 0)], want: { a1: '', a2: '', b1: '', nozone: '' } },
    {
      name: 'zone skew 1: the emptier zone only; unlabeled nodes refused',
      pod: webPod().spreadConstraint(1, ZONE, web),
      bound: [webOn('a1', 0)],
      want: { a1: R.ConstraintsNotMatch, a2: R.ConstraintsNotMatch, b1: '', nozone: R.MissingLabel },
    },
    {
      name: 'zone skew 2 allows one more',
      pod: webPod().spreadConstraint(2, ZONE, web),
      bound: [webOn('a1', 0)],
      want: { a1: '', a2: '', b1: '', nozone: R.MissingLabel },
    },
    {
      name: 'hostname skew 1: nodes with a pod are refused while one is empty',
      pod: webPod().spreadConstraint(1, HOST, web),
      bound: [webOn('a1', 0), webOn('b1', 1)],
      want: { a1: R.ConstraintsNotMatch, a2: '', b1: R.ConstraintsNotMatch, nozone: '' },
    },
    {
      name: 'a pod not matching its own selector does not add to the skew',
      pod: makePod('p').spreadConstraint(1, ZONE, web),
      bound: [webOn('a1', 0)],
      want: { a1: '', a2: '', b1: '', nozone: R.MissingLabel },
    },
    {
      name: 'only pods of the same namespace count',
      pod: webPod().inNamespace('other').spreadConstraint(1, ZONE, web),
      bound: [webOn('a1', 0)],
      want: { a1: '', a2: '', b1: '', nozone: R.MissingLabel },
    },
    {
      name: 'minDomains above the domain count makes the minimum 0',
      pod: webPod().spreadConstraint(1, ZONE, web, 'DoNotSchedule', 3),
      bound: [webOn('a1', 0), webOn('b1', 1)],
      want: { a1: R.ConstraintsNotMatch, a2: R.ConstraintsNotMatch, b1: R.ConstraintsNotMatch, nozone: R.MissingLabel },
    },
    {
      name: 'domains are counted only over nodes the pod may use',
      pod: webPod().spreadConstraint(1, ZONE, web).requiredNodeTerm([{ key: ZONE, operator: 'In', values: ['a'] }]),
      bound: [webOn('a1', 0)],
      // Zone b is not a domain for this pod, so zone a (1 pod) is the minimum.
      want: { a1: '', a2: '', b1: '', nozone: R.MissingLabel },
    },
    {
      name: 'ScheduleAnyway does not filter',
      pod: webPod().spreadConstraint(1, ZONE, web, 'ScheduleAnyway'),
      bound: [webOn('a1', 0), webOn('a2', 1)],
      want: { a1: '', a2: '', b1: '', nozone: '' },
    },
  ];
  it.each(cases)('$name', ({ pod, bound, want }) => {
    expect(runFilter(PluginNames.PodTopologySpread, pod.build(), nodes, bound)).toEqual(want);
  });
});

describe('PodTopologySpread score', () => {
  const cases = [
    {
      name: 'ScheduleAnyway: fewer matching pods in the domain scores higher; unlabeled nodes 0',
      pod: webPod().spreadConstraint(1, ZONE, web, 'ScheduleAnyway'),
      bound: [webOn('a1', 0), webOn('a2', 1)],
      // max 2, min 0: a = 100 * (2 + 0 - 2) / 2 = 0, b = 100.
      want: { a1: 0, a2: 0, b1: 100, nozone: 0 },
    },
    {
      name: 'default spreading by controller owner over nodes and zones',
      pod: makePod('p').owner('rs-1'),
      bound: [makePod('r0').owner('rs-1').node('a1').build(), makePod('other').owner('rs-2').node('b1').build()],
      // a1: 1 on the node + 1 in zone a = 2; a2: 0 + 1 = 1; b1 and nozone: 0.
      want: { a1: 0, a2: 50, b1: 100, nozone: 100 },
    },
    { name: 'no owner and no constraints: skipped', pod: makePod('p'), bound: [], want: 'skipped' as const },
    {
      name: 'DoNotSchedule only: nothing to score',
      pod: webPod().spreadConstraint(1, ZONE, web),
      bound: [],
      want: 'skipped' as const,
    },
  ];
  it.each(cases)('$name', ({ pod, bound, want }) => {
    expect(runScore(PluginNames.PodTopologySpread, pod.build(), nodes, bound)).toEqual(want);
  });
});
