import { describe, expect, it } from 'vitest';
import { type KindObject } from '../kinds.js';
import { validateObject } from './index.js';
import { refusal, valid } from './builders.js';

type Case = readonly [what: string, kind: string, mutate: (o: KindObject) => void, path: string, message: string];

const m = (o: KindObject) => (o.metadata ??= {});

const cases: readonly Case[] = [
  ['a missing name', 'Pod', (o) => (m(o).name = ''), 'metadata.name', 'name or generateName is required'],
  ['an upper-case name', 'Pod', (o) => (m(o).name = 'Web'), 'metadata.name', 'not a valid DNS-1123 subdomain'],
  ['a name over 253 characters', 'ConfigMap', (o) => (m(o).name = 'a'.repeat(254)), 'metadata.name', 'DNS-1123 subdomain'],
  ['a dotted Service name (DNS label)', 'Service', (o) => (m(o).name = 'web.v1'), 'metadata.name', 'not a valid DNS-1123 label'],
  ['a Service name over 63 characters', 'Service', (o) => (m(o).name = 'a'.repeat(64)), 'metadata.name', 'DNS-1123 label'],
  ['a bad generateName', 'Pod', (o) => Object.assign(m(o), { name: '', generateName: 'Web-' }), 'metadata.generateName', 'DNS-1123 subdomain'],
  ['a namespaced kind without namespace', 'Pod', (o) => (m(o).namespace = ''), 'metadata.namespace', 'namespace is required'],
  ['a bad namespace', 'Pod', (o) => (m(o).namespace = 'my.ns'), 'metadata.namespace', 'DNS-1123 label'],
  ['a cluster-scoped kind with a namespace', 'Node', (o) => (m(o).namespace = 'default'), 'metadata.namespace', 'cluster-scoped: remove the namespace'],
  ['a Namespace named with a dot', 'Namespace', (o) => (m(o).name = 'team.a'), 'metadata.name', 'DNS-1123 label'],
  ['a bad label key', 'Pod', (o) => (m(o).labels = { '-app': 'web' }), 'metadata.labels["-app"]', 'not a valid key'],
  ['a label key with a bad prefix', 'Pod', (o) => (m(o).labels = { 'Example.com/app': 'web' }), 'metadata.labels["Example.com/app"]', 'not a valid key'],
  ['a label value with a space', 'Pod', (o) => (m(o).labels = { app: 'my web' }), 'metadata.labels["app"]', 'not a valid label value'],
  ['a label value over 63', 'Pod', (o) => (m(o).labels = { app: 'a'.repeat(64) }), 'metadata.labels["app"]', 'not a valid label value'],
  ['a bad annotation key', 'Pod', (o) => (m(o).annotations = { 'a b': 'x' }), 'metadata.annotations["a b"]', 'not a valid key'],
  ['annotations over 256 KiB', 'Pod', (o) => (m(o).annotations = { big: 'x'.repeat(256 * 1024) }), 'metadata.annotations', 'more than the 256 KiB limit'],
  ['an ownerReference without uid', 'Pod', (o) => (m(o).ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web' }]), 'metadata.ownerReferences[0].uid', 'required value'],
];

describe('validateObject: metadata', () => {
  it.each(cases)('refuses %s', (_what, kind, mutate, path, message) => {
    const { info, object } = valid(kind);
    expect(() => validateObject(info, object)).not.toThrow();
    mutate(object);
    const r = refusal(() => validateObject(info, object));
    expect(r.path).toBe(path);
    expect(r.message).toContain(message);
  });

  it.each([
    ['a generateName ending in "-"', (o: KindObject) => Object.assign(m(o), { name: '', generateName: 'web-' })],
    ['an empty label value and a prefixed key', (o: KindObject) => (m(o).labels = { 'app.kubernetes.io/name': '', tier: 'A.b_c-1' })],
    ['annotations of exactly 256 KiB', (o: KindObject) => (m(o).annotations = { big: 'x'.repeat(256 * 1024 - 3) })],
    ['a 253-character dotted name', (o: KindObject) => (m(o).name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)],
  ])('accepts %s', (_what, mutate) => {
    const { info, object } = valid('Pod');
    mutate(object);
    expect(() => validateObject(info, object)).not.toThrow();
  });

  it('accepts every builder object once defaulted', () => {
    for (const kind of ['Pod', 'Deployment', 'ReplicaSet', 'DaemonSet', 'Job', 'Service', 'ConfigMap', 'Secret', 'Namespace', 'Network', 'Node', 'Event', 'Lease', 'Endpoints']) {
      const { info, object } = valid(kind);
      expect(() => validateObject(info, object), kind).not.toThrow();
    }
  });
});
