/**
 * `tsctl describe` text, in kubectl's layout: aligned "Key:  value" lines, nested sections
 * indented by two spaces, kind-specific fields, and the Events that involve the object.
 */
import {
  encodeManifest,
  fromLabelSelector,
  selectorToString,
  type Container,
  type ContainerState,
  type Deployment,
  type Event,
  type KindInfo,
  type KindObject,
  type Node,
  type Pod,
  type PodTemplateSpec,
  type ReplicaSet,
  type Service,
} from '@tsk/api';
import { stringify } from 'yaml';
import { age } from './age.js';
import { eventTime } from './columns.js';
import { podStatus } from './pod-status.js';
import { formatTable } from './table.js';

const MIN_VALUE_COLUMN = 18;

type Line = string | { readonly label: string; readonly value: string };

/**
 * Collects lines and aligns every "Key:" value to one column at the end, as kubectl's
 * tabwriter does, so a long key (CreationTimestamp) does not break the alignment.
 */
class Writer {
  private readonly lines: Line[] = [];

  field(level: number, key: string, value: string | number | boolean | undefined): this {
    const v = value === undefined || value === '' ? '<none>' : String(value);
    this.lines.push({ label: `${'  '.repeat(level)}${key}:`, value: v });
    return this;
  }

  /** A key whose values go one per line, aligned under the first ("Labels:  a=b\n  c=d"). */
  multi(level: number, key: string, values: readonly string[]): this {
    if (values.length === 0) return this.field(level, key, '<none>');
    values.forEach((v, i) => this.lines.push({ label: i === 0 ? `${'  '.repeat(level)}${key}:` : '', value: v }));
    return this;
  }

  section(level: number, key: string): this {
    this.lines.push(`${'  '.repeat(level)}${key}:`);
    return this;
  }

  raw(text: string, level = 0): this {
    for (const line of text.replace(/\n$/, '').split('\n')) this.lines.push(`${'  '.repeat(level)}${line}`);
    return this;
  }

  /** Appends another writer's lines, indented, keeping them aligned with this one's. */
  nest(other: Writer, level: number): this {
    const indent = '  '.repeat(level);
    for (const l of other.lines) this.lines.push(typeof l === 'string' ? `${indent}${l}` : { label: l.label === '' ? '' : `${indent}${l.label}`, value: l.value });
    return this;
  }

  toString(): string {
    const width = Math.max(MIN_VALUE_COLUMN, ...this.lines.map((l) => (typeof l === 'string' ? 0 : l.label.length + 2)));
    return `${this.lines.map((l) => (typeof l === 'string' ? l : `${l.label.padEnd(width)}${l.value}`)).join('\n')}\n`;
  }
}

const pairs = (m: Readonly<Record<string, string>> | undefined): string[] => Object.entries(m ?? {}).sort().map(([k, v]) => `${k}=${v}`);

function stateLines(w: Writer, level: number, key: string, s: ContainerState | undefined): void {
  if (s?.running !== undefined) {
    w.field(level, key, 'Running').field(level + 1, 'Started', s.running.startedAt);
  } else if (s?.terminated !== undefined) {
    const t = s.terminated;
    w.field(level, key, 'Terminated').field(level + 1, 'Reason', t.reason).field(level + 1, 'Exit Code', t.exitCode ?? 0);
    w.field(level + 1, 'Started', t.startedAt).field(level + 1, 'Finished', t.finishedAt);
  } else if (s?.waiting !== undefined) {
    w.field(level, key, 'Waiting').field(level + 1, 'Reason', s.waiting.reason);
  } else if (key === 'State') {
    w.field(level, key, 'Waiting');
  }
}

