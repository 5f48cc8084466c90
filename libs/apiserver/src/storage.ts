/**
 * The object verbs over the store: get, list, create, update and status update, with Kubernetes'
 * rules for server-set metadata (uid, creationTimestamp, generation, resourceVersion) and
 * optimistic concurrency. Delete lives in deletion.ts. Nothing here knows about gRPC.
 */
import { randomUUID, randomInt } from 'node:crypto';
import {
  AlreadyExistsError,
  applyDefaults,
  carryOverAllocated,
  ConflictError,
  ExpiredError,
  FailedPreconditionError,
  InvalidError,
  NotFoundError,
  kindOf,
  matches,
  matchesFields,
  parseFieldSelector,
  parseLabelSelector,
  validateObject,
  type KindInfo,
  type KindObject,
  type Namespace,
  type Pod,
  type Service,
} from '@tsk/api';
import { defaultNotReadyTolerations, withDefaultTolerations } from '@tsk/controllers';
import { type Logger } from '@tsk/log';
import { StoreCompactedError, type KeyValue, type Store } from '@tsk/store';
import {
  copyObject,
  decodeStored,
  desiredStateChanged,
  effectiveNamespace,
  encodeStored,
  metaOfObject,
  requireName,
  sameBytes,
  setStatus,
  statusOf,
  timestamp,
  withResourceVersion,
} from './codec.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { ServiceAllocator } from './service-allocator.js';
import { listPrefix, objectKey, parseResourceVersion } from './keys.js';
import { rememberStored } from './wire.js';

/** How many times an unconditional write retries a lost compare-and-swap before giving up. */
const CAS_ATTEMPTS = 16;
const NAMESPACE = kindOf('Namespace');
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface StorageOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export interface WriteCallOptions {
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  /**
   * The caller hands the object over (a request just decoded, used for nothing else): storage
   * may default and stamp it in place instead of copying it first. A copy is a protobuf encode
   * and decode, four of them per pod on the way from create to Running.
   */
  readonly owned?: boolean;
}

export interface ListQuery {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continueToken?: string;
}

export interface ListPage {
  readonly items: KindObject[];
  readonly resourceVersion: string;
  readonly continueToken: string;
}

/** A stored object with the store record it came from (for compare-and-swap). */
export interface Current {
  readonly object: KindObject;
  readonly kv: KeyValue;
}

/** A compiled label + field filter, shared by List and Watch. */
export interface ObjectFilter {
  (object: KindObject): boolean;
}

export function compileFilter(labelSelector: string, fieldSelector: string): ObjectFilter | undefined {
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector);
  if (labels.length === 0 && fields.length === 0) return undefined;
  return (object) => matches(labels, object.metadata?.labels) && matchesFields(fields, object);
}

export class Storage {
  readonly store: Store;
  private readonly logger: Logger;
  readonly now: () => Date;
  private readonly services: ServiceAllocator;
  /** Whether a namespace takes new objects, by its key, as of a revision (checkNamespace). */
  private readonly namespaceUsable = new Map<string, { readonly revision: number; readonly ok: boolean }>();

  constructor(options: StorageOptions) {
    this.store = options.store;
    this.services = new ServiceAllocator(options.store);
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
  }

  async read(info: KindInfo, namespace: string, name: string): Promise<Current | undefined> {
    const key = objectKey(info, effectiveNamespace(info, namespace), name);
    const { kv } = await this.store.get(key);
    return kv === undefined ? undefined : { object: decodeStored(info, kv), kv };
  }

  async get(info: KindInfo, namespace: string, name: string): Promise<KindObject> {
    const current = await this.read(info, namespace, name);
    if (current === undefined) throw notFound(info, effectiveNamespace(info, namespace), name);
    return current.object;
  }

