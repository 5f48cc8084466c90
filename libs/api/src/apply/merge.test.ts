import { describe, expect, it } from 'vitest';
import { threeWayMerge } from './merge.js';

type J = Record<string, unknown>;

const dep = (spec: J, extra: J = {}): J => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec, ...extra });

/** [what, lastApplied, live, desired, expected]. */
const cases: ReadonlyArray<readonly [string, J | undefined, J, J, J]> = [
  ['desired overwrites live', { spec: { replicas: 2 } }, { spec: { replicas: 2 } }, { spec: { replicas: 3 } }, { spec: { replicas: 3 } }],
  ['a field the user removed is removed', { spec: { replicas: 2, paused: true } }, { spec: { replicas: 2, paused: true } }, { spec: { replicas: 2 } }, { spec: { replicas: 2 } }],
  ['a field someone else set is kept', { spec: { ports: [{ port: 80 }] } }, { spec: { ports: [{ port: 80 }], clusterIP: '10.96.0.7' } }, { spec: { ports: [{ port: 80 }] } }, { spec: { ports: [{ port: 80 }], clusterIP: '10.96.0.7' } }],
  ['nothing is removed on a first apply', undefined, { spec: { replicas: 5, paused: true } }, { spec: { replicas: 1 } }, { spec: { replicas: 1, paused: true } }],
  ['a removed nested map key goes, others stay', { metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { a: '1', b: '2', c: 'ctl' } } }, { metadata: { labels: { a: '1' } } }, { metadata: { labels: { a: '1', c: 'ctl' } } }],
  ['a whole removed object goes', { spec: { strategy: { type: 'Recreate' } } }, { spec: { strategy: { type: 'Recreate' }, replicas: 1 } }, { spec: {} }, { spec: { replicas: 1 } }],
  ['a plain list is replaced wholesale', { spec: { args: ['a', 'b'] } }, { spec: { args: ['a', 'b'] } }, { spec: { args: ['c'] } }, { spec: { args: ['c'] } }],
  ['tolerations (unkeyed objects) are replaced', { spec: { tolerations: [{ key: 'a' }] } }, { spec: { tolerations: [{ key: 'a' }, { key: 'ctl' }] } }, { spec: { tolerations: [{ key: 'b' }] } }, { spec: { tolerations: [{ key: 'b' }] } }],
  ['containers merge by name', { spec: { containers: [{ name: 'app', image: 'v1' }] } },
    { spec: { containers: [{ name: 'app', image: 'v1', imagePullPolicy: 'IfNotPresent' }] } },
    { spec: { containers: [{ name: 'app', image: 'v2' }] } },
    { spec: { containers: [{ name: 'app', image: 'v2', imagePullPolicy: 'IfNotPresent' }] } }],
  ['a container the user removed goes; one injected by someone else stays', { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } },
    { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }, { name: 'sidecar', image: 'z' }] } },
    { spec: { containers: [{ name: 'a', image: 'x' }] } },
    { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'sidecar', image: 'z' }] } }],
  ['containers follow the desired order', undefined,
    { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } },
    { spec: { containers: [{ name: 'b', image: 'y' }, { name: 'a', image: 'x2' }] } },
    { spec: { containers: [{ name: 'b', image: 'y' }, { name: 'a', image: 'x2' }] } }],
  ['env merges by name, removing what the user removed', { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
    { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
    { env: [{ name: 'A', value: '3' }] },
    { env: [{ name: 'A', value: '3' }] }],
  ['a removed field inside a keyed item goes', { containers: [{ name: 'a', image: 'x', command: ['sh'] }] },
    { containers: [{ name: 'a', image: 'x', command: ['sh'], terminationMessagePath: '/dev/termination-log' }] },
    { containers: [{ name: 'a', image: 'x' }] },
    { containers: [{ name: 'a', image: 'x', terminationMessagePath: '/dev/termination-log' }] }],
  ['container ports merge by containerPort', { ports: [{ containerPort: 80, name: 'http' }] },
    { ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }] },
    { ports: [{ containerPort: 80, name: 'web' }, { containerPort: 443 }] },
    { ports: [{ containerPort: 80, name: 'web', protocol: 'TCP' }, { containerPort: 443 }] }],
  ['service ports merge by port, keeping an allocated nodePort', { spec: { type: 'NodePort', ports: [{ port: 80 }] } },
    { spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP', targetPort: 80 }] } },
    { spec: { type: 'NodePort', ports: [{ port: 80, name: 'http' }] } },
    { spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP', targetPort: 80, name: 'http' }] } }],
  ['volumes merge by name', { volumes: [{ name: 'a', emptyDir: {} }] },
    { volumes: [{ name: 'a', emptyDir: {} }] },
    { volumes: [{ name: 'a', emptyDir: { medium: 'Memory' } }, { name: 'b', hostPath: { path: '/x' } }] },
    { volumes: [{ name: 'a', emptyDir: { medium: 'Memory' } }, { name: 'b', hostPath: { path: '/x' } }] }],
  ['a keyed list with duplicate keys is replaced', undefined,
    { env: [{ name: 'A', value: '1' }, { name: 'C', value: 'live' }] },
    { env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] },
    { env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }],
  ['an explicit null deletes', undefined, { spec: { replicas: 3, paused: true } }, { spec: { paused: null } }, { spec: { replicas: 3 } }],
  ['a scalar replaced by an object', { spec: { x: 1 } }, { spec: { x: 1 } }, { spec: { x: { y: 2 } } }, { spec: { x: { y: 2 } } }],
];

describe('threeWayMerge', () => {
  it.each(cases)('%s', (_what, last, live, desired, expected) => {
    const liveCopy = structuredClone(live);
    const desiredCopy = structuredClone(desired);
    expect(threeWayMerge(last, live, desired)).toEqual(expected);
    expect(live).toEqual(liveCopy);
    expect(desired).toEqual(desiredCopy);
  });

  it('never touches status or server-owned metadata', () => {
    const serverMeta = { uid: 'u1', resourceVersion: '42', generation: 3, creationTimestamp: '2026-11-27T05:00:00Z' };
    const live = dep({ replicas: 2 }, { metadata: { name: 'web', namespace: 'default', ...serverMeta }, status: { replicas: 2, readyReplicas: 2 } });
    const last = dep({ replicas: 2 }, { status: { replicas: 9 } });
    const desired = dep(
      { replicas: 4 },
      { metadata: { name: 'web', namespace: 'default', uid: 'forged', resourceVersion: '1', generation: 99 }, status: { replicas: 0 } },
    );
    const out = threeWayMerge(last, live, desired);
    expect(out['status']).toEqual({ replicas: 2, readyReplicas: 2 });
    expect(out['metadata']).toEqual({ name: 'web', namespace: 'default', ...serverMeta });
    expect(out['spec']).toEqual({ replicas: 4 });
  });

  it('drops status that desired brings when live has none', () => {
    const out = threeWayMerge(undefined, { kind: 'ConfigMap', data: { a: '1' } }, { kind: 'ConfigMap', data: { a: '2' }, status: { x: 1 } });
    expect(out).toEqual({ kind: 'ConfigMap', data: { a: '2' } });
  });

  it('keeps a controller\'s replicas when the manifest never set them', () => {
    const live = dep({ replicas: 7, template: { spec: { containers: [{ name: 'app', image: 'v1' }] } } });
    const last = dep({ template: { spec: { containers: [{ name: 'app', image: 'v1' }] } } });
    const desired = dep({ template: { spec: { containers: [{ name: 'app', image: 'v2' }] } } });
    expect((threeWayMerge(last, live, desired)['spec'] as J)['replicas']).toBe(7);
  });
});
