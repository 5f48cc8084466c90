import { kindOf, type Deployment, type Event, type Pod, type Service } from '@tsk/api';
import { describe, expect, it } from 'vitest';
import { formatObjects, parseOutput, tableOf } from './output.js';
import { podStatus } from './pod-status.js';
import { locateMessage } from './manifests.js';

const now = Date.parse('2026-11-27T06:00:00Z');
const created = '2026-11-27T05:55:00Z';

const pod: Pod = {
  metadata: { name: 'web-1', namespace: 'default', creationTimestamp: created },
  spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'node-1' },
  status: {
    phase: 'Running',
    podIP: '10.244.1.5',
    containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: { startedAt: created } } }],
  },
};

describe('tables', () => {
  it('pods: NAME READY STATUS RESTARTS AGE, wide adds IP NODE', () => {
    const t = tableOf(kindOf('pods'), [pod], { wide: true, namespaceColumn: true, kindPrefix: false, now });
    expect(t.headers).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(t.rows[0]).toEqual(['default', 'web-1', '1/1', 'Running', '0', '5m', '10.244.1.5', 'node-1', '<none>', '<none>']);
  });

  it('pod status follows kubectl: waiting reasons, Terminating, Init', () => {
    expect(podStatus({ ...pod, status: { phase: 'Running', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'CrashLoopBackOff' } } }] } })).toBe('CrashLoopBackOff');
    expect(podStatus({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: created } })).toBe('Terminating');
    expect(podStatus({ spec: { initContainers: [{ name: 'i' }], containers: [] }, status: { phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} } }] } })).toBe('Init:0/1');
    expect(podStatus({ status: { containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 2 } } }] } })).toBe('ExitCode:2');
    expect(podStatus({})).toBe('Pending');
  });

  it('deployments and services', () => {
    const dep: Deployment = { metadata: { name: 'web', creationTimestamp: created }, spec: { replicas: 3 }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    expect(tableOf(kindOf('deploy'), [dep], { wide: false, namespaceColumn: false, kindPrefix: true, now }).rows[0]).toEqual(['deployment.apps/web', '2/3', '3', '2', '5m']);
    const svc: Service = { metadata: { name: 'web', creationTimestamp: created }, spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] } };
    const t = tableOf(kindOf('svc'), [svc], { wide: false, namespaceColumn: false, kindPrefix: false, now });
    expect(t.headers).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(t.rows[0]).toEqual(['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP', '5m']);
  });

  it('events: LAST SEEN TYPE REASON OBJECT MESSAGE, oldest first', () => {
    const ev = (name: string, t: string): Event => ({ metadata: { name }, type: 'Normal', reason: 'Scheduled', involvedObject: { kind: 'Pod', name: 'web-1' }, message: 'assigned', lastTimestamp: t });
    const t = tableOf(kindOf('events'), [ev('b', '2026-11-27T05:59:00Z'), ev('a', created)], { wide: false, namespaceColumn: false, kindPrefix: false, now });
    expect(t.headers).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(t.rows).toEqual([
      ['5m', 'Normal', 'Scheduled', 'pod/web-1', 'assigned'],
      ['60s', 'Normal', 'Scheduled', 'pod/web-1', 'assigned'],
    ]);
  });
});

describe('formats', () => {
  it('-o json prints one object alone and several as a List; -o name prints kind/name', () => {
    const item = { info: kindOf('Pod'), object: pod };
    const one = JSON.parse(formatObjects('json', [item], true)) as Record<string, unknown>;
    expect(one['apiVersion']).toBe('v1');
    expect(one['kind']).toBe('Pod');
    expect(Object.keys(one).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
    const list = JSON.parse(formatObjects('json', [item, item], false)) as Record<string, unknown>;
    expect(Object.keys(list)).toEqual(['apiVersion', 'kind', 'items']);
    expect(list['kind']).toBe('List');
    expect(formatObjects('yaml', [item], true)).toMatch(/^apiVersion: v1\nkind: Pod\nmetadata:\n/);
    expect(formatObjects('name', [item, { info: kindOf('deploy'), object: { metadata: { name: 'web' } } }], false)).toBe('pod/web-1\ndeployment.apps/web\n');
  });

  it('refuses an unknown -o as kubectl does', () => {
    expect(() => parseOutput('xml')).toThrow(/allowed formats are: json,name,wide,yaml/);
    expect(parseOutput(undefined)).toBe('table');
  });

  it('rewrites the server\'s "object N" as the file and document', () => {
    const docs = [
      { file: 'a.yaml', index: 1, info: kindOf('Pod'), object: {} },
      { file: 'b.yaml', index: 2, info: kindOf('Pod'), object: {} },
    ];
    expect(locateMessage('object 2 (Pod default/x): metadata.name: bad (nothing was applied)', docs)).toBe('b.yaml: document 2 (Pod default/x): metadata.name: bad (nothing was applied)');
    expect(locateMessage('something else', docs)).toBe('something else');
  });
});
