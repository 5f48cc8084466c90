import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/index.js';
import { type KindObject } from '../kinds.js';
import { type PodTemplateSpec } from '../gen/tsk/v1/pod.js';
import { type DaemonSet, type Deployment, type Job } from '../gen/tsk/v1/workloads.js';
import { validateObject } from './index.js';
import { container, refusal, valid } from './builders.js';

type Case = readonly [what: string, kind: string, mutate: (o: KindObject) => void, path: string, message: string];

const d = (o: KindObject) => (o as Deployment).spec!;
const ds = (o: KindObject) => (o as DaemonSet).spec!;
const job = (o: KindObject) => (o as Job).spec!;
const tpl = (o: KindObject) => (o as { spec: { template: PodTemplateSpec } }).spec.template;

const cases: readonly Case[] = [
  ['a Deployment without selector', 'Deployment', (o) => delete d(o).selector, 'spec.selector', 'required value'],
  ['a ReplicaSet with an empty selector', 'ReplicaSet', (o) => (d(o).selector = {}), 'spec.selector', 'required value'],
  ['a DaemonSet without selector', 'DaemonSet', (o) => delete ds(o).selector, 'spec.selector', 'required value'],
  ['a selector that does not match', 'Deployment', (o) => (d(o).selector = { matchLabels: { app: 'db' } }), 'spec.template.metadata.labels', 'selector does not match template labels'],
  ['a selector expression that does not match', 'ReplicaSet', (o) => (d(o).selector = { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }), 'spec.template.metadata.labels', 'selector does not match template labels'],
  ['a bad selector operator', 'Deployment', (o) => (d(o).selector = { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] }), 'spec.selector.matchExpressions[0].operator', 'must be In, NotIn, Exists or DoesNotExist'],
  ['a bad template label', 'Deployment', (o) => (tpl(o).metadata!.labels = { app: 'web', 'x y': '1' }), 'spec.template.metadata.labels["x y"]', 'not a valid key'],
  ['no template', 'Deployment', (o) => delete d(o).template, 'spec.template', 'required value'],
  ['negative replicas', 'Deployment', (o) => (d(o).replicas = -1), 'spec.replicas', 'greater than or equal to 0, got -1'],
  ['negative ReplicaSet replicas', 'ReplicaSet', (o) => (d(o).replicas = -3), 'spec.replicas', 'got -3'],
  ['maxSurge and maxUnavailable both 0', 'Deployment', (o) => (d(o).strategy!.rollingUpdate = { maxSurge: { intVal: 0 }, maxUnavailable: { strVal: '0%' } }), 'spec.strategy.rollingUpdate.maxUnavailable', 'may not be 0 when maxSurge is 0'],
  ['a malformed percentage', 'Deployment', (o) => (d(o).strategy!.rollingUpdate!.maxSurge = { strVal: '25 %' }), 'spec.strategy.rollingUpdate.maxSurge', 'integer or a percentage'],
  ['maxUnavailable over 100%', 'Deployment', (o) => (d(o).strategy!.rollingUpdate!.maxUnavailable = { strVal: '150%' }), 'spec.strategy.rollingUpdate.maxUnavailable', 'not be greater than 100%'],
  ['a negative maxSurge', 'Deployment', (o) => (d(o).strategy!.rollingUpdate!.maxSurge = { intVal: -1 }), 'spec.strategy.rollingUpdate.maxSurge', 'greater than or equal to 0'],
  ['a bad strategy type', 'Deployment', (o) => (d(o).strategy = { type: 'BlueGreen' }), 'spec.strategy.type', 'unsupported value "BlueGreen"'],
  ['Recreate with rollingUpdate', 'Deployment', (o) => (d(o).strategy!.type = 'Recreate'), 'spec.strategy.rollingUpdate', 'may not be specified when strategy type is "Recreate"'],
  ['progressDeadlineSeconds not above minReadySeconds', 'Deployment', (o) => Object.assign(d(o), { minReadySeconds: 600 }), 'spec.progressDeadlineSeconds', 'greater than minReadySeconds (600)'],
  ['a Deployment template restartPolicy Never', 'Deployment', (o) => (tpl(o).spec!.restartPolicy = 'Never'), 'spec.template.spec.restartPolicy', 'must be one of "Always"'],
  ['a DaemonSet template restartPolicy OnFailure', 'DaemonSet', (o) => (tpl(o).spec!.restartPolicy = 'OnFailure'), 'spec.template.spec.restartPolicy', 'must be one of "Always"'],
  ['a bad template container name', 'Deployment', (o) => tpl(o).spec!.containers!.push(container('Side_car')), 'spec.template.spec.containers[1].name', 'DNS-1123 label'],
  ['a bad DaemonSet updateStrategy', 'DaemonSet', (o) => (ds(o).updateStrategy = { type: 'Surge' }), 'spec.updateStrategy.type', 'unsupported value "Surge"'],
  ['OnDelete with rollingUpdate', 'DaemonSet', (o) => (ds(o).updateStrategy!.type = 'OnDelete'), 'spec.updateStrategy.rollingUpdate', 'OnDelete'],
  ['a DaemonSet with maxSurge 0 and maxUnavailable 0', 'DaemonSet', (o) => (ds(o).updateStrategy!.rollingUpdate!.maxUnavailable = { intVal: 0 }), 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'may not be 0 when maxSurge is 0'],
  ['a Job with restartPolicy Always', 'Job', (o) => (tpl(o).spec!.restartPolicy = 'Always'), 'spec.template.spec.restartPolicy', 'must be one of "OnFailure", "Never"'],
  ['a Job without restartPolicy', 'Job', (o) => (tpl(o).spec!.restartPolicy = ''), 'spec.template.spec.restartPolicy', 'must set restartPolicy "OnFailure" or "Never"'],
  ['a Job with a bad completionMode', 'Job', (o) => (job(o).completionMode = 'Sometimes'), 'spec.completionMode', 'unsupported value'],
  ['an Indexed Job without completions', 'Job', (o) => Object.assign(job(o), { completionMode: 'Indexed', completions: undefined }), 'spec.completions', 'required when completionMode is "Indexed"'],
  ['a Job with negative backoffLimit', 'Job', (o) => (job(o).backoffLimit = -1), 'spec.backoffLimit', 'greater than or equal to 0'],
  ['a Job with negative parallelism', 'Job', (o) => (job(o).parallelism = -1), 'spec.parallelism', 'greater than or equal to 0'],
  ['a Job whose manual selector does not match', 'Job', (o) => Object.assign(job(o), { manualSelector: true, selector: { matchLabels: { app: 'other' } } }), 'spec.template.metadata.labels', 'selector does not match template labels'],
];

