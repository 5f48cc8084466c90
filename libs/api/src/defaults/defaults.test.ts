import { describe, expect, it } from 'vitest';
import { encodeManifest } from '../convert.js';
import { kindOf } from '../kinds.js';
import { type KindObject } from '../kinds.js';
import { type Namespace, type Secret, type Service } from '../gen/tsk/v1/core.js';
import { type Container, type Pod, type PodSpec } from '../gen/tsk/v1/pod.js';
import { type DaemonSet, type Deployment, type Job, type ReplicaSet } from '../gen/tsk/v1/workloads.js';
import { applyDefaults, defaultPullPolicy } from './index.js';

/** Applies defaults and returns the Kubernetes JSON form, where expectations read as YAML would. */
function defaulted(kind: string, object: KindObject): Record<string, unknown> {
  const info = kindOf(kind);
  applyDefaults(info, object);
  return encodeManifest(info, object);
}

const c = (extra: Partial<Container> = {}): Container => ({ name: 'app', image: 'nginx:1.27', ...extra });
const meta = { name: 'web', namespace: 'default' };

describe('defaultPullPolicy', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['registry:5000/web', 'Always'],
    ['registry:5000/web:1.2', 'IfNotPresent'],
    ['registry:5000/web:latest', 'Always'],
    ['web@sha256:abcd', 'IfNotPresent'],
  ])('%s -> %s', (image, policy) => expect(defaultPullPolicy(image)).toBe(policy));
});

