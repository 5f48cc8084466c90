import { describe, expect, it } from 'vitest';
import { encodeManifest } from './convert.js';
import { parseManifests } from './manifest.js';

const deployment = `
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: demo}
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
  labels: {app: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: "25%"}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes: [{name: scratch, emptyDir: {}}]
      containers:
      - name: web
        image: busybox
        ports: [{containerPort: 80}]
        resources: {limits: {cpu: 500m, memory: 64Mi}}
`;

describe('parseManifests', () => {
  it('decodes every document of a multi-document file into typed objects', () => {
    const docs = parseManifests(deployment, 'web.yaml');
    expect(docs.map((d) => d.info.kind)).toEqual(['Namespace', 'ConfigMap', 'Deployment']);
    const dep = docs[2]!.object as { spec: { replicas: number; strategy: { rollingUpdate: unknown } } };
    expect(dep.spec.replicas).toBe(3);
    expect(dep.spec.strategy.rollingUpdate).toEqual({ maxSurge: { intVal: 1 }, maxUnavailable: { strVal: '25%' } });
  });

  it('round-trips to the Kubernetes JSON shape, keeping empty messages such as emptyDir: {}', () => {
    const dep = parseManifests(deployment, 'web.yaml')[2]!;
    const json = encodeManifest(dep.info, dep.object) as {
      spec: { strategy: { rollingUpdate: unknown }; template: { spec: { volumes: unknown } } };
    };
    expect(Object.keys(json).slice(0, 2)).toEqual(['apiVersion', 'kind']);
    expect(json.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: '25%' });
    expect(json.spec.template.spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
  });

  it('names file, document, object and field of a wrong type', () => {
    const bad = deployment.replace('replicas: 3', 'replicas: three');
    expect(() => parseManifests(bad, 'web.yaml')).toThrow(
      'web.yaml: document 3 (Deployment demo/web): spec.replicas: expected integer, got "three"',
    );
  });

  it('refuses an unknown field with a suggestion', () => {
    const bad = deployment.replace('replicas: 3', 'replica: 3');
    expect(() => parseManifests(bad, 'web.yaml')).toThrow(
      'web.yaml: document 3 (Deployment demo/web): spec.replica: unknown field; did you mean "replicas"?',
    );
  });

  it('refuses a kind at the wrong apiVersion and unknown kinds', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: Deployment\nmetadata: {name: x}', 'f.yaml')).toThrow(
      'f.yaml: document 1 (Deployment x): apiVersion: Deployment is served as "apps/v1", not "v1"',
    );
    expect(() => parseManifests('apiVersion: v1\nkind: Ingress\nmetadata: {name: x}', 'f.yaml')).toThrow(/unknown kind "Ingress"/);
  });

  it('refuses alias bombs, deep nesting and oversized documents cleanly', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`);
    expect(() => parseManifests(bomb.join('\n'), 'bomb.yaml')).toThrow(/bomb.yaml: document 1: too many YAML aliases/);
    expect(() => parseManifests('['.repeat(5000) + ']'.repeat(5000), 'deep.yaml')).toThrow(/nested deeper than 100 levels/);
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: "${'x'.repeat(1.6 * 1024 * 1024)}"\n`;
    expect(() => parseManifests(big, 'big.yaml')).toThrow('big.yaml: document 1: larger than the 1.5 MiB limit');
  });

  it('accepts JSON and expands a List', () => {
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'aGk=' } }] });
    const [doc] = parseManifests(list, 'l.json');
    expect((doc!.object as { data: Record<string, Uint8Array> }).data['k']).toEqual(new Uint8Array(Buffer.from('hi')));
  });
});
