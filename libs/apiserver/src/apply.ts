/**
 * Apply, as `kubectl apply` does it but on the server: every object is defaulted and validated
 * before any is written (a refused apply stores nothing), then each is created, or merged into the
 * live object with a three-way merge against the last-applied configuration kept in an
 * annotation. A write that fails part way names the documents already applied.
 */
import {
  LAST_APPLIED_ANNOTATION,
  TskError,
  getLastApplied,
  lastAppliedConfiguration,
  threeWayMerge,
  decodeManifest,
  encodeManifest,
  isTskError,
  metaOf,
  type KindInfo,
  type KindObject,
} from '@tsk/api';
import { effectiveNamespace } from './codec.js';
import { type Storage, type WriteCallOptions } from './storage.js';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyInput {
  readonly info: KindInfo;
  readonly object: KindObject;
  /** 1-based position in the request or file. */
  readonly index: number;
}

export interface ApplyOutput {
  readonly object: KindObject;
  readonly action: ApplyAction;
}

export interface ApplyOptions extends WriteCallOptions {
  /** Namespace for objects that name none. */
  readonly namespace?: string;
  /** File name for messages; empty for objects sent as such. */
  readonly filename?: string;
}

/** Conflicts with a concurrent writer are retried this many times per object. */
const MERGE_ATTEMPTS = 5;

function describe(input: ApplyInput, options: ApplyOptions, namespace: string): string {
  const name = metaOf(input.object).name ?? '';
  const id = [input.info.kind, namespace !== '' && name !== '' ? `${namespace}/${name}` : name].filter((p) => p !== '').join(' ');
  const where = options.filename ? `${options.filename}: document ${input.index}` : `object ${input.index}`;
  return `${where} (${id})`;
}

function prefixed(err: unknown, label: string, applied: readonly string[]): unknown {
  if (!isTskError(err)) return err;
  const done = applied.length > 0 ? ` (already applied: ${applied.join(', ')})` : ' (nothing was applied)';
  return new TskError(err.code, `${label}: ${err.message}${done}`, { cause: err });
}

function withAnnotation(object: KindObject, value: string): KindObject {
  const meta = { ...(object.metadata ?? {}) };
  meta.annotations = { ...(meta.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: value };
  return { ...object, metadata: meta };
}

export async function applyObjects(storage: Storage, inputs: readonly ApplyInput[], options: ApplyOptions = {}): Promise<ApplyOutput[]> {
  const defaultNs = options.namespace === undefined || options.namespace === '' ? 'default' : options.namespace;
  // Phase 1: everything must be valid before anything is written.
  const prepared = inputs.map((input) => {
    const namespace = effectiveNamespace(input.info, metaOf(input.object).namespace, defaultNs);
    const label = describe(input, options, namespace);
    try {
      const desired = encodeManifest(input.info, input.object);
      const annotated = withAnnotation(input.object, lastAppliedConfiguration(desired));
      const object = storage.prepareCreate(input.info, annotated, defaultNs);
      return { input, label, desired, object, namespace };
    } catch (err) {
      throw prefixed(err, label, []);
    }
  });

  // Phase 2: create or merge, one object at a time, in order (a Namespace before what is in it).
  const results: ApplyOutput[] = [];
  const applied: string[] = [];
  for (const p of prepared) {
    options.signal?.throwIfAborted();
    try {
      const result = await applyOne(storage, p.input.info, p.object, p.desired, p.namespace, options);
      results.push(result);
      applied.push(`${p.label} ${result.action}`);
    } catch (err) {
      throw prefixed(err, p.label, applied);
    }
  }
  return results;
}

async function applyOne(
  storage: Storage,
  info: KindInfo,
  fresh: KindObject,
  desired: Record<string, unknown>,
  namespace: string,
  options: ApplyOptions,
): Promise<ApplyOutput> {
  const name = fresh.metadata?.name ?? '';
  const write = { ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }), ...(options.signal === undefined ? {} : { signal: options.signal }) };
  for (let attempt = 0; ; attempt++) {
    const current = await storage.read(info, namespace, name);
    if (current === undefined) {
      try {
        return { object: await storage.create(info, fresh, write, true), action: 'created' };
      } catch (err) {
        // Someone created it between our read and write: merge into theirs instead.
        if (isTskError(err) && err.code === 'ALREADY_EXISTS' && attempt < MERGE_ATTEMPTS) continue;
        throw err;
      }
    }
    const live = current.object;
    const merged = threeWayMerge(getLastApplied(live), encodeManifest(info, live), desired);
    const mergedMeta = { ...((merged['metadata'] as Record<string, unknown> | undefined) ?? {}) };
    mergedMeta['annotations'] = {
      ...((mergedMeta['annotations'] as Record<string, unknown> | undefined) ?? {}),
      [LAST_APPLIED_ANNOTATION]: lastAppliedConfiguration(desired),
    };
    mergedMeta['resourceVersion'] = live.metadata?.resourceVersion ?? '';
    const { object } = decodeManifest({ ...merged, metadata: mergedMeta });
    try {
      const updated = await storage.update(info, object, false, write);
      const same = updated.metadata?.resourceVersion === live.metadata?.resourceVersion;
      return { object: updated, action: same ? 'unchanged' : 'configured' };
    } catch (err) {
      if (isTskError(err) && err.code === 'ABORTED' && attempt < MERGE_ATTEMPTS) continue;
      throw err;
    }
  }
}