describe('applyDefaults', () => {
  it('fills apiVersion, kind and the default namespace', () => {
    const pod: Pod = { metadata: { name: 'web' }, spec: { containers: [c()] } };
    const out = defaulted('Pod', pod);
    expect(out['apiVersion']).toBe('v1');
    expect(out['kind']).toBe('Pod');
    expect(pod.metadata!.namespace).toBe('default');
    const ns: Namespace = { metadata: { name: 'team' } };
    applyDefaults(kindOf('Namespace'), ns);
    expect(ns.metadata!.namespace).toBeUndefined();
  });

  it('gives a pod Kubernetes\' defaults', () => {
    const pod: Pod = {
      metadata: meta,
      spec: {
        containers: [
          c({
            ports: [{ containerPort: 80 }],
            livenessProbe: { httpGet: { port: { intVal: 80 } } },
            readinessProbe: { tcpSocket: { port: { intVal: 80 } }, periodSeconds: 3 },
            lifecycle: { preStop: { httpGet: { port: { intVal: 80 } } } },
            resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '500m' } },
            env: [{ name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          }),
        ],
        initContainers: [c({ name: 'init', image: 'busybox' })],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
      },
    };
    const spec = defaulted('Pod', pod)['spec'] as Record<string, unknown>;
    expect(spec).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      volumes: [{ name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } }],
      initContainers: [{ name: 'init', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
      containers: [
        {
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          livenessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 3, successThreshold: 1, failureThreshold: 3 },
          lifecycle: { preStop: { httpGet: { path: '/', scheme: 'HTTP' } } },
          resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '500m', memory: '64Mi' } },
          env: [{ name: 'NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
        },
      ],
    });
    expect(spec['securityContext']).toBeUndefined();
    expect(pod.status?.qosClass ?? '').toBe('');
    expect(pod.spec!.containers![0]!.ports![0]!.hostPort ?? 0).toBe(0);
  });

  it('never overwrites what the user set', () => {
    const spec: PodSpec = {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      dnsPolicy: 'Default',
      schedulerName: 'other',
      containers: [c({ imagePullPolicy: 'Never', terminationMessagePolicy: 'FallbackToLogsOnError', ports: [{ containerPort: 53, protocol: 'UDP' }] })],
    };
    defaulted('Pod', { metadata: meta, spec } as Pod);
    expect(spec).toMatchObject({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0, dnsPolicy: 'Default', schedulerName: 'other' });
    expect(spec.containers![0]).toMatchObject({ imagePullPolicy: 'Never', terminationMessagePolicy: 'FallbackToLogsOnError', ports: [{ protocol: 'UDP' }] });
  });

  it('with hostNetwork, a container port is its host port', () => {
    const pod: Pod = { metadata: meta, spec: { hostNetwork: true, containers: [c({ ports: [{ containerPort: 8080 }] })] } };
    defaulted('Pod', pod);
    expect(pod.spec!.containers![0]!.ports![0]!.hostPort).toBe(8080);
  });

  const template = (spec: PodSpec = { containers: [c()] }) => ({ metadata: { labels: { app: 'web' } }, spec });

  it.each<readonly [string, KindObject, Record<string, unknown>]>([
    ['Deployment', { metadata: meta, spec: { template: template() } } as Deployment, {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: { spec: { restartPolicy: 'Always', containers: [{ imagePullPolicy: 'IfNotPresent' }] } },
    }],
    ['ReplicaSet', { metadata: meta, spec: { template: template() } } as ReplicaSet, { replicas: 1, template: { spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' } } }],
    ['DaemonSet', { metadata: meta, spec: { template: template() } } as DaemonSet, {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      template: { spec: { restartPolicy: 'Always' } },
    }],
    ['Job', { metadata: meta, spec: { template: template({ containers: [c()], restartPolicy: 'Never' }) } } as Job, {
      parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 30 } },
    }],
    ['Service', { metadata: meta, spec: { ports: [{ port: 80 }, { port: 443, targetPort: { strVal: 'https' } }] } } as Service, {
      type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 443, protocol: 'TCP', targetPort: 'https' }],
    }],
  ])('gives a %s its defaults', (kind, object, spec) => {
    expect(defaulted(kind, object)['spec']).toMatchObject(spec);
  });

  it('keeps a Recreate Deployment without rollingUpdate and fills a partial one', () => {
    const recreate: Deployment = { metadata: meta, spec: { strategy: { type: 'Recreate' }, replicas: 0 } };
    applyDefaults(kindOf('Deployment'), recreate);
    expect(recreate.spec!.strategy!.rollingUpdate).toBeUndefined();
    expect(recreate.spec!.replicas).toBe(0);
    const partial: Deployment = { metadata: meta, spec: { strategy: { rollingUpdate: { maxSurge: { intVal: 1 } } } } };
    applyDefaults(kindOf('Deployment'), partial);
    expect(partial.spec!.strategy!.rollingUpdate).toEqual({ maxSurge: { intVal: 1 }, maxUnavailable: { strVal: '25%' } });
  });

  it('leaves a Job\'s restartPolicy to the user, and its completions when parallelism is set', () => {
    const job: Job = { metadata: meta, spec: { parallelism: 3, template: template() } };
    applyDefaults(kindOf('Job'), job);
    expect(job.spec!.template!.spec!.restartPolicy ?? '').toBe('');
    expect(job.spec!.completions).toBeUndefined();
    expect(job.spec!.parallelism).toBe(3);
  });

  it('selects a Job\'s pods by its uid, labelling them as Kubernetes does', () => {
    const job: Job = { metadata: { ...meta, name: 'pi', uid: 'abc-123' }, spec: { template: template() } };
    applyDefaults(kindOf('Job'), job);
    expect(job.spec!.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc-123' } });
    expect(job.spec!.template!.metadata!.labels).toEqual({
      app: 'web',
      'batch.kubernetes.io/controller-uid': 'abc-123',
      'controller-uid': 'abc-123',
      'batch.kubernetes.io/job-name': 'pi',
      'job-name': 'pi',
    });
    const manual: Job = { metadata: { ...meta, uid: 'x' }, spec: { manualSelector: true, template: template() } };
    applyDefaults(kindOf('Job'), manual);
    expect(manual.spec!.selector).toBeUndefined();
  });

  it('merges a Secret\'s stringData into data, then drops it', () => {
    const secret: Secret = { metadata: meta, data: { a: Buffer.from('old'), b: Buffer.from('keep') }, stringData: { a: 'new', c: 'é' } };
    const out = defaulted('Secret', secret);
    expect(out['type']).toBe('Opaque');
    expect(out['stringData']).toBeUndefined();
    expect(out['data']).toEqual({ a: 'bmV3', b: 'a2VlcA==', c: Buffer.from('é').toString('base64') });
  });

  it('makes a Namespace Active and labels it with its name', () => {
    const ns: Namespace = { metadata: { name: 'team' } };
    applyDefaults(kindOf('Namespace'), ns);
    expect(ns.status!.phase).toBe('Active');
    expect(ns.metadata!.labels).toEqual({ 'kubernetes.io/metadata.name': 'team' });
  });

  it('leaves a Service\'s clusterIP to the API server', () => {
    const svc: Service = { metadata: meta, spec: { ports: [{ port: 80 }] } };
    applyDefaults(kindOf('Service'), svc);
    expect(svc.spec!.clusterIP ?? '').toBe('');
  });
});
