/**
 * desiredStateChanged must answer as comparing desiredState strings does, on realistic objects:
 * manifests of several kinds mutated at random (seeded), decoded strictly and defaulted as the
 * server does, and compared with their originals and with copies whose maps are reordered.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults, compareEncoded, decodeManifest, encodeManifest, InvalidError, kindOf, type KindObject } from '@tsk/api';
import { desiredState, desiredStateChanged } from './codec.js';

const MANIFESTS: ReadonlyArray<Record<string, unknown>> = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' } },
    spec: {
      containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80, name: 'http' }], resources: { requests: { cpu: '10m', memory: '16Mi' } }, readinessProbe: { httpGet: { port: 'http', path: '/' } } }],
      nodeSelector: { zone: 'a', disk: 'ssd' },
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
    },
    status: { phase: 'Running', podIP: '10.0.0.1' },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
  },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1', b: '2' }, binaryData: { c: 'AQI=' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' } },
];

const STRINGS = ['', 'x', 'web', '10m', 'Always', '2026-01-01T00:00:10.000000Z'];
const NUMBERS = [0, 1, 3, 80, 8080];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function slots(v: unknown, out: Array<[Record<string | number, unknown>, string | number]> = []): typeof out {
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, x] of Object.entries(v)) {
    out.push([v as Record<string | number, unknown>, Array.isArray(v) ? Number(k) : k]);
    slots(x, out);
  }
  return out;
}

/** A copy with every map's keys in reverse order: the same desired state. */
function reordered<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reordered) as T;
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)])) as T;
  }
  return v;
}

function decoded(doc: Record<string, unknown>): KindObject | undefined {
  try {
    const { info, object } = decodeManifest(doc);
    applyDefaults(info, object);
    return object;
  } catch (err) {
    if (err instanceof InvalidError) return undefined;
    throw err;
  }
}

describe('desiredStateChanged', () => {
  it('answers as comparing desiredState strings, on 5,000 mutated objects', () => {
    const random = rng(20261127);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let changed = 0;
    let unknown = 0;
    for (let i = 0; i < 5000; i++) {
      const base = MANIFESTS[i % MANIFESTS.length]!;
      const info = kindOf(base['kind'] as string);
      const a = decoded(base)!;
      const doc = structuredClone(base);
      const all = slots(doc).filter(([, k]) => k !== 'apiVersion' && k !== 'kind');
      for (let n = Math.floor(random() * 3); n > 0; n--) {
        const [holder, key] = pick(all);
        const current = holder[key];
        if (Array.isArray(holder)) holder.splice(key as number, 1);
        else if (random() < 0.3) delete holder[key];
        else if (typeof current === 'string') holder[key] = pick(STRINGS);
        else if (typeof current === 'number') holder[key] = pick(NUMBERS);
        else if (typeof current === 'object' && current !== null && !Array.isArray(current)) holder[key] = { ...current, extra: pick(STRINGS) };
        else holder[key] = null;
      }
      const b = decoded(doc);
      if (b === undefined) continue;
      for (const [x, y] of [[a, b], [b, a], [reordered(b), b], [a, decodeManifest(encodeManifest(info, a)).object]] as const) {
        const want = desiredState(info, x) !== desiredState(info, y);
        expect(desiredStateChanged(info, x, y), JSON.stringify([x, y])).toBe(want);
        if (want) changed++;
        if (compareEncoded(x, y, info.message) === 'unknown') unknown++;
      }
    }
    expect(changed).toBeGreaterThan(1000);
    expect(unknown).toBe(0); // decoded objects are always walked, never encoded
  });

  it('tells a bind and a lease renewal from a status change', () => {
    const pod = kindOf('Pod');
    const a = decoded(MANIFESTS[0]!)!;
    const bound = decoded({ ...MANIFESTS[0]!, spec: { ...(MANIFESTS[0]!['spec'] as object), nodeName: 'node-1' } })!;
    const running = decoded({ ...MANIFESTS[0]!, status: { phase: 'Succeeded' } })!;
    expect(desiredStateChanged(pod, bound, a)).toBe(true);
    expect(desiredStateChanged(pod, running, a)).toBe(false);
    const lease = kindOf('Lease');
    const renewed = decoded({ ...MANIFESTS[4]!, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:10.000000Z' } })!;
    expect(desiredStateChanged(lease, renewed, decoded(MANIFESTS[4]!)!)).toBe(true);
  });
});
