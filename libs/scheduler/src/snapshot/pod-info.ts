/**
 * A pod digested once into what the plugins read: integer requests, host ports, parsed selectors
 * and affinity terms. The pod being scheduled and every pod already bound share this shape, so
 * affinity rules of bound pods are parsed once, when they enter the snapshot, not per decision.
 */
import {
  fromLabelSelector,
  parseBytes,
  parseCpuMillis,
  type Container,
  type Pod,
  type PodAffinityTerm,
  type Selector,
  type Toleration,
  type WeightedPodAffinityTerm,
} from '@tsk/api';

/** Requests Kubernetes assumes for scoring when a container asks for nothing (100m, 200Mi). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export const DEFAULT_NAMESPACE = 'default';

export interface HostPort {
  /** "0.0.0.0" when the pod did not pin an address: it then conflicts with every address. */
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export interface AffinityTerm {
  /** Identical terms (replicas of one template) share this id, so they can be grouped. */
  readonly id: string;
  /** null: the term had no labelSelector, which selects no pod (as in Kubernetes). */
  readonly selector: Selector | null;
  readonly namespaces: readonly string[];
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm {
  readonly weight: number;
  readonly term: AffinityTerm;
}

export interface PodInfo {
  readonly pod: Pod;
  readonly uid: string;
  /** "namespace/name", for messages and as a fallback identity when uid is empty. */
  readonly key: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** spec.nodeName, "" when unset. */
  readonly nodeName: string;
  /** uid of the controller owner (ownerReferences[].controller), "" when none. */
  readonly ownerUid: string;
  readonly milliCpu: number;
  readonly memory: number;
  /** Requests with Kubernetes' defaults for containers that ask for nothing; used by scores only. */
  readonly nonZeroMilliCpu: number;
  readonly nonZeroMemory: number;
  /** Requests of other resources (ephemeral-storage, nvidia.com/gpu...), in whole units. */
  readonly otherRequests: readonly (readonly [name: string, amount: number])[];
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  /** The app containers' images as written (ImageLocality normalizes them only if it runs). */
  readonly images: readonly string[];
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  /** Set when the spec cannot be read (a malformed quantity or selector); the pod fits nowhere. */
  readonly problem: string | undefined;
}

/** Requests of the pod, summed in place (digestPod runs for every pod; it avoids temporaries). */
interface Requests {
  milliCpu: number;
  memory: number;
  nonZeroMilliCpu: number;
  nonZeroMemory: number;
  /** Created on the first container that asks for something besides cpu and memory. */
  other: Map<string, number> | undefined;
}

const BASIC_RESOURCES = new Set(['cpu', 'memory']);

function addOther(total: Requests, name: string, text: string | undefined, path: string, init: boolean): void {
  if (BASIC_RESOURCES.has(name) || isUnset(text)) return;
  const amount = parseBytes(text, `${path}.resources.requests.${name}`);
  total.other ??= new Map();
  const current = total.other.get(name) ?? 0;
  total.other.set(name, init ? Math.max(current, amount) : current + amount);
}

function isUnset(q: string | undefined): q is undefined | '' {
  return q === undefined || q === '';
}

/**
 * Adds (or, for init containers, takes the max of) one container's requests. A limit without a
 * request means request = limit (Kubernetes' defaulting).
 */
function addContainer(total: Requests, c: Container, path: string, init: boolean): void {
  const requests = c.resources?.requests;
  const limits = c.resources?.limits;
  const cpu = requests?.['cpu'] ?? limits?.['cpu'];
  const memory = requests?.['memory'] ?? limits?.['memory'];
  const milliCpu = isUnset(cpu) ? 0 : parseCpuMillis(cpu, `${path}.resources.requests.cpu`);
  const bytes = isUnset(memory) ? 0 : parseBytes(memory, `${path}.resources.requests.memory`);
  const nonZeroMilliCpu = isUnset(cpu) ? DEFAULT_MILLI_CPU_REQUEST : milliCpu;
  const nonZeroMemory = isUnset(memory) ? DEFAULT_MEMORY_REQUEST : bytes;
  if (requests !== undefined) for (const name in requests) addOther(total, name, requests[name], path, init);
  if (limits !== undefined) {
    for (const name in limits) if (requests?.[name] === undefined) addOther(total, name, limits[name], path, init);
  }
  if (init) {
    // Init containers run one at a time before the app containers: the pod needs the largest.
    total.milliCpu = Math.max(total.milliCpu, milliCpu);
    total.memory = Math.max(total.memory, bytes);
    total.nonZeroMilliCpu = Math.max(total.nonZeroMilliCpu, nonZeroMilliCpu);
    total.nonZeroMemory = Math.max(total.nonZeroMemory, nonZeroMemory);
  } else {
    total.milliCpu += milliCpu;
    total.memory += bytes;
    total.nonZeroMilliCpu += nonZeroMilliCpu;
    total.nonZeroMemory += nonZeroMemory;
  }
}

function addHostPorts(out: HostPort[], c: Container, hostNetwork: boolean): void {
  const ports = c.ports;
  if (ports === undefined) return;
  for (const p of ports) {
    // On the host network a container port is a host port (Kubernetes defaults hostPort to it).
    const port = (p.hostPort ?? 0) > 0 ? (p.hostPort ?? 0) : hostNetwork ? (p.containerPort ?? 0) : 0;
    if (port <= 0) continue;
    const ip = isUnset(p.hostIP) ? '0.0.0.0' : p.hostIP;
    out.push({ ip, protocol: isUnset(p.protocol) ? 'TCP' : p.protocol, port });
  }
}

function affinityTerm(term: PodAffinityTerm | undefined, namespace: string, path: string): AffinityTerm {
  const given = term?.namespaces ?? [];
  const namespaces = given.length > 0 ? given : [namespace];
  const selector = term?.labelSelector === undefined ? null : fromLabelSelector(term.labelSelector, `${path}.labelSelector`);
  const topologyKey = term?.topologyKey ?? '';
  return { id: JSON.stringify([topologyKey, namespaces, selector]), selector, namespaces, topologyKey };
}

function requiredTerms(terms: readonly PodAffinityTerm[] | undefined, namespace: string, path: string): readonly AffinityTerm[] {
  if (terms === undefined || terms.length === 0) return NONE;
  return terms.map((t, i) => affinityTerm(t, namespace, `${path}[${i}]`));
}

function preferredTerms(terms: readonly WeightedPodAffinityTerm[] | undefined, namespace: string, path: string): readonly WeightedAffinityTerm[] {
  if (terms === undefined || terms.length === 0) return NONE;
  return terms.map((w, i) => ({ weight: w.weight ?? 0, term: affinityTerm(w.podAffinityTerm, namespace, `${path}[${i}]`) }));
}

const NONE: readonly never[] = Object.freeze([]);
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** Digests a pod; a spec that cannot be read yields a PodInfo with `problem` set, never a throw. */
export function digestPod(pod: Pod): PodInfo {
  const meta = pod.metadata;
  const spec = pod.spec;
  const namespace = meta === undefined || isUnset(meta.namespace) ? DEFAULT_NAMESPACE : meta.namespace;
  const requests: Requests = { milliCpu: 0, memory: 0, nonZeroMilliCpu: 0, nonZeroMemory: 0, other: undefined };
  const ports: HostPort[] = [];
  const images: string[] = [];
  let ownerUid = '';
  for (const o of meta?.ownerReferences ?? NONE) {
    if (o.controller === true) {
      ownerUid = o.uid ?? '';
      break;
    }
  }
  let problem: string | undefined;
  let requiredAffinity: readonly AffinityTerm[] = NONE;
  let requiredAntiAffinity: readonly AffinityTerm[] = NONE;
  let preferredAffinity: readonly WeightedAffinityTerm[] = NONE;
  let preferredAntiAffinity: readonly WeightedAffinityTerm[] = NONE;
  try {
    const hostNetwork = spec?.hostNetwork === true;
    const containers = spec?.containers ?? NONE;
    for (let i = 0; i < containers.length; i++) {
      const c = containers[i]!;
      addContainer(requests, c, `spec.containers[${i}]`, false);
      addHostPorts(ports, c, hostNetwork);
      if (!isUnset(c.image) && !images.includes(c.image)) images.push(c.image);
    }
    const inits = spec?.initContainers ?? NONE;
    for (let i = 0; i < inits.length; i++) {
      addContainer(requests, inits[i]!, `spec.initContainers[${i}]`, true);
      addHostPorts(ports, inits[i]!, hostNetwork);
    }
    const a = spec?.affinity?.podAffinity;
    const anti = spec?.affinity?.podAntiAffinity;
    if (a !== undefined || anti !== undefined) {
      requiredAffinity = requiredTerms(a?.requiredDuringSchedulingIgnoredDuringExecution, namespace, 'spec.affinity.podAffinity.required');
      requiredAntiAffinity = requiredTerms(anti?.requiredDuringSchedulingIgnoredDuringExecution, namespace, 'spec.affinity.podAntiAffinity.required');
      preferredAffinity = preferredTerms(a?.preferredDuringSchedulingIgnoredDuringExecution, namespace, 'spec.affinity.podAffinity.preferred');
      preferredAntiAffinity = preferredTerms(anti?.preferredDuringSchedulingIgnoredDuringExecution, namespace, 'spec.affinity.podAntiAffinity.preferred');
    }
  } catch (err: unknown) {
    // InvalidError's message already names the field ("spec.containers[0]...: ...").
    problem = `pod spec is invalid: ${err instanceof Error ? err.message : String(err)}`;
  }
  return {
    pod,
    uid: meta?.uid ?? '',
    key: `${namespace}/${meta?.name ?? ''}`,
    namespace,
    labels: meta?.labels ?? NO_LABELS,
    nodeName: spec?.nodeName ?? '',
    ownerUid,
    milliCpu: requests.milliCpu,
    memory: requests.memory,
    nonZeroMilliCpu: requests.nonZeroMilliCpu,
    nonZeroMemory: requests.nonZeroMemory,
    otherRequests: problem === undefined && requests.other !== undefined ? [...requests.other] : NONE,
    hostPorts: ports,
    tolerations: spec?.tolerations ?? NONE,
    images,
    requiredAffinity,
    requiredAntiAffinity,
    preferredAffinity,
    preferredAntiAffinity,
    problem,
  };
}

/** Whether an affinity term selects `other` (namespace and labels). */
export function termMatchesPod(term: AffinityTerm, other: PodInfo): boolean {
  return term.selector !== null && term.namespaces.includes(other.namespace) && selectorMatches(term.selector, other.labels);
}

/**
 * Label selector matching without the allocation of @tsk/api's `matches` (it builds a `?? {}`
 * and calls hasOwnProperty per requirement); this runs for every bound pod in affinity and spread
 * counting, so it is kept to plain loops.
 */
export function selectorMatches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  for (let i = 0; i < selector.length; i++) {
    const r = selector[i]!;
    // hasOwn: a label named "constructor" must not read Object.prototype.
    const v = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    switch (r.operator) {
      case 'In':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'NotIn':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'Exists':
        if (v === undefined) return false;
        break;
      case 'DoesNotExist':
        if (v !== undefined) return false;
        break;
      case 'Gt':
      case 'Lt': {
        if (v === undefined) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (!Number.isFinite(n) || (r.operator === 'Gt' ? !(n > bound) : !(n < bound))) return false;
        break;
      }
    }
  }
  return true;
}