  async list(info: KindInfo, query: ListQuery, signal?: AbortSignal): Promise<ListPage> {
    const prefix = listPrefix(info, info.namespaced ? (query.namespace ?? '') : '');
    const filter = compileFilter(query.labelSelector ?? '', query.fieldSelector ?? '');
    const limit = query.limit ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidError('must not be negative', 'limit');
    const point = query.continueToken ? decodeContinue(query.continueToken, prefix) : undefined;
    let startKey = point?.startKey;
    let revision = point?.revision;
    const items: KindObject[] = [];
    // Selectors filter after reading, so a page may need several store reads to fill.
    for (;;) {
      signal?.throwIfAborted();
      let page;
      try {
        page = await this.store.list(prefix, {
          ...(limit > 0 ? { limit: filter === undefined ? limit - items.length : Math.min(Math.max(limit - items.length, 100), 1000) } : {}),
          ...(startKey === undefined ? {} : { startKey }),
          ...(revision === undefined ? {} : { revision }),
        });
      } catch (err) {
        if (err instanceof StoreCompactedError && point !== undefined) {
          throw new ExpiredError('continue token expired, list again');
        }
        throw err;
      }
      revision = page.revision;
      let lastKey: string | undefined;
      for (let i = 0; i < page.kvs.length; i++) {
        const kv = page.kvs[i]!;
        lastKey = kv.key;
        const object = decodeStored(info, kv);
        if (filter === undefined || filter(object)) items.push(object);
        if (limit > 0 && items.length === limit) {
          const more = i < page.kvs.length - 1 || page.more;
          const token = more ? encodeContinue({ startKey: `${kv.key}\0`, revision }) : '';
          return { items, resourceVersion: String(revision), continueToken: token };
        }
      }
      if (!page.more || lastKey === undefined) return { items, resourceVersion: String(revision), continueToken: '' };
      startKey = `${lastKey}\0`;
    }
  }

  /**
   * Fails unless the namespace exists and is not being deleted. Every create asks, so the answer
   * is kept per revision of the namespace: a read that finds the same revision skips the decode.
   */
  async checkNamespace(namespace: string): Promise<void> {
    const key = objectKey(NAMESPACE, '', namespace);
    const { kv } = await this.store.get(key);
    if (kv === undefined) throw new NotFoundError(`namespace "${namespace}" not found`);
    let usable = this.namespaceUsable.get(key);
    if (usable?.revision !== kv.modRevision) {
      const ns = decodeStored(NAMESPACE, kv) as Namespace;
      const terminating = ns.status?.phase === 'Terminating' || (ns.metadata?.deletionTimestamp ?? '') !== '';
      if (this.namespaceUsable.size >= 1024) this.namespaceUsable.clear();
      usable = { revision: kv.modRevision, ok: !terminating };
      this.namespaceUsable.set(key, usable);
    }
    if (!usable.ok) {
      throw new FailedPreconditionError(`namespace "${namespace}" is being terminated; nothing new can be created in it`);
    }
  }

