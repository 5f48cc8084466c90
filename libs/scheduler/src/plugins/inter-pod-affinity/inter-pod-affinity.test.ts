import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore } from '../../testing/harness.js';
import { InterPodAffinityReasons as R } from './inter-pod-affinity.js';

const ZONE = 'topology.kubernetes.io/zone';
const nodes = [
  makeNode('a1').label(ZONE, 'a').build(),
  makeNode('a2').label(ZONE, 'a').build(),
  makeNode('b1').label(ZONE, 'b').build(),
  makeNode('nozone').build(),
];
const cache = makePod('cache').label('app', 'cache').node('a1').build();
const web = { matchLabels: { app: 'web' } };
const cacheSel = { matchLabels: { app: 'cache' } };

describe('InterPodAffinity filter', () => {
  const cases = [
    { name: 'no terms and no bound anti-affinity: skipped', pod: makePod('p'), bound: [cache], want: { a1: '', a2: '', b1: '', nozone: '' } },
    {
      name: 'affinity on hostname: only the node with the pod',
      pod: makePod('p').podAffinityTo(cacheSel),
      bound: [cache],
      want: { a1: '', a2: R.AffinityMismatch, b1: R.AffinityMismatch, nozone: R.AffinityMismatch },
    },
    {
      name: 'affinity on zone: every node of the zone; nodes without the label are out',
      pod: makePod('p').podAffinityTo(cacheSel, ZONE),
      bound: [cache],
      want: { a1: '', a2: '', b1: R.AffinityMismatch, nozone: R.AffinityMismatch },
    },
    {
      name: 'affinity to pods in another namespace does not match',
      pod: makePod('p').inNamespace('other').podAffinityTo(cacheSel),
      bound: [cache],
      want: { a1: R.AffinityMismatch, a2: R.AffinityMismatch, b1: R.AffinityMismatch, nozone: R.AffinityMismatch },
    },
    {
      name: 'the first pod of a self-affine group goes anywhere',
      pod: makePod('p').label('app', 'web').podAffinityTo(web),
      bound: [cache],
      want: { a1: '', a2: '', b1: '', nozone: '' },
    },
    {
      name: 'several affinity terms must be met by the same pods',
      pod: makePod('p').podAffinityTo(cacheSel).podAffinityTo({ matchLabels: { tier: 'hot' } }, ZONE),
      bound: [cache, makePod('hot').label('tier', 'hot').node('a2').build()],
      want: { a1: R.AffinityMismatch, a2: R.AffinityMismatch, b1: R.AffinityMismatch, nozone: R.AffinityMismatch },
    },
    {
      name: 'several affinity terms met by one pod',
      pod: makePod('p').podAffinityTo(cacheSel).podAffinityTo({ matchLabels: { tier: 'hot' } }, ZONE),
      bound: [makePod('hot-cache').label('app', 'cache').label('tier', 'hot').node('a2').build()],
      want: { a1: R.AffinityMismatch, a2: '', b1: R.AffinityMismatch, nozone: R.AffinityMismatch },
    },
    {
      name: 'anti-affinity on hostname',
      pod: makePod('p').podAntiAffinityTo(cacheSel),
      bound: [cache],
      want: { a1: R.AntiAffinityMismatch, a2: '', b1: '', nozone: '' },
    },
    {
      name: 'anti-affinity on zone; nodes without the label are fine',
      pod: makePod('p').podAntiAffinityTo(cacheSel, ZONE),
      bound: [cache],
      want: { a1: R.AntiAffinityMismatch, a2: R.AntiAffinityMismatch, b1: '', nozone: '' },
    },
    {
      name: "a bound pod's anti-affinity keeps matching pods out of its domain",
      pod: makePod('p').label('app', 'web'),
      bound: [makePod('loner').label('app', 'db').podAntiAffinityTo(web, ZONE).node('b1').build()],
      want: { a1: '', a2: '', b1: R.ExistingAntiAffinity, nozone: '' },
    },
    {
      name: "a bound pod's anti-affinity ignores pods it does not select",
      pod: makePod('p').label('app', 'api'),
      bound: [makePod('loner').label('app', 'db').podAntiAffinityTo(web, ZONE).node('b1').build()],
      want: { a1: '', a2: '', b1: '', nozone: '' },
    },
  ];
  it.each(cases)('$name', ({ pod, bound, want }) => {
    expect(runFilter(PluginNames.InterPodAffinity, pod.build(), nodes, bound)).toEqual(want);
  });
});

describe('InterPodAffinity score (preferred terms)', () => {
  const cases = [
    { name: 'no preferred terms: skipped', pod: makePod('p'), want: 'skipped' as const },
    { name: 'preferred affinity: the zone with the pod', pod: makePod('p').preferPodAffinity(10, cacheSel, ZONE), want: { a1: 100, a2: 100, b1: 0, nozone: 0 } },
    { name: 'preferred anti-affinity: away from the node with the pod', pod: makePod('p').preferPodAntiAffinity(10, cacheSel), want: { a1: 0, a2: 100, b1: 100, nozone: 100 } },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(runScore(PluginNames.InterPodAffinity, pod.build(), nodes, [cache])).toEqual(want);
  });
});

describe('InterPodAffinity score (bound pods’ terms toward the incoming pod)', () => {
  const cases = [
    {
      name: 'a bound pod preferring web pods near it draws them to its zone',
      bound: makePod('fan').preferPodAffinity(5, web, ZONE).node('b1').build(),
      want: { a1: 0, a2: 0, b1: 100, nozone: 0 },
    },
    {
      name: 'a bound pod requiring web pods near it counts as a preference',
      bound: makePod('needy').podAffinityTo(web).node('a2').build(),
      want: { a1: 0, a2: 100, b1: 0, nozone: 0 },
    },
    {
      name: 'a bound pod preferring web pods away pushes them off its node',
      bound: makePod('shy').preferPodAntiAffinity(5, web).node('a1').build(),
      want: { a1: 0, a2: 100, b1: 100, nozone: 100 },
    },
  ];
  it.each(cases)('$name', ({ bound, want }) => {
    expect(runScore(PluginNames.InterPodAffinity, makePod('p').label('app', 'web').build(), nodes, [bound])).toEqual(want);
  });

  it('ignores bound pods whose terms do not select the incoming pod', () => {
    const bound = makePod('fan').preferPodAffinity(5, web, ZONE).node('b1').build();
    expect(runScore(PluginNames.InterPodAffinity, makePod('p').label('app', 'db').build(), nodes, [bound])).toBe('skipped');
  });
});
