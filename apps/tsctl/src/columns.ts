/**
 * The columns `tsctl get` prints for each kind, as kubectl prints them (plus `-o wide`).
 */
import {
  selectorToString,
  fromLabelSelector,
  type ConfigMap,
  type DaemonSet,
  type Deployment,
  type Endpoints,
  type Event,
  type Job,
  type KindName,
  type KindObject,
  type Lease,
  type Namespace,
  type Network,
  type Node,
  type Pod,
  type PodTemplateSpec,
  type ReplicaSet,
  type Secret,
  type Service,
  type LabelSelector,
} from '@tsk/api';
import { age, humanDuration } from './age.js';
import { podReady, podRestarts, podStatus } from './pod-status.js';

export interface Columns<T extends KindObject = KindObject> {
  readonly headers: readonly string[];
  readonly wide: readonly string[];
  /** Cells after NAME (NAME is added by the printer, with a kind prefix when needed). */
  row(object: T, now: number): string[];
  wideRow(object: T, now: number): string[];
}

const none = (s: string | undefined): string => (s === undefined || s === '' ? '<none>' : s);
const created = (o: KindObject, now: number): string => age(o.metadata?.creationTimestamp, now);

function templateColumns(template: PodTemplateSpec | undefined, selector: LabelSelector | undefined): string[] {
  const containers = template?.spec?.containers ?? [];
  return [
    none(containers.map((c) => c.name ?? '').join(',')),
    none(containers.map((c) => c.image ?? '').join(',')),
    none(selectorToString(fromLabelSelector(selector))),
  ];
}

function servicePorts(svc: Service): string {
  const ports = (svc.spec?.ports ?? []).map((p) => {
    const node = (p.nodePort ?? 0) !== 0 ? `:${p.nodePort ?? 0}` : '';
    return `${p.port ?? 0}${node}/${p.protocol ?? 'TCP'}`;
  });
  return none(ports.join(','));
}

function externalIP(svc: Service): string {
  const type = svc.spec?.type ?? 'ClusterIP';
  const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter((s) => s !== '');
  if (type === 'LoadBalancer') return ingress.length > 0 ? ingress.join(',') : '<pending>';
  return '<none>';
}

function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  let s = ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown';
  if (node.spec?.unschedulable === true) s += ',SchedulingDisabled';
  return s;
}

function nodeRoles(node: Node): string {
  const roles = Object.keys(node.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '');
  return none(roles.sort().join(','));
}

function address(node: Node, type: string): string {
  return none((node.status?.addresses ?? []).find((a) => a.type === type)?.address);
}

function endpointsList(ep: Endpoints): string {
  const all: string[] = [];
  for (const s of ep.subsets ?? []) {
    for (const a of s.addresses ?? []) {
      const ports = s.ports ?? [];
      if (ports.length === 0) all.push(a.ip ?? '');
      for (const p of ports) all.push(`${a.ip ?? ''}:${p.port ?? 0}`);
    }
  }
  if (all.length === 0) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined) return `${succeeded}/${completions}`;
  return `${succeeded}/1 of ${job.spec?.parallelism ?? 1}`;
}

