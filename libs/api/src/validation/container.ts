/** One container of a pod: image, ports, env, resources, mounts, probes, lifecycle. */
import { type IntOrString } from '../gen/tsk/v1/meta.js';
import {
  type Container,
  type EnvFromSource,
  type EnvVar,
  type HTTPGetAction,
  type LifecycleHandler,
  type Probe,
  type ResourceRequirements,
  type TCPSocketAction,
} from '../gen/tsk/v1/pod.js';
import {
  checkConfigKey,
  checkDnsLabel,
  checkDnsSubdomain,
  checkMin,
  checkOneOf,
  checkPort,
  checkPortName,
  checkQuantity,
  checkRelativePath,
  fail,
  isSet,
  show,
} from './common.js';

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const RESOURCES = ['cpu', 'memory', 'ephemeral-storage', 'pods'];
const FIELD_REFS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const RESOURCE_REFS = ['limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage'];

/** Kubernetes' relaxed rule: any printable ASCII except '='. */
function checkEnvName(name: string, path: string): void {
  if (name === '' || !/^[\x20-\x3c\x3e-\x7e]+$/.test(name)) {
    fail(path, `${show(name)} is not a valid environment variable name: printable ASCII characters except '=' (e.g. "MY_VAR")`);
  }
}

/** A probe's or handler's port: a number 1-65535 or a named container port. */
export function checkIntOrStringPort(port: IntOrString | undefined, path: string): void {
  if (isSet(port?.strVal)) {
    checkPortName(port.strVal, path);
    return;
  }
  checkPort(port?.intVal, path);
}

function checkHttpGet(h: HTTPGetAction, path: string): void {
  checkIntOrStringPort(h.port, `${path}.port`);
  checkOneOf(h.scheme, ['HTTP', 'HTTPS'], `${path}.scheme`);
  if (isSet(h.path) && !h.path.startsWith('/')) fail(`${path}.path`, `${show(h.path)} must start with '/'`);
  (h.httpHeaders ?? []).forEach((hd, i) => {
    if (!isSet(hd.name) || !/^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/.test(hd.name)) {
      fail(`${path}.httpHeaders[${i}].name`, `${show(hd.name ?? '')} is not a valid HTTP header name`);
    }
  });
}

function checkTcpSocket(t: TCPSocketAction, path: string): void {
  checkIntOrStringPort(t.port, `${path}.port`);
}

function checkHandler(h: Probe | LifecycleHandler, path: string, withSleep: boolean): void {
  const set: string[] = [];
  if (h.exec !== undefined) set.push('exec');
  if (h.httpGet !== undefined) set.push('httpGet');
  if (h.tcpSocket !== undefined) set.push('tcpSocket');
  if ('sleep' in h && h.sleep !== undefined) set.push('sleep');
  const kinds = withSleep ? 'exec, httpGet, tcpSocket or sleep' : 'exec, httpGet or tcpSocket';
  if (set.length === 0) fail(path, `must specify a handler: one of ${kinds}`);
  if (set.length > 1) fail(`${path}.${set[1]!}`, `may not specify more than one handler (got ${set.join(' and ')})`);
  if (h.exec !== undefined && (h.exec.command ?? []).length === 0) fail(`${path}.exec.command`, 'required value: the command to run');
  if (h.httpGet !== undefined) checkHttpGet(h.httpGet, `${path}.httpGet`);
  if (h.tcpSocket !== undefined) checkTcpSocket(h.tcpSocket, `${path}.tcpSocket`);
  if ('sleep' in h && h.sleep !== undefined) checkMin(h.sleep.seconds ?? 0, 0, `${path}.sleep.seconds`);
}

function checkProbe(p: Probe, path: string, successMustBeOne: boolean): void {
  checkHandler(p, path, false);
  checkMin(p.initialDelaySeconds ?? 0, 0, `${path}.initialDelaySeconds`);
  checkMin(p.timeoutSeconds ?? 0, 1, `${path}.timeoutSeconds`);
  checkMin(p.periodSeconds ?? 0, 1, `${path}.periodSeconds`);
  checkMin(p.successThreshold ?? 0, 1, `${path}.successThreshold`);
  checkMin(p.failureThreshold ?? 0, 1, `${path}.failureThreshold`);
  if (successMustBeOne && (p.successThreshold ?? 1) !== 1) fail(`${path}.successThreshold`, 'must be 1 for liveness and startup probes');
  if (p.terminationGracePeriodSeconds !== undefined) checkMin(p.terminationGracePeriodSeconds, 1, `${path}.terminationGracePeriodSeconds`);
}

