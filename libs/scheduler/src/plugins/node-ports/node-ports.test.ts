import { describe, expect, it } from 'vitest';
import { PluginNames } from '../../names.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter } from '../../testing/harness.js';
import { NodePortsReasons } from './node-ports.js';

const CONFLICT = NodePortsReasons.Conflict;

describe('NodePorts filter', () => {
  const holder = (port: number, protocol = 'TCP', ip = '') => makePod('holder').hostPort(port, protocol, ip).node('n').build();
  const cases = [
    { name: 'no host ports: skipped', pod: makePod('p'), bound: [holder(80)], want: '' },
    { name: 'free port', pod: makePod('p').hostPort(8080), bound: [holder(80)], want: '' },
    { name: 'same port and protocol', pod: makePod('p').hostPort(80), bound: [holder(80)], want: CONFLICT },
    { name: 'same port, other protocol', pod: makePod('p').hostPort(80, 'UDP'), bound: [holder(80)], want: '' },
    { name: 'two specific addresses do not conflict', pod: makePod('p').hostPort(80, 'TCP', '10.0.0.1'), bound: [holder(80, 'TCP', '10.0.0.2')], want: '' },
    { name: 'same specific address', pod: makePod('p').hostPort(80, 'TCP', '10.0.0.1'), bound: [holder(80, 'TCP', '10.0.0.1')], want: CONFLICT },
    { name: 'wildcard wanted, specific held', pod: makePod('p').hostPort(80), bound: [holder(80, 'TCP', '10.0.0.1')], want: CONFLICT },
    { name: 'specific wanted, wildcard held', pod: makePod('p').hostPort(80, 'TCP', '10.0.0.1'), bound: [holder(80)], want: CONFLICT },
  ];
  it.each(cases)('$name', ({ pod, bound, want }) => {
    expect(runFilter(PluginNames.NodePorts, pod.build(), [makeNode('n').build()], bound)['n']).toBe(want);
  });

  it('hostNetwork turns container ports into host ports', () => {
    const pod = makePod('p').build();
    pod.spec!.hostNetwork = true;
    pod.spec!.containers![0]!.ports = [{ containerPort: 80 }];
    expect(runFilter(PluginNames.NodePorts, pod, [makeNode('n').build()], [holder(80)])['n']).toBe(CONFLICT);
  });
});
