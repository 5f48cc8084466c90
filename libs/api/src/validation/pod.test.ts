import { describe, expect, it } from 'vitest';
import { type Pod } from '../gen/tsk/v1/pod.js';
import { applyDefaults } from '../defaults/index.js';
import { validateObject } from './index.js';
import { container, invalid, valid } from './builders.js';

type Case = readonly [what: string, mutate: (p: Pod) => void, path: string, message: string | RegExp];

const c0 = (p: Pod) => p.spec!.containers![0]!;

const cases: readonly Case[] = [
  ['no containers', (p) => (p.spec!.containers = []), 'spec.containers', 'at least one container'],
  ['duplicate name across init and app containers', (p) => (p.spec!.initContainers = [container('app')]), 'spec.containers[0].name', 'duplicate container name "app"'],
  ['second container with a bad name', (p) => p.spec!.containers!.push(container('Web_1')), 'spec.containers[1].name', 'not a valid DNS-1123 label'],
  ['no image', (p) => (c0(p).image = ''), 'spec.containers[0].image', 'required value'],
  ['containerPort 0', (p) => (c0(p).ports = [{ containerPort: 0, protocol: 'TCP' }]), 'spec.containers[0].ports[0].containerPort', 'between 1 and 65535'],
  ['containerPort 65536', (p) => (c0(p).ports = [{ containerPort: 65536, protocol: 'TCP' }]), 'spec.containers[0].ports[0].containerPort', 'got 65536'],
  ['hostPort 70000', (p) => (c0(p).ports = [{ containerPort: 80, hostPort: 70000, protocol: 'TCP' }]), 'spec.containers[0].ports[0].hostPort', 'hostPort must be between 1 and 65535'],
  ['protocol HTTP', (p) => (c0(p).ports = [{ containerPort: 80, protocol: 'HTTP' }]), 'spec.containers[0].ports[0].protocol', 'unsupported value "HTTP": must be one of "TCP", "UDP", "SCTP"'],
  ['bad port name', (p) => (c0(p).ports = [{ containerPort: 80, protocol: 'TCP', name: 'http-web-server-port' }]), 'spec.containers[0].ports[0].name', 'not a valid port name'],
  ['hostPort used twice', (p) => {
    c0(p).ports = [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }];
    p.spec!.containers!.push(container('b', { ports: [{ containerPort: 81, hostPort: 8080, protocol: 'TCP' }] }));
  }, 'spec.containers[1].ports[0].hostPort', 'already used by spec.containers[0].ports[0]'],
  ['hostNetwork with hostPort != containerPort', (p) => {
    p.spec!.hostNetwork = true;
    c0(p).ports = [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }];
  }, 'spec.containers[0].ports[0].hostPort', 'must match containerPort (80) when hostNetwork is true'],
  ['restartPolicy Sometimes', (p) => (p.spec!.restartPolicy = 'Sometimes'), 'spec.restartPolicy', '"Always", "OnFailure", "Never"'],
  ['dnsPolicy bad', (p) => (p.spec!.dnsPolicy = 'Google'), 'spec.dnsPolicy', 'unsupported value "Google"'],
  ['imagePullPolicy bad', (p) => (c0(p).imagePullPolicy = 'Sometimes'), 'spec.containers[0].imagePullPolicy', 'unsupported value'],
  ['env name with =', (p) => (c0(p).env = [{ name: 'A=B', value: '1' }]), 'spec.containers[0].env[0].name', "except '='"],
  ['env name empty', (p) => (c0(p).env = [{ name: '', value: '1' }]), 'spec.containers[0].env[0].name', 'not a valid environment variable name'],
  ['valueFrom with two sources', (p) => (c0(p).env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' }, secretKeyRef: { name: 's', key: 'k' } } }]), 'spec.containers[0].env[0].valueFrom', 'exactly one of fieldRef'],
  ['valueFrom with no source', (p) => (c0(p).env = [{ name: 'A', valueFrom: {} }]), 'spec.containers[0].env[0].valueFrom', 'exactly one of'],
  ['value and valueFrom', (p) => (c0(p).env = [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]), 'spec.containers[0].env[0].valueFrom', 'may not be specified when value is not empty'],
  ['unsupported fieldPath', (p) => (c0(p).env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.containers' } } }]), 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', 'unsupported value'],
  ['secretKeyRef without key', (p) => (c0(p).env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 's' } } }]), 'spec.containers[0].env[0].valueFrom.secretKeyRef.key', 'required value'],
  ['resourceFieldRef bad resource', (p) => (c0(p).env = [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }]), 'spec.containers[0].env[0].valueFrom.resourceFieldRef.resource', 'unsupported value "limits.gpu"'],
  ['envFrom with no ref', (p) => (c0(p).envFrom = [{ prefix: 'X_' }]), 'spec.containers[0].envFrom[0]', 'exactly one of configMapRef or secretRef'],
  ['envFrom with both refs', (p) => (c0(p).envFrom = [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }]), 'spec.containers[0].envFrom[0]', '(got both)'],
  ['envFrom ref without name', (p) => (c0(p).envFrom = [{ secretRef: {} }]), 'spec.containers[0].envFrom[0].secretRef.name', 'required value'],
  ['duplicate volume names', (p) => (p.spec!.volumes = [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }]), 'spec.volumes[1].name', 'duplicate volume name "v"'],
  ['volume without source', (p) => (p.spec!.volumes = [{ name: 'v' }]), 'spec.volumes[0]', 'must specify a volume source'],
  ['volume with two sources', (p) => (p.spec!.volumes = [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }]), 'spec.volumes[0].hostPath', 'more than one volume source'],
  ['bad volume name', (p) => (p.spec!.volumes = [{ name: 'V', emptyDir: {} }]), 'spec.volumes[0].name', 'DNS-1123 label'],
  ['emptyDir medium bad', (p) => (p.spec!.volumes = [{ name: 'v', emptyDir: { medium: 'Disk' } }]), 'spec.volumes[0].emptyDir.medium', '"", "Memory"'],
  ['hostPath relative', (p) => (p.spec!.volumes = [{ name: 'v', hostPath: { path: 'data' } }]), 'spec.volumes[0].hostPath.path', 'absolute path'],
  ['configMap volume without name', (p) => (p.spec!.volumes = [{ name: 'v', configMap: {} }]), 'spec.volumes[0].configMap.name', 'required value'],
  ['secret item path escaping', (p) => (p.spec!.volumes = [{ name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: '../etc' }] } }]), 'spec.volumes[0].secret.items[0].path', "must not contain '..'"],
  ['namedVolume bad name', (p) => (p.spec!.volumes = [{ name: 'v', namedVolume: { volumeName: 'Data' } }]), 'spec.volumes[0].namedVolume.volumeName', 'DNS-1123 label'],
  ['mount of an undeclared volume', (p) => (c0(p).volumeMounts = [{ name: 'data', mountPath: '/data' }]), 'spec.containers[0].volumeMounts[0].name', 'volume "data" is not declared in spec.volumes'],
  ['relative mountPath', (p) => {
    p.spec!.volumes = [{ name: 'data', emptyDir: {} }];
    c0(p).volumeMounts = [{ name: 'data', mountPath: 'data' }];
  }, 'spec.containers[0].volumeMounts[0].mountPath', 'must be an absolute path'],
  ['probe without handler', (p) => (c0(p).livenessProbe = {}), 'spec.containers[0].livenessProbe', 'must specify a handler'],
  ['probe with two handlers', (p) => (c0(p).readinessProbe = { exec: { command: ['true'] }, tcpSocket: { port: { intVal: 80 } } }), 'spec.containers[0].readinessProbe.tcpSocket', 'more than one handler'],
  ['probe httpGet port 0', (p) => (c0(p).livenessProbe = { httpGet: { port: { intVal: 0 }, scheme: 'HTTP', path: '/' } }), 'spec.containers[0].livenessProbe.httpGet.port', 'between 1 and 65535'],
  ['liveness successThreshold 2', (p) => (c0(p).livenessProbe = { exec: { command: ['true'] }, successThreshold: 2 }), 'spec.containers[0].livenessProbe.successThreshold', 'must be 1'],
  ['probe periodSeconds -1', (p) => (c0(p).readinessProbe = { exec: { command: ['true'] }, periodSeconds: -1 }), 'spec.containers[0].readinessProbe.periodSeconds', 'greater than or equal to 1, got -1'],
  ['init container with a probe', (p) => (p.spec!.initContainers = [container('init', { readinessProbe: { exec: { command: ['true'] } } })]), 'spec.initContainers[0].readinessProbe', 'may not be set for init containers'],
  ['preStop with no handler', (p) => (c0(p).lifecycle = { preStop: {} }), 'spec.containers[0].lifecycle.preStop', 'exec, httpGet, tcpSocket or sleep'],
  ['memory not a quantity', (p) => (c0(p).resources = { limits: { memory: '12 MB' } }), 'spec.containers[0].resources.limits.memory', 'not a quantity'],
  ['negative cpu', (p) => (c0(p).resources = { requests: { cpu: '-1' } }), 'spec.containers[0].resources.requests.cpu', 'non-negative'],
  ['requests above limits', (p) => (c0(p).resources = { limits: { cpu: '500m' }, requests: { cpu: '1' } }), 'spec.containers[0].resources.requests.cpu', 'less than or equal to the cpu limit (500m), got 1'],
  ['unknown resource', (p) => (c0(p).resources = { limits: { 'nvidia.com/gpu': '1' } }), 'spec.containers[0].resources.limits["nvidia.com/gpu"]', 'unsupported resource'],
  ['toleration bad operator', (p) => (p.spec!.tolerations = [{ key: 'k', operator: 'Maybe' }]), 'spec.tolerations[0].operator', 'unsupported value "Maybe"'],
  ['toleration bad effect', (p) => (p.spec!.tolerations = [{ key: 'k', effect: 'NoRun' }]), 'spec.tolerations[0].effect', 'unsupported value "NoRun"'],
  ['toleration Exists with value', (p) => (p.spec!.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]), 'spec.tolerations[0].value', 'must be empty'],
  ['toleration without key, Equal', (p) => (p.spec!.tolerations = [{ value: 'v' }]), 'spec.tolerations[0].operator', 'must be "Exists" when key is empty'],
  ['tolerationSeconds without NoExecute', (p) => (p.spec!.tolerations = [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }]), 'spec.tolerations[0].tolerationSeconds', 'NoExecute'],
  ['nodeSelector bad key', (p) => (p.spec!.nodeSelector = { 'bad key': 'x' }), 'spec.nodeSelector["bad key"]', 'not a valid key'],
  ['nodeSelector bad value', (p) => (p.spec!.nodeSelector = { disk: 'ssd!' }), 'spec.nodeSelector["disk"]', 'not a valid label value'],
  ['node affinity bad operator', (p) => (p.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Like', values: ['ssd'] }] }] } } }),
    'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator', 'unsupported value "Like"'],
  ['node affinity Gt with a word', (p) => (p.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['many'] }] }] } } }),
    'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', 'exactly one integer'],
  ['node affinity without terms', (p) => (p.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }),
    'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', 'at least one term'],
  ['preferred weight 0', (p) => (p.spec!.affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] } }),
    'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', 'between 1 and 100'],
  ['anti-affinity without topologyKey', (p) => (p.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } } }] } }),
    'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey', 'required value'],
  ['anti-affinity In without values', (p) => (p.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }] } }),
    'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values', 'needs at least one value'],
  ['maxSkew 0', (p) => (p.spec!.topologySpreadConstraints = [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }]), 'spec.topologySpreadConstraints[0].maxSkew', 'greater than or equal to 1'],
  ['whenUnsatisfiable bad', (p) => (p.spec!.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'Ignore' }]), 'spec.topologySpreadConstraints[0].whenUnsatisfiable', '"DoNotSchedule", "ScheduleAnyway"'],
  ['negative grace period', (p) => (p.spec!.terminationGracePeriodSeconds = -1), 'spec.terminationGracePeriodSeconds', 'greater than or equal to 0, got -1'],
  ['bad nodeName', (p) => (p.spec!.nodeName = 'Node_1'), 'spec.nodeName', 'DNS-1123 subdomain'],
];