function checkEnv(env: EnvVar, path: string): void {
  checkEnvName(env.name ?? '', `${path}.name`);
  const from = env.valueFrom;
  if (from === undefined) return;
  if (isSet(env.value)) fail(`${path}.valueFrom`, 'may not be specified when value is not empty');
  const sources = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const).filter((s) => from[s] !== undefined);
  if (sources.length !== 1) {
    fail(`${path}.valueFrom`, `must specify exactly one of fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef${sources.length > 1 ? ` (got ${sources.join(' and ')})` : ''}`);
  }
  const p = `${path}.valueFrom`;
  if (from.fieldRef !== undefined) {
    const fp = from.fieldRef.fieldPath ?? '';
    if (!FIELD_REFS.includes(fp) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp)) {
      fail(`${p}.fieldRef.fieldPath`, `unsupported value ${show(fp)}: must be one of ${FIELD_REFS.join(', ')}, metadata.labels['KEY'] or metadata.annotations['KEY']`);
    }
  }
  if (from.resourceFieldRef !== undefined) {
    checkOneOf(from.resourceFieldRef.resource, RESOURCE_REFS, `${p}.resourceFieldRef.resource`);
    if (isSet(from.resourceFieldRef.divisor)) checkQuantity(from.resourceFieldRef.divisor, `${p}.resourceFieldRef.divisor`);
  }
  for (const ref of ['configMapKeyRef', 'secretKeyRef'] as const) {
    const k = from[ref];
    if (k === undefined) continue;
    if (!isSet(k.name)) fail(`${p}.${ref}.name`, `required value: the ${ref === 'configMapKeyRef' ? 'ConfigMap' : 'Secret'} to read`);
    checkDnsSubdomain(k.name, `${p}.${ref}.name`);
    if (!isSet(k.key)) fail(`${p}.${ref}.key`, 'required value: the key to read');
    checkConfigKey(k.key, `${p}.${ref}.key`);
  }
}

function checkEnvFrom(e: EnvFromSource, path: string): void {
  if (isSet(e.prefix)) checkEnvName(e.prefix, `${path}.prefix`);
  const refs = (['configMapRef', 'secretRef'] as const).filter((r) => e[r] !== undefined);
  if (refs.length !== 1) fail(path, `must specify exactly one of configMapRef or secretRef${refs.length > 1 ? ' (got both)' : ''}`);
  const ref = refs[0]!;
  const name = e[ref]?.name ?? '';
  if (name === '') fail(`${path}.${ref}.name`, 'required value');
  checkDnsSubdomain(name, `${path}.${ref}.name`);
}

function checkResources(r: ResourceRequirements, path: string): void {
  const parsed: Record<'limits' | 'requests', Map<string, number>> = { limits: new Map(), requests: new Map() };
  for (const which of ['limits', 'requests'] as const) {
    for (const [name, value] of Object.entries(r[which] ?? {})) {
      const p = /^[a-z][-a-z0-9]*$/.test(name) ? `${path}.${which}.${name}` : `${path}.${which}[${show(name)}]`;
      if (!RESOURCES.includes(name)) fail(p, `unsupported resource ${show(name)}: tsk supports ${RESOURCES.join(', ')}`);
      parsed[which].set(name, checkQuantity(value, p));
    }
  }
  for (const [name, request] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (limit !== undefined && request > limit) {
      fail(`${path}.requests.${name}`, // only known (plain) names reach here
         `must be less than or equal to the ${name} limit (${r.limits?.[name] ?? ''}), got ${r.requests?.[name] ?? ''}`);
    }
  }
}

/**
 * Checks one container. `volumes` are the pod's declared volume names; `init` relaxes the rules
 * Kubernetes relaxes for init containers (no probes, which would never pass).
 */
