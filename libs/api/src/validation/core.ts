/** Core kinds other than Pod: Service, ConfigMap, Secret, Namespace, Node, Endpoints, Event, Lease, Network. */
import {
  type ConfigMap,
  type Endpoints,
  type Event,
  type Lease,
  type Namespace,
  type Node,
  type Secret,
  type Service,
} from '../gen/tsk/v1/core.js';
import { type Network } from '../gen/tsk/v1/workloads.js';
import {
  checkConfigKey,
  checkDnsLabel,
  checkIPv4Cidr,
  checkLabels,
  checkMin,
  checkOneOf,
  checkPort,
  checkQualifiedName,
  fail,
  ipv4ToNumber,
  isIPv4,
  isSet,
  show,
} from './common.js';
import { checkIntOrStringPort, PROTOCOLS } from './container.js';
import { TAINT_EFFECTS } from './scheduling.js';

/** Kubernetes' limit on a ConfigMap's or Secret's data. */
export const MAX_DATA_BYTES = 1024 * 1024;

export function validateService(svc: Service): void {
  const s = svc.spec ?? {};
  const type = isSet(s.type) ? s.type : 'ClusterIP';
  if (type === 'LoadBalancer' || type === 'ExternalName') {
    fail('spec.type', `${show(type)} is not supported by tsk: use "ClusterIP" or "NodePort"`);
  }
  checkOneOf(s.type, ['ClusterIP', 'NodePort'], 'spec.type');
  const headless = s.clusterIP === 'None';
  if (isSet(s.clusterIP) && !headless && !isIPv4(s.clusterIP)) {
    fail('spec.clusterIP', `${show(s.clusterIP)} must be a valid IPv4 address, "None" (headless) or empty (allocated)`);
  }
  if (headless && type === 'NodePort') fail('spec.clusterIP', 'may not be "None" for a NodePort service');
  if ((s.clusterIPs ?? []).length > 0 && s.clusterIPs?.[0] !== (s.clusterIP ?? '')) {
    fail('spec.clusterIPs[0]', `must match clusterIP ${show(s.clusterIP ?? '')}`);
  }
  const ports = s.ports ?? [];
  if (ports.length === 0 && !headless) fail('spec.ports', 'a service needs at least one port (or clusterIP "None" for a headless service)');
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((port, i) => {
    const p = `spec.ports[${i}]`;
    if (ports.length > 1 && !isSet(port.name)) fail(`${p}.name`, 'required when a service has more than one port');
    if (isSet(port.name)) {
      checkDnsLabel(port.name, `${p}.name`);
      if (names.has(port.name)) fail(`${p}.name`, `duplicate port name ${show(port.name)}`);
      names.add(port.name);
    }
    checkPort(port.port, `${p}.port`);
    checkOneOf(port.protocol, PROTOCOLS, `${p}.protocol`);
    const key = `${port.port ?? 0}/${port.protocol ?? ''}`;
    if (seen.has(key)) fail(`${p}.port`, `duplicate port ${key}`);
    seen.add(key);
    if (port.targetPort !== undefined) checkIntOrStringPort(port.targetPort, `${p}.targetPort`);
    const nodePort = port.nodePort ?? 0;
    if (nodePort !== 0) {
      if (type !== 'NodePort') fail(`${p}.nodePort`, 'may only be set when type is "NodePort"');
      if (nodePort < 30000 || nodePort > 32767) fail(`${p}.nodePort`, `must be in the range 30000-32767, got ${nodePort}`);
    }
  });
  checkLabels(s.selector, 'spec.selector');
  checkOneOf(s.sessionAffinity, ['None', 'ClientIP'], 'spec.sessionAffinity');
  checkOneOf(s.externalTrafficPolicy, ['', 'Cluster', 'Local'], 'spec.externalTrafficPolicy');
  checkOneOf(s.internalTrafficPolicy, ['', 'Cluster', 'Local'], 'spec.internalTrafficPolicy');
}

function checkData(keys: ReadonlyArray<readonly [string, number, string]>): void {
  let total = 0;
  const seen = new Set<string>();
  for (const [key, size, field] of keys) {
    const p = `${field}[${show(key)}]`;
    checkConfigKey(key, p);
    if (seen.has(key)) fail(p, 'duplicate key: a key may be in data or binaryData, not both');
    seen.add(key);
    total += size;
  }
  if (total > MAX_DATA_BYTES) fail(keys[0]?.[2] ?? 'data', `data totals ${total} bytes, more than the 1 MiB limit`);
}

