/**
 * The in-memory object store behind FakeObjectsServer: revisions, an event log to watch from,
 * compaction, selectors, and apply's created/configured/unchanged. Just enough of the API
 * server's semantics for client, controller and agent unit tests; not a second API server.
 */
import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  cloneObject,
  ConflictError,
  encodeManifest,
  ExpiredError,
  InvalidError,
  matches,
  matchesFields,
  NotFoundError,
  parseFieldSelector,
  parseLabelSelector,
  type KindInfo,
  type KindObject,
} from '@tsk/api';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  readonly revision: number;
  readonly type: ChangeType;
  readonly info: KindInfo;
  readonly object: KindObject;
}

export interface Filter {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly labelSelector: string;
  readonly fieldSelector: string;
}

interface Entry {
  readonly info: KindInfo;
  readonly object: KindObject;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What apply compares: the user's part of an object (no server-set metadata, no status). */
function desired(info: KindInfo, object: KindObject): string {
  const { status: _s, metadata, ...rest } = encodeManifest(info, object);
  const m = (metadata ?? {}) as Record<string, unknown>;
  return stable({ ...rest, metadata: { labels: m['labels'], annotations: m['annotations'] } });
}

export class FakeStore {
  revision = 1;
  compacted = 0;
  private readonly objects = new Map<string, Entry>();
  private readonly log: Change[] = [];
  private readonly listeners = new Set<(c: Change) => void>();

  private key(info: KindInfo, namespace: string, name: string): string {
    return `${info.kind}/${info.namespaced ? namespace : ''}/${name}`;
  }

  private namespaceOf(info: KindInfo, object: KindObject, fallback = 'default'): string {
    if (!info.namespaced) return '';
    const ns = object.metadata?.namespace ?? '';
    return ns === '' ? fallback : ns;
  }

