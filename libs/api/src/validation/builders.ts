/**
 * Tiny builders of valid, defaulted objects for tests: each test changes one thing and expects
 * exactly one refusal. Not exported from the package.
 */
import { applyDefaults } from '../defaults/index.js';
import { InvalidError } from '../errors.js';
import { kindOf, type KindInfo, type KindObject } from '../kinds.js';
import { type ConfigMap, type Namespace, type Secret, type Service } from '../gen/tsk/v1/core.js';
import { type Container, type Pod, type PodSpec, type PodTemplateSpec } from '../gen/tsk/v1/pod.js';
import { type DaemonSet, type Deployment, type Job, type Network, type ReplicaSet } from '../gen/tsk/v1/workloads.js';

export function container(name = 'app', extra: Partial<Container> = {}): Container {
  return { name, image: 'nginx:1.27', ...extra };
}

export function podSpec(extra: Partial<PodSpec> = {}): PodSpec {
  return { containers: [container()], ...extra };
}

function template(labels: Record<string, string>, spec: PodSpec = podSpec()): PodTemplateSpec {
  return { metadata: { labels }, spec };
}

/** Checks the literal against its kind's type, then widens it. */
function as<T extends KindObject>(o: T): KindObject {
  return o;
}

const meta = (name = 'web') => ({ name, namespace: 'default' });

/** A valid object of every kind, before defaults. */
export function raw(kind: string): KindObject {
  const labels = { app: 'web' };
  switch (kind) {
    case 'Pod':
      return as<Pod>({ metadata: meta(), spec: podSpec() });
    case 'Deployment':
      return as<Deployment>({ metadata: meta(), spec: { selector: { matchLabels: labels }, template: template(labels) } });
    case 'ReplicaSet':
      return as<ReplicaSet>({ metadata: meta(), spec: { selector: { matchLabels: labels }, template: template(labels) } });
    case 'DaemonSet':
      return as<DaemonSet>({ metadata: meta(), spec: { selector: { matchLabels: labels }, template: template(labels) } });
    case 'Job':
      return as<Job>({ metadata: { ...meta('pi'), uid: 'u-1' }, spec: { template: template(labels, podSpec({ restartPolicy: 'Never' })) } });
    case 'Service':
      return as<Service>({ metadata: meta(), spec: { selector: labels, ports: [{ port: 80 }] } });
    case 'ConfigMap':
      return as<ConfigMap>({ metadata: meta('cfg'), data: { 'app.conf': 'x=1' } });
    case 'Secret':
      return as<Secret>({ metadata: meta('pw'), stringData: { password: 'hunter2' } });
    case 'Namespace':
      return as<Namespace>({ metadata: { name: 'team-a' } });
    case 'Network':
      return as<Network>({ metadata: meta('net'), spec: { subnet: '10.250.0.0/24', gateway: '10.250.0.1' } });
    case 'Node':
      return { metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/24' } } as KindObject;
    case 'Event':
      return { metadata: meta('web.1'), involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Started', type: 'Normal' } as KindObject;
    case 'Lease':
      return { metadata: meta('node-1'), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } } as KindObject;
    case 'Endpoints':
      return { metadata: meta(), subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80, protocol: 'TCP' }] }] } as KindObject;
    default:
      throw new Error(`no builder for ${kind}`);
  }
}

/** A valid object of `kind` with defaults applied, as validateObject sees it. */
export function valid<T extends KindObject>(kind: string): { info: KindInfo; object: T } {
  const info = kindOf(kind);
  const object = raw(kind);
  applyDefaults(info, object);
  return { info, object: object as T };
}

/** Runs `fn` and returns the InvalidError it throws (failing the test when it throws none). */
export function invalid(fn: () => void): InvalidError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidError) return err;
    throw err;
  }
  throw new Error('expected an InvalidError, but nothing was thrown');
}

/** The path and message of what `fn` refuses, for table-driven assertions. */
export function refusal(fn: () => void): { path: string; message: string } {
  const err = invalid(fn);
  return { path: err.path, message: err.message };
}