export function validateConfigMap(cm: ConfigMap): void {
  checkData([
    ...Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.byteLength(v), 'data'] as const),
    ...Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, v.length, 'binaryData'] as const),
  ]);
}

export function validateSecret(s: Secret): void {
  checkData([
    ...Object.entries(s.data ?? {}).map(([k, v]) => [k, v.length, 'data'] as const),
    ...Object.entries(s.stringData ?? {}).map(([k, v]) => [k, Buffer.byteLength(v), 'stringData'] as const),
  ]);
  if (isSet(s.type) && !/^[-._a-zA-Z0-9/]+$/.test(s.type)) fail('type', `${show(s.type)} is not a valid Secret type (e.g. "Opaque")`);
}

export function validateNamespace(ns: Namespace): void {
  checkOneOf(ns.status?.phase, ['', 'Active', 'Terminating'], 'status.phase');
}

export function validateNode(n: Node): void {
  const s = n.spec ?? {};
  if (isSet(s.podCIDR)) checkIPv4Cidr(s.podCIDR, 'spec.podCIDR');
  (s.podCIDRs ?? []).forEach((c, i) => checkIPv4Cidr(c, `spec.podCIDRs[${i}]`));
  (s.taints ?? []).forEach((t, i) => {
    if (!isSet(t.key)) fail(`spec.taints[${i}].key`, 'required value');
    checkQualifiedName(t.key, `spec.taints[${i}].key`);
    checkOneOf(t.effect, TAINT_EFFECTS, `spec.taints[${i}].effect`);
  });
}

export function validateNetwork(n: Network): void {
  const s = n.spec ?? {};
  if (isSet(s.subnet)) checkIPv4Cidr(s.subnet, 'spec.subnet');
  if (isSet(s.gateway)) {
    if (!isIPv4(s.gateway)) fail('spec.gateway', `${show(s.gateway)} is not a valid IPv4 address`);
    if (!isSet(s.subnet)) fail('spec.gateway', 'may only be set together with spec.subnet');
    const [base, bits] = s.subnet.split('/') as [string, string];
    const size = 2 ** (32 - Number(bits));
    const offset = ipv4ToNumber(s.gateway) - ipv4ToNumber(base);
    if (offset < 0 || offset >= size) fail('spec.gateway', `${s.gateway} is not inside subnet ${s.subnet}`);
  }
}

export function validateEndpoints(e: Endpoints): void {
  (e.subsets ?? []).forEach((subset, i) => {
    for (const which of ['addresses', 'notReadyAddresses'] as const) {
      (subset[which] ?? []).forEach((a, j) => {
        if (!isIPv4(a.ip ?? '')) fail(`subsets[${i}].${which}[${j}].ip`, `${show(a.ip ?? '')} is not a valid IPv4 address`);
      });
    }
    (subset.ports ?? []).forEach((port, j) => {
      checkPort(port.port, `subsets[${i}].ports[${j}].port`);
      checkOneOf(port.protocol, ['', ...PROTOCOLS], `subsets[${i}].ports[${j}].protocol`);
    });
  });
}

export function validateEvent(e: Event, namespace: string): void {
  if (!isSet(e.involvedObject?.kind)) fail('involvedObject.kind', 'required value');
  if (!isSet(e.involvedObject.name)) fail('involvedObject.name', 'required value');
  const ns = e.involvedObject.namespace ?? '';
  if (ns !== '' && ns !== namespace) fail('involvedObject.namespace', `does not match the event's namespace ${show(namespace)}`);
  checkOneOf(e.type, ['', 'Normal', 'Warning'], 'type');
  checkMin(e.count, 0, 'count');
  if (isSet(e.reason) && e.reason.length > 128) fail('reason', 'must be at most 128 characters');
}

export function validateLease(l: Lease): void {
  checkMin(l.spec?.leaseDurationSeconds, 1, 'spec.leaseDurationSeconds');
  checkMin(l.spec?.leaseTransitions, 0, 'spec.leaseTransitions');
}
