/**
 * The kinds tsk serves, in one table: names, API group, scope, the Object oneof field that carries
 * each, and its generated message functions. Everything that maps between a kind name a user
 * typed ("po", "deployments", "Deployment") and the wire goes through here.
 */
import { type BinaryWriter } from '@bufbuild/protobuf/wire';
import { ConfigMap, Endpoints, Event, Lease, Namespace, Node, Secret, Service } from './gen/tsk/v1/core.js';
import { type ObjectMeta } from './gen/tsk/v1/meta.js';
import { Pod } from './gen/tsk/v1/pod.js';
import { DaemonSet, Deployment, Job, Network, ReplicaSet } from './gen/tsk/v1/workloads.js';
import { InvalidError } from './errors.js';

/** What ts-proto generates for each message (the subset tsk uses). */
export interface MessageFns<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array, length?: number): T;
}

/** The shape every kind's message shares. */
export interface KindObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: ObjectMeta | undefined;
}

export type KindName =
  | 'Namespace'
  | 'Node'
  | 'Pod'
  | 'Service'
  | 'Endpoints'
  | 'ConfigMap'
  | 'Secret'
  | 'Event'
  | 'Deployment'
  | 'ReplicaSet'
  | 'DaemonSet'
  | 'Job'
  | 'Network'
  | 'Lease';

/** Which DNS-1123 rule a kind's names follow. */
export type NameRule = 'subdomain' | 'label';

export interface KindInfo {
  readonly kind: KindName;
  /** "v1", "apps/v1", "batch/v1", "tsk.dev/v1"... */
  readonly apiVersion: string;
  /** The API group ("" for core), as kubectl prints it: deployment.apps/web. */
  readonly group: string;
  /** Lower-case plural resource name: "pods". */
  readonly plural: string;
  /** kubectl's short names: "po". */
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  /** The field of tsk.v1.Object that carries this kind. */
  readonly field: ObjectField;
  /** Full proto message name, the key into the generated schema. */
  readonly message: string;
  readonly nameRule: NameRule;
  /** Has a status that only UpdateStatus writes. */
  readonly hasStatus: boolean;
  readonly fns: MessageFns<KindObject>;
}

export type ObjectField =
  | 'namespace'
  | 'node'
  | 'pod'
  | 'service'
  | 'endpoints'
  | 'configMap'
  | 'secret'
  | 'event'
  | 'deployment'
  | 'replicaSet'
  | 'daemonSet'
  | 'job'
  | 'network'
  | 'lease';

function info<T extends KindObject>(
  kind: KindName,
  apiVersion: string,
  plural: string,
  shortNames: readonly string[],
  namespaced: boolean,
  field: ObjectField,
  nameRule: NameRule,
  hasStatus: boolean,
  fns: MessageFns<T>,
): KindInfo {
  const slash = apiVersion.indexOf('/');
  return {
    kind,
    apiVersion,
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    plural,
    shortNames,
    namespaced,
    field,
    message: `tsk.v1.${kind}`,
    nameRule,
    hasStatus,
    fns: fns as unknown as MessageFns<KindObject>,
  };
}

export const KINDS: readonly KindInfo[] = [
  info('Namespace', 'v1', 'namespaces', ['ns'], false, 'namespace', 'label', true, Namespace),
  info('Node', 'v1', 'nodes', ['no'], false, 'node', 'subdomain', true, Node),
  info('Pod', 'v1', 'pods', ['po'], true, 'pod', 'subdomain', true, Pod),
  info('Service', 'v1', 'services', ['svc'], true, 'service', 'label', true, Service),
  info('Endpoints', 'v1', 'endpoints', ['ep'], true, 'endpoints', 'subdomain', false, Endpoints),
  info('ConfigMap', 'v1', 'configmaps', ['cm'], true, 'configMap', 'subdomain', false, ConfigMap),
  info('Secret', 'v1', 'secrets', [], true, 'secret', 'subdomain', false, Secret),
  info('Event', 'v1', 'events', ['ev'], true, 'event', 'subdomain', false, Event),
  info('Deployment', 'apps/v1', 'deployments', ['deploy'], true, 'deployment', 'subdomain', true, Deployment),
  info('ReplicaSet', 'apps/v1', 'replicasets', ['rs'], true, 'replicaSet', 'subdomain', true, ReplicaSet),
  info('DaemonSet', 'apps/v1', 'daemonsets', ['ds'], true, 'daemonSet', 'subdomain', true, DaemonSet),
  info('Job', 'batch/v1', 'jobs', [], true, 'job', 'subdomain', true, Job),
  info('Network', 'tsk.dev/v1', 'networks', ['net'], true, 'network', 'label', true, Network),
  info('Lease', 'coordination.k8s.io/v1', 'leases', [], true, 'lease', 'subdomain', false, Lease),
];

const byName = new Map<string, KindInfo>();
for (const k of KINDS) {
  for (const alias of [k.kind, k.kind.toLowerCase(), k.plural, k.plural.replace(/s$/, ''), ...k.shortNames]) {
    byName.set(alias.toLowerCase(), k);
  }
  // kubectl also accepts resource.group: "deployments.apps", "deployment.apps".
  if (k.group !== '') {
    byName.set(`${k.plural}.${k.group}`, k);
    byName.set(`${k.kind.toLowerCase()}.${k.group}`, k);
  }
}
byName.set('endpoint', byName.get('endpoints')!);

/** Looks a kind up by any name a user might type: "Pod", "pods", "po", "deployments.apps". */
export function findKind(name: string): KindInfo | undefined {
  return byName.get(name.toLowerCase());
}

/** As findKind, but an unknown name is an InvalidError listing what is known. */
export function kindOf(name: string): KindInfo {
  const k = findKind(name);
  if (k === undefined) {
    throw new InvalidError(
      `unknown kind "${name}"; known kinds: ${KINDS.map((x) => x.kind).join(', ')}`,
    );
  }
  return k;
}

/** The kind carried by an apiVersion/kind pair from a manifest, or undefined. */
export function kindForManifest(apiVersion: string, kind: string): KindInfo | undefined {
  const k = KINDS.find((x) => x.kind === kind);
  return k !== undefined && k.apiVersion === apiVersion ? k : undefined;
}

export function kindByField(field: ObjectField): KindInfo {
  return KINDS.find((k) => k.field === field)!;
}

/** kubectl's name for an object: "deployment.apps/web", "pod/web-1". */
export function displayName(k: KindInfo, name: string): string {
  const resource = k.group === '' ? k.kind.toLowerCase() : `${k.kind.toLowerCase()}.${k.group}`;
  return `${resource}/${name}`;
}
