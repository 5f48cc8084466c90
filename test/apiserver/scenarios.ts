/**
 * The API server scenarios, written once and run against each store backend (sqlite.test.ts,
 * etcd.test.ts). Each takes the running server and uses its own namespace or names so they can
 * share one server.
 */
import { status } from '@grpc/grpc-js';
import { expect } from 'vitest';
import { type ConfigMap, type TskObject } from '@tsk/api';
import { collect, expectCode, type ServerProcess } from './harness.js';

export function configMap(name: string, namespace = 'default', data: Record<string, string> = { a: '1' }, labels: Record<string, string> = {}): TskObject {
  return { configMap: { metadata: { name, namespace, labels }, data } };
}

export function deploymentYaml(name: string, namespace: string, replicas: number, image = 'nginx:1.25'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: ${image}
`;
}

export async function namespace(server: ServerProcess, name: string): Promise<void> {
  await server.api.create({ object: { namespace: { metadata: { name } } } });
}

export async function crud(server: ServerProcess): Promise<void> {
  const { api } = server;
  const created = (await api.create({ object: configMap('crud-1') })).configMap!;
  expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
  expect(created.metadata?.creationTimestamp).toMatch(/Z$/);
  expect(created.metadata?.generation).toBe(1);
  expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
  await expectCode(api.create({ object: configMap('crud-1') }), status.ALREADY_EXISTS);
  await expectCode(api.create({ object: configMap('crud-x', 'no-such-ns') }), status.NOT_FOUND);
  await expectCode(api.create({ object: configMap('Bad_Name') }), status.INVALID_ARGUMENT);

  const got = (await api.get({ kind: 'cm', namespace: 'default', name: 'crud-1' })).configMap!;
  expect(got.data).toEqual({ a: '1' });
  expect(got.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

  const updated = (await api.update({ object: { configMap: { ...got, data: { a: '2' } } } })).configMap!;
  expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(got.metadata?.resourceVersion));
  expect(updated.metadata?.uid).toBe(created.metadata?.uid);

  const generated = (await api.create({ object: { configMap: { metadata: { generateName: 'gen-' }, data: {} } } })).configMap!;
  expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
  expect(generated.metadata?.namespace).toBe('default');

  const deleted = (await api.delete({ kind: 'ConfigMap', namespace: 'default', name: 'crud-1' })).configMap!;
  expect(deleted.data).toEqual({ a: '2' });
  await expectCode(api.get({ kind: 'ConfigMap', namespace: 'default', name: 'crud-1' }), status.NOT_FOUND);
  await expectCode(api.get({ kind: 'nonsense', namespace: 'default', name: 'x' }), status.INVALID_ARGUMENT);
}

export async function optimisticConcurrency(server: ServerProcess): Promise<void> {
  const { api } = server;
  const v1 = (await api.create({ object: configMap('occ') })).configMap!;
  const v2 = (await api.update({ object: { configMap: { ...v1, data: { a: 'second' } } } })).configMap!;
  const err = await expectCode(api.update({ object: { configMap: { ...v1, data: { a: 'stale' } } } }), status.ABORTED);
  expect(err.details).toMatch(/modified/);
  const now = (await api.get({ kind: 'ConfigMap', namespace: 'default', name: 'occ' })).configMap!;
  expect(now.data).toEqual({ a: 'second' });
  expect(now.metadata?.resourceVersion).toBe(v2.metadata?.resourceVersion);
  // Without a resourceVersion the update is unconditional.
  const { resourceVersion: _rv, ...meta } = v1.metadata!;
  const v3 = (await api.update({ object: { configMap: { ...v1, metadata: meta, data: { a: 'third' } } } })).configMap!;
  expect(v3.data).toEqual({ a: 'third' });
  await expectCode(api.delete({ kind: 'ConfigMap', namespace: 'default', name: 'occ', resourceVersion: v2.metadata!.resourceVersion! }), status.ABORTED);
  await expectCode(api.delete({ kind: 'ConfigMap', namespace: 'default', name: 'occ', uid: 'not-the-uid' }), status.ABORTED);
  await api.delete({ kind: 'ConfigMap', namespace: 'default', name: 'occ', resourceVersion: v3.metadata!.resourceVersion! });
}

export async function generation(server: ServerProcess): Promise<void> {
  const { api } = server;
  await api.applyManifest({ manifest: deploymentYaml('gen', 'default', 1), filename: 'gen.yaml' });
  const d1 = (await api.get({ kind: 'deploy', namespace: 'default', name: 'gen' })).deployment!;
  expect(d1.metadata?.generation).toBe(1);
  expect(d1.spec?.strategy?.type).toBe('RollingUpdate'); // defaults were applied
  const d2 = (await api.update({ object: { deployment: { ...d1, metadata: { ...d1.metadata, labels: { x: 'y' } } } } })).deployment!;
  expect(d2.metadata?.generation).toBe(1);
  const d3 = (await api.update({ object: { deployment: { ...d2, spec: { ...d2.spec, replicas: 3 } } } })).deployment!;
  expect(d3.metadata?.generation).toBe(2);
  // Status in an Update is ignored; UpdateStatus changes only status and never generation.
  const d4 = (await api.update({ object: { deployment: { ...d3, status: { replicas: 9 } } } })).deployment!;
  expect(d4.status?.replicas ?? 0).toBe(0);
  const d5 = (await api.updateStatus({ object: { deployment: { ...d4, spec: { ...d4.spec, replicas: 7 }, status: { replicas: 3, observedGeneration: 2 } } } })).deployment!;
  expect(d5.status?.replicas).toBe(3);
  expect(d5.spec?.replicas).toBe(3);
  expect(d5.metadata?.generation).toBe(2);
}

export async function apply(server: ServerProcess): Promise<void> {
  const { api } = server;
  await namespace(server, 'applied');
  const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n`;
  const manifest = `${cm}---\n${deploymentYaml('web', 'applied', 2)}`;
  const first = await api.applyManifest({ manifest, filename: 'web.yaml', namespace: 'applied' });
  expect(first.results?.map((r) => r.action)).toEqual(['created', 'created']);
  const second = await api.applyManifest({ manifest, filename: 'web.yaml', namespace: 'applied' });
  expect(second.results?.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
  const changed = `${cm}---\n${deploymentYaml('web', 'applied', 4)}`;
  const third = await api.applyManifest({ manifest: changed, filename: 'web.yaml', namespace: 'applied' });
  expect(third.results?.map((r) => r.action)).toEqual(['unchanged', 'configured']);
  expect(third.results?.[1]?.object?.deployment?.spec?.replicas).toBe(4);
  expect(third.results?.[1]?.object?.deployment?.metadata?.generation).toBe(2);
  // Apply of objects (not text) takes the request's namespace for those that name none.
  const objects = await api.apply({ objects: [configMap('from-objects', '')], namespace: 'applied' });
  expect(objects.results?.map((r) => [r.action, r.object?.configMap?.metadata?.namespace])).toEqual([['created', 'applied']]);
  const again = await api.apply({ objects: [configMap('from-objects', '')], namespace: 'applied' });
  expect(again.results?.[0]?.action).toBe('unchanged');
  // dryRun writes nothing.
  const dry = await api.applyManifest({ manifest: deploymentYaml('dry', 'applied', 1), filename: 'dry.yaml', dryRun: true });
  expect(dry.results?.[0]?.action).toBe('created');
  await expectCode(api.get({ kind: 'Deployment', namespace: 'applied', name: 'dry' }), status.NOT_FOUND);
}

export async function refusedApplyStoresNothing(server: ServerProcess): Promise<void> {
  const { api } = server;
  const good = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: refused-1\ndata:\n  a: b\n`;
  const bad = deploymentYaml('refused-2', 'default', 1).replace('replicas: 1', 'replicas: three');
  const err = await expectCode(api.applyManifest({ manifest: `${good}---\n${good.replace('refused-1', 'refused-3')}---\n${bad}`, filename: 'bad.yaml' }), status.INVALID_ARGUMENT);
  expect(err.details).toMatch(/bad\.yaml: document 3 \(Deployment default\/refused-2\): spec\.replicas/);
  await expectCode(api.get({ kind: 'ConfigMap', namespace: 'default', name: 'refused-1' }), status.NOT_FOUND);
  await expectCode(api.get({ kind: 'ConfigMap', namespace: 'default', name: 'refused-3' }), status.NOT_FOUND);
  // A semantic error (not a parse error) is also caught before anything is written.
  const badImage = deploymentYaml('refused-4', 'default', 1, '');
  const err2 = await expectCode(api.applyManifest({ manifest: `${good}---\n${badImage}`, filename: 'img.yaml' }), status.INVALID_ARGUMENT);
  expect(err2.details).toMatch(/img\.yaml: document 2/);
  await expectCode(api.get({ kind: 'ConfigMap', namespace: 'default', name: 'refused-1' }), status.NOT_FOUND);

  // A write that fails part way (an immutable field, only known against the stored object) says
  // which documents were applied before it.
  const pod = (node: string): string =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pinned\nspec:\n  nodeName: ${node}\n  containers:\n  - name: c\n    image: busybox\n`;
  await api.applyManifest({ manifest: pod('node-a'), filename: 'pod.yaml' });
  const partial = await expectCode(api.applyManifest({ manifest: `${good}---\n${pod('node-b')}`, filename: 'partial.yaml' }), status.INVALID_ARGUMENT);
  expect(partial.details).toMatch(/partial\.yaml: document 2 \(Pod default\/pinned\): spec\.nodeName.*already applied: partial\.yaml: document 1 \(ConfigMap default\/refused-1\) created/);
  await api.delete({ kind: 'Pod', namespace: 'default', name: 'pinned', gracePeriodSeconds: 0 });
  await api.delete({ kind: 'ConfigMap', namespace: 'default', name: 'refused-1' });
}

export async function listPaging(server: ServerProcess): Promise<void> {
  const { api } = server;
  await namespace(server, 'paging');
  for (let i = 0; i < 7; i++) await api.create({ object: configMap(`p-${i}`, 'paging', {}, { parity: i % 2 === 0 ? 'even' : 'odd' }) });
  const names: string[] = [];
  let token = '';
  let pages = 0;
  let rv = '';
  do {
    const page = await api.list({ kind: 'configmaps', namespace: 'paging', limit: 3, continue: token });
    names.push(...(page.items ?? []).map((o) => o.configMap!.metadata!.name!));
    token = page.metadata?.continue ?? '';
    rv ||= page.metadata?.resourceVersion ?? '';
    pages++;
  } while (token !== '');
  expect(pages).toBe(3);
  expect(names).toEqual(['p-0', 'p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6']);
  const even = await api.list({ kind: 'cm', namespace: 'paging', labelSelector: 'parity=even' });
  expect(even.items?.map((o) => o.configMap!.metadata!.name)).toEqual(['p-0', 'p-2', 'p-4', 'p-6']);
  const byName = await api.list({ kind: 'cm', fieldSelector: 'metadata.name=p-3' });
  expect(byName.items?.length).toBe(1);
  const evenPaged = await api.list({ kind: 'cm', namespace: 'paging', labelSelector: 'parity=even', limit: 3 });
  expect(evenPaged.items?.length).toBe(3);
  expect(evenPaged.metadata?.continue).not.toBe('');
  await expectCode(api.list({ kind: 'cm', namespace: 'paging', continue: 'garbage!' }), status.INVALID_ARGUMENT);
  await expectCode(api.list({ kind: 'cm', labelSelector: '===' }), status.INVALID_ARGUMENT);
}

export async function finalizersAndGrace(server: ServerProcess): Promise<void> {
  const { api } = server;
  const held = configMap('held');
  held.configMap!.metadata!.finalizers = ['example.com/hold'];
  await api.create({ object: held });
  const deleting = (await api.delete({ kind: 'ConfigMap', namespace: 'default', name: 'held' })).configMap!;
  expect(deleting.metadata?.deletionTimestamp).toBeTruthy();
  const still = (await api.get({ kind: 'ConfigMap', namespace: 'default', name: 'held' })).configMap!;
  await api.update({ object: { configMap: { ...still, metadata: { ...still.metadata, finalizers: [] } } } });
  await expectCode(api.get({ kind: 'ConfigMap', namespace: 'default', name: 'held' }), status.NOT_FOUND);

  const orphan = (await api.create({ object: configMap('orphan') })).configMap!;
  const o2 = (await api.delete({ kind: 'ConfigMap', namespace: 'default', name: 'orphan', propagationPolicy: 'Orphan' })).configMap!;
  expect(o2.metadata?.finalizers).toEqual(['orphan']);
  expect(o2.metadata?.uid).toBe(orphan.metadata?.uid);
  await expectCode(api.delete({ kind: 'ConfigMap', namespace: 'default', name: 'orphan', propagationPolicy: 'Sideways' }), status.INVALID_ARGUMENT);

  const pod = (name: string, nodeName: string): TskObject => ({
    pod: { metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } },
  });
  await api.create({ object: pod('unbound', '') });
  await api.delete({ kind: 'po', namespace: 'default', name: 'unbound' });
  await expectCode(api.get({ kind: 'Pod', namespace: 'default', name: 'unbound' }), status.NOT_FOUND);
  await api.create({ object: pod('bound', 'node-1') });
  const graceful = (await api.delete({ kind: 'Pod', namespace: 'default', name: 'bound' })).pod!;
  expect(graceful.metadata?.deletionGracePeriodSeconds).toBe(30);
  expect(graceful.metadata?.deletionTimestamp).toBeTruthy();
  await api.get({ kind: 'Pod', namespace: 'default', name: 'bound' });
  await api.delete({ kind: 'Pod', namespace: 'default', name: 'bound', gracePeriodSeconds: 0 });
  await expectCode(api.get({ kind: 'Pod', namespace: 'default', name: 'bound' }), status.NOT_FOUND);
}