  /**
   * Defaults, validates and stamps a new object. Exposed apart from create() so Apply can check
   * every object before writing any.
   */
  prepareCreate(info: KindInfo, input: KindObject, defaultNamespace = 'default', owned = false): KindObject {
    const object = owned ? input : copyObject(info, input);
    object.apiVersion = info.apiVersion;
    object.kind = info.kind;
    const meta = metaOfObject(object);
    meta.namespace = effectiveNamespace(info, meta.namespace, defaultNamespace);
    if ((meta.name ?? '') === '' && (meta.generateName ?? '') !== '') {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += NAME_CHARS[randomInt(NAME_CHARS.length)];
      meta.name = `${meta.generateName}${suffix}`;
    }
    requireName(meta.name);
    applyDefaults(info, object);
    defaultPodTolerations(info, object);
    validateObject(info, object);
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.now());
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (info.kind === 'Namespace') setStatus(object, { phase: 'Active' });
    if (info.kind === 'Pod' && (statusOf(object) as { phase?: string } | undefined)?.phase === undefined) {
      setStatus(object, { ...(statusOf(object) as object | undefined), phase: 'Pending' });
    }
    return object;
  }

  async create(info: KindInfo, input: KindObject, options: WriteCallOptions = {}, prepared = false): Promise<KindObject> {
    const object = prepared ? input : this.prepareCreate(info, input, 'default', options.owned === true);
    const meta = metaOfObject(object);
    if (info.namespaced) await this.checkNamespace(meta.namespace ?? '');
    const key = objectKey(info, meta.namespace ?? '', meta.name ?? '');
    options.signal?.throwIfAborted();
    if (options.dryRun === true) {
      const { kv } = await this.store.get(key);
      if (kv !== undefined) throw alreadyExists(info, meta.namespace ?? '', meta.name ?? '');
      return object;
    }
    if (info.kind === 'Service') await this.services.allocate(object as Service);
    const stored = encodeStored(info, object);
    const result = await this.store.create(key, stored);
    if (!result.succeeded) {
      // A backend that retried our own create after a lost answer finds our object there: the
      // fresh uid says it is ours, so the create succeeded.
      if (result.kv !== undefined && decodeStored(info, result.kv).metadata?.uid === meta.uid) {
        this.logger.debug({ kind: info.kind, key }, 'create found already applied (retried by the store)');
        return withResourceVersion(object, result.kv.modRevision);
      }
      throw alreadyExists(info, meta.namespace ?? '', meta.name ?? '');
    }
    this.logger.debug({ kind: info.kind, key, revision: result.revision }, 'created');
    return rememberStored(withResourceVersion(object, result.revision), info, stored, result.revision);
  }

  /**
   * Replaces metadata and spec (status: false) or only status (status: true). A resourceVersion in
   * the request is a precondition; without one the write retries its compare-and-swap.
   */
  async update(info: KindInfo, input: KindObject, status: boolean, options: WriteCallOptions = {}): Promise<KindObject> {
    if (status && !info.hasStatus) throw new InvalidError(`${info.kind} has no status`, 'status');
    const inMeta = input.metadata ?? {};
    const namespace = effectiveNamespace(info, inMeta.namespace);
    const name = requireName(inMeta.name);
    const key = objectKey(info, namespace, name);
    const expected = parseResourceVersion(inMeta.resourceVersion);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      options.signal?.throwIfAborted();
      const { kv } = await this.store.get(key);
      if (kv === undefined) throw notFound(info, namespace, name);
      if (expected !== undefined && kv.modRevision !== expected) throw staleVersion(info, namespace, name, expected, kv.modRevision);
      const old = decodeStored(info, kv);
      if ((inMeta.uid ?? '') !== '' && inMeta.uid !== old.metadata?.uid) {
        throw new ConflictError(`${info.kind} ${ref(namespace, name)}: uid ${inMeta.uid} does not match the stored object (${old.metadata?.uid ?? ''})`);
      }
      // An owned input may be changed in place unless this loop could come round again with it
      // (no resourceVersion: the compare-and-swap is retried).
      const owned = options.owned === true && expected !== undefined;
      const next = status ? this.nextStatus(info, old, input, options.owned === true) : this.nextObject(info, old, input, expected !== undefined, owned);
      // A Service that became NodePort (or lost its address in a replace) gets what it lacks.
      if (info.kind === 'Service' && !status && options.dryRun !== true) await this.services.allocate(next as Service);
      const bytes = encodeStored(info, next);
      if (sameBytes(bytes, kv.value)) return old; // a no-op write keeps its resourceVersion, as in Kubernetes
      if (options.dryRun === true) return next;
      const nm = next.metadata ?? {};
      if ((nm.deletionTimestamp ?? '') !== '' && (nm.finalizers ?? []).length === 0 && !isGraceful(next)) {
        // The last finalizer is gone: the deletion that was waiting on it completes now.
        const removed = await this.store.delete(key, kv.modRevision);
        if (removed.succeeded) return withResourceVersion(next, removed.revision);
      } else {
        const written = await this.store.update(key, bytes, kv.modRevision, { current: kv });
        if (written.succeeded) return rememberStored(withResourceVersion(next, written.revision), info, bytes, written.revision);
        // Our own write, retried by the backend after a lost answer, is what is stored now.
        if (written.kv !== undefined && sameBytes(written.kv.value, bytes)) return withResourceVersion(next, written.kv.modRevision);
      }
      if (expected !== undefined) throw staleVersion(info, namespace, name, expected, kv.modRevision);
    }
    throw new ConflictError(`${info.kind} ${ref(namespace, name)} is being changed by many writers at once; retry`);
  }

  /**
   * `conditional`: the request carried a resourceVersion. Setting spec.nodeName of an unbound pod
   * in such a compare-and-swap update is a binding (the scheduler's bind), the only way a pod's
   * node may be set after creation.
   */
  private nextObject(info: KindInfo, old: KindObject, input: KindObject, conditional: boolean, owned: boolean): KindObject {
    const next = owned ? input : copyObject(info, input);
    const om = old.metadata ?? {};
    next.apiVersion = info.apiVersion;
    next.kind = info.kind;
    const meta = metaOfObject(next);
    // Server-owned metadata always comes from the stored object.
    meta.namespace = om.namespace ?? '';
    meta.uid = om.uid ?? '';
    meta.creationTimestamp = om.creationTimestamp ?? '';
    meta.generation = om.generation ?? 1;
    delete meta.resourceVersion;
    if (om.deletionTimestamp) meta.deletionTimestamp = om.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (om.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (info.hasStatus) setStatus(next, statusOf(old));
    // A replace that omits the clusterIP or nodePorts the server gave keeps them (Kubernetes).
    carryOverAllocated(info, next, old);
    applyDefaults(info, next);
    defaultPodTolerations(info, next);
    const binding =
      conditional && info.kind === 'Pod' && ((old as Pod).spec?.nodeName ?? '') === '' && ((next as Pod).spec?.nodeName ?? '') !== '';
    validateObject(info, next, old, { binding });
    if (om.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f) => !(om.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw new InvalidError(`no new finalizers can be added while the object is being deleted (${added.join(', ')})`, 'metadata.finalizers');
      }
    }
    if (desiredStateChanged(info, next, old)) meta.generation = (om.generation ?? 1) + 1;
    return next;
  }

  /**
   * The stored object with the input's status. `old` is freshly decoded and only read after this,
   * so a shallow copy will do (status and metadata replaced, the rest shared, nothing changed).
   */
  private nextStatus(info: KindInfo, old: KindObject, input: KindObject, owned: boolean): KindObject {
    const { resourceVersion: _rv, ...meta } = old.metadata ?? {};
    const next = { ...old, metadata: meta } as KindObject;
    setStatus(next, statusOf(owned ? input : copyObject(info, input)));
    validateObject(info, next, old);
    return next;
  }
}