function jobDuration(job: Job, now: number): string {
  const start = Date.parse(job.status?.startTime ?? '');
  if (Number.isNaN(start)) return '';
  const end = Date.parse(job.status?.completionTime ?? '');
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

/** When an event last happened: lastTimestamp, else firstTimestamp, else its creation. */
export function eventTime(ev: Event): string | undefined {
  for (const t of [ev.lastTimestamp, ev.firstTimestamp, ev.metadata?.creationTimestamp]) if (t !== undefined && t !== '') return t;
  return undefined;
}

function define<T extends KindObject>(c: Columns<T>): Columns {
  return c as unknown as Columns;
}

const TABLES: Partial<Record<KindName, Columns>> = {
  Pod: define<Pod>({
    headers: ['READY', 'STATUS', 'RESTARTS', 'AGE'],
    wide: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
    row: (p, now) => [podReady(p), podStatus(p), podRestarts(p, now), created(p, now)],
    wideRow: (p) => [none(p.status?.podIP), none(p.spec?.nodeName), none(p.status?.nominatedNodeName), '<none>'],
  }),
  Deployment: define<Deployment>({
    headers: ['READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row: (d, now) => [
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
      String(d.status?.updatedReplicas ?? 0),
      String(d.status?.availableReplicas ?? 0),
      created(d, now),
    ],
    wideRow: (d) => templateColumns(d.spec?.template, d.spec?.selector),
  }),
  ReplicaSet: define<ReplicaSet>({
    headers: ['DESIRED', 'CURRENT', 'READY', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row: (r, now) => [String(r.spec?.replicas ?? 1), String(r.status?.replicas ?? 0), String(r.status?.readyReplicas ?? 0), created(r, now)],
    wideRow: (r) => templateColumns(r.spec?.template, r.spec?.selector),
  }),
  DaemonSet: define<DaemonSet>({
    headers: ['DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row: (d, now) => {
      const s = d.status;
      const nodeSelector = Object.entries(d.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`);
      return [
        String(s?.desiredNumberScheduled ?? 0),
        String(s?.currentNumberScheduled ?? 0),
        String(s?.numberReady ?? 0),
        String(s?.updatedNumberScheduled ?? 0),
        String(s?.numberAvailable ?? 0),
        none(nodeSelector.join(',')),
        created(d, now),
      ];
    },
    wideRow: (d) => templateColumns(d.spec?.template, d.spec?.selector),
  }),
  Job: define<Job>({
    headers: ['COMPLETIONS', 'DURATION', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row: (j, now) => [jobCompletions(j), jobDuration(j, now), created(j, now)],
    wideRow: (j) => templateColumns(j.spec?.template, j.spec?.selector),
  }),
  Service: define<Service>({
    headers: ['TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    wide: ['SELECTOR'],
    row: (s, now) => [s.spec?.type || 'ClusterIP', none(s.spec?.clusterIP), externalIP(s), servicePorts(s), created(s, now)],
    wideRow: (s) => [none(Object.entries(s.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(','))],
  }),
  Node: define<Node>({
    headers: ['STATUS', 'ROLES', 'AGE', 'VERSION'],
    wide: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
    row: (n, now) => [nodeStatus(n), nodeRoles(n), created(n, now), n.status?.nodeInfo?.kubeletVersion ?? ''],
    wideRow: (n) => {
      const i = n.status?.nodeInfo;
      return [address(n, 'InternalIP'), address(n, 'ExternalIP'), none(i?.osImage), none(i?.kernelVersion), none(i?.containerRuntimeVersion)];
    },
  }),
  Namespace: define<Namespace>({
    headers: ['STATUS', 'AGE'],
    wide: [],
    row: (n, now) => [n.status?.phase || 'Active', created(n, now)],
    wideRow: () => [],
  }),
  ConfigMap: define<ConfigMap>({
    headers: ['DATA', 'AGE'],
    wide: [],
    row: (c, now) => [String(Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length), created(c, now)],
    wideRow: () => [],
  }),
  Secret: define<Secret>({
    headers: ['TYPE', 'DATA', 'AGE'],
    wide: [],
    row: (s, now) => [s.type || 'Opaque', String(new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]).size), created(s, now)],
    wideRow: () => [],
  }),
  Endpoints: define<Endpoints>({
    headers: ['ENDPOINTS', 'AGE'],
    wide: [],
    row: (e, now) => [endpointsList(e), created(e, now)],
    wideRow: () => [],
  }),
  Network: define<Network>({
    headers: ['SUBNET', 'GATEWAY', 'INTERNAL', 'AGE'],
    wide: ['PHASE'],
    row: (n, now) => [none(n.status?.subnet || n.spec?.subnet), none(n.spec?.gateway), String(n.spec?.internal ?? false), created(n, now)],
    wideRow: (n) => [none(n.status?.phase)],
  }),
  Lease: define<Lease>({
    headers: ['HOLDER', 'AGE'],
    wide: [],
    row: (l, now) => [l.spec?.holderIdentity ?? '', created(l, now)],
    wideRow: () => [],
  }),
};

/** Events put their time first (LAST SEEN), with no NAME column: the printer special-cases them. */
export const EVENT_HEADERS = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'] as const;

export function eventRow(ev: Event, now: number): string[] {
  const o = ev.involvedObject;
  return [age(eventTime(ev), now), ev.type ?? '', ev.reason ?? '', `${(o?.kind ?? '').toLowerCase()}/${o?.name ?? ''}`, (ev.message ?? '').replace(/\n/g, ' ')];
}

const GENERIC: Columns = { headers: ['AGE'], wide: [], row: (o, now) => [created(o, now)], wideRow: () => [] };

export function columnsFor(kind: KindName): Columns {
  return TABLES[kind] ?? GENERIC;
}
