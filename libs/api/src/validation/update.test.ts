import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/index.js';
import { cloneObject } from '../object.js';
import { type KindInfo, type KindObject } from '../kinds.js';
import { type ConfigMap, type Secret, type Service } from '../gen/tsk/v1/core.js';
import { type Pod } from '../gen/tsk/v1/pod.js';
import { type Deployment, type Job } from '../gen/tsk/v1/workloads.js';
import { validateObject } from './index.js';
import { refusal, valid } from './builders.js';

/** A stored object (with uid) and a copy to change into the update. */
function stored(kind: string, prepare: (o: KindObject) => void = () => undefined): { info: KindInfo; old: KindObject; next: KindObject } {
  const { info, object } = valid(kind);
  object.metadata!.uid = 'uid-1';
  prepare(object);
  expect(() => validateObject(info, object)).not.toThrow();
  return { info, old: object, next: cloneObject(info, object) };
}

type Case = readonly [what: string, kind: string, change: (o: KindObject) => void, path: string, message: string, prepare?: (o: KindObject) => void];

const pod = (o: KindObject) => (o as Pod).spec!;
const immutableCm = (o: KindObject) => ((o as ConfigMap).immutable = true);

const refused: readonly Case[] = [
  ['a new name', 'Pod', (o) => (o.metadata!.name = 'web-2'), 'metadata.name', 'field is immutable (was "web")'],
  ['a new namespace', 'ConfigMap', (o) => (o.metadata!.namespace = 'other'), 'metadata.namespace', 'field is immutable (was "default")'],
  ['a new uid', 'Service', (o) => (o.metadata!.uid = 'uid-2'), 'metadata.uid', 'field is immutable (was "uid-1")'],
  ['a Deployment selector change', 'Deployment', (o) => {
    (o as Deployment).spec!.selector = { matchLabels: { app: 'web', v: '2' } };
    (o as Deployment).spec!.template!.metadata!.labels = { app: 'web', v: '2' };
  }, 'spec.selector', 'field is immutable'],
  ['a ReplicaSet selector change', 'ReplicaSet', (o) => ((o as Deployment).spec!.selector = { matchExpressions: [{ key: 'app', operator: 'Exists' }] }), 'spec.selector', 'field is immutable'],
  ['a DaemonSet selector change', 'DaemonSet', (o) => {
    (o as Deployment).spec!.selector!.matchLabels = { app: 'web', extra: 'x' };
    (o as Deployment).spec!.template!.metadata!.labels = { app: 'web', extra: 'x' };
  }, 'spec.selector', 'field is immutable'],
  ['a Job selector change', 'Job', (o) => ((o as Job).spec!.selector = { matchLabels: { app: 'web' } }), 'spec.selector', 'field is immutable'],
  ['a Job template change', 'Job', (o) => ((o as Job).spec!.template!.spec!.containers![0]!.image = 'nginx:2'), 'spec.template.spec.containers[0].image', "a Job's pod template is immutable"],
  ['a pod command change', 'Pod', (o) => (pod(o).containers![0]!.command = ['sh']), 'spec.containers[0].command', 'pod updates may not change fields other than'],
  ['a pod restartPolicy change', 'Pod', (o) => (pod(o).restartPolicy = 'Never'), 'spec.restartPolicy', 'pod updates may not change fields other than'],
  ['a pod with one more container', 'Pod', (o) => pod(o).containers!.push({ name: 'b', image: 'busybox' }), 'spec.containers', 'pod updates may not change'],
  ['raising activeDeadlineSeconds', 'Pod', (o) => (pod(o).activeDeadlineSeconds = 120), 'spec.activeDeadlineSeconds', 'may only be decreased once set (was 60)', (o) => (pod(o).activeDeadlineSeconds = 60)],
  ['removing a toleration', 'Pod', (o) => (pod(o).tolerations = []), 'spec.tolerations[0]', 'only additions are allowed', (o) => (pod(o).tolerations = [{ key: 'k', operator: 'Exists' }])],
  ['setting nodeName by update', 'Pod', (o) => (pod(o).nodeName = 'node-1'), 'spec.nodeName', 'may only be set by binding'],
  ['moving a bound pod', 'Pod', (o) => (pod(o).nodeName = 'node-2'), 'spec.nodeName', 'field is immutable (was "node-1")', (o) => (pod(o).nodeName = 'node-1')],
  ['a new clusterIP', 'Service', (o) => ((o as Service).spec!.clusterIP = '10.96.0.11'), 'spec.clusterIP', 'field is immutable (was "10.96.0.10")', (o) => ((o as Service).spec!.clusterIP = '10.96.0.10')],
  ['an emptied clusterIP', 'Service', (o) => ((o as Service).spec!.clusterIP = ''), 'spec.clusterIP', 'field is immutable', (o) => ((o as Service).spec!.clusterIP = '10.96.0.10')],
  ['data of an immutable ConfigMap', 'ConfigMap', (o) => ((o as ConfigMap).data = { 'app.conf': 'x=2' }), 'data', 'field is immutable', immutableCm],
  ['unsetting immutable', 'ConfigMap', (o) => ((o as ConfigMap).immutable = false), 'immutable', 'may not be unset once true', immutableCm],
  ['data of an immutable Secret', 'Secret', (o) => ((o as Secret).data = { password: Buffer.from('other') }), 'data', 'field is immutable', (o) => ((o as Secret).immutable = true)],
];

