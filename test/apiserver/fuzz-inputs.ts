/**
 * Inputs for the fuzz test: a valid manifest of every kind, and seeded mutations of them (the
 * PRNG is seeded so a failure names a seed and an index that reproduce it).
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const template = { metadata: { labels: { app: 'fz' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '1'], ports: [{ containerPort: 80 }] }] } };

export const BASES: readonly Json[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fuzz-ns' } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fuzz-node', labels: { zone: 'a' } }, spec: { podCIDR: '10.244.9.0/24', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] } },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'fuzz-pod', labels: { app: 'fz' } },
    spec: {
      containers: [{ name: 'c', image: 'busybox:1.36', env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: '100m', memory: '64Mi' } } }],
      volumes: [{ name: 'v', emptyDir: {} }],
      restartPolicy: 'Always',
    },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'fuzz-svc' }, spec: { selector: { app: 'fz' }, ports: [{ port: 80, targetPort: 8080 }] } },
  { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'fuzz-svc' }, subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 8080, protocol: 'TCP' }] }] },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fuzz-cm' }, data: { key: 'value' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'fuzz-secret' }, stringData: { password: 'x' } },
  { apiVersion: 'v1', kind: 'Event', metadata: { name: 'fuzz-ev' }, involvedObject: { kind: 'Pod', name: 'fuzz-pod', namespace: 'default' }, reason: 'Started', message: 'hi', count: 1 },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'fuzz-deploy' }, spec: { replicas: 2, selector: { matchLabels: { app: 'fz' } }, template } },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'fuzz-rs' }, spec: { replicas: 1, selector: { matchLabels: { app: 'fz' } }, template } },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'fuzz-ds' }, spec: { selector: { matchLabels: { app: 'fz' } }, template } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'fuzz-job' }, spec: { completions: 1, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } },
  { apiVersion: 'tsk.dev/v1', kind: 'Network', metadata: { name: 'fuzz-net' }, spec: { subnet: '10.99.0.0/24' } },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'fuzz-lease' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 10 } },
];

/** mulberry32: small, fast, and good enough to spread mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomUnicode(random: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = random();
    const cp = r < 0.5 ? 32 + Math.floor(random() * 95) : r < 0.8 ? Math.floor(random() * 0xd7ff) : 0x10000 + Math.floor(random() * 0xfffff);
    s += String.fromCodePoint(cp);
  }
  return s;
}

function randomValue(random: () => number, depth = 0): Json {
  const r = random();
  if (r < 0.15) return null;
  if (r < 0.25) return random() < 0.5;
  if (r < 0.4) return pick(random, [0, -1, 1, 3.5, 2 ** 31, -(2 ** 53), 1e308, 65536]);
  if (r < 0.6) return pick(random, ['', 'x', '-', 'UPPER', '100m', '25%', '10.0.0.1', 'a'.repeat(300), randomUnicode(random, 12)]);
  if (r < 0.7) return 'z'.repeat(1 + Math.floor(random() * 200_000));
  if (r < 0.85 && depth < 3) return [randomValue(random, depth + 1), randomValue(random, depth + 1)];
  if (depth < 3) return { [pick(random, ['name', 'image', 'spec', 'x', randomUnicode(random, 4)])]: randomValue(random, depth + 1) };
  return 'leaf';
}

function deepNest(levels: number): Json {
  let v: Json = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? { n: v } : [v];
  return v;
}

/** Every (container, key) slot in a JSON tree. */
function slots(v: Json, out: Array<[Json[] | Record<string, Json>, string | number]> = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      out.push([v, k]);
      slots(x, out);
    }
  }
  return out;
}

function setSlot(container: Json[] | Record<string, Json>, key: string | number, value: Json | undefined): void {
  if (Array.isArray(container)) {
    if (value === undefined) container.splice(Number(key), 1);
    else container[Number(key)] = value;
  } else if (value === undefined) {
    delete container[String(key)];
  } else {
    container[String(key)] = value;
  }
}

/** One mutated manifest as text (YAML-compatible JSON, sometimes truncated or garbled). */
export function mutatedManifest(random: () => number): string {
  const doc = structuredClone(pick(random, BASES));
  const steps = 1 + Math.floor(random() * 3);
  for (let s = 0; s < steps; s++) {
    const all = slots(doc);
    const [container, key] = pick(random, all);
    const op = random();
    if (op < 0.2) setSlot(container, key, undefined);
    else if (op < 0.45) setSlot(container, key, randomValue(random));
    else if (op < 0.55 && !Array.isArray(container)) container[randomUnicode(random, 1 + Math.floor(random() * 8))] = randomValue(random);
    else if (op < 0.65) setSlot(container, key, deepNest(50 + Math.floor(random() * 200)));
    else if (op < 0.8) {
      const current = Array.isArray(container) ? container[Number(key)] : container[String(key)];
      // Flip the type: strings become numbers, numbers strings, objects lists...
      const flipped: Json =
        typeof current === 'string' ? Number(current.length) : typeof current === 'number' ? String(current) : Array.isArray(current) ? { x: current } : typeof current === 'object' && current !== null ? [current] : 'flipped';
      setSlot(container, key, flipped);
    } else setSlot(container, key, randomUnicode(random, 1 + Math.floor(random() * 64)));
  }
  let text = random() < 0.5 ? JSON.stringify(doc) : JSON.stringify(doc, null, 2);
  const tail = random();
  if (tail < 0.1) text = text.slice(0, Math.floor(random() * text.length));
  else if (tail < 0.15) text = `${text}\n---\n${text}`;
  else if (tail < 0.2) text = text.replace(/[{}[\]]/g, (c) => (random() < 0.1 ? '' : c));
  else if (tail < 0.23) text = `a: &a [${'x,'.repeat(50)}]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n`;
  return text;
}

export function randomBytes(random: () => number): Buffer {
  const r = random();
  const length = r < 0.6 ? Math.floor(random() * 64) : r < 0.95 ? Math.floor(random() * 4096) : Math.floor(random() * 200_000);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}
