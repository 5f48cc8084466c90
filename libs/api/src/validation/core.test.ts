import { describe, expect, it } from 'vitest';
import { type KindObject } from '../kinds.js';
import { type ConfigMap, type Event, type Lease, type Node, type Secret, type Service } from '../gen/tsk/v1/core.js';
import { type Network } from '../gen/tsk/v1/workloads.js';
import { validateObject } from './index.js';
import { refusal, valid } from './builders.js';

type Case = readonly [what: string, kind: string, mutate: (o: KindObject) => void, path: string, message: string];

const svc = (o: KindObject) => (o as Service).spec!;
const two = [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'https', port: 443, protocol: 'TCP' }];

const cases: readonly Case[] = [
  ['type LoadBalancer', 'Service', (o) => (svc(o).type = 'LoadBalancer'), 'spec.type', '"LoadBalancer" is not supported by tsk: use "ClusterIP" or "NodePort"'],
  ['type ExternalName', 'Service', (o) => (svc(o).type = 'ExternalName'), 'spec.type', 'not supported by tsk'],
  ['an unknown type', 'Service', (o) => (svc(o).type = 'Internal'), 'spec.type', 'unsupported value "Internal"'],
  ['no ports', 'Service', (o) => (svc(o).ports = []), 'spec.ports', 'at least one port'],
  ['two ports, one unnamed', 'Service', (o) => (svc(o).ports = [two[0]!, { port: 443, protocol: 'TCP' }]), 'spec.ports[1].name', 'required when a service has more than one port'],
  ['two ports with one name', 'Service', (o) => (svc(o).ports = [two[0]!, { ...two[1]!, name: 'http' }]), 'spec.ports[1].name', 'duplicate port name "http"'],
  ['the same port twice', 'Service', (o) => (svc(o).ports = [two[0]!, { ...two[0]!, name: 'web' }]), 'spec.ports[1].port', 'duplicate port 80/TCP'],
  ['port 0', 'Service', (o) => (svc(o).ports = [{ port: 0, protocol: 'TCP' }]), 'spec.ports[0].port', 'between 1 and 65535'],
  ['a bad protocol', 'Service', (o) => (svc(o).ports![0]!.protocol = 'ICMP'), 'spec.ports[0].protocol', 'unsupported value "ICMP"'],
  ['a bad targetPort name', 'Service', (o) => (svc(o).ports![0]!.targetPort = { strVal: 'HTTP' }), 'spec.ports[0].targetPort', 'not a valid port name'],
  ['nodePort out of range', 'Service', (o) => Object.assign(svc(o), { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 8080 }] }), 'spec.ports[0].nodePort', 'range 30000-32767, got 8080'],
  ['nodePort on a ClusterIP service', 'Service', (o) => (svc(o).ports![0]!.nodePort = 30080), 'spec.ports[0].nodePort', 'only be set when type is "NodePort"'],
  ['a bad clusterIP', 'Service', (o) => (svc(o).clusterIP = '10.96.0.300'), 'spec.clusterIP', 'valid IPv4 address, "None"'],
  ['a headless NodePort', 'Service', (o) => Object.assign(svc(o), { type: 'NodePort', clusterIP: 'None' }), 'spec.clusterIP', 'may not be "None" for a NodePort'],
  ['a bad sessionAffinity', 'Service', (o) => (svc(o).sessionAffinity = 'Sticky'), 'spec.sessionAffinity', 'unsupported value "Sticky"'],
  ['a bad selector value', 'Service', (o) => (svc(o).selector = { app: 'a b' }), 'spec.selector["app"]', 'not a valid label value'],
  ['a bad ConfigMap key', 'ConfigMap', (o) => ((o as ConfigMap).data = { 'a/b': 'x' }), 'data["a/b"]', 'not a valid key'],
  ['a ConfigMap key ".."', 'ConfigMap', (o) => ((o as ConfigMap).data = { '..': 'x' }), 'data[".."]', 'not "." or ".."'],
  ['a ConfigMap key in data and binaryData', 'ConfigMap', (o) => ((o as ConfigMap).binaryData = { 'app.conf': Buffer.from('x') }), 'binaryData["app.conf"]', 'in data or binaryData, not both'],
  ['a ConfigMap over 1 MiB', 'ConfigMap', (o) => ((o as ConfigMap).data = { a: 'x'.repeat(512 * 1024), b: 'y'.repeat(512 * 1024 + 1) }), 'data', 'more than the 1 MiB limit'],
  ['a bad Secret key', 'Secret', (o) => ((o as Secret).data = { 'my key': Buffer.from('x') }), 'data["my key"]', 'not a valid key'],
  ['a Secret over 1 MiB', 'Secret', (o) => ((o as Secret).data = { a: Buffer.alloc(1024 * 1024 + 1) }), 'data', 'more than the 1 MiB limit'],
  ['a Network subnet that is not a CIDR', 'Network', (o) => ((o as Network).spec!.subnet = '10.250.0.0'), 'spec.subnet', 'not a valid IPv4 CIDR'],
  ['a Network subnet /33', 'Network', (o) => ((o as Network).spec!.subnet = '10.250.0.0/33'), 'spec.subnet', 'not a valid IPv4 CIDR'],
  ['a Network subnet with host bits', 'Network', (o) => ((o as Network).spec!.subnet = '10.250.0.7/24'), 'spec.subnet', 'did you mean "10.250.0.0/24"?'],
  ['a Network gateway outside the subnet', 'Network', (o) => ((o as Network).spec!.gateway = '10.251.0.1'), 'spec.gateway', 'not inside subnet 10.250.0.0/24'],
  ['a Node podCIDR that is not a CIDR', 'Node', (o) => ((o as Node).spec!.podCIDR = 'ten/24'), 'spec.podCIDR', 'not a valid IPv4 CIDR'],
  ['a Node taint with a bad effect', 'Node', (o) => ((o as Node).spec!.taints = [{ key: 'k', effect: 'NoRun' }]), 'spec.taints[0].effect', 'unsupported value "NoRun"'],
  ['an Event of a bad type', 'Event', (o) => ((o as Event).type = 'Error'), 'type', 'unsupported value "Error"'],
  ['an Event about another namespace', 'Event', (o) => ((o as Event).involvedObject!.namespace = 'other'), 'involvedObject.namespace', 'does not match'],
  ['an Event without involvedObject', 'Event', (o) => delete (o as Event).involvedObject, 'involvedObject.kind', 'required value'],
  ['a Lease of 0 seconds', 'Lease', (o) => ((o as Lease).spec!.leaseDurationSeconds = 0), 'spec.leaseDurationSeconds', 'greater than or equal to 1'],
  ['Endpoints with a bad IP', 'Endpoints', (o) => Object.assign(o, { subsets: [{ addresses: [{ ip: 'pod-1' }] }] }), 'subsets[0].addresses[0].ip', 'not a valid IPv4 address'],
];

describe('validateObject: core kinds', () => {
  it.each(cases)('refuses %s', (_what, kind, mutate, path, message) => {
    const { info, object } = valid(kind);
    expect(() => validateObject(info, object)).not.toThrow();
    mutate(object);
    const r = refusal(() => validateObject(info, object));
    expect(r.path).toBe(path);
    expect(r.message).toContain(message);
  });

  it.each<readonly [string, (s: Service) => void]>([
    ['a headless service without ports', (s) => Object.assign(s.spec!, { clusterIP: 'None', ports: [] })],
    ['two named ports', (s) => (s.spec!.ports = two)],
    ['a NodePort with a nodePort', (s) => Object.assign(s.spec!, { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] })],
    ['an explicit clusterIP', (s) => (s.spec!.clusterIP = '10.96.0.10')],
  ])('accepts %s', (_what, mutate) => {
    const { info, object } = valid<Service>('Service');
    mutate(object);
    expect(() => validateObject(info, object)).not.toThrow();
  });
});
