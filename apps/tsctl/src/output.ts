/**
 * Output formats of get (and friends): kubectl's tables, `-o json` and `-o yaml` in exactly the
 * Kubernetes shape (a List for several objects), and `-o name`.
 */
import { displayName, encodeManifest, type Event, type KindInfo, type KindObject } from '@tsk/api';
import { stringify } from 'yaml';
import { columnsFor, EVENT_HEADERS, eventRow, eventTime } from './columns.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseOutput(o: string | undefined): OutputFormat {
  if (o === undefined || o === '') return 'table';
  if (o === 'wide' || o === 'json' || o === 'yaml' || o === 'name') return o;
  throw new UsageError(`unable to match a printer suitable for the output format "${o}", allowed formats are: json,name,wide,yaml`);
}

export interface Item {
  readonly info: KindInfo;
  readonly object: KindObject;
}

export function manifestOf(item: Item): Record<string, unknown> {
  return encodeManifest(item.info, item.object);
}

/** kubectl's List wrapper around several objects. */
export function listOf(items: readonly Item[]): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'List', items: items.map(manifestOf) };
}

export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

export function formatYaml(value: unknown): string {
  return stringify(value, { indentSeq: false, lineWidth: 0 });
}

export function nameOf(item: Item): string {
  return displayName(item.info, item.object.metadata?.name ?? '');
}

/** -o json / yaml / name of what was asked: one object alone when `single`, else a List. */
export function formatObjects(format: 'json' | 'yaml' | 'name', items: readonly Item[], single: boolean): string {
  if (format === 'name') return items.map((i) => `${nameOf(i)}\n`).join('');
  const value = single && items.length === 1 ? manifestOf(items[0]!) : listOf(items);
  return format === 'json' ? formatJson(value) : formatYaml(value);
}

export interface TableOptions {
  readonly wide: boolean;
  /** Adds NAMESPACE as the first column (-A). */
  readonly namespaceColumn: boolean;
  /** Names as "pod/web-1" (several kinds in one get). */
  readonly kindPrefix: boolean;
  readonly now: number;
}

export interface Table {
  readonly headers: string[];
  readonly rows: string[][];
}

/** Header and rows for objects of one kind. */
export function tableOf(info: KindInfo, objects: readonly KindObject[], opts: TableOptions): Table {
  const ns = (o: KindObject): string[] => (opts.namespaceColumn ? [o.metadata?.namespace ?? ''] : []);
  const nsHeader = opts.namespaceColumn ? ['NAMESPACE'] : [];
  if (info.kind === 'Event') {
    const events = [...(objects as Event[])].sort((a, b) => Date.parse(eventTime(a) ?? '') - Date.parse(eventTime(b) ?? ''));
    return { headers: [...nsHeader, ...EVENT_HEADERS], rows: events.map((e) => [...ns(e), ...eventRow(e, opts.now)]) };
  }
  const c = columnsFor(info.kind);
  const name = (o: KindObject): string => (opts.kindPrefix ? displayName(info, o.metadata?.name ?? '') : (o.metadata?.name ?? ''));
  const headers = [...nsHeader, 'NAME', ...c.headers, ...(opts.wide ? c.wide : [])];
  const rows = objects.map((o) => [...ns(o), name(o), ...c.row(o, opts.now), ...(opts.wide ? c.wideRow(o, opts.now) : [])]);
  return { headers, rows };
}