describe('validateObject: workloads', () => {
  it.each(cases)('refuses %s', (_what, kind, mutate, path, message) => {
    const { info, object } = valid(kind);
    expect(() => validateObject(info, object)).not.toThrow();
    mutate(object);
    const r = refusal(() => validateObject(info, object));
    expect(r.path).toBe(path);
    expect(r.message).toContain(message);
  });

  it('accepts Recreate, numeric and percent rollouts, and a Job whose selector was defaulted', () => {
    const dep = valid<Deployment>('Deployment');
    dep.object.spec!.strategy = { type: 'Recreate' };
    expect(() => validateObject(dep.info, dep.object)).not.toThrow();
    dep.object.spec!.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: { intVal: 0 }, maxUnavailable: { strVal: '100%' } } };
    expect(() => validateObject(dep.info, dep.object)).not.toThrow();
    const j = valid<Job>('Job');
    expect(j.object.spec!.selector).toBeDefined();
    expect(() => validateObject(j.info, j.object)).not.toThrow();
  });

  it('a Job applied before it has a uid selects its template labels', () => {
    const { info, object } = valid<Job>('Job');
    const fresh: Job = { metadata: { name: 'pi', namespace: 'default' }, spec: { template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [container()], restartPolicy: 'OnFailure' } } } };
    applyDefaults(info, fresh);
    expect(fresh.spec!.selector!.matchLabels!['app']).toBe('pi');
    expect(() => validateObject(info, fresh)).not.toThrow();
    expect(object.spec!.selector!.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': 'u-1' });
  });
});
