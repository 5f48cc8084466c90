import { describe, expect, it } from 'vitest';
import { encodeManifest } from '../convert.js';
import { parseManifests } from '../manifest.js';
import { cloneObject } from '../object.js';
import { kindOf } from '../kinds.js';
import { type Service } from '../gen/tsk/v1/core.js';
import { type Job } from '../gen/tsk/v1/workloads.js';
import { validateObject } from '../validation/index.js';
import { applyDefaults, carryOverAllocated } from './index.js';

const MANIFESTS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {port: 80}}
        resources: {limits: {cpu: 500m, memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: pi, uid: 9f1}
spec:
  template:
    spec:
      containers: [{name: pi, image: perl:5.34, command: [perl, -e, print 1]}]
      restartPolicy: Never
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: tsk-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers: [{name: agent, image: agent:1, ports: [{containerPort: 9100}]}]
      tolerations: [{operator: Exists}]
---
apiVersion: v1
kind: Secret
metadata: {name: pw}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {app.conf: "x=1"}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: tsk.dev/v1
kind: Network
metadata: {name: backend}
spec: {subnet: 10.250.0.0/24}
`;

describe('defaults and validation on real manifests, through the wire', () => {
  const docs = parseManifests(MANIFESTS, 'all.yaml');

  it.each(docs.map((d) => [d.info.kind, d] as const))('a %s is valid once defaulted, and defaults are idempotent', (_kind, doc) => {
    applyDefaults(doc.info, doc.object);
    expect(() => validateObject(doc.info, doc.object)).not.toThrow();
    // What the store holds comes back from the wire with "" for unset strings: still valid, and
    // defaulting it again changes nothing.
    const stored = cloneObject(doc.info, doc.object);
    expect(() => validateObject(doc.info, stored)).not.toThrow();
    const before = encodeManifest(doc.info, stored);
    applyDefaults(doc.info, stored);
    expect(encodeManifest(doc.info, stored)).toEqual(before);
    // And an update that changes nothing is allowed.
    expect(() => validateObject(doc.info, cloneObject(doc.info, stored), stored)).not.toThrow();
  });

  it('a Job takes its template labels, and its pods are selected by uid', () => {
    const job = docs.find((d) => d.info.kind === 'Job')!.object as Job;
    expect(job.spec!.selector!.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': '9f1' });
    expect(job.metadata!.labels).toEqual(job.spec!.template!.metadata!.labels);
    expect(job.metadata!.labels).toMatchObject({ 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi' });
  });
});

describe('carryOverAllocated', () => {
  it('keeps a Service\'s clusterIP and nodePorts when a replace leaves them out', () => {
    const info = kindOf('Service');
    const old: Service = { metadata: { name: 'web', namespace: 'default', uid: 'u' }, spec: { type: 'NodePort', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ports: [{ name: 'web', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] } };
    applyDefaults(info, old);
    const next: Service = { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ name: 'web', port: 80 }, { name: 'dns', port: 53, protocol: 'TCP' }] } };
    expect(validateObjectPath(() => validateObject(info, withDefaults(next), old))).toBe('spec.clusterIP');
    carryOverAllocated(info, next, old);
    applyDefaults(info, next);
    expect(next.metadata!.uid).toBe('u');
    expect(next.spec!.clusterIP).toBe('10.96.0.9');
    expect(next.spec!.clusterIPs).toEqual(['10.96.0.9']);
    expect(next.spec!.ports!.map((p) => p.nodePort ?? 0)).toEqual([30080, 0]);
    expect(() => validateObject(info, next, old)).not.toThrow();
  });

  it('lets a Job update without its generated selector regenerate the same one', () => {
    const info = kindOf('Job');
    const manifest = (): Job => ({ metadata: { name: 'pi', namespace: 'default' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5' }], restartPolicy: 'Never' } } } });
    const old = manifest();
    old.metadata!.uid = 'u-7';
    applyDefaults(info, old);
    const next = manifest();
    carryOverAllocated(info, next, old);
    applyDefaults(info, next);
    expect(() => validateObject(info, next, old)).not.toThrow();
  });
});

function withDefaults(s: Service): Service {
  const copy = structuredClone(s);
  applyDefaults(kindOf('Service'), copy);
  return copy;
}

function validateObjectPath(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    return (err as { path?: string }).path ?? '';
  }
  return '';
}
