/**
 * kubectl apply's three-way merge, on the Kubernetes JSON form of objects (encodeManifest's
 * output). The three inputs are what the user applied last time (from the last-applied
 * annotation), what is stored now, and what the user applies now:
 *   - a field in desired overwrites live;
 *   - a field in lastApplied but gone from desired was removed by the user: it is removed;
 *   - a field never in lastApplied was set by someone else (a controller, the server, a
 *     `tsctl scale`): it is kept, so re-applying does not undo them.
 * Lists are replaced wholesale, except the lists kubectl's strategic merge merges by key
 * (containers by name, ports by port number...), whose items are merged one by one.
 */

type Json = Record<string, unknown>;

/** Fields the server owns: never taken from desired nor removed. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** The merge key of a list field, by the field's name (and, for "ports", its items' shape). */
function mergeKey(field: string, items: readonly unknown[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'volumes':
    case 'env':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'ports':
      // Container ports carry containerPort; Service ports carry port.
      return items.some((i) => isObject(i) && 'containerPort' in i) ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Items by key, or undefined when some item lacks the key or two share it (then: replace). */
function index(items: readonly unknown[], key: string): Map<unknown, Json> | undefined {
  const out = new Map<unknown, Json>();
  for (const item of items) {
    if (!isObject(item) || item[key] === undefined || out.has(item[key])) return undefined;
    out.set(item[key], item);
  }
  return out;
}

function mergeList(field: string, last: unknown, live: readonly unknown[], desired: readonly unknown[]): unknown[] {
  const key = mergeKey(field, [...desired, ...live]);
  if (key === undefined) return clone([...desired]);
  const desiredByKey = index(desired, key);
  const liveByKey = index(live, key);
  const lastByKey = Array.isArray(last) ? index(last, key) : new Map<unknown, Json>();
  if (desiredByKey === undefined || liveByKey === undefined || lastByKey === undefined) return clone([...desired]);
  const out: unknown[] = [];
  for (const [k, item] of desiredByKey) {
    const liveItem = liveByKey.get(k);
    out.push(liveItem === undefined ? clone(item) : mergeObject(lastByKey.get(k), liveItem, item));
  }
  // Items someone else added (never applied by the user) stay; items the user removed go.
  for (const [k, item] of liveByKey) {
    if (!desiredByKey.has(k) && !lastByKey.has(k)) out.push(clone(item));
  }
  return out;
}

function mergeValue(field: string, last: unknown, live: unknown, desired: unknown): unknown {
  if (isObject(live) && isObject(desired)) return mergeObject(isObject(last) ? last : undefined, live, desired);
  if (Array.isArray(live) && Array.isArray(desired)) return mergeList(field, last, live, desired);
  return clone(desired);
}

function mergeObject(last: Json | undefined, live: Json, desired: Json): Json {
  const out: Json = clone(live);
  for (const [k, v] of Object.entries(desired)) {
    // An explicit null in desired deletes the field, as in a JSON merge patch.
    if (v === null) delete out[k];
    else out[k] = mergeValue(k, last?.[k], live[k], v);
  }
  for (const k of Object.keys(last ?? {})) {
    if (!(k in desired)) delete out[k];
  }
  return out;
}

/**
 * Merges `desired` into `live` given `lastApplied` (undefined when the object was never
 * applied: then nothing is removed). Returns a new object; the inputs are not modified.
 * status and the server-owned metadata (uid, resourceVersion, generation, creationTimestamp...)
 * always come from live.
 */
export function threeWayMerge(lastApplied: Record<string, unknown> | undefined, live: Record<string, unknown>, desired: Record<string, unknown>): Record<string, unknown> {
  const { status: _ds, ...desiredBody } = desired;
  const { status: _ls, ...lastBody } = lastApplied ?? {};
  const out = mergeObject(lastApplied === undefined ? undefined : lastBody, live, desiredBody);
  if ('status' in live) out['status'] = clone(live['status']);
  else delete out['status'];
  const liveMeta = isObject(live['metadata']) ? live['metadata'] : {};
  const meta = out['metadata'];
  if (isObject(meta)) {
    for (const k of SERVER_METADATA) {
      if (k in liveMeta) meta[k] = clone(liveMeta[k]);
      else delete meta[k];
    }
  }
  return out;
}