describe('validateObject: pods', () => {
  it('accepts the builder pod, and a rich one', () => {
    const { info, object } = valid<Pod>('Pod');
    expect(() => validateObject(info, object)).not.toThrow();
    object.spec!.volumes = [{ name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }, { name: 'cfg', configMap: { name: 'cfg' } }];
    object.spec!.containers![0] = container('app', {
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePolicy: 'File',
      ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP', name: 'http' }],
      env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }, { name: 'weird.name-1', value: 'ok' }],
      envFrom: [{ configMapRef: { name: 'cfg' } }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cfg', mountPath: '/etc/app', readOnly: true }],
      resources: { limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } },
      livenessProbe: { httpGet: { port: { strVal: 'http' }, path: '/healthz', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      lifecycle: { preStop: { sleep: { seconds: 5 } } },
    });
    object.spec!.tolerations = [{ operator: 'Exists' }, { key: 'k', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 }];
    object.spec!.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }];
    expect(() => validateObject(info, object)).not.toThrow();
  });

  it.each(cases)('refuses %s', (_what, mutate, path, message) => {
    const { info, object } = valid<Pod>('Pod');
    expect(() => validateObject(info, object)).not.toThrow();
    mutate(object);
    applyDefaults(info, object); // as the server does: defaults, then validation
    const err = invalid(() => validateObject(info, object));
    expect(err.path).toBe(path);
    expect(err.message).toMatch(typeof message === 'string' ? new RegExp(escape(message)) : message);
    expect(err.message.startsWith(`${path}: `)).toBe(true);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