/** tsk's not-ready/unreachable NoExecute tolerations (5 s): see @tsk/controllers' README. */
const DEFAULT_POD_TOLERATIONS = defaultNotReadyTolerations();

/**
 * Kubernetes' DefaultTolerationSeconds admission: a pod that does not say how long it stays on a
 * not-ready or unreachable node gets tsk's default, so the pod itself shows when the node
 * lifecycle controller would evict it. Also on updates: re-applying a manifest that lists its own
 * tolerations must not look like removing these (pod updates may only add tolerations).
 */
function defaultPodTolerations(info: KindInfo, object: KindObject): void {
  if (info.kind !== 'Pod') return;
  const pod = object as Pod;
  const defaulted = withDefaultTolerations(pod, DEFAULT_POD_TOLERATIONS);
  if (defaulted !== pod) pod.spec = defaulted.spec;
}

/** A bound pod inside its grace period is removed by its node agent, not by a finalizer update. */
export function isGraceful(object: KindObject): boolean {
  return (object.metadata?.deletionGracePeriodSeconds ?? 0) > 0;
}

export function ref(namespace: string, name: string): string {
  return namespace === '' ? `"${name}"` : `"${namespace}/${name}"`;
}

export function notFound(info: KindInfo, namespace: string, name: string): NotFoundError {
  return new NotFoundError(`${info.kind} ${ref(namespace, name)} not found`);
}

function alreadyExists(info: KindInfo, namespace: string, name: string): AlreadyExistsError {
  return new AlreadyExistsError(`${info.kind} ${ref(namespace, name)} already exists`);
}

export function staleVersion(info: KindInfo, namespace: string, name: string, expected: number, actual: number): ConflictError {
  return new ConflictError(
    `${info.kind} ${ref(namespace, name)} has been modified (resourceVersion ${actual}, the request has ${expected}); read it again and retry`,
  );
}