  subscribe(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes after `revision` (exclusive) that match; ExpiredError if compacted away. */
  since(revision: number, filter: Filter): Change[] {
    if (revision < this.compacted) throw new ExpiredError(`resourceVersion ${revision} is compacted (oldest ${this.compacted})`);
    return this.log.filter((c) => c.revision > revision && this.matches(c.info, c.object, filter));
  }

  compact(revision = this.revision): void {
    this.compacted = revision;
    const keep = this.log.filter((c) => c.revision > revision);
    this.log.length = 0;
    this.log.push(...keep);
  }

  matches(info: KindInfo, object: KindObject, f: Filter): boolean {
    if (info.kind !== f.info.kind) return false;
    if (f.namespace !== '' && f.info.namespaced && object.metadata?.namespace !== f.namespace) return false;
    return matches(parseLabelSelector(f.labelSelector), object.metadata?.labels) && matchesFields(parseFieldSelector(f.fieldSelector), object);
  }

  get(info: KindInfo, namespace: string, name: string): KindObject {
    const e = this.objects.get(this.key(info, namespace, name));
    if (e === undefined) throw new NotFoundError(`${info.plural} "${name}" not found`);
    return cloneObject(info, e.object);
  }

  list(filter: Filter): { items: KindObject[]; revision: number } {
    const items = [...this.objects.values()]
      .filter((e) => this.matches(e.info, e.object, filter))
      .map((e) => cloneObject(e.info, e.object))
      .sort((a, b) => ((a.metadata?.namespace ?? '') + '/' + (a.metadata?.name ?? '')).localeCompare((b.metadata?.namespace ?? '') + '/' + (b.metadata?.name ?? '')));
    return { items, revision: this.revision };
  }

  validate(info: KindInfo, object: KindObject, path = ''): void {
    const name = object.metadata?.name ?? '';
    const at = path === '' ? 'metadata.name' : `${path}.metadata.name`;
    if (name === '') throw new InvalidError('required field is missing', at);
    if (!NAME.test(name) || name.length > 253) throw new InvalidError(`"${name}" is not a valid DNS-1123 name`, at);
    void info;
  }

  create(info: KindInfo, object: KindObject, dryRun = false, namespace = 'default'): KindObject {
    this.validate(info, object);
    const ns = this.namespaceOf(info, object, namespace);
    const name = object.metadata?.name ?? '';
    if (this.objects.has(this.key(info, ns, name))) throw new AlreadyExistsError(`${info.plural} "${name}" already exists`);
    const stored = cloneObject(info, object);
    const revision = dryRun ? this.revision : this.revision + 1;
    stored.metadata = {
      ...stored.metadata,
      namespace: ns,
      uid: randomUUID(),
      resourceVersion: String(revision),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: 1,
    };
    if (!dryRun) this.write('ADDED', info, stored);
    return cloneObject(info, stored);
  }

  update(info: KindInfo, object: KindObject, opts: { status?: boolean; dryRun?: boolean } = {}): KindObject {
    this.validate(info, object);
    const ns = this.namespaceOf(info, object);
    const name = object.metadata?.name ?? '';
    const current = this.objects.get(this.key(info, ns, name));
    if (current === undefined) throw new NotFoundError(`${info.plural} "${name}" not found`);
    const rv = object.metadata?.resourceVersion ?? '';
    if (rv !== '' && rv !== current.object.metadata?.resourceVersion) {
      throw new ConflictError(`the object has been modified; please apply your changes to the latest version and try again`);
    }
    const base = current.object as KindObject & { status?: unknown; spec?: unknown };
    const next = cloneObject(info, object) as KindObject & { status?: unknown; spec?: unknown };
    const revision = opts.dryRun === true ? this.revision : this.revision + 1;
    const merged = (opts.status === true ? { ...cloneObject(info, base), status: next.status } : { ...next, status: base.status }) as KindObject;
    const specChanged = opts.status !== true && stable(next.spec ?? null) !== stable(base.spec ?? null);
    merged.metadata = {
      ...(opts.status === true ? base.metadata : next.metadata),
      namespace: ns,
      uid: base.metadata?.uid ?? '',
      creationTimestamp: base.metadata?.creationTimestamp ?? '',
      resourceVersion: String(revision),
      generation: (base.metadata?.generation ?? 1) + (specChanged ? 1 : 0),
    };
    if (opts.dryRun !== true) this.write('MODIFIED', info, merged);
    return cloneObject(info, merged);
  }

  delete(info: KindInfo, namespace: string, name: string, dryRun = false): KindObject {
    const key = this.key(info, namespace === '' ? 'default' : namespace, name);
    const current = this.objects.get(key);
    if (current === undefined) throw new NotFoundError(`${info.plural} "${name}" not found`);
    if (dryRun) return cloneObject(info, current.object);
    const gone = cloneObject(info, current.object);
    // As Kubernetes: the DELETED event carries the revision of the delete, so a resume is exact.
    gone.metadata = { ...gone.metadata, resourceVersion: String(this.revision + 1) };
    this.write('DELETED', info, gone);
    return cloneObject(info, gone);
  }

  /** Validates every object first, then creates or updates each: all or nothing, like the server. */
  apply(objects: readonly Entry[], dryRun: boolean, namespace: string): { info: KindInfo; object: KindObject; action: string }[] {
    objects.forEach((o, i) => this.validate(o.info, o.object, `objects[${i}]`));
    return objects.map(({ info, object }) => {
      const ns = this.namespaceOf(info, object, namespace === '' ? 'default' : namespace);
      const current = this.objects.get(this.key(info, ns, object.metadata?.name ?? ''));
      const withNs = { ...object, metadata: { ...object.metadata, namespace: ns } };
      if (current === undefined) return { info, object: this.create(info, withNs, dryRun), action: 'created' };
      if (desired(info, current.object) === desired(info, withNs)) return { info, object: cloneObject(info, current.object), action: 'unchanged' };
      const { resourceVersion: _rv, ...meta } = withNs.metadata;
      return { info, object: this.update(info, { ...withNs, metadata: meta }, { dryRun }), action: 'configured' };
    });
  }

  private write(type: ChangeType, info: KindInfo, object: KindObject): void {
    this.revision++;
    const key = this.key(info, object.metadata?.namespace ?? '', object.metadata?.name ?? '');
    if (type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, { info, object });
    const change: Change = { revision: this.revision, type, info, object };
    this.log.push(change);
    for (const l of this.listeners) l(change);
  }
}