function containers(w: Writer, title: string, list: readonly Container[], pod: Pod | undefined): void {
  if (list.length === 0) return;
  w.section(0, title);
  for (const c of list) {
    w.section(1, c.name ?? '');
    w.field(2, 'Image', c.image);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort ?? 0}/${p.protocol ?? 'TCP'}`);
    w.field(2, ports.length > 1 ? 'Ports' : 'Port', ports.join(', '));
    if ((c.command ?? []).length > 0) w.multi(2, 'Command', c.command ?? []);
    if ((c.args ?? []).length > 0) w.multi(2, 'Args', c.args ?? []);
    const status = [...(pod?.status?.containerStatuses ?? []), ...(pod?.status?.initContainerStatuses ?? [])].find((s) => s.name === c.name);
    if (pod !== undefined) {
      stateLines(w, 2, 'State', status?.state);
      if (status?.lastState?.terminated !== undefined) stateLines(w, 2, 'Last State', status.lastState);
      w.field(2, 'Ready', status?.ready === true ? 'True' : 'False');
      w.field(2, 'Restart Count', status?.restartCount ?? 0);
    }
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(lim).length > 0) w.multi(2, 'Limits', Object.entries(lim).map(([k, v]) => `${k}: ${v}`));
    if (Object.keys(req).length > 0) w.multi(2, 'Requests', Object.entries(req).map(([k, v]) => `${k}: ${v}`));
    w.multi(2, 'Environment', (c.env ?? []).map((e) => `${e.name ?? ''}: ${e.value ?? '(from a reference)'}`));
  }
}

function template(w: Writer, t: PodTemplateSpec | undefined): void {
  w.section(0, 'Pod Template');
  w.multi(1, 'Labels', pairs(t?.metadata?.labels));
  const inner = new Writer();
  containers(inner, 'Containers', t?.spec?.containers ?? [], undefined);
  w.nest(inner, 1);
}

function conditions(w: Writer, list: readonly { type?: string | undefined; status?: string | undefined; reason?: string | undefined }[]): void {
  if (list.length === 0) return;
  w.section(0, 'Conditions');
  w.raw(formatTable(['Type', 'Status', 'Reason'], [['----', '------', '------'], ...list.map((c) => [c.type ?? '', c.status ?? '', c.reason ?? ''])]), 1);
}

function kindSpecific(w: Writer, info: KindInfo, object: KindObject, now: number): void {
  switch (info.kind) {
    case 'Pod': {
      const p = object as Pod;
      w.field(0, 'Node', p.spec?.nodeName === undefined || p.spec.nodeName === '' ? '<none>' : `${p.spec.nodeName}/${p.status?.hostIP ?? ''}`);
      w.field(0, 'Start Time', p.status?.startTime);
      w.field(0, 'Status', podStatus(p));
      w.field(0, 'IP', p.status?.podIP);
      containers(w, 'Init Containers', p.spec?.initContainers ?? [], p);
      containers(w, 'Containers', p.spec?.containers ?? [], p);
      conditions(w, p.status?.conditions ?? []);
      w.field(0, 'QoS Class', p.status?.qosClass);
      w.multi(0, 'Node-Selectors', pairs(p.spec?.nodeSelector));
      w.multi(0, 'Tolerations', (p.spec?.tolerations ?? []).map((t) => `${t.key ?? ''}${t.value !== undefined && t.value !== '' ? `=${t.value}` : ''}:${t.effect ?? ''}`));
      return;
    }
    case 'Deployment':
    case 'ReplicaSet': {
      const d = object as Deployment | ReplicaSet;
      const s = d.status;
      w.field(0, 'Selector', selectorToString(fromLabelSelector(d.spec?.selector)));
      if (info.kind === 'Deployment') {
        const dep = d as Deployment;
        w.field(0, 'Replicas', `${dep.spec?.replicas ?? 1} desired | ${dep.status?.updatedReplicas ?? 0} updated | ${dep.status?.replicas ?? 0} total | ${dep.status?.availableReplicas ?? 0} available | ${dep.status?.unavailableReplicas ?? 0} unavailable`);
        w.field(0, 'StrategyType', dep.spec?.strategy?.type);
        const ru = dep.spec?.strategy?.rollingUpdate;
        if (ru !== undefined) w.field(0, 'RollingUpdateStrategy', `${ru.maxUnavailable?.strVal ?? ru.maxUnavailable?.intVal ?? 0} max unavailable, ${ru.maxSurge?.strVal ?? ru.maxSurge?.intVal ?? 0} max surge`);
      } else {
        w.field(0, 'Replicas', `${s?.replicas ?? 0} current / ${(d as ReplicaSet).spec?.replicas ?? 1} desired`);
      }
      template(w, d.spec?.template);
      conditions(w, s?.conditions ?? []);
      return;
    }
    case 'Service': {
      const svc = object as Service;
      w.field(0, 'Selector', pairs(svc.spec?.selector).join(','));
      w.field(0, 'Type', svc.spec?.type || 'ClusterIP');
      w.field(0, 'IP', svc.spec?.clusterIP);
      for (const p of svc.spec?.ports ?? []) {
        w.field(0, 'Port', `${p.name || '<unset>'}  ${p.port ?? 0}/${p.protocol ?? 'TCP'}`);
        w.field(0, 'TargetPort', `${p.targetPort?.intVal ?? p.targetPort?.strVal ?? p.port ?? 0}/${p.protocol ?? 'TCP'}`);
        if ((p.nodePort ?? 0) !== 0) w.field(0, 'NodePort', `${p.name || '<unset>'}  ${p.nodePort ?? 0}/${p.protocol ?? 'TCP'}`);
      }
      w.field(0, 'Session Affinity', svc.spec?.sessionAffinity || 'None');
      return;
    }
    case 'Node': {
      const n = object as Node;
      w.multi(0, 'Taints', (n.spec?.taints ?? []).map((t) => `${t.key ?? ''}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}`));
      w.field(0, 'Unschedulable', n.spec?.unschedulable === true ? 'true' : 'false');
      conditions(w, n.status?.conditions ?? []);
      w.multi(0, 'Addresses', (n.status?.addresses ?? []).map((a) => `${a.type ?? ''}: ${a.address ?? ''}`));
      w.multi(0, 'Capacity', Object.entries(n.status?.capacity ?? {}).map(([k, v]) => `${k}: ${v}`));
      w.multi(0, 'Allocatable', Object.entries(n.status?.allocatable ?? {}).map(([k, v]) => `${k}: ${v}`));
      const i = n.status?.nodeInfo;
      if (i !== undefined) {
        w.section(0, 'System Info');
        w.field(1, 'Kernel Version', i.kernelVersion).field(1, 'OS Image', i.osImage).field(1, 'Architecture', i.architecture);
        w.field(1, 'Container Runtime Version', i.containerRuntimeVersion).field(1, 'Kubelet Version', i.kubeletVersion);
      }
      w.field(0, 'PodCIDR', n.spec?.podCIDR);
      return;
    }
    default: {
      // Kinds without a hand-made layout show their data as YAML, which kubectl users read fine.
      const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = encodeManifest(info, object);
      for (const [key, value] of Object.entries(rest)) {
        w.section(0, key.charAt(0).toUpperCase() + key.slice(1));
        w.raw(stringify(value, { indentSeq: false, lineWidth: 0 }), 1);
      }
      void now;
    }
  }
}

/** Events that name this object, oldest first, as kubectl's Events section shows them. */
export function eventsFor(info: KindInfo, object: KindObject, events: readonly Event[]): Event[] {
  const m = object.metadata;
  return events
    .filter((e) => {
      const o = e.involvedObject;
      if (o?.kind !== info.kind || o.name !== m?.name) return false;
      if (info.namespaced && (o.namespace ?? '') !== '' && o.namespace !== m?.namespace) return false;
      return (o.uid ?? '') === '' || (m?.uid ?? '') === '' || o.uid === m?.uid;
    })
    .sort((a, b) => Date.parse(eventTime(a) ?? '') - Date.parse(eventTime(b) ?? ''));
}

export function describeObject(info: KindInfo, object: KindObject, events: readonly Event[], now: number): string {
  const m = object.metadata ?? {};
  const w = new Writer();
  w.field(0, 'Name', m.name);
  if (info.namespaced) w.field(0, 'Namespace', m.namespace);
  w.multi(0, 'Labels', pairs(m.labels));
  w.multi(0, 'Annotations', pairs(m.annotations).filter((a) => !/^(kubectl\.kubernetes\.io|tsk\.dev)\/last-applied-configuration=/.test(a)));
  w.field(0, 'CreationTimestamp', m.creationTimestamp);
  if ((m.deletionTimestamp ?? '') !== '') w.field(0, 'DeletionTimestamp', m.deletionTimestamp);
  const owner = (m.ownerReferences ?? []).find((o) => o.controller === true);
  if (owner !== undefined) w.field(0, 'Controlled By', `${owner.kind ?? ''}/${owner.name ?? ''}`);
  kindSpecific(w, info, object, now);
  const mine = eventsFor(info, object, events);
  if (mine.length === 0) {
    w.raw('Events:  <none>');
  } else {
    w.section(0, 'Events');
    const rows = mine.map((e) => [e.type ?? '', e.reason ?? '', age(eventTime(e), now), e.source?.component || e.reportingComponent || '', (e.message ?? '').replace(/\n/g, ' ')]);
    w.raw(formatTable(['Type', 'Reason', 'Age', 'From', 'Message'], [['----', '------', '----', '----', '-------'], ...rows]), 1);
  }
  return w.toString();
}