const allowed: ReadonlyArray<readonly [what: string, kind: string, change: (o: KindObject) => void, prepare?: (o: KindObject) => void]> = [
  ['a new image', 'Pod', (o) => (pod(o).containers![0]!.image = 'nginx:1.28')],
  ['a new toleration', 'Pod', (o) => pod(o).tolerations!.push({ key: 'b', operator: 'Exists' }), (o) => (pod(o).tolerations = [{ key: 'a', operator: 'Exists' }])],
  ['setting activeDeadlineSeconds', 'Pod', (o) => (pod(o).activeDeadlineSeconds = 30)],
  ['new labels', 'Pod', (o) => (o.metadata!.labels = { app: 'web', extra: 'yes' })],
  ['an update without uid', 'Pod', (o) => (o.metadata!.uid = '')],
  ['Deployment replicas and template', 'Deployment', (o) => {
    (o as Deployment).spec!.replicas = 5;
    (o as Deployment).spec!.template!.spec!.containers![0]!.image = 'nginx:2';
  }],
  ['a Service port change', 'Service', (o) => ((o as Service).spec!.ports![0]!.port = 8080), (o) => ((o as Service).spec!.clusterIP = '10.96.0.10')],
  ['data of a mutable ConfigMap', 'ConfigMap', (o) => ((o as ConfigMap).data = { other: 'y' })],
  ['Job parallelism', 'Job', (o) => ((o as Job).spec!.parallelism = 3)],
];

describe('validateObject: updates', () => {
  it.each(refused.map((c) => [c[0], c] as const))('refuses %s', (_what, c) => {
    const [, kind, change, path, message, prepare] = c;
    const { info, old, next } = stored(kind, prepare);
    expect(() => validateObject(info, next, old)).not.toThrow();
    change(next);
    applyDefaults(info, next); // as the server does on update
    const r = refusal(() => validateObject(info, next, old));
    expect(r.path).toBe(path);
    expect(r.message).toContain(message);
  });

  it.each(allowed.map((c) => [c[0], c] as const))('allows %s', (_what, c) => {
    const [, kind, change, prepare] = c;
    const { info, old, next } = stored(kind, prepare);
    change(next);
    applyDefaults(info, next);
    expect(() => validateObject(info, next, old)).not.toThrow();
  });

  it('lets a binding set nodeName once, and only once', () => {
    const { info, old, next } = stored('Pod');
    (next as Pod).spec!.nodeName = 'node-1';
    expect(() => validateObject(info, next, old, { binding: true })).not.toThrow();
    const moved = cloneObject(info, next as Pod);
    moved.spec!.nodeName = 'node-2';
    expect(refusal(() => validateObject(info, moved, next, { binding: true })).path).toBe('spec.nodeName');
  });
});
