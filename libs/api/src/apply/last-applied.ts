/**
 * The last-applied annotation: what the user applied last time, kept on the object so that the
 * next apply can tell fields the user removed from fields someone else set (see merge.ts).
 */

/** tsk's spelling of kubectl.kubernetes.io/last-applied-configuration. */
export const LAST_APPLIED_ANNOTATION = 'tsk.dev/last-applied-configuration';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The configuration to record for `desired` (a Kubernetes JSON form): without status, without
 * the annotation itself (it would nest a copy of itself on every apply), and without
 * server-owned metadata.
 */
export function lastAppliedConfiguration(desired: Record<string, unknown>): string {
  const { status: _status, ...body } = desired;
  const copy = structuredClone(body);
  if (isObject(copy['metadata'])) {
    const meta = copy['metadata'];
    for (const k of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields']) delete meta[k];
    if (isObject(meta['annotations'])) {
      const annotations = meta['annotations'];
      delete annotations[LAST_APPLIED_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete meta['annotations'];
    }
  }
  return JSON.stringify(copy);
}

/**
 * Sets the last-applied annotation on `target` (a JSON form, or a typed object: both keep
 * annotations in metadata.annotations) to the configuration of `desired`, which defaults to the
 * target itself. Returns the target.
 */
export function setLastApplied<T extends { metadata?: unknown }>(target: T, desired: Record<string, unknown> = target as Record<string, unknown>): T {
  const config = lastAppliedConfiguration(desired);
  const holder = target as { metadata?: unknown };
  if (!isObject(holder.metadata)) holder.metadata = {};
  const meta = holder.metadata as Json;
  const annotations = isObject(meta['annotations']) ? meta['annotations'] : {};
  meta['annotations'] = { ...annotations, [LAST_APPLIED_ANNOTATION]: config };
  return target;
}

/** The last-applied configuration recorded on `object`, or undefined (absent or unreadable). */
export function getLastApplied(object: { metadata?: unknown }): Record<string, unknown> | undefined {
  const meta = object.metadata;
  if (!isObject(meta) || !isObject(meta['annotations'])) return undefined;
  const text = meta['annotations'][LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    // A hand-edited, broken annotation: apply then behaves as a first apply (nothing removed).
    return undefined;
  }
}
