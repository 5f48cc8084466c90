import { parseLabelSelector } from '@tsk/api';
import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/builders.js';
import { digestPod } from './pod-info.js';
import { PodIndex } from './pod-index.js';

describe('PodIndex', () => {
  const web1 = digestPod(makePod('web-1').label('app', 'web').label('tier', 'front').build());
  const web2 = digestPod(makePod('web-2').label('app', 'web').build());
  const db = digestPod(makePod('db').label('app', 'db').build());
  const other = digestPod(makePod('web-x').inNamespace('other').label('app', 'web').build());

  function matching(index: PodIndex, selector: string, namespaces = ['default']): string[] {
    const out: string[] = [];
    index.forEachMatching(parseLabelSelector(selector), namespaces, (node, pod) => out.push(`${pod.key}@${node}`));
    return out.sort();
  }

  function build(): PodIndex {
    const index = new PodIndex();
    index.add(web1, 0);
    index.add(web2, 1);
    index.add(db, 1);
    index.add(other, 2);
    return index;
  }

  const cases = [
    { selector: 'app=web', want: ['default/web-1@0', 'default/web-2@1'] },
    { selector: 'app=web,tier=front', want: ['default/web-1@0'] },
    { selector: 'app in (web,db)', want: ['default/db@1', 'default/web-1@0', 'default/web-2@1'] },
    { selector: 'app!=web', want: ['default/db@1'] },
    { selector: '', want: ['default/db@1', 'default/web-1@0', 'default/web-2@1'] },
    { selector: 'app=cache', want: [] },
  ];
  it.each(cases)('$selector', ({ selector, want }) => {
    expect(matching(build(), selector)).toEqual(want);
  });

  it('honours namespaces', () => {
    expect(matching(build(), 'app=web', ['other'])).toEqual(['other/web-x@2']);
  });

  it('forgets removed pods', () => {
    const index = build();
    index.remove(web1, 0);
    expect(matching(index, 'app=web')).toEqual(['default/web-2@1']);
  });

  it('groups identical anti-affinity terms of replicas', () => {
    const index = new PodIndex();
    const replica = (i: number) => digestPod(makePod(`r${i}`).label('app', 'r').podAntiAffinityTo({ matchLabels: { app: 'r' } }).build());
    const [a, b, c] = [replica(0), replica(1), replica(2)];
    index.add(a, 0);
    index.add(b, 0);
    index.add(c, 3);
    expect(index.antiAffinityGroups.size).toBe(1);
    expect([...index.antiAffinityGroups.values()][0]!.nodes).toEqual(new Map([[0, 2], [3, 1]]));
    index.remove(a, 0);
    index.remove(b, 0);
    index.remove(c, 3);
    expect(index.antiAffinityGroups.size).toBe(0);
  });
});