export function validateContainer(c: Container, path: string, volumes: ReadonlySet<string>, init: boolean, hostNetwork: boolean): void {
  if (!isSet(c.name)) fail(`${path}.name`, 'required value');
  checkDnsLabel(c.name, `${path}.name`);
  if (!isSet(c.image)) fail(`${path}.image`, 'required value: the image to run (e.g. "nginx:1.27")');
  if (c.image.trim() !== c.image) fail(`${path}.image`, 'must not have leading or trailing whitespace');
  checkOneOf(c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never'], `${path}.imagePullPolicy`);
  checkOneOf(c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError'], `${path}.terminationMessagePolicy`);
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    const p = `${path}.ports[${i}]`;
    checkPort(port.containerPort, `${p}.containerPort`, 'containerPort');
    const hostPort = port.hostPort ?? 0;
    if (hostPort !== 0) checkPort(hostPort, `${p}.hostPort`, 'hostPort');
    if (hostNetwork && hostPort !== port.containerPort) {
      fail(`${p}.hostPort`, `must match containerPort (${port.containerPort ?? 0}) when hostNetwork is true`);
    }
    checkOneOf(port.protocol, PROTOCOLS, `${p}.protocol`);
    if (isSet(port.name)) {
      checkPortName(port.name, `${p}.name`);
      if (portNames.has(port.name)) fail(`${p}.name`, `duplicate port name ${show(port.name)}`);
      portNames.add(port.name);
    }
  });
  (c.env ?? []).forEach((e, i) => checkEnv(e, `${path}.env[${i}]`));
  (c.envFrom ?? []).forEach((e, i) => checkEnvFrom(e, `${path}.envFrom[${i}]`));
  if (c.resources !== undefined) checkResources(c.resources, `${path}.resources`);
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = `${path}.volumeMounts[${i}]`;
    if (!isSet(m.name)) fail(`${p}.name`, 'required value');
    if (!volumes.has(m.name)) fail(`${p}.name`, `volume ${show(m.name)} is not declared in spec.volumes`);
    if (!isSet(m.mountPath)) fail(`${p}.mountPath`, 'required value');
    if (!m.mountPath.startsWith('/')) fail(`${p}.mountPath`, `${show(m.mountPath)} must be an absolute path`);
    if (mountPaths.has(m.mountPath)) fail(`${p}.mountPath`, `duplicate mountPath ${show(m.mountPath)}`);
    mountPaths.add(m.mountPath);
    if (isSet(m.subPath)) checkRelativePath(m.subPath, `${p}.subPath`);
    checkOneOf(m.mountPropagation, ['', 'None', 'HostToContainer', 'Bidirectional'], `${p}.mountPropagation`);
  });
  const probes = [
    ['livenessProbe', c.livenessProbe, true],
    ['readinessProbe', c.readinessProbe, false],
    ['startupProbe', c.startupProbe, true],
  ] as const;
  for (const [name, probe, successOne] of probes) {
    if (probe === undefined) continue;
    if (init) fail(`${path}.${name}`, 'may not be set for init containers');
    checkProbe(probe, `${path}.${name}`, successOne);
  }
  if (c.lifecycle?.postStart !== undefined) checkHandler(c.lifecycle.postStart, `${path}.lifecycle.postStart`, true);
  if (c.lifecycle?.preStop !== undefined) checkHandler(c.lifecycle.preStop, `${path}.lifecycle.preStop`, true);
  if (isSet(c.workingDir) && !c.workingDir.startsWith('/')) fail(`${path}.workingDir`, `${show(c.workingDir)} must be an absolute path`);
  const caps = c.securityContext?.capabilities;
  for (const which of ['add', 'drop'] as const) {
    (caps?.[which] ?? []).forEach((cap, i) => {
      if (!/^[A-Z_]+$/.test(cap)) fail(`${path}.securityContext.capabilities.${which}[${i}]`, `${show(cap)} is not a capability name (e.g. "NET_ADMIN")`);
    });
  }
  checkMin(c.securityContext?.runAsUser, 0, `${path}.securityContext.runAsUser`);
  checkMin(c.securityContext?.runAsGroup, 0, `${path}.securityContext.runAsGroup`);
}
