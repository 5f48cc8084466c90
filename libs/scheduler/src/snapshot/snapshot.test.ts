import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { normalizeImageName } from './images.js';
import { assume, buildSnapshot, forget, updateNode } from './snapshot.js';

describe('snapshot', () => {
  it('digests nodes: integer allocatable, hostname label defaulted, Ready', () => {
    const s = buildSnapshot([makeNode('n').cpu('1500m').memory('1Gi').pods(10).taint('k', 'v', 'NoSchedule').build()], []);
    const n = s.nodes[0]!;
    expect(n).toMatchObject({ name: 'n', allocatableMilliCpu: 1500, allocatableMemory: 1024 ** 3, allocatablePods: 10, ready: 'True' });
    expect(n.labels['kubernetes.io/hostname']).toBe('n');
    expect(n.taints).toEqual([{ key: 'k', value: 'v', effect: 'NoSchedule', text: '{k: v}' }]);
  });

  it('counts bound pods, skips finished ones and pods of unknown nodes', () => {
    const s = buildSnapshot(
      [makeNode('n').cpu('4').build()],
      [
        makePod('a').cpu('1').node('n').build(),
        makePod('b').cpu('1').node('n').phaseIs('Failed').build(),
        makePod('c').cpu('1').node('gone').build(),
        makePod('d').cpu('1').build(),
      ],
    );
    expect(s.nodes[0]).toMatchObject({ requestedMilliCpu: 1000, pods: [expect.objectContaining({ key: 'default/a' })] });
  });

  it('assume adds, assume again moves, forget removes', () => {
    const s = buildSnapshot([makeNode('a').cpu('4').build(), makeNode('b').cpu('4').build()], []);
    const pod = makePod('p').cpu('1').hostPort(80).owner('rs').build();
    expect(assume(s, pod, 'a')).toBe(true);
    expect(s.nodes[0]).toMatchObject({ requestedMilliCpu: 1000 });
    expect(s.nodes[0]!.usedPorts.size).toBe(1);
    expect(s.owners.get('rs')?.onNode(0)).toBe(1);
    expect(s.owners.get('rs')?.pods).toBe(1);
    expect(assume(s, pod, 'b')).toBe(true);
    expect(s.nodes[0]).toMatchObject({ requestedMilliCpu: 0, pods: [] });
    expect(s.nodes[0]!.usedPorts.size).toBe(0);
    expect(s.nodes[1]).toMatchObject({ requestedMilliCpu: 1000 });
    expect(forget(s, pod)).toBe(true);
    expect(s.nodes[1]).toMatchObject({ requestedMilliCpu: 0, pods: [] });
    expect(s.owners.size).toBe(0);
    expect(forget(s, pod)).toBe(false);
    expect(assume(s, pod, 'nowhere')).toBe(false);
  });
});

describe('updateNode', () => {
  it('replaces the node, keeps its pods and updates the cluster-wide counters', () => {
    const s = buildSnapshot(
      [makeNode('a').cpu('4').label('topology.kubernetes.io/zone', 'z1').build(), makeNode('b').cpu('4').build()],
      [makePod('p').cpu('1').owner('rs').node('a').build()],
    );
    expect(s).toMatchObject({ cordonedNodes: 0, notReadyNodes: 0, nodesWithHardTaints: 0, zones: ['z1'] });
    const changed = makeNode('a').cpu('8').label('topology.kubernetes.io/zone', 'z2').unschedulable().ready('Unknown').taint('k', '', 'NoExecute').build();
    expect(updateNode(s, changed)).toBe(true);
    expect(s.nodes[0]).toMatchObject({ allocatableMilliCpu: 8000, requestedMilliCpu: 1000, unschedulable: true, zone: 'z2' });
    expect(s.nodes[0]!.pods).toHaveLength(1);
    expect(s.nodesByName.get('a')).toBe(s.nodes[0]);
    expect(s).toMatchObject({ cordonedNodes: 1, notReadyNodes: 1, nodesWithHardTaints: 1 });
    expect(s.owners.get('rs')?.inZone(s.zones.indexOf('z2'))).toBe(1);
    expect(s.owners.get('rs')?.inZone(s.zones.indexOf('z1'))).toBe(0);
    expect(s.zones[s.zoneOfNode[0]!]).toBe('z2');
    expect(forget(s, makePod('p').build())).toBe(true);
    expect(s.nodes[0]).toMatchObject({ requestedMilliCpu: 0, pods: [] });
  });

  it('returns false for a node it does not know', () => {
    expect(updateNode(buildSnapshot([], []), makeNode('x').build())).toBe(false);
  });
});

describe('normalizeImageName', () => {
  const cases = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['bitnami/redis', 'docker.io/bitnami/redis:latest'],
    ['ghcr.io/org/app:v1', 'ghcr.io/org/app:v1'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['app@sha256:abc', 'docker.io/library/app@sha256:abc'],
  ];
  it.each(cases)('%s -> %s', (input, want) => {
    expect(normalizeImageName(input!)).toBe(want);
  });
});