export async function watchBasics(server: ServerProcess): Promise<void> {
  const { api } = server;
  await namespace(server, 'watched');
  await api.create({ object: configMap('before', 'watched') });
  // No resourceVersion: the current objects first, as ADDED.
  const initial = api.watch({ kind: 'ConfigMap', namespace: 'watched' });
  const first = collect(initial, (ev) => ev.length >= 2);
  await api.create({ object: configMap('during', 'watched') });
  const got = await first;
  expect(got.map((e) => [e.type, e.object?.configMap?.metadata?.name])).toEqual([
    ['ADDED', 'before'],
    ['ADDED', 'during'],
  ]);

  const list = await api.list({ kind: 'ConfigMap', namespace: 'watched' });
  const rv = list.metadata!.resourceVersion!;
  const all = api.watch({ kind: 'ConfigMap', namespace: 'watched', resourceVersion: rv });
  const filtered = api.watch({ kind: 'ConfigMap', namespace: 'watched', resourceVersion: rv, labelSelector: 'team=a' });
  const allEvents = collect(all, (ev) => ev.length >= 4);
  const filteredEvents = collect(filtered, (ev) => ev.length >= 2);
  const w = (await api.create({ object: configMap('w', 'watched', {}, { team: 'a' }) })).configMap!;
  const w2 = (await api.update({ object: { configMap: { ...w, metadata: { ...w.metadata, labels: { team: 'b' } } } } })).configMap!;
  await api.update({ object: { configMap: { ...w2, data: { x: 'y' } } } });
  await api.delete({ kind: 'ConfigMap', namespace: 'watched', name: 'w' });
  expect((await allEvents).map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
  // Leaving the selector is a DELETED for the filtered watch, as in Kubernetes.
  expect((await filteredEvents).map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  await expectCode(collect(api.watch({ kind: 'ConfigMap', resourceVersion: 'abc' }), () => false), status.INVALID_ARGUMENT);
}

export async function namespaceCascade(server: ServerProcess): Promise<void> {
  const { api } = server;
  await namespace(server, 'doomed');
  await api.create({ object: configMap('a', 'doomed') });
  await api.create({ object: { pod: { metadata: { name: 'p', namespace: 'doomed' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
  await api.applyManifest({ manifest: deploymentYaml('d', 'doomed', 1), filename: 'd.yaml' });
  // A finalizer holds one object, and with it the namespace, until it is removed.
  const held = configMap('held', 'doomed');
  held.configMap!.metadata!.finalizers = ['example.com/hold'];
  await api.create({ object: held });
  const ns = (await api.delete({ kind: 'ns', name: 'doomed' })).namespace!;
  expect(ns.status?.phase).toBe('Terminating');
  await expectCode(api.create({ object: configMap('late', 'doomed') }), status.FAILED_PRECONDITION);
  await expectCode(api.delete({ kind: 'Namespace', name: 'default' }), status.FAILED_PRECONDITION);
  let holding = (await api.get({ kind: 'ConfigMap', namespace: 'doomed', name: 'held' })).configMap!;
  for (let i = 0; i < 100 && !holding.metadata?.deletionTimestamp; i++) {
    await new Promise((r) => setTimeout(r, 50));
    holding = (await api.get({ kind: 'ConfigMap', namespace: 'doomed', name: 'held' })).configMap!;
  }
  expect(holding.metadata?.deletionTimestamp).toBeTruthy();
  expect((await api.get({ kind: 'Namespace', name: 'doomed' })).namespace?.status?.phase).toBe('Terminating');
  await api.update({ object: { configMap: { ...holding, metadata: { ...holding.metadata, finalizers: [] } } } });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await api.get({ kind: 'Namespace', name: 'doomed' });
    } catch (err) {
      if ((err as { code?: number }).code === status.NOT_FOUND) break;
      throw err;
    }
    if (Date.now() > deadline) throw new Error('namespace doomed was not removed');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const kind of ['ConfigMap', 'Pod', 'Deployment']) {
    const left = await api.list({ kind, namespace: 'doomed' });
    expect(left.items ?? []).toEqual([]);
  }
}

export function names(objects: readonly TskObject[] | undefined): string[] {
  return (objects ?? []).map((o) => (o.configMap as ConfigMap | undefined)?.metadata?.name ?? '?');
}

/** Batch: each operation answered in order with its own status; one failing stops none. */
export async function batch(server: ServerProcess): Promise<void> {
  const { api } = server;
  const existing = (await api.create({ object: configMap('batch-1') })).configMap!;
  const res = await api.batch({
    operations: [
      { create: { object: configMap('batch-2', 'default', { b: '2' }) } },
      { create: { object: configMap('batch-1') } },
      { create: { object: configMap('Bad_Name') } },
      { update: { object: { configMap: { ...existing, data: { a: 'new' } } } } },
      { update: { object: configMap('batch-missing') } },
      {},
      { delete: { kind: 'ConfigMap', namespace: 'default', name: 'batch-missing' } },
      { create: { object: configMap('batch-3'), dryRun: true } },
    ],
  });
  const results = res.results ?? [];
  expect(results.map((r) => r.code ?? 0)).toEqual([
    status.OK,
    status.ALREADY_EXISTS,
    status.INVALID_ARGUMENT,
    status.OK,
    status.NOT_FOUND,
    status.INVALID_ARGUMENT,
    status.NOT_FOUND,
    status.OK,
  ]);
  expect(results[0]!.object?.configMap?.data).toEqual({ b: '2' });
  expect(Number(results[0]!.object?.configMap?.metadata?.resourceVersion)).toBeGreaterThan(0);
  expect(results[2]!.message).toMatch(/metadata\.name/);
  expect(results[3]!.object?.configMap?.data).toEqual({ a: 'new' });
  expect(results[5]!.message).toMatch(/operations\[5\]/);
  expect(results[7]!.object?.configMap?.metadata?.name).toBe('batch-3');
  // What the batch reported is what the store holds: batch-2 and the update, not the dry run.
  expect((await api.get({ kind: 'ConfigMap', namespace: 'default', name: 'batch-2' })).configMap?.data).toEqual({ b: '2' });
  expect((await api.get({ kind: 'ConfigMap', namespace: 'default', name: 'batch-1' })).configMap?.data).toEqual({ a: 'new' });
  await expectCode(api.get({ kind: 'ConfigMap', namespace: 'default', name: 'batch-3' }), status.NOT_FOUND);

  // A stale resourceVersion is ABORTED for that operation alone.
  const stale = await api.batch({
    operations: [
      { update: { object: { configMap: { ...existing, data: { a: 'stale' } } } } },
      { delete: { kind: 'ConfigMap', namespace: 'default', name: 'batch-2' } },
    ],
  });
  expect((stale.results ?? []).map((r) => r.code ?? 0)).toEqual([status.ABORTED, status.OK]);
  await expectCode(api.get({ kind: 'ConfigMap', namespace: 'default', name: 'batch-2' }), status.NOT_FOUND);

  // Too many operations: refused whole, nothing written.
  const tooMany = Array.from({ length: 1001 }, (_, i) => ({ create: { object: configMap(`batch-many-${i}`) } }));
  const err = await expectCode(api.batch({ operations: tooMany }), status.INVALID_ARGUMENT);
  expect(err.details).toMatch(/1001 operations/);
  await expectCode(api.get({ kind: 'ConfigMap', namespace: 'default', name: 'batch-many-0' }), status.NOT_FOUND);
}
